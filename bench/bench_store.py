"""Store benchmark (not a test, not in CI): fill a store with N varied entries and time the calls
the app makes on every turn and every history view.

    python bench/bench_store.py --entries 1000 10000      # add 100000 if you have ~10 minutes

Prints median and p95 in milliseconds, and each figure as a ratio of its target (≤ 1.0 is met):
recall ≤ 15 ms p50 at 10k, first history page ≤ 50 ms at 10k. Runs in a temporary data dir.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.domain.modes import CODE, JOURNAL
from tui.domain.records import ImportedEntry
from tui.services.engine import open_store
from tui.services.settings import Settings

TARGETS_MS = {"recall": 15.0, "first history page": 50.0}

PEOPLE = ["Sam", "Ana", "my sister", "mum", "the team", "an old friend", "my manager", "the neighbours"]
PLACES = ["by the river", "at work", "in the garden", "on the train", "at the gym", "in the kitchen", "downtown"]
FEELINGS = ["calm", "anxious", "proud", "tired", "hopeful", "frustrated", "grateful", "restless"]
ACTIVITIES = ["went running", "cooked dinner", "argued about plans", "read a novel", "painted",
              "fixed the bike", "went swimming", "planned the move", "practised guitar", "walked for hours"]
TOPICS = ["asyncio tasks", "dataclasses", "type hints", "pytest fixtures", "context managers", "generators",
          "decorators", "pathlib", "f-strings", "sqlite3", "argparse", "logging", "itertools", "functools.cache",
          "match statements", "TypedDict", "Protocol classes", "subprocess", "threading", "csv parsing"]
VERBS = ["How do I use", "What is the idiomatic way to test", "Why is my code slow with", "Explain",
         "Best practices for", "How do I debug", "Show an example of"]


def journal_text(rng: random.Random, n: int) -> str:
    return (f"Day {n}: {rng.choice(ACTIVITIES)} with {rng.choice(PEOPLE)} {rng.choice(PLACES)} "
            f"and felt {rng.choice(FEELINGS)}; later {rng.choice(ACTIVITIES)} and felt {rng.choice(FEELINGS)}.")


def code_text(rng: random.Random, n: int) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(TOPICS)} together with {rng.choice(TOPICS)}? (question {n})"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float]) -> None:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)
    target = next((t for key, t in TARGETS_MS.items() if label.startswith(key)), None)
    ratio = f"  ({median / target:.2f}× target {target:.0f} ms)" if target else ""
    print(f"  {label:<40} p50 {median:8.2f} ms   p95 {p95:8.2f} ms{ratio}")


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(total: int, repeat: int) -> None:
    rng = random.Random(total)
    with tempfile.TemporaryDirectory(prefix="mindpane-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        start = time.perf_counter()
        store = open_store(settings)
        cold_open = (time.perf_counter() - start) * 1000
        base = datetime(2020, 1, 1, tzinfo=UTC)
        start = time.perf_counter()
        for mode, make in ((JOURNAL, journal_text), (CODE, code_text)):
            store.import_entries(mode, [ImportedEntry(make(rng, n), base + timedelta(hours=3 * n))
                                        for n in range(total // 2)])
        fill = time.perf_counter() - start
        print(f"\n{total:,} entries ({total // 2:,} per mode), filled in {fill:.1f} s, "
              f"first open (imports included) {cold_open:.0f} ms")
        store.close()
        report("open store (warm imports)", timed(lambda: open_store(settings).close(), max(3, repeat // 10)))
        store = open_store(settings)
        for mode in (JOURNAL, CODE):
            report(f"first {mode.name} recall (loads vectors)", timed(lambda m=mode: store.recall("x", m, k=5), 1))
        for mode, make in ((JOURNAL, journal_text), (CODE, code_text)):
            queries = iter([make(rng, -1) for _ in range(repeat)])
            report(f"recall {mode.name} (embed+search, k=5)",
                   timed(lambda m=mode, q=queries: store.recall(next(q), m, k=5), repeat))
        report("first history page (100 rows)", timed(lambda: store.record.page("journal", 0, 100), repeat))
        report("deep history page (offset 80%)",
               timed(lambda: store.record.page("journal", int(total * 0.4), 100), repeat))
        adds = iter(range(repeat))
        report("add entry", timed(lambda: store.add_entry(JOURNAL, journal_text(rng, next(adds))), repeat))
        page = store.record.page("journal", 0, 1).records[0]
        report("change history of one memory", timed(lambda: store.history(page.id), repeat))
        store.close()
        print(f"  process max RSS so far            {rss_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("HOME", tempfile.mkdtemp(prefix="mindpane-bench-home-"))
    # the int8-kernel model, shared with the other benches (see bench_support.isolated_env)
    os.environ.setdefault("MINDPANE_CACHE_DIR", os.path.join(os.environ.get("MINDPANE_BENCH_CACHE",
                                                                            "/tmp/mindpane-bench-cache"), "models"))
    print(f"mindpane store benchmark — {os.cpu_count()} cores, python {sys.version.split()[0]}")
    for total in args.entries:
        bench(total, args.repeat)


if __name__ == "__main__":
    main()
