"""Hanging up on an Ollama request that makes no progress.

httpx's read timeout is per socket read: a server that sends one byte a second (a "slowloris"),
or lines with nothing in them, never trips it, and a reply could run for ever with nothing in it.
``NoProgress`` watches a request from a thread of its own and hangs it up once the caller has
waited ``limit`` seconds in all since the last progress — the caller says what progress is (a
line with text, a whole answer) and when it is waiting, so a caller slow to take the chunks (a
blocked pipe) is never taken for a stalled model.

Hanging up means shutting the socket down: closing a response from another thread does not wake a
read blocked on it; a shutdown does. The socket is learnt as the connection opens (httpcore's
``trace`` extension); the client keeps no idle connections, so every request opens its own.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx

NO_IDLE_CONNECTIONS = httpx.Limits(max_keepalive_connections=0)
"""Each request on a connection of its own, whose socket the trace below learns."""
_CONNECTED = frozenset({"connection.connect_tcp.complete", "connection.connect_unix_socket.complete"})
_current = threading.local()
"""The ``HangUp`` of the request this thread is sending or reading, if one watches it."""


class NoProgressTimeout(httpx.ReadTimeout):
    """The server sent bytes but no progress for the limit: for every caller, a read timeout."""


class HangUp:
    """Shuts down the socket of one request, from any thread, now or as soon as it is known."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stream: Any = None
        self._hung_up = False

    def opened(self, stream: Any) -> None:
        """The request's network stream (httpcore's), as its connection opens."""
        with self._lock:
            self._stream = stream
            hung_up = self._hung_up
        if hung_up:
            _shut_down(stream)

    def __call__(self) -> None:
        with self._lock:
            self._hung_up = True
            stream = self._stream
        if stream is not None:
            _shut_down(stream)


def _shut_down(stream: Any) -> None:
    sock = stream.get_extra_info("socket") if stream is not None else None
    with contextlib.suppress(OSError):
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def watched_by(hang_up: HangUp) -> Iterator[None]:
    """While inside, a connection this thread opens is handed to ``hang_up``."""
    before = getattr(_current, "hang_up", None)
    _current.hang_up = hang_up
    try:
        yield
    finally:
        _current.hang_up = before


def trace_connections(request: httpx.Request) -> None:
    """httpx request hook: learn each connection's socket (see ``watched_by``)."""
    request.extensions["trace"] = _traced


def _traced(name: str, info: dict[str, Any]) -> None:
    if name in _CONNECTED:
        hang_up = getattr(_current, "hang_up", None)
        if hang_up is not None:
            hang_up.opened(info.get("return_value"))


class NoProgress:
    """Calls ``hang_up`` once the caller has waited ``limit`` seconds without progress.

    ``waiting()`` before each wait on the server, ``got(progress)`` after it; ``close()`` at the end.
    Only the time spent waiting counts, and it adds up over waits that brought nothing new.
    """

    def __init__(self, limit: float, hang_up: HangUp) -> None:
        self.limit = limit
        self._hang_up = hang_up
        self._changed = threading.Condition()
        self._spent = 0.0
        self._since: float | None = None
        self._closed = False
        self._thread: threading.Thread | None = None
        self.fired = False

    def waiting(self) -> None:
        with self._changed:
            self._since = time.monotonic()
            self._changed.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="mindpane-no-progress", daemon=True)
                self._thread.start()

    def got(self, progress: bool) -> None:
        with self._changed:
            if progress:
                self._spent = 0.0
            elif self._since is not None:
                self._spent += time.monotonic() - self._since
            self._since = None

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _watch(self) -> None:
        with self._changed:
            while not self._closed:
                left = None if self._since is None else self.limit - self._spent - (time.monotonic() - self._since)
                if left is not None and left <= 0:
                    self.fired = True
                    break
                self._changed.wait(left)
            else:
                return
        self._hang_up()

    def timeout(self, what: str) -> NoProgressTimeout:
        return NoProgressTimeout(f"{what}: no progress for {self.limit:g} s")


def call_watched(limit: float, call: Any, what: str) -> Any:
    """``call()`` (one request, one answer), hung up after ``limit`` seconds without the answer."""
    hang_up = HangUp()
    with NoProgress(limit, hang_up) as watch, watched_by(hang_up):
        watch.waiting()
        try:
            return call()
        except Exception as exc:
            if watch.fired and not is_connect_failure(exc):
                raise watch.timeout(what) from exc
            raise


def is_connect_failure(exc: BaseException) -> bool:
    """The server was never reached: its own message (and ``connect_timeout``) tells it best.
    The ``ollama`` client turns ``httpx.ConnectError`` into a bare ``ConnectionError``."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) or type(exc) is ConnectionError
