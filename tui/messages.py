"""App-wide messages: what background workers report, posted from their threads.

Workers never touch widgets; they post one of these and the app or screen decides what changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.domain.errors import MindpaneError
from tui.services.turn import TurnEvent


class StoreOpened(Message):
    """The memory store finished opening: turns can run and memory panes can load."""


class StoreFailed(Message):
    """The memory store could not be opened (unwritable data dir, another mindpane holds it…)."""

    def __init__(self, error: MindpaneError) -> None:
        super().__init__()
        self.error = error


@dataclass(frozen=True)
class OllamaStatus:
    """What the last contact with Ollama said about a model: usable, or the error to show."""

    model: str
    error: MindpaneError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class OllamaChecked(Message):
    """A background check (or a turn) learned whether Ollama and the mode's model are usable."""

    def __init__(self, status: OllamaStatus) -> None:
        super().__init__()
        self.status = status


class TurnProgress(Message):
    """One event of a running turn (recalled, reply chunk, done, failed), for the turn ``turn_id``."""

    def __init__(self, turn_id: int, event: TurnEvent) -> None:
        super().__init__()
        self.turn_id = turn_id
        self.event = event
