"""A 200 KB entry answered by a 200 KB reply (not a test, not in CI): how soon the entry is on
screen, how long the event loop stalls while the reply streams, and how long quitting takes in
the middle of it.

    python bench/bench_big.py                         # 2,000 entries, 160x45, 400 chars every 20 ms
    python bench/bench_big.py --entries 10000 --delay 0.05

The real app runs headless on a copy of a cached store. The stand-in Ollama runs in its own
process and answers the HUGEREPLY turn with 200 KB of prose in 400-character chunks, ``--delay``
seconds apart (20 KB/s by default: far faster than a local model writes, so the worst case).
The entry is sent as a person's paste would arrive. Lag is measured by a 5 ms timer in the app, as
in ``bench_stall.py``; a first run streams the whole reply, a second quits ``--quit-after`` seconds
into it. Goals (issue "Smooth and light"): shown ≤ 1 s, lag p99 ≤ 30 ms, quit ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stall import Ticker, parse_size, stats, wait_until
from bench_support import (
    HUGE_MARKER,
    Table,
    against_goal,
    bench_run,
    copy_store,
    huge_text,
    isolate_this_process,
    stub_process,
)

GOAL_SHOWN_S = 1.0
GOAL_P99_MS = 30.0
GOAL_QUIT_S = 1.0


async def one_run(data_dir: Path, host: str, size: tuple[int, int], quit_after: float | None) -> dict[str, float]:
    """Send the 200 KB entry; stream the reply to its end (or quit ``quit_after`` s into it)."""
    from textual.widgets import Input

    from tui.app import MindpaneApp
    from tui.services.settings import Settings
    from tui.services.workspace import Workspace
    from tui.widgets.chat_pane import ChatPane
    from tui.widgets.turn_view import TurnView

    shown: list[float] = []
    mounted = TurnView._on_mount if hasattr(TurnView, "_on_mount") else None

    def on_mount(view, event=None):  # the moment the entry's view is on screen
        shown.append(time.perf_counter())
        return mounted(view, event) if mounted else None

    TurnView._on_mount = on_mount
    settings = Settings(data_dir=data_dir, ollama_host=f"http://{host}")
    app = MindpaneApp(settings, Workspace(settings))
    entry = f"{HUGE_MARKER}\n{huge_text(1)}"
    figures: dict[str, float] = {}

    def idle() -> bool:
        return app.turns.unfinished == 0 and not any(w.is_running for w in app.workers if w.group == "turn")

    async with app.run_test(size=size) as pilot:
        await wait_until(lambda: app.store_state != "loading", "the store to open")
        for _ in range(20):
            await app.workers.wait_for_complete()
            await pilot.pause()
        prompt = app.query_one("#prompt", Input)
        prompt.value = entry
        prompt.focus()
        await pilot.pause()
        await asyncio.sleep(1.0)  # the 200 KB prompt is drawn before the clock starts
        ticker = Ticker(app)
        transcript = app.query_one(ChatPane).transcript()
        ticker.start()
        sent = time.perf_counter()
        await pilot.press("enter")
        await wait_until(lambda: bool(shown), "the entry on screen", step=0.005)
        figures["shown"] = shown[0] - sent
        await wait_until(lambda: transcript.views and transcript.views[-1].reply.text, "the first reply chunk")
        if quit_after is None:
            await wait_until(idle, "the reply to end", timeout=1800)
        else:
            await asyncio.sleep(quit_after)
        p50, p99, worst = stats(ticker.stop())
        figures.update(p50=p50, p99=p99, max=worst, chars=len(transcript.views[-1].reply.text),
                       streamed=time.perf_counter() - sent)
        quitting = time.perf_counter()
        app.exit()
    figures["quit"] = time.perf_counter() - quitting
    TurnView._on_mount = mounted if mounted else TurnView._on_mount
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000, help="entries in the store (default 2000)")
    parser.add_argument("--size", default="160x45", help="terminal size COLSxLINES (default 160x45)")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between 400-char chunks (0.02)")
    parser.add_argument("--quit-after", type=float, default=3.0, help="quit this many s into the reply (3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    size = parse_size(args.size)
    with bench_run("big", args.keep) as (root, children):
        isolate_this_process(root)
        with stub_process(children, dict(__import__("os").environ), args.delay) as host:
            whole = asyncio.run(one_run(copy_store(args.entries, root / "whole", children), host, size, None))
            cut = asyncio.run(one_run(copy_store(args.entries, root / "cut", children), host, size,
                                      args.quit_after))
    table = Table(f"a 200 KB entry and a 200 KB reply, {args.entries:,} entries, {size[0]}x{size[1]}, "
                  f"400 chars every {args.delay * 1000:.0f} ms")
    table.section(f"whole reply ({whole['chars']:,.0f} chars in {whole['streamed']:.1f} s)")
    table.add("entry on screen", f"{whole['shown']:.2f} s", f"≤ {GOAL_SHOWN_S:.0f} s",
              against_goal(whole["shown"], GOAL_SHOWN_S))
    table.add("lag p50", f"{whole['p50']:.1f} ms")
    table.add("lag p99", f"{whole['p99']:.1f} ms", f"≤ {GOAL_P99_MS:.0f} ms", against_goal(whole["p99"], GOAL_P99_MS))
    table.add("lag max", f"{whole['max']:.1f} ms")
    table.section(f"quit {args.quit_after:.0f} s into the reply ({cut['chars']:,.0f} chars shown)")
    table.add("quit took", f"{cut['quit']:.2f} s", f"≤ {GOAL_QUIT_S:.0f} s", against_goal(cut["quit"], GOAL_QUIT_S))
    table.add("lag p99 until then", f"{cut['p99']:.1f} ms", f"≤ {GOAL_P99_MS:.0f} ms",
              against_goal(cut["p99"], GOAL_P99_MS))
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
