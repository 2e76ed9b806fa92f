"""The line under a turn while its reply is awaited: "◐ thinking… 12 s".

A local model can take 40-60 s before its first word (loading it, reading a long prompt); with
nothing moving on screen the app looked stuck. The line counts once a second from the moment the
turn starts (one timer and a one-line update, no layout: cheap on the event loop) and goes when
the first words arrive, the turn fails or it is stopped. Times come from the app's clock (a fixed
one in tests), so what the turn says afterwards ("first words after 12 s") can be checked.
"""

from __future__ import annotations

from datetime import UTC, datetime

from textual.timer import Timer
from textual.widgets import Static

SPINNER = "◐◓◑◒"
TICK_SECONDS = 1.0


def app_now(widget: Static) -> datetime:
    """Now, by the app's clock when it has one (``MindpaneApp.clock``)."""
    clock = getattr(widget.app, "clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def whole_seconds(since: datetime, until: datetime) -> int:
    return max(0, int((until - since).total_seconds()))


def local_time(moment: datetime) -> str:
    """"09:31:08", in the person's time zone."""
    return moment.astimezone().strftime("%H:%M:%S")


class ThinkingLine(Static):
    """Counts the seconds since ``start`` until ``stop``; hidden otherwise."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self._since: datetime | None = None
        self._attempt = 1
        self._frame = 0
        self._timer: Timer | None = None

    @property
    def running(self) -> bool:
        return self._timer is not None

    def start(self, since: datetime, attempt: int) -> None:
        """Show the line, counting from ``since``; from the second ``attempt`` on it says which."""
        self._since, self._attempt, self._frame = since, attempt, 0
        self.update(self._text())
        self.display = True
        if self._timer is None:
            self._timer = self.set_interval(TICK_SECONDS, self._tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.display = False

    def _tick(self) -> None:
        self._frame += 1
        self.update(self._text(), layout=False)  # one line, same size: nothing to lay out

    def _text(self) -> str:
        seconds = whole_seconds(self._since, app_now(self)) if self._since is not None else 0
        attempt = f" · attempt {self._attempt}" if self._attempt > 1 else ""
        return f"{SPINNER[self._frame % len(SPINNER)]} thinking… {seconds} s{attempt}"
