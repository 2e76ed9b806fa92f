"""Sync through a real Postgres hub (not a test, not in CI): a journal of N entries pushed to a
new hub, a new device joining it, then one new entry going from one device to the other.

    python bench/bench_sync.py --entries 10000
    python bench/bench_sync.py --entries 10000 --runs 5

Figures (issue #21's goals):
- init: the first sync of the N-entry journal to an empty hub (every entry pushed, sealed);
- join: a new, empty device taking the whole journal (key unwrapped with the real Argon2id cost,
  then one sync) — ≤ 60 s, and no text embedded again (the vectors come sealed with the entries:
  the joining device's embedder is counted, and again when it is next opened);
- one new entry on A → sync on A → sync on B: the time of B's sync, after which the entry is in
  B's record and its history — ≤ 2 s (median of ``--runs``).
The hub is the test suite's Postgres (``tests/hub_server.py``): PG 18 on loopback, a password login.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_support import Table, against_goal, bench_run, copy_store, isolate_this_process, median, verdict

GOAL_JOIN = 60.0
GOAL_ONE_ENTRY = 2.0
PASSPHRASE = "bench sync passphrase \u00e9t\u00e9"


class CountedEmbedder:
    """The device's embedder, counting the texts it is asked to embed (a join should ask none)."""

    def __init__(self, inner) -> None:
        self._inner, self.texts = inner, 0
        self.name, self.dimension = inner.name, inner.dimension

    def embed(self, texts):
        self.texts += len(texts)
        return self._inner.embed(texts)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def open_device(data_dir: Path, counted: list[CountedEmbedder]):
    from tui.services.engine import embedder_factory, open_journal
    from tui.services.settings import Settings

    real = embedder_factory(Settings(data_dir=data_dir))

    def embedder():
        counted.append(CountedEmbedder(real()))
        return counted[-1]

    return open_journal(data_dir, embedder)


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--entries", type=int, default=10_000, help="entries in the journal (default 10000)")
    parser.add_argument("--runs", type=int, default=5, help="new entries sent A → B (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    from tests.hub_server import HubServer  # started before this process is isolated: its own temp dir

    server = HubServer().start()
    try:
        with bench_run("sync", args.keep) as (root, children):
            isolate_this_process(root)
            return measure(args, server, root, children)
    finally:
        server.remove()


def measure(args, server, root: Path, children) -> int:
    from tui.adapters.key_file import unwrap, wrap
    from tui.adapters.pg_hub import PgHub
    from tui.domain.modes import JOURNAL
    from tui.domain.sync import HubJournal
    from tui.services.sync.engine import sync_once
    from tui.services.sync.state import device_id

    database = server.fresh_database()
    a_dir = copy_store(args.entries, root / "a", children)
    counted_a: list[CountedEmbedder] = []
    counted_b: list[CountedEmbedder] = []
    a, b = open_device(a_dir, counted_a), open_device(root / "b", counted_b)
    hub_a, hub_b = PgHub(database.dsn, database.password), PgHub(database.dsn, database.password)
    try:
        key = os.urandom(32)
        hub_a.create(HubJournal("bench-journal", wrap(key, PASSPHRASE)))
        report, init_s = timed(lambda: sync_once(a, hub_a, key, device_id(a)))
        print(f"  init: {report.pushed:,} entries pushed in {init_s:.1f} s", flush=True)
        joined_key, unwrap_s = timed(lambda: unwrap(hub_b.journal().wrapped_key, PASSPHRASE))
        before = counted_b[-1].texts
        report, sync_s = timed(lambda: sync_once(b, hub_b, joined_key, device_id(b)))
        embedded = counted_b[-1].texts - before
        alike = sorted(s.record.text for s in a.record.entry_states()) == sorted(
            s.record.text for s in b.record.entry_states())
        print(f"  join: {report.pulled:,} entries taken in {sync_s:.1f} s (+ {unwrap_s:.1f} s key), "
              f"{embedded} texts embedded, same record: {alike}", flush=True)
        one_a, one_b, seen = [], [], []
        for run in range(args.runs):
            entry = a.add_entry(JOURNAL, f"bench sync entry {run}: a walk by the harbour")
            one_a.append(timed(lambda: sync_once(a, hub_a, key, device_id(a)))[1])
            one_b.append(timed(lambda: sync_once(b, hub_b, joined_key, device_id(b)))[1])
            found = b.record.get(entry.id)
            seen.append(found is not None and found.text == entry.text and bool(b.history(entry.id)))
        b.close()
        b, reopen_s = timed(lambda: open_device(root / "b", counted_b))
        healed = counted_b[-1].texts  # a join that left the index behind re-embeds at the next open
    finally:
        for closing in (hub_a.close, hub_b.close, a.close, b.close):
            closing()
    join_s = unwrap_s + sync_s
    table = Table(f"sync through a Postgres hub, {args.entries:,} entries, {args.runs} new entries A → B")
    table.add("init: first sync of the journal to an empty hub", f"{init_s:.1f} s")
    table.add("join: key (Argon2id) + first sync of a new device", f"{join_s:.1f} s", f"≤ {GOAL_JOIN:.0f} s",
              against_goal(join_s, GOAL_JOIN))
    table.add("join: texts embedded again", f"{embedded}", "0", verdict(embedded == 0))
    table.add("(control: texts embedded on A for the new entries)", f"{counted_a[-1].texts}", f"{args.runs}",
              verdict(counted_a[-1].texts == args.runs))
    table.add("join: both records the same", f"{alike}", "True", verdict(alike))
    table.add("B opened again: texts embedded to heal its index", f"{healed} ({reopen_s:.1f} s)", "0",
              verdict(healed == 0))
    table.add("one entry: sync on A (median)", f"{median(one_a):.3f} s")
    table.add("one entry: sync on B, then in B's history (median)", f"{median(one_b):.3f} s",
              f"≤ {GOAL_ONE_ENTRY:.0f} s", against_goal(median(one_b), GOAL_ONE_ENTRY))
    table.add("one entry: in B's record and history", f"{sum(seen)}/{len(seen)}", "all",
              verdict(all(seen)))
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
