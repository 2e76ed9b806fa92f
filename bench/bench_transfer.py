"""Export/import benchmark (not a test, not in CI): fill a store with N entries, then time
``mindpane export --format json`` to a file and ``mindpane import`` of that file into an empty data
dir, each in its own process so its peak RSS is its own (read from ``wait4``; this parent stays
small, since a child's peak RSS starts from its parent's at fork).

    python bench/bench_transfer.py --entries 10000          # 100000 takes a while (embedding)

Prints wall time, entries per second and peak RSS (MiB) of each command. Runs in a temporary dir.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

FILL_BATCH = 2000
FEELINGS = ["calm", "anxious", "proud", "tired", "hopeful", "frustrated", "grateful", "restless"]
ACTIVITIES = ["went running", "cooked dinner", "read a novel", "painted", "fixed the bike", "planned the move"]
TOPICS = ["asyncio tasks", "dataclasses", "type hints", "pytest fixtures", "generators", "pathlib", "sqlite3"]


def entry(rng: random.Random, n: int, base: datetime) -> tuple:
    from tui.domain.modes import CODE, JOURNAL
    from tui.domain.records import ImportedEntry

    at = base + timedelta(minutes=37 * n)
    if n % 2:
        return CODE, ImportedEntry(f"How do I combine {rng.choice(TOPICS)} with {rng.choice(TOPICS)}? (#{n})", at,
                                   f"Use {rng.choice(TOPICS)}; here is why… (answer {n})", {"model": "bench:1"})
    return JOURNAL, ImportedEntry(f"Day {n}: {rng.choice(ACTIVITIES)} and felt {rng.choice(FEELINGS)}.", at,
                                  "What made it feel that way?" if n % 3 else "")


def fill(data_dir: Path, total: int) -> float:
    """(In a child process: ``--fill DIR N``.) Store ``total`` entries, half per mode, batched."""
    sys.path.insert(0, str(REPO))
    from tui.domain.modes import CODE, JOURNAL
    from tui.services.engine import open_store
    from tui.services.settings import Settings

    rng = random.Random(total)
    base = datetime(2015, 1, 1, tzinfo=UTC)
    start = time.perf_counter()
    store = open_store(Settings(data_dir=data_dir))
    try:
        for first in range(0, total, FILL_BATCH):
            chunk = [entry(rng, n, base) for n in range(first, min(first + FILL_BATCH, total))]
            for mode in (JOURNAL, CODE):
                store.import_entries(mode, [e for m, e in chunk if m is mode])
    finally:
        store.close()
    return time.perf_counter() - start


def command() -> list[str]:
    return [sys.executable, "-m", "tui"]


def timed_child(argv: list[str], env: dict, log: Path) -> tuple[float, float]:
    """Run one command; its wall time (s) and its own peak RSS (MiB, from wait4's rusage)."""
    start = time.perf_counter()
    with open(log, "wb") as sink:
        child = subprocess.Popen(argv, env=env, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if child.returncode:
        sys.exit(f"{' '.join(argv[2:])} failed ({child.returncode}):\n{log.read_text(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def bench(total: int) -> None:
    with tempfile.TemporaryDirectory(prefix="mindpane-bench-") as tmp:
        tmp_path = Path(tmp)
        source, target, dump = tmp_path / "source", tmp_path / "target", tmp_path / "export.json"
        env = {**os.environ, "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("MINDPANE_DATA_DIR", None)
        elapsed, rss = timed_child([sys.executable, __file__, "--fill", str(source), str(total)], env,
                                   tmp_path / "child.log")
        print(f"\n{total:,} entries: filled in {elapsed:.1f} s (store.import_entries in batches; "
              f"peak RSS {rss:.0f} MiB)")
        base = command()
        runs = [
            ("export --format json", [*base, "--data-dir", str(source), "export", "--format", "json",
                                      "-o", str(dump)]),
            ("import (empty data dir)", [*base, "--data-dir", str(target), "import", str(dump)]),
            ("import again (all duplicates)", [*base, "--data-dir", str(target), "import", str(dump)]),
            ("export --format md", [*base, "--data-dir", str(target), "export", "--format", "md",
                                    "-o", str(tmp_path / "export.md")]),
        ]
        for label, argv in runs:
            elapsed, rss = timed_child(argv, env, tmp_path / "child.log")
            extra = f"   file {dump.stat().st_size / 2**20:6.1f} MiB" if label.startswith("export --format j") else ""
            print(f"  {label:<32} {elapsed:8.2f} s  {total / elapsed:9,.0f} entries/s  peak RSS {rss:7.0f} MiB{extra}")
        again = tmp_path / "again.json"
        timed_child([*base, "--data-dir", str(target), "export", "-o", str(again)], env, tmp_path / "child.log")
        print(f"  round trip byte-identical: {again.read_bytes() == dump.read_bytes()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[10000])
    parser.add_argument("--fill", nargs=2, metavar=("DIR", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        fill(Path(args.fill[0]), int(args.fill[1]))
        return
    os.environ.setdefault("HOME", tempfile.mkdtemp(prefix="mindpane-bench-home-"))
    print(f"mindpane export/import benchmark — {os.cpu_count()} cores, python {sys.version.split()[0]}")
    for total in args.entries:
        bench(total)
    print(f"  (this parent's own peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
