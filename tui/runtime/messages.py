"""App-wide messages: what background workers report, posted from their threads, and what happens
to a turn, for the chat.

Workers never touch widgets; they post one of these and the app or screen decides what changes.
Messages are dataclasses (``@dataclass class X(Message)``, as Textual's own ``Notify``): the fields
are the constructor.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.domain.errors import MindpaneError
from tui.domain.records import MemoryRecord
from tui.runtime.session import Turn
from tui.services.turn_events import Recalled, ReplyChunk, TurnDone, TurnEvent, TurnFailed, TurnStopped

__all__ = [
    "DraftChanged", "OllamaChecked", "OllamaStatus", "Recalled", "ReplyChunk", "StoreFailed",
    "StoreOpened", "TurnDone", "TurnFailed", "TurnMarked", "TurnQueued", "TurnRecovered", "TurnStarted",
    "TurnStopped", "TurnStopping", "TurnUpdate", "TurnWaiting", "WorkFailed",
]


@dataclass
class StoreOpened(Message):
    """The memory store finished opening: turns can run and memory panes can load."""


@dataclass
class StoreFailed(Message):
    """The memory store could not be opened (unwritable data dir, another mindpane holds it…)."""

    error: MindpaneError


@dataclass(frozen=True)
class OllamaStatus:
    """What the last contact with Ollama said about a model: usable, or the error to show."""

    model: str
    error: MindpaneError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class OllamaChecked(Message):
    """A background check (or a turn) learned whether Ollama and the mode's model are usable."""

    status: OllamaStatus


@dataclass
class DraftChanged(Message):
    """The text of an open composer changed (``mode``'s composer draft): the app keeps it on the disk."""

    text: str
    mode: str


@dataclass
class WorkFailed(Message, bubble=False):
    """A screen's worker met a ``MindpaneError``: the screen that ran it shows ``error``."""

    error: MindpaneError


# -- what happens to a turn ------------------------------------------------------------------------
# Each event has one name from where it starts to the view that shows it: the service's events
# (``tui.services.turn_events``: Recalled, ReplyChunk, Saving, TurnDone, TurnFailed, TurnStopped;
# those the chat shows are re-exported here for the panes, which never import services) and the turn controller's own
# (below). Either travels to the chat in a ``TurnUpdate``.


@dataclass(frozen=True)
class TurnQueued:
    """The turn joined the queue: a new send, an entry to answer, or (``again``) a turn sent again
    (a retry, regenerate, edit and resend)."""

    again: bool = False


@dataclass(frozen=True)
class TurnWaiting:
    """The queued turn waits: for the store to open, or (``store_ready``) for the previous reply."""

    store_ready: bool


@dataclass(frozen=True)
class TurnStarted:
    """The turn's worker started: it is recalling memories."""


@dataclass(frozen=True)
class TurnStopping:
    """The person stopped the reply: it shows stopped at once; ``TurnStopped`` follows once what
    arrived is kept."""


@dataclass(frozen=True)
class TurnMarked:
    """The turn's kind (question or entry) or its reply's wrong mark changed."""


@dataclass(frozen=True)
class TurnRecovered:
    """A turn an earlier run left unanswered, shown failed and ready to retry."""


ControllerEvent = TurnQueued | TurnWaiting | TurnStarted | TurnStopping | TurnMarked | TurnRecovered
"""What the turn controller says of a turn besides the service's events: the queue, marks, recovery."""

FINISHING = (TurnDone, TurnFailed, TurnStopped, TurnStopping)
"""The events after which a turn is no longer running (done, failed, or stopped)."""


@dataclass
class TurnUpdate(Message, bubble=False):
    """``event`` happened to ``turn``. A turn's worker posts the service's events to the app, whose
    turn controller records each on the ``Turn`` first and then hands this same message to the main
    screen (or drops it: the turn was stopped); the controller's own events go to the main screen
    directly. The views only show what the turn now says."""

    turn: Turn
    event: TurnEvent | ControllerEvent

    @property
    def finished(self) -> bool:
        """The turn is done, failed or stopped (``turn.state`` says which)."""
        return isinstance(self.event, FINISHING)

    @property
    def stored(self) -> MemoryRecord | None:
        """The entry the turn stored or updated as it ended; None if none (yet)."""
        return self.event.record if isinstance(self.event, TurnDone | TurnFailed | TurnStopped) else None
