"""Shared by the smoothness benchmarks (bench_stall, bench_start, bench_ask): isolated environments,
a stand-in Ollama in a separate process, a cached pre-filled store, and the figure table.

Also runnable on its own (the benchmarks start it as a child process):

    python bench/bench_support.py serve [--delay 0.012]       # prints "PORT <n>", serves until killed
    python bench/bench_support.py fill --entries 10000         # fills (or reuses) the cached store

The cached stores live under ``$MINDPANE_BENCH_CACHE`` (default ``/tmp/mindpane-bench-cache``), one
per entry count, filled once (10k entries take about a minute on 2 cores) and copied into a fresh
temporary data dir for every run, so a run never changes the cache.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CACHE_VERSION = "v1"
LONG_MARKER = "LONGREPLY"
HUGE_MARKER = "HUGEREPLY"
"""A turn whose text holds it is answered with ``huge_text`` (200 KB) in 400-character chunks."""
HUGE_CHARS = 200_000
"""A turn whose text contains this gets the long reply, streamed slowly; any other turn a short one."""
SHORT_REPLY = "That sounds like a full day. What would make tomorrow a little lighter?"


# -- the long reply: prose, a 120-line python fence, prose (~4.7k characters) ----------------------

def long_reply() -> str:
    intro = ("Here is a way to structure the loader so that it stays readable as it grows. The idea is to "
             "keep parsing, validation and storage apart, so each part can be tested on its own and the "
             "slow part (reading the file) happens lazily, one row at a time.\n\n"
             "- **parse**: turn raw lines into typed records\n"
             "- **validate**: reject what cannot be stored, with a reason\n"
             "- **store**: write in batches inside one transaction\n\n")
    lines = ["```python", "from __future__ import annotations", "", "import csv", "import sqlite3",
             "from dataclasses import dataclass", "from pathlib import Path", ""]
    n = 0
    while len(lines) < 121:
        n += 1
        lines += [f"def step_{n:02d}(rows: list[dict]) -> list[dict]:",
                  f"    \"\"\"Stage {n}: scores above {n}.\"\"\"",
                  f"    kept = [r for r in rows if r['score'] > {n}]",
                  f"    return kept[:{n * 10}]", ""]
    lines = [*lines[:121], "```", ""]
    outro = ("\nEach stage is a plain function, so `pytest` can call it with a handful of dicts and no "
             "database. When the file is large, wrap the reader in a generator and feed the stages in "
             "chunks of a few thousand rows; `itertools.batched` (3.12+) makes that a one-liner. Keep the "
             "transaction per batch, not per row: sqlite3 commits are the expensive part, and one commit "
             "per thousand rows is usually fast enough.\n\nIf you need to resume after a crash, store the "
             "last committed line number next to the data and skip that many lines on the next start. "
             "Would you like an example of the resumable version, with a test for the restart path?\n")
    text = intro + "\n".join(lines) + outro
    return text


def huge_text(seed: int, size: int = HUGE_CHARS) -> str:
    """About ``size`` characters of prose in short paragraphs (a 200 KB paste, or a reply as long)."""
    import random

    rng = random.Random(seed)
    words = ("the", "river", "lake", "garden", "code", "python", "function", "data", "loader", "batch", "quiet",
             "evening", "walk")
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choice(words) for _ in range(12)) + ".\n" + ("\n" if rng.random() < 0.1 else "")
        lines.append(line)
        total += len(line)
    return "".join(lines)


def split_chunks(text: str, sizes: tuple[int, ...] = (3, 4)) -> list[str]:
    """Token-sized pieces (3, 4, 3, 4… characters), like a model's stream."""
    chunks, at, i = [], 0, 0
    while at < len(text):
        size = sizes[i % len(sizes)]
        chunks.append(text[at:at + size])
        at += size
        i += 1
    return chunks


# -- isolation ------------------------------------------------------------------------------------

