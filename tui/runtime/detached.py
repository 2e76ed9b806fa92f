"""Runs a blocking iterator in a daemon thread so the worker that consumes it can be cancelled.

A stalled Ollama blocks a read for up to the stall timeout; thread workers run in the event loop's
executor, which the process waits for on exit. Relaying through a daemon thread lets quitting (which
cancels workers) return at once, while a turn left running may still store its entry.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.1
_ITEM, _END, _ERROR = range(3)


def iterate_detached(
    produce: Callable[[], Iterable[T]], cancelled: Callable[[], bool], name: str = "mindpane-detached"
) -> Iterator[T]:
    """Yield what ``produce()`` yields; stop early (leaving the thread behind) once ``cancelled()``.

    Exceptions raised by the producer are re-raised here, in the consumer's thread.
    """
    for batch in iterate_detached_batches(produce, cancelled, name):
        yield from batch


def iterate_detached_batches(
    produce: Callable[[], Iterable[T]], cancelled: Callable[[], bool], name: str = "mindpane-detached",
    every: float = 0.0, hold: Callable[[T], bool] = lambda item: False,
) -> Iterator[list[T]]:
    """Like ``iterate_detached``, in batches: an item for which ``hold(item)`` is true may wait
    until ``every`` seconds have passed since the previous batch, so a fast stream of small items
    becomes a few larger batches. The first item is never held, and any other item (and the end of
    the stream, or its error) sends what was held at once, in order.
    """
    relay: queue.Queue[tuple[int, object]] = queue.Queue()

    def pump() -> None:
        try:
            for item in produce():
                relay.put((_ITEM, item))
        except BaseException as exc:  # relayed to the consumer, which decides
            relay.put((_ERROR, exc))
        else:
            relay.put((_END, None))

    threading.Thread(target=pump, name=name, daemon=True).start()
    batch: list[T] = []
    sent_at = float("-inf")
    while not cancelled():
        due = sent_at + every
        wait = min(POLL_SECONDS, max(0.0, due - time.monotonic())) if batch else POLL_SECONDS
        try:
            kind, value = relay.get(timeout=wait) if wait > 0 else relay.get_nowait()
        except queue.Empty:
            if batch and time.monotonic() >= due:
                yield batch
                batch, sent_at = [], time.monotonic()
            continue
        if kind != _ITEM:
            if batch:
                yield batch
            if kind == _ERROR:
                raise value  # type: ignore[misc]
            return
        batch.append(value)  # type: ignore[arg-type]
        if not hold(value) or time.monotonic() >= due:  # type: ignore[arg-type]
            yield batch
            batch, sent_at = [], time.monotonic()


def call_detached(call: Callable[[], T], cancelled: Callable[[], bool], name: str = "mindpane-detached") -> T | None:
    """``call()`` in a daemon thread; None if cancelled before it returned."""
    for result in iterate_detached(lambda: [call()], cancelled, name):
        return result
    return None
