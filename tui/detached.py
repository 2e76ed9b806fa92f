"""Runs a blocking iterator in a daemon thread so the worker that consumes it can be cancelled.

A stalled Ollama blocks a read for up to the stall timeout; thread workers run in the event loop's
executor, which the process waits for on exit. Relaying through a daemon thread lets quitting (which
cancels workers) return at once, while a turn left running may still store its entry.
"""

from __future__ import annotations

import queue
import threading
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
    while not cancelled():
        try:
            kind, value = relay.get(timeout=POLL_SECONDS)
        except queue.Empty:
            continue
        if kind == _END:
            return
        if kind == _ERROR:
            raise value  # type: ignore[misc]
        yield value  # type: ignore[misc]


def call_detached(call: Callable[[], T], cancelled: Callable[[], bool], name: str = "mindpane-detached") -> T | None:
    """``call()`` in a daemon thread; None if cancelled before it returned."""
    for result in iterate_detached(lambda: [call()], cancelled, name):
        return result
    return None
