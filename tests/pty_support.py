"""Driving the full-screen app in a pseudo-terminal (tests and the crash campaign)."""

from __future__ import annotations

import os
import select
import time


def read_for(fd: int, seconds: float, needle: bytes | None = None, start: bytes = b"") -> bytes:
    """Keep reading the app's output (so it never blocks on a full pty) for ``seconds``, or until
    ``needle`` shows up (``start``: output already read, searched too)."""
    seen = start
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (needle and needle in seen):
        ready, _, _ = select.select([fd], [], [], min(0.05, max(0.0, deadline - time.monotonic())))
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen
