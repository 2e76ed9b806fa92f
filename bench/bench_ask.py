"""`mindpane ask` end to end (not a test, not in CI): wall time of one turn from the shell against a
stand-in Ollama that answers at once, next to a seed-style script (bench/seed_style_turn.py: mem0 +
Chroma + ollama, as the original prototype did it) run in the same loop.

    python bench/bench_ask.py                         # 5 runs each, empty store
    python bench/bench_ask.py --runs 5 --entries 10000

Each run spawns ``python -m tui ask --data-dir D "<entry>"`` and then ``python
bench/seed_style_turn.py --data-dir S "<entry>"`` (alternating, so both see the same machine load),
each timed from spawn to exit. One uncounted warm-up run of each comes first (it creates the
stores). ``mindpane ask`` runs on a copy of a cached store with ``--entries`` entries; the seed
script keeps its own store (mem0 has no bulk import: it holds only its own turns). The stand-in
Ollama runs in a separate process; its reply comes at once, so the wall time excludes the model.
HOME, XDG dirs, TMPDIR, MINDPANE_DATA_DIR and MEM0_DIR point into a temporary directory.
Goal (issue "Smooth and light"): ask ≤ 0.9 s excluding the model's time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import Children, Table, against_goal, bench_run, copy_store, isolated_env, median, stub_process

GOAL_SECONDS = 0.9
RUN_TIMEOUT = 120.0
SEED_SCRIPT = Path(__file__).resolve().parent / "seed_style_turn.py"


def timed_run(children: Children, argv: list[str], env: dict[str, str], log: Path) -> float:
    started = time.perf_counter()
    with log.open("ab") as err:
        proc = children.spawn(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            code = proc.wait(RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        took = time.perf_counter() - started
        children.kill(proc)
    if code != 0:
        tail = log.read_text(errors="replace")[-600:]
        raise RuntimeError(f"{' '.join(argv[1:3])}… failed (exit {code}):\n{tail}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--entries", type=int, default=0, help="entries in mindpane's store (default 0)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    with bench_run("ask", args.keep) as (root, children):
        data_dir = copy_store(args.entries, root / "data", children)
        seed_dir = root / "seed"
        env = isolated_env(root, MEM0_DIR=str(seed_dir / "mem0"))
        with stub_process(children, env) as host:
            env["OLLAMA_HOST"] = host
            ask = [sys.executable, "-m", "tui", "ask", "--data-dir", str(data_dir)]
            seed = [sys.executable, str(SEED_SCRIPT), "--data-dir", str(seed_dir)]
            mine, theirs = [], []
            for run in range(args.runs + 1):
                text = f"Day {run}: walked by the river with Sam and felt calm, then tired."
                a = timed_run(children, [*ask, text], env, root / "ask.stderr")
                s = timed_run(children, [*seed, text], env, root / "seed.stderr")
                label = "warm-up (not counted)" if run == 0 else f"run {run}/{args.runs}"
                print(f"  {label}: mindpane ask {a:.3f} s, seed-style script {s:.3f} s", flush=True)
                if run:
                    mine.append(a)
                    theirs.append(s)
        table = Table(f"one turn from the shell, stand-in Ollama answering at once, mindpane store "
                      f"{args.entries:,} entries, {args.runs} runs")
        med, seed_med = median(mine), median(theirs)
        table.add("mindpane ask (median)", f"{med:.3f} s", f"≤ {GOAL_SECONDS} s",
                  against_goal(med, GOAL_SECONDS))
        table.add("mindpane ask (min / max)", f"{min(mine):.3f} / {max(mine):.3f} s")
        table.add("seed-style script (median)", f"{seed_med:.3f} s", "", f"ask = {med / seed_med:.2f}× seed")
        table.add("seed-style script (min / max)", f"{min(theirs):.3f} / {max(theirs):.3f} s")
        table.print()
        return 0


if __name__ == "__main__":
    sys.exit(main())
