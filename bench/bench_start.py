"""Start-up and memory probe (not a test, not in CI): launch → first frame of the real app in a
pseudo-terminal, next to a bare Textual app, and the app's RSS after the first frame and after the
store opened and 5 turns.

    python bench/bench_start.py                       # 5 runs, empty store
    python bench/bench_start.py --runs 5 --entries 10000

After one uncounted warm-up launch of each, each run spawns ``python -m tui`` under
``pty.openpty`` (160x45, TERM=xterm-256color) and times
until its output contains the mode name "Journal"; the bare app is a tiny Textual app showing
"Journal" in a Static, spawned the same way. RSS is VmRSS from /proc/PID/status: right after the
first frame (each run), and, in the last run, after the store opened and 5 turns typed into the
pty were answered by the stand-in Ollama (a separate process; short replies at once). With
``--entries N`` each run starts on a copy of a cached store holding N entries.
Goals (issue "Smooth and light"): first frame ≤ 0.30 s; RSS ≤ 250 MB at 10k entries after 5 turns.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import shutil
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_support import Children, Table, against_goal, bench_run, copy_store, isolated_env, median, stub_process

from tests.pty_support import read_for

GOAL_FIRST_FRAME = 0.30
GOAL_RSS_MB = 250.0
SIZE = (160, 45)
FIRST_FRAME_TIMEOUT = 60.0
TURN_TIMEOUT = 120.0
BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("Journal")

Bare().run()
"""


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def rss_by_mapping(pid: int, top: int = 12) -> list[tuple[str, float]]:
    """Resident MB per mapped file (shared libraries by name) and for anonymous memory (the heaps)."""
    totals: dict[str, float] = {}
    name = "?"
    try:
        for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
            head = line.split()
            if head and "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                name = Path(head[5]).name if len(head) > 5 else "[anonymous]"
            elif line.startswith("Rss:"):
                totals[name] = totals.get(name, 0.0) + int(head[1]) / 1024
    except OSError:
        return []
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def spawn_in_pty(children: Children, argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    columns, lines = SIZE
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    env = dict(env, TERM="xterm-256color", COLUMNS=str(columns), LINES=str(lines))
    try:
        proc = children.spawn(argv, env=env, stdin=slave, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    return proc, master


def first_frame(children: Children, argv: list[str], env: dict[str, str],
                needle: bytes = b"Journal") -> tuple[float, subprocess.Popen, int, bytes]:
    """Seconds from launch until the output shows ``needle`` (the mode name; a locked journal's
    unlock screen shows none)."""
    started = time.perf_counter()
    proc, master = spawn_in_pty(children, argv, env)
    seen = read_for(master, FIRST_FRAME_TIMEOUT, needle)
    took = time.perf_counter() - started
    if needle not in seen:
        children.kill(proc)
        os.close(master)
        raise RuntimeError(f"no first frame within {FIRST_FRAME_TIMEOUT:.0f} s: {seen[-400:]!r}")
    return took, proc, master, seen


def replied_turns(data_dir: Path, prefix: str) -> int:
    path = data_dir / "entries.db"
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=2)
        try:
            return db.execute("SELECT COUNT(*) FROM entry WHERE instr(text, ?) = 1 AND reply IS NOT NULL "
                              "AND reply != ''", (prefix,)).fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def drive_turns(master: int, data_dir: Path, turns: int, seen: bytes) -> tuple[int, float]:
    """Type ``turns`` entries into the app, one after the other, each once the last is stored with
    its reply (read from entries.db). Returns (turns answered, seconds)."""
    prefix = f"bench start turn {os.getpid()}"
    started = time.perf_counter()
    for n in range(turns):
        os.write(master, f"{prefix} {n}: walked by the river and felt calm".encode())
        seen = read_for(master, 0.2, start=seen[-1000:])
        os.write(master, b"\r")
        deadline = time.monotonic() + TURN_TIMEOUT
        while replied_turns(data_dir, prefix) < n + 1 and time.monotonic() < deadline:
            seen = read_for(master, 0.1, start=seen[-1000:])
        if replied_turns(data_dir, prefix) < n + 1:
            return n, time.perf_counter() - started
    return turns, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--runs", type=int, default=5, help="launches of each app (default 5)")
    parser.add_argument("--entries", type=int, default=0, help="entries in the store (default 0: empty)")
    parser.add_argument("--turns", type=int, default=5, help="turns before the last RSS reading (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--smaps", action="store_true", help="after the turns, print where the RSS lives "
                        "(anonymous memory and each shared library)")
    args = parser.parse_args()
    by_mapping: list[tuple[str, float]] = []
    with bench_run("start", args.keep) as (root, children):
        env = isolated_env(root)
        with stub_process(children, env) as host:
            env["OLLAMA_HOST"] = host
            app_times, bare_times, first_rss = [], [], []
            turned = (0, 0.0)
            after_turns = float("nan")
            for argv in ([sys.executable, "-c", BARE_APP], [sys.executable, "-m", "tui"]):  # warm-up, not counted
                _, proc, master, _ = first_frame(children, argv, dict(env, MINDPANE_DATA_DIR=str(root / "warm")))
                children.kill(proc)
                os.close(master)
            for run in range(args.runs):
                bare, proc, master, _ = first_frame(children, [sys.executable, "-c", BARE_APP], env)
                children.kill(proc)
                os.close(master)
                bare_times.append(bare)
                data_dir = root / f"data-{run}"
                copy_store(args.entries, data_dir, children)
                run_env = dict(env, MINDPANE_DATA_DIR=str(data_dir))
                took, proc, master, seen = first_frame(children, [sys.executable, "-m", "tui"], run_env)
                first_rss.append(rss_mb(proc.pid))
                app_times.append(took)
                last = run == args.runs - 1
                if last and args.turns:
                    turned = drive_turns(master, data_dir, args.turns, seen)
                    after_turns = rss_mb(proc.pid)
                    by_mapping = rss_by_mapping(proc.pid) if args.smaps else []
                else:
                    read_for(master, 0.3)
                children.kill(proc)
                os.close(master)
                shutil.rmtree(data_dir, ignore_errors=True)
                print(f"  run {run + 1}/{args.runs}: mindpane {took:.3f} s (RSS {first_rss[-1]:.0f} MB), "
                      f"bare Textual {bare:.3f} s", flush=True)
        table = Table(f"start-up and memory, {args.entries:,} entries, {SIZE[0]}x{SIZE[1]} pty, {args.runs} runs")
        med, bare_med = median(app_times), median(bare_times)
        table.add("first frame, mindpane (median)", f"{med:.3f} s", f"≤ {GOAL_FIRST_FRAME:.2f} s",
                  against_goal(med, GOAL_FIRST_FRAME))
        table.add("first frame, mindpane (min / max)", f"{min(app_times):.3f} / {max(app_times):.3f} s")
        table.add("first frame, bare Textual (median)", f"{bare_med:.3f} s", "",
                  f"mindpane = {med / bare_med:.2f}× bare")
        table.add("first frame, bare Textual (min / max)", f"{min(bare_times):.3f} / {max(bare_times):.3f} s")
        table.add("RSS at first frame (median)", f"{median(first_rss):.0f} MB")
        if args.turns:
            done, seconds = turned
            table.add(f"RSS after store open + {done}/{args.turns} turns", f"{after_turns:.0f} MB",
                      f"≤ {GOAL_RSS_MB:.0f} MB (at 10k)", against_goal(after_turns, GOAL_RSS_MB))
            table.add(f"{done} turns typed and stored", f"{seconds:.1f} s")
        table.print()
        if by_mapping:
            print("\nRSS after the turns, by mapping (MB):")
            for name, megabytes in by_mapping:
                print(f"  {megabytes:7.1f}  {name}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
