"""Stall probe (not a test, not in CI): how long the app's event loop stalls while a long reply
streams, while the history pages and filters, and while recall runs — next to a bare Textual app
with one stock ``Markdown`` streaming the same chunks at the same rate.

    python bench/bench_stall.py                       # 10k entries, 160x45
    python bench/bench_stall.py --entries 2000 --size 120x40

A 5 ms interval timer inside each app (``app.set_interval(0.005, tick)``) records lag = actual gap
between ticks − 5 ms. The stand-in Ollama (tests/ollama_stub.py) runs in a separate process and
streams a ~4.7k-character reply with a 120-line python fence, 3–4 characters per chunk every
``--delay`` seconds (default 0.012 s, plus the HTTP overhead); turns without the marker get a
short reply at once. The real app (``MindpaneApp``) runs headless (``run_test``) on a copy of a
store pre-filled with N entries (cached under /tmp/mindpane-bench-cache, filled once per N).
Goals (issue "Smooth and light"): p99 ≤ 30 ms, max ≤ 100 ms, and below the stock widget.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import (
    LONG_MARKER,
    Table,
    against_goal,
    bench_run,
    copy_store,
    isolate_this_process,
    long_reply,
    percentile,
    split_chunks,
    stub_process,
    verdict,
)

INTERVAL = 0.005
GOAL_P99_MS = 30.0
GOAL_MAX_MS = 100.0
WAIT = 180.0
"""Seconds any single wait may take before the probe gives up (bounded waits)."""


class Ticker:
    """A 5 ms interval timer inside the app; records lag (gap − interval) while ``recording``."""

    def __init__(self, app, interval: float = INTERVAL) -> None:
        self.interval = interval
        self.last: float | None = None
        self.samples: list[float] = []
        self.recording = False
        self.timer = app.set_interval(interval, self.tick)

    def tick(self) -> None:
        now = time.perf_counter()
        if self.recording and self.last is not None:
            self.samples.append(max(0.0, now - self.last - self.interval) * 1000)
        self.last = now

    def start(self) -> None:
        self.samples = []
        self.last = None
        self.recording = True

    def stop(self) -> list[float]:
        self.recording = False
        return self.samples


def stats(samples: list[float]) -> tuple[float, float, float]:
    return percentile(samples, 50), percentile(samples, 99), max(samples) if samples else float("nan")


async def wait_until(predicate, what: str, timeout: float = WAIT, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        await asyncio.sleep(step)


# -- the stock widget ------------------------------------------------------------------------------

async def run_stock(chunks: list[str], delay: float, size: tuple[int, int]) -> tuple[list[float], float]:
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown

    class StockApp(App):
        def compose(self) -> ComposeResult:
            with VerticalScroll() as scroll:
                scroll.anchor()
                yield Markdown()

    app = StockApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        ticker = Ticker(app)
        stream = Markdown.get_stream(app.query_one(Markdown))
        await asyncio.sleep(0.2)
        ticker.start()
        started = time.perf_counter()
        for number, chunk in enumerate(chunks, 1):  # on a fixed schedule, like a network that does not wait
            wait = started + number * delay - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            await stream.write(chunk)
        await stream.stop()
        await pilot.pause()
        took = time.perf_counter() - started
        return ticker.stop(), took


# -- the real app ----------------------------------------------------------------------------------

async def run_mindpane(data_dir: Path, host: str, size: tuple[int, int], recall_turns: int,
                       pages: int) -> dict[str, tuple[list[float], str]]:
    from textual.widgets import Input
    from textual.worker import WorkerCancelled

    from tui.app import MindpaneApp
    from tui.services.settings import Settings
    from tui.services.workspace import Workspace
    from tui.widgets.chat_pane import ChatPane
    from tui.widgets.history_pane import HistoryPane
    from tui.widgets.history_table import HistoryTable

    settings = Settings(data_dir=data_dir, ollama_host=f"http://{host}")
    app = MindpaneApp(settings, Workspace(settings))
    results: dict[str, tuple[list[float], str]] = {}

    def idle_turns() -> bool:
        return app.turns.unfinished == 0 and not any(w.is_running for w in app.workers if w.group == "turn")

    async def settle(pilot) -> None:
        deadline = time.monotonic() + WAIT
        quiet = 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("the app never settled")
            with suppress(WorkerCancelled):  # a filter worker superseded by the next key has ended too
                await app.workers.wait_for_complete()
            await pilot.pause()
            quiet = quiet + 1 if not any(w.is_running for w in app.workers) else 0

    async def send(pilot, text: str) -> None:
        app.query_one("#prompt", Input).value = text
        app.query_one("#prompt", Input).focus()
        await pilot.press("enter")

    async with app.run_test(size=size) as pilot:
        ticker = Ticker(app)
        await wait_until(lambda: app.store_state != "loading", "the store to open")
        if app.store_state != "ready":
            raise RuntimeError("the store failed to open")
        await settle(pilot)  # recall prepared, Ollama checked, first history page shown
        await asyncio.sleep(0.3)

        ticker.start()
        await asyncio.sleep(1.0)
        results["idle (1 s, store open)"] = (ticker.stop(), "")

        # 1. a long reply streaming
        transcript = app.query_one(ChatPane).transcript()
        shown = len(transcript.views)
        await send(pilot, f"{LONG_MARKER}: how should I structure a CSV loader with validation and batching?")
        await wait_until(lambda: len(transcript.views) > shown and transcript.views[-1].reply.text,
                         "the first reply chunk")
        started = time.perf_counter()
        ticker.start()
        await wait_until(idle_turns, "the long reply to end")
        samples = ticker.stop()
        reply = transcript.views[-1].reply.text
        results["long reply streaming"] = (samples, f"{len(reply):,} chars in {time.perf_counter() - started:.1f} s")
        await settle(pilot)

        # 2. the history pages (end pressed until 2k+ rows are loaded, or all of them)
        table = app.query_one(HistoryTable)
        pane = app.query_one(HistoryPane)
        table.focus()
        await pilot.pause()
        ticker.start()
        presses = 0
        started = time.perf_counter()
        while presses < pages and table.row_count < min(pane._total, 2100):
            await pilot.press("end")
            presses += 1
            await wait_until(lambda: not pane._loading, "a history page")
            await pilot.pause()
        samples = ticker.stop()
        results["history paging (end × n)"] = (
            samples, f"{presses} presses, {table.row_count:,} rows in {time.perf_counter() - started:.1f} s")

        # 3. the history filter: type a query, wait for the results
        await pilot.press("slash")
        ticker.start()
        started = time.perf_counter()
        await pilot.press(*"felt anxious on the train")
        await wait_until(lambda: any(done in str(pane.query_one(".history-title").content)
                                     for done in ("closest by meaning", "matches for", "match for", "no match")),
                         "the filter's results")
        await settle(pilot)
        samples = ticker.stop()
        results["history filter (type + results)"] = (samples, f"{time.perf_counter() - started:.1f} s")
        await pilot.press("escape")
        await settle(pilot)

        # 4. recall: turns whose reply is short
        ticker.start()
        started = time.perf_counter()
        for n in range(recall_turns):
            await send(pilot, f"Went running by the river with Sam and felt calm, then tired ({n}).")
            await wait_until(lambda: app.turns.unfinished > 0 or idle_turns(), "the turn to start", step=0.005)
            await wait_until(idle_turns, "a short turn to end")
        samples = ticker.stop()
        results[f"recall turns (short reply × {recall_turns})"] = (
            samples, f"{(time.perf_counter() - started) / max(1, recall_turns):.2f} s per turn")
        await settle(pilot)
        app.exit()
    return results


def parse_size(text: str) -> tuple[int, int]:
    columns, _, lines = text.lower().partition("x")
    return int(columns), int(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--entries", type=int, default=10000, help="entries in the store (default 10000)")
    parser.add_argument("--size", default="160x45", help="terminal size COLSxLINES (default 160x45)")
    parser.add_argument("--delay", type=float, default=0.012, help="seconds between reply chunks (default 0.012)")
    parser.add_argument("--recall-turns", type=int, default=10,
                        help="short turns for the recall figure (10: ~480 samples, so p99 is the 5th worst; "
                             "with 3 it was the 2nd worst of ~150, nearly the max)")
    parser.add_argument("--pages", type=int, default=30, help="at most this many `end` presses (30)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    size = parse_size(args.size)
    with bench_run("stall", args.keep) as (root, children):
        data_dir = copy_store(args.entries, root / "data", children)
        isolate_this_process(root)
        chunks = split_chunks(long_reply())
        with stub_process(children, dict(__import__("os").environ), args.delay) as host:
            print(f"stall probe: {args.entries:,} entries, {size[0]}x{size[1]}, {len(chunks)} chunks of 3–4 chars "
                  f"every {args.delay * 1000:.0f} ms, stand-in Ollama at {host}", flush=True)
            stock, stock_took = asyncio.run(run_stock(chunks, args.delay, size))
            print(f"  stock Markdown streamed in {stock_took:.1f} s", flush=True)
            found = asyncio.run(run_mindpane(data_dir, host, size, args.recall_turns, args.pages))
        table = Table(f"event-loop lag (ms), {args.entries:,} entries, {size[0]}x{size[1]}, 5 ms ticker")
        s50, s99, smax = stats(stock)
        m50, m99, mmax = stats(found["long reply streaming"][0])
        table.section(f"long reply streaming ({found['long reply streaming'][1]}; stock took {stock_took:.1f} s)")
        for label, mine, theirs, goal in (("p50", m50, s50, None), ("p99", m99, s99, GOAL_P99_MS),
                                          ("max", mmax, smax, GOAL_MAX_MS)):
            goal_text = f"≤ {goal:.0f} and < stock" if goal else "< stock"
            ok = (goal is None or mine <= goal) and mine < theirs
            table.add(f"mindpane {label}", f"{mine:.1f}", goal_text, f"{mine / theirs:.2f}× stock {verdict(ok)}"
                      if theirs else "")
            table.add(f"stock Markdown {label}", f"{theirs:.1f}")
        for name, (samples, note) in found.items():
            if name == "long reply streaming":
                continue
            table.section(f"{name} ({note})" if note else name)
            p50, p99, top = stats(samples)
            table.add("p50", f"{p50:.1f}")
            table.add("p99", f"{p99:.1f}", f"≤ {GOAL_P99_MS:.0f}", against_goal(p99, GOAL_P99_MS))
            table.add("max", f"{top:.1f}", f"≤ {GOAL_MAX_MS:.0f}", against_goal(top, GOAL_MAX_MS))
        table.print()
        return 0


if __name__ == "__main__":
    sys.exit(main())
