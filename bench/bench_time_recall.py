"""Time-aware recall benchmark (not a test, not in CI): on a cached store of N entries, time what a
turn does before the model is asked when the text names a day, next to an exact word search and
plain recall.

    python bench/bench_time_recall.py --entries 10000
    python bench/bench_time_recall.py --entries 100000     # fills a 100k store once (long)

(a) recall with a date cue — reading the cue and recalling inside its window, through
    ``TurnService.cue`` + ``TurnService.recall`` (the path a turn takes, without the model);
(b) an exact word search, ``store.record.search(parse_query(...))`` (the history filter, SQLite FTS5);
(c) plain recall (no cue) for comparison. Goals: ≤ 15 ms p50 at 10k entries, ≤ 30 ms p50 at 100k.
The turns' clock is set inside the store's dates, so "last Tuesday" finds entries.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import Table, against_goal, bench_run, copy_store, isolate_this_process, median, percentile

GOAL_MS = {10_000: 15.0, 100_000: 30.0}
DATE_CUES = [
    "What did I write last Tuesday about running?",
    "What did I do yesterday?",
    "How did I feel two weeks ago?",
    "What happened on {day}?",
    "What did I write about the garden in {month}?",
    "What have I done since Monday?",
]
WORDS = ["garden", "guitar", "swimming", "river", "novel", "bike", "kitchen", "train"]
PLAIN = ["went running with Ana by the river and felt calm", "practised guitar in the kitchen, restless",
         "planned the move with my sister and felt hopeful", "fixed the bike downtown and felt proud"]


def goal_for(entries: int) -> float:
    return GOAL_MS[min(GOAL_MS, key=lambda size: abs(size - entries))]


def timed(fn: Callable[[int], object], repeat: int) -> list[float]:
    samples = []
    for n in range(repeat):
        start = time.perf_counter()
        fn(n)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def row(table: Table, label: str, samples: list[float], goal: float) -> None:
    p50 = median(samples)
    table.add(f"{label} p50", f"{p50:.2f} ms", f"≤ {goal:.0f} ms", against_goal(p50, goal))
    table.add(f"{label} p95", f"{percentile(samples, 95):.2f} ms")


def bench(entries: int, repeat: int, keep: bool) -> None:
    goal = goal_for(entries)
    with bench_run("time-recall", keep) as (root, children):
        isolate_this_process(root)
        data = copy_store(entries, root / "data", children)

        from tui.domain.modes import JOURNAL
        from tui.domain.search import parse_query
        from tui.services.engine import make_chat, make_turns, open_store
        from tui.services.settings import Settings

        # bench_support fills every 3 hours from 2020-01-01, half the entries per mode: "now" sits
        # at 80% of the journal's span, a Friday noon.
        span = timedelta(hours=3 * (entries // 2))
        now = datetime(2020, 1, 1, tzinfo=UTC) + span * 0.8
        now = (now - timedelta(days=(now.weekday() - 4) % 7)).replace(hour=12, minute=0, second=0, microsecond=0)
        settings = Settings(data_dir=data)
        store = open_store(settings)
        try:
            turns = make_turns(store, make_chat(settings), settings, clock=lambda: now)
            rng = random.Random(entries)
            days = [now - timedelta(days=rng.randint(3, 300)) for _ in range(repeat)]
            # every query text is new (" (n)"): the store remembers the vectors of recent texts, and a
            # repeated query would time a remembered vector instead of embedding
            texts = [DATE_CUES[n % len(DATE_CUES)].format(day=f"{days[n]:%B} {days[n].day}, {days[n].year}",
                                                          month=f"{days[n]:%B}") + f" ({n})" for n in range(repeat)]
            k = JOURNAL.recall_size

            def dated(n: int) -> None:
                cue = turns.cue(JOURNAL, texts[n])
                assert cue is not None and cue.windowed, texts[n]
                turns.recall(JOURNAL, texts[n], k, cue)

            started = time.perf_counter()
            turns.recall(JOURNAL, "warm up", k)  # loads the mode's vectors
            dated(0)  # and imports dateparser
            warm = (time.perf_counter() - started) * 1000
            found = [len(turns.recall(JOURNAL, text, k, turns.cue(JOURNAL, text))) for text in texts[:len(DATE_CUES)]]

            table = Table(f"time-aware recall — {entries:,} entries ({entries // 2:,} journal), "
                          f"now = {now:%a %Y-%m-%d}, {repeat} runs each")
            table.add("warm-up (vectors + dateparser import)", f"{warm:.0f} ms")
            table.add("memories found per date cue", " ".join(map(str, found)))
            table.section("(a) recall with a date cue (cue + windowed recall)")
            row(table, "date cue", timed(dated, repeat), goal)
            wide = [f"What did I write about running last year? ({n})" if n % 2 else
                    f"What have I done since January? ({n})" for n in range(repeat)]
            table.section("(a') a wide window: last year, since January (thousands of entries)")
            row(table, "wide window", timed(lambda n: turns.recall(JOURNAL, wide[n], k, turns.cue(
                JOURNAL, wide[n])), repeat), goal)
            table.section("(b) exact word search (FTS5, first page of 50)")
            row(table, "word search", timed(lambda n: store.record.search(parse_query(WORDS[n % len(WORDS)]).with_mode(
                "journal")), repeat), goal)
            table.section("(c) plain recall (no cue), for comparison")
            row(table, "plain recall", timed(lambda n: turns.recall(JOURNAL, f"{PLAIN[n % len(PLAIN)]} ({n})", k),
                                             repeat), goal)
            table.section("cue reading alone")
            row(table, "read cue", timed(lambda n: turns.cue(JOURNAL, texts[n]), repeat), goal)
            table.print()
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = parser.parse_args()
    bench(args.entries, args.repeat, args.keep)


if __name__ == "__main__":
    main()
