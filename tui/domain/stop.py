"""A stop request for a running turn, passed from the person's Esc (the event loop) to the thread
that streams the reply.

Checking ``stopped`` between chunks is not enough: a stalled stream blocks in a read. So whoever
holds something that can be hung up (the chat adapter, its HTTP response) registers a hook with
``on_stop``; ``stop()`` runs the hooks at once, in the caller's thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable


class StopSignal:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = False
        self._hooks: list[Callable[[], None]] = []

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self) -> None:
        """Ask the turn to stop; every registered hook runs now (once)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            hooks, self._hooks = self._hooks, []
        for hook in hooks:
            with contextlib.suppress(Exception):  # a hook that fails must not keep the others from running
                hook()

    def on_stop(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Run ``hook`` when ``stop()`` is called (now, if it already was); returns its removal."""
        with self._lock:
            if not self._stopped:
                self._hooks.append(hook)
                return lambda: self._remove(hook)
        hook()
        return lambda: None

    def _remove(self, hook: Callable[[], None]) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._hooks.remove(hook)
