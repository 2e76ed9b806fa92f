"""Locked vs plain journal (not a test, not in CI): the same cached store of N entries, once plain
and once locked with ``mindpane lock``'s own code and the real Argon2id cost, timed side by side.

    python bench/bench_locked.py --entries 10000
    python bench/bench_locked.py --entries 10000 --runs 3 --repeat 40

Figures (issue #20's goals):
- first frame of the app in a pty (plain: the chat; locked: the unlock screen) — ≤ 0.30 s, unchanged;
- the key derivation alone (``engine.unlock``: Argon2id, ~0.5 s by design);
- unlock → recall ready, after the key derivation: opening the store with the key and loading the
  mode's memories for recall (``open_store`` + ``prepare``; the index is rebuilt in memory from the
  vectors the encrypted record keeps) — ≤ 1.5 s;
- recall p50 (the same questions) — locked within 10 % of plain;
- a turn's write p50 (``add_entry``: the record, then the index) — locked within 10 % of plain.
Runs alternate plain and locked so drift on a noisy machine hits both alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_start import first_frame
from bench_support import (
    Table,
    against_goal,
    bench_run,
    copy_store,
    isolate_this_process,
    isolated_env,
    median,
    verdict,
)

GOAL_FIRST_FRAME = 0.30
GOAL_READY = 1.5
GOAL_RATIO = 1.10
PASSPHRASE = "bench passphrase \u00e9t\u00e9"
UNLOCK_SCREEN = b"passphrase"
QUESTIONS = ["went running by the river and felt calm", "practised guitar in the kitchen",
             "planned the move with my sister", "fixed the bike downtown", "what did I cook last week",
             "felt restless at work", "a long walk in the rain", "reading a novel on the train"]


def timed_ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def opened(data_dir: Path, key: bytes | None):
    """The store opened and its journal memories loaded for recall; and how long that took (ms)."""
    from tui.services.engine import open_store
    from tui.services.settings import Settings

    started = time.perf_counter()
    store = open_store(Settings(data_dir=data_dir), key=key)
    store.prepare("journal")
    return store, (time.perf_counter() - started) * 1000


def side_by_side(stores: dict, repeat: int) -> dict[str, dict[str, list[float]]]:
    """Recall and write timings, each call made on one store then the other, so the machine's
    drift (other work, CPU frequency) falls on both alike."""
    from tui.domain.modes import builtin_modes

    journal_mode = builtin_modes()["journal"]
    figures: dict[str, dict[str, list[float]]] = {name: {"recall": [], "write": []} for name in stores}
    for store in stores.values():
        store.recall(QUESTIONS[0], journal_mode, k=5)  # first use: caches warmed alike
    for n in range(repeat):
        question = f"{QUESTIONS[n % len(QUESTIONS)]} {n}"
        for name, store in stores.items():
            figures[name]["recall"].append(timed_ms(lambda s=store, q=question: s.recall(q, journal_mode, k=5)))
    for n in range(max(5, repeat // 4)):
        for name, store in stores.items():
            text = f"{name} bench write {n}: a quiet evening"
            figures[name]["write"].append(timed_ms(lambda s=store, t=text: s.add_entry(journal_mode, t)))
    return figures


def frame_seconds(children, data_dir: Path, env: dict[str, str], needle: bytes) -> float:
    took, proc, master, _ = first_frame(children, [sys.executable, "-m", "tui"],
                                        dict(env, MINDPANE_DATA_DIR=str(data_dir)), needle)
    children.kill(proc)
    os.close(master)
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--entries", type=int, default=10_000, help="entries in the store (default 10000)")
    parser.add_argument("--runs", type=int, default=3, help="opens of each store (default 3)")
    parser.add_argument("--repeat", type=int, default=40, help="recalls per open (default 40)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    with bench_run("locked", args.keep) as (root, children):
        env = isolated_env(root)
        isolate_this_process(root)
        from tui.services import engine
        from tui.services.locking import lock_store
        from tui.services.settings import Settings

        plain = copy_store(args.entries, root / "plain", children)
        locked = copy_store(args.entries, root / "locked", children)
        started = time.perf_counter()
        lock_store(locked, PASSPHRASE)
        lock_seconds = time.perf_counter() - started
        print(f"  locked a copy of {args.entries:,} entries in {lock_seconds:.1f} s", flush=True)
        figures: dict[str, dict[str, list[float]]] = {"plain": {}, "locked": {}}
        kdf: list[float] = []
        frames: dict[str, list[float]] = {"plain": [], "locked": []}
        for run in range(args.runs):
            started = time.perf_counter()
            key = engine.unlock(Settings(data_dir=locked), PASSPHRASE)
            kdf.append(time.perf_counter() - started)
            stores = {}
            for name, data_dir, data_key in (("plain", plain, None), ("locked", locked, key)):
                stores[name], ready = opened(data_dir, data_key)
                figures[name].setdefault("ready", []).append(ready)
            try:
                for name, timings in side_by_side(stores, args.repeat).items():
                    for figure, samples in timings.items():
                        figures[name].setdefault(figure, []).extend(samples)
            finally:
                for store in stores.values():
                    store.close()
            for name, data_dir in (("plain", plain), ("locked", locked)):
                frames[name].append(frame_seconds(children, data_dir, env,
                                                  b"Journal" if name == "plain" else UNLOCK_SCREEN))
            print(f"  run {run + 1}/{args.runs} done", flush=True)
    table = Table(f"locked vs plain, {args.entries:,} entries, {args.runs} runs × {args.repeat} recalls")
    for name in ("plain", "locked"):
        value = median(frames[name])
        table.add(f"first frame, {name} (median)", f"{value:.3f} s", f"≤ {GOAL_FIRST_FRAME:.2f} s",
                  against_goal(value, GOAL_FIRST_FRAME))
    table.add("key derivation (Argon2id, median)", f"{median(kdf):.3f} s")
    ready = median(figures["locked"]["ready"]) / 1000
    table.add("unlock → recall ready, after the KDF (median)", f"{ready:.3f} s", f"≤ {GOAL_READY:.1f} s",
              against_goal(ready, GOAL_READY))
    table.add("open → recall ready, plain (median)", f"{median(figures['plain']['ready']) / 1000:.3f} s")
    for figure, label in (("recall", "recall p50"), ("write", "a turn's write p50")):
        plain_ms, locked_ms = median(figures["plain"][figure]), median(figures["locked"][figure])
        ratio = locked_ms / plain_ms
        table.add(f"{label}, plain / locked", f"{plain_ms:.2f} / {locked_ms:.2f} ms",
                  f"locked ≤ {GOAL_RATIO:.2f}× plain", f"{ratio:.2f}× plain {verdict(ratio <= GOAL_RATIO)}")
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