def isolated_env(root: Path, base: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """``base`` (default os.environ) without Ollama/mindpane/mem0/XDG variables, with HOME, the XDG
    dirs and TMPDIR under ``root``. The int8-kernel copy of the embedding model lives with the
    cached stores (``MINDPANE_CACHE_DIR``), made by the first bench ever run: every figure is the
    steady state of a data dir that has made it already (a person's first open makes it once)."""
    base = dict(os.environ if base is None else base)
    env = {key: value for key, value in base.items()
           if not key.startswith(("OLLAMA", "MINDPANE", "MEM0", "XDG_", "CHROMA"))
           and key not in ("ANONYMIZED_TELEMETRY", "ORT_DISABLE_TELEMETRY")}
    home = root / "home"
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_STATE_HOME=str(home / ".local" / "state"),
               TMPDIR=str(root / "tmp"), MINDPANE_DATA_DIR=str(root / "data"), PYTHONUNBUFFERED="1",
               MINDPANE_CACHE_DIR=str(cache_root() / "models"))
    for path in (home, root / "tmp"):
        path.mkdir(parents=True, exist_ok=True)
    env.update(extra)
    return env


def isolate_this_process(root: Path, **extra: str) -> dict[str, str]:
    """The same, applied to this process's own environment (before mindpane is imported)."""
    env = isolated_env(root, **extra)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None  # TMPDIR is read again
    return env


# -- child processes ------------------------------------------------------------------------------

class Children:
    """Every child started, each in its own session; ``kill_all`` SIGKILLs their groups (by pid)."""

    def __init__(self) -> None:
        self.live: list[subprocess.Popen] = []

    def spawn(self, argv: list[str], **options) -> subprocess.Popen:
        proc = subprocess.Popen(argv, cwd=REPO, start_new_session=True, **options)
        self.live.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen, timeout: float = 10.0) -> bool:
        """SIGKILL the process group; True if the process was still running."""
        if proc not in self.live:
            return False
        running = proc.poll() is None
        if running:  # not reaped yet, so the pid (and its group) is still this process's
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
        self.live.remove(proc)
        return running

    def kill_all(self) -> None:
        for proc in list(self.live):
            self.kill(proc)


@contextlib.contextmanager
def stub_process(children: Children, env: dict[str, str], delay: float = 0.012,
                 short_reply: str = SHORT_REPLY) -> Iterator[str]:
    """A stand-in Ollama in its own process; yields its ``host:port`` (for OLLAMA_HOST)."""
    proc = children.spawn([sys.executable, str(Path(__file__).resolve()), "serve", "--delay", str(delay),
                           "--short-reply", short_reply],
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True)
    try:
        line = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not line.startswith("PORT "):
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                raise RuntimeError("the stand-in Ollama did not start")
        if not line.startswith("PORT "):
            raise RuntimeError("the stand-in Ollama did not say its port")
        yield f"127.0.0.1:{int(line.split()[1])}"
    finally:
        children.kill(proc)


