"""App-wide messages: what background workers report, posted from their threads, and what the
turn controller tells the chat.

Workers never touch widgets; they post one of these and the app or screen decides what changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.domain.errors import MindpaneError
from tui.domain.records import MemoryRecord
from tui.services.turn_events import TurnEvent
from tui.session import Turn


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


class DraftChanged(Message):
    """The text of an open composer changed (``mode``'s composer draft): the app keeps it on the disk."""

    def __init__(self, text: str, mode: str) -> None:
        super().__init__()
        self.text = text
        self.mode = mode


class TurnProgress(Message):
    """One event of a running turn (recalled, reply chunk, done, failed), for the turn ``turn_id``:
    posted by the turn worker to the app, which hands it to the turn controller."""

    def __init__(self, turn_id: int, event: TurnEvent) -> None:
        super().__init__()
        self.turn_id = turn_id
        self.event = event


# -- what the turn controller tells the chat (posted to the main screen, shown by the chat pane) --
# ``TurnUpdate`` is their common base: an ``@on(TurnUpdate)`` handler (which matches subclasses,
# unlike an ``on_turn_update`` method) routes them all. The controller changes the ``Turn`` first; the
# views only show what it now says.


class TurnUpdate(Message):
    """Something happened to ``turn`` (the controller has already recorded it on the turn)."""

    def __init__(self, turn: Turn) -> None:
        super().__init__()
        self.turn = turn


class TurnQueued(TurnUpdate):
    """A turn joined the queue: a new send, an entry to answer, or (``again``) a failed turn retried."""

    def __init__(self, turn: Turn, again: bool = False) -> None:
        super().__init__(turn)
        self.again = again


class TurnWaiting(TurnUpdate):
    """A queued turn waits: for the store to open, or (``store_ready``) for the previous reply."""

    def __init__(self, turn: Turn, store_ready: bool) -> None:
        super().__init__(turn)
        self.store_ready = store_ready


class TurnStarted(TurnUpdate):
    """The turn's worker started: it is recalling memories."""


class TurnRecalled(TurnUpdate):
    """The turn's memories are recalled (``turn.recalled``) and its reply is streaming."""


class TurnChunk(TurnUpdate):
    """A piece of the turn's reply."""

    def __init__(self, turn: Turn, text: str) -> None:
        super().__init__(turn)
        self.text = text


class TurnFinished(TurnUpdate):
    """The turn is done or failed (``turn.state``); ``stored`` is the entry it stored or updated,
    ``partial`` the reply a failure kept."""

    def __init__(self, turn: Turn, stored: MemoryRecord | None = None, partial: str = "") -> None:
        super().__init__(turn)
        self.stored = stored
        self.partial = partial


class TurnMarked(TurnUpdate):
    """The turn's kind (question or entry) or its reply's wrong mark changed."""


class TurnRecovered(TurnUpdate):
    """A turn an earlier run left unanswered, shown failed and ready to retry."""


class WorkFailed(Message, bubble=False):
    """A screen's worker met a ``MindpaneError``: the screen that ran it shows ``error``."""

    def __init__(self, error: MindpaneError) -> None:
        super().__init__()
        self.error = error
