"""The exit statuses every ``mindpane`` command uses, and how a command treats a closed stdout."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TextIO

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
"""Ctrl+C (128 + SIGINT), as a shell reports it."""


def silence_stdout(out: TextIO) -> None:
    """After a ``BrokenPipeError`` on ``out``: point the real stdout at /dev/null, so the flush at
    exit neither fails nor prints "Exception ignored … BrokenPipeError"."""
    if out is sys.stdout:
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, sys.stdout.fileno())
            finally:
                os.close(null)


class PipeOut:
    """``out`` for a command whose reader may go away early (``mindpane ask … | head -8``).

    The first ``BrokenPipeError`` stops the printing: later writes are dropped and ``closed_early``
    is set, and the command carries on with what it was doing (``ask`` still stores the reply it
    receives). Such a command then exits with status 0, not 141 (128 + SIGPIPE): the reader chose
    to stop reading, the command itself did all it had to, and ``set -o pipefail`` scripts running
    ``mindpane search … | head`` should not see a failure that is not one (``mindpane export |
    head`` has always exited 0 too).
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.closed_early = False

    def write(self, text: str) -> int:
        if not self.closed_early:
            try:
                self._out.write(text)
            except BrokenPipeError:
                self._stop()
        return len(text)

    def isatty(self) -> bool:
        return self._out.isatty()

    def flush(self) -> None:
        if not self.closed_early:
            try:
                self._out.flush()
            except BrokenPipeError:
                self._stop()

    def _stop(self) -> None:
        self.closed_early = True
        silence_stdout(self._out)