def serve(delay: float, short_reply: str) -> None:
    """The stand-in: tests.ollama_stub, the long reply for LONGREPLY turns and a 200 KB one for
    HUGEREPLY turns (``delay`` s before each chunk), the short reply (no delay) for any other turn."""
    from tests.ollama_stub import OllamaStub

    long_chunks = split_chunks(long_reply())
    reply = huge_text(2)
    huge_chunks = [reply[start:start + 400] for start in range(0, len(reply), 400)]
    short_chunks = split_chunks(short_reply)
    stub = OllamaStub(default_reply=short_reply).start()
    server = stub._server
    base = server.RequestHandlerClass

    class BenchHandler(base):  # type: ignore[misc, valid-type]
        slow = False

        def _chat(self, body: dict) -> None:
            messages = body.get("messages") or []
            last = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
            self.slow = LONG_MARKER in last or HUGE_MARKER in last
            stub.script(chunks=huge_chunks if HUGE_MARKER in last else long_chunks if self.slow else short_chunks)
            super()._chat(body)

        def _write_chunk(self, payload: dict) -> None:
            if self.slow and (payload.get("message") or {}).get("content"):
                time.sleep(delay)
            super()._write_chunk(payload)

    server.RequestHandlerClass = BenchHandler
    print(f"PORT {stub.port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)


# -- the cached, pre-filled store -----------------------------------------------------------------

def cache_root() -> Path:
    return Path(os.environ.get("MINDPANE_BENCH_CACHE", "/tmp/mindpane-bench-cache"))


def cached_store(entries: int, children: Children | None = None) -> Path:
    """A data dir holding ``entries`` entries (half journal, half code), filled once and cached."""
    target = cache_root() / f"store-{entries}-{CACHE_VERSION}"
    if (target / "COMPLETE").exists():
        print(f"(using the cached {entries:,}-entry store at {target})", flush=True)
        return target / "data"
    print(f"(filling a {entries:,}-entry store once, cached at {target} for later runs…)", flush=True)
    started = time.monotonic()
    own = children or Children()
    root = Path(tempfile.mkdtemp(prefix="mindpane-bench-fill-"))
    try:
        env = isolated_env(root)
        proc = own.spawn([sys.executable, str(Path(__file__).resolve()), "fill-here", "--entries", str(entries),
                          "--dest", str(root / "data")], env=env)
        try:
            code = proc.wait(1800)
        except subprocess.TimeoutExpired:
            code = None
        own.kill(proc)
        if code != 0:
            raise RuntimeError(f"filling the store failed (exit {code})")
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        shutil.move(str(root / "data"), str(target / "data"))
        (target / "COMPLETE").write_text(f"{entries}\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"(filled in {time.monotonic() - started:.0f} s)", flush=True)
    return target / "data"


def copy_store(entries: int, dest: Path, children: Children | None = None) -> Path:
    """A fresh copy of the cached ``entries`` store at ``dest`` (an empty dir when entries is 0)."""
    if entries <= 0:
        dest.mkdir(parents=True, exist_ok=True)
        return dest
    shutil.copytree(cached_store(entries, children), dest, symlinks=True)
    for lock in dest.glob("*.lock"):
        lock.unlink()
    return dest


def fill_here(entries: int, dest: Path) -> None:
    import random
    from datetime import UTC, datetime, timedelta

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_store import code_text, journal_text

    from tui.domain.modes import CODE, JOURNAL
    from tui.domain.records import ImportedEntry
    from tui.services.engine import open_store
    from tui.services.settings import Settings

    rng = random.Random(entries)
    store = open_store(Settings(data_dir=dest))
    base = datetime(2020, 1, 1, tzinfo=UTC)
    try:
        for mode, make in ((JOURNAL, journal_text), (CODE, code_text)):
            half = entries // 2
            for start in range(0, half, 1000):
                store.import_entries(mode, [ImportedEntry(make(rng, n), base + timedelta(hours=3 * n))
                                            for n in range(start, min(half, start + 1000))])
                print(f"  {mode.name}: {min(half, start + 1000):,}/{half:,}", flush=True)
    finally:
        store.close()


# -- figures --------------------------------------------------------------------------------------

def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


class Table:
    """figure / value / goal / ratio, printed at the end."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, figure: str, value: str, goal: str = "", ratio: str = "") -> None:
        self.rows.append((figure, value, goal, ratio))

    def section(self, name: str) -> None:
        self.rows.append((f"— {name}", "", "", ""))

    def print(self) -> None:
        head = ("figure", "value", "goal", "ratio")
        widths = [max(len(row[i]) for row in [head, *self.rows]) for i in range(4)]
        print(f"\n{self.title}")
        line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
        print(line)
        print("-" * len(line))
        for row in self.rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def against_goal(value: float, goal: float) -> str:
    """The ratio column for a figure with an upper goal, e.g. ``1.25× goal MISSED``."""
    return f"{value / goal:.2f}× goal {verdict(value <= goal)}"


@contextlib.contextmanager
def bench_run(name: str, keep: bool) -> Iterator[tuple[Path, Children]]:
    """A temporary root and the children started under it: every child is killed and the root
    removed (or kept, and its path printed) whatever happens."""
    root = Path(tempfile.mkdtemp(prefix=f"mindpane-bench-{name}-"))
    children = Children()
    try:
        yield root, children
    finally:
        children.kill_all()
        if keep:
            print(f"kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="helpers of the smoothness benchmarks")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the stand-in Ollama, print its port")
    s.add_argument("--delay", type=float, default=0.012)
    s.add_argument("--short-reply", default=SHORT_REPLY)
    f = sub.add_parser("fill", help="fill (or reuse) the cached store of N entries")
    f.add_argument("--entries", type=int, default=10000)
    h = sub.add_parser("fill-here", help=argparse.SUPPRESS)
    h.add_argument("--entries", type=int, required=True)
    h.add_argument("--dest", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.delay, args.short_reply)
    elif args.command == "fill":
        print(cached_store(args.entries))
    else:
        fill_here(args.entries, args.dest)


if __name__ == "__main__":
    main()
