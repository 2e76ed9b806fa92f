"""The narrow interfaces the services talk to; adapters implement them, tests and UI use them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from tui.domain.llm_models import ContextWindow, ModelInfo, PullProgress
from tui.domain.modes import Mode
from tui.domain.records import (
    Change,
    Forgotten,
    HistoryEvent,
    ImportedEntry,
    MemoryRecord,
    Page,
    PendingEntry,
    RecalledMemory,
)
from tui.domain.search import SearchQuery
from tui.domain.stop import StopSignal
from tui.recall.hybrid import Window


class MemoryStore(Protocol):
    """Entries of every mode, kept by one user id per install. All calls block: use a worker."""

    def add_entry(self, mode: Mode, text: str, reply: str = "", extra: dict | None = None,
                  turn_id: str | None = None, at: datetime | None = None) -> MemoryRecord:
        """Store an entry; with ``turn_id`` it leaves the outbox at once, and never twice."""
        ...

    def import_entries(self, mode: Mode, entries: Sequence[ImportedEntry], batch: int = 256,
                       progress: Callable[[int, int], None] | None = None, import_id: str | None = None) -> int:
        """Store many entries with their own dates, ``batch`` at a time (``progress(done, total)``
        after each); each is an ``import`` line in the change log, tagged ``import_id``."""
        ...

    def iter_entries(self, mode_name: str | None = None, since: datetime | None = None,
                     until: datetime | None = None, batch: int = 500) -> Iterator[MemoryRecord]:
        """Every entry (of a mode), oldest first, ``since`` inclusive, ``until`` exclusive; streamed."""
        ...

    def day_counts(self, mode_name: str | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> dict[date, int]:
        """Alive entries (of a mode; None: all modes) per local day, ``since`` inclusive, ``until``
        exclusive: the calendar's heatmap and streaks."""
        ...

    def known_keys(self, keys: Sequence[str]) -> set[str]:
        """Which content keys (``records.content_key``) an entry already has: an import's duplicates."""
        ...

    def entry_modes(self, ids: Sequence[str]) -> dict[str, str | None]:
        """The mode of each of ``ids`` in use (None when held by a deleted entry)."""
        ...

    def attach_reply(self, memory_id: str, reply: str, extra: dict | None = None) -> MemoryRecord: ...

    def recall(self, query: str, mode: Mode, k: int, min_score: float = 0.0, *,
               since: datetime | None = None, until: datetime | None = None,
               near: Window | None = None) -> list[RecalledMemory]:
        """The ``k`` entries of ``mode`` that best answer ``query`` by meaning and by words, best
        first; one sharing no word with it needs cosine ≥ ``min_score``. With ``since``/``until``:
        only entries created in [since, until). ``near``: a window whose entries (and those of a
        few days after it) are favoured, without leaving the others out."""
        ...

    def prepare(self, mode_name: str) -> None:
        """Load what recall in this mode needs now, so the first turn does not wait for it."""
        ...

    def page(self, mode_name: str, offset: int = 0, limit: int = 50) -> Page: ...

    def search(self, query: SearchQuery, offset: int = 0, limit: int = 50) -> tuple[list[MemoryRecord], int]:
        """Entries matching ``query`` exactly (words, phrases, #tags, days, mode), newest first: the
        page at ``offset`` and how many match in all."""
        ...

    def count(self, mode_name: str) -> int: ...

    def get(self, memory_id: str) -> MemoryRecord | None: ...

    def update_text(self, memory_id: str, text: str) -> MemoryRecord: ...

    def delete(self, memory_id: str) -> None: ...

    def history(self, memory_id: str) -> list[HistoryEvent]: ...

    def pin(self, memory_id: str) -> None:
        """Pin an entry in its mode: it goes into every prompt of that mode (a ``pin`` change)."""
        ...

    def unpin(self, memory_id: str) -> None:
        """Take the pin away (an ``unpin`` change); not pinned: nothing happens."""
        ...

    def set_flags(self, memory_id: str, **flags: object) -> MemoryRecord:
        """Set one flag the person sets on an entry, kept in its metadata: ``kind`` (``"entry"`` or
        ``"question"``, see ``tui.domain.entry_kind``) or ``reply_wrong`` (True; None takes a flag
        away). A ``kind`` or ``mark`` line in the change log, which ``undo`` reverts (the flag only).
        Returns the entry as it is now; ``MemoryNotFound`` if it is gone."""
        ...

    def pinned(self, mode_name: str) -> list[MemoryRecord]:
        """The mode's pinned entries (deleted ones left out), oldest pin first."""
        ...

    def pinned_ids(self, mode_name: str | None = None) -> set[str]:
        """The ids of the mode's pinned entries (None: every mode's)."""
        ...

    def changes(self, offset: int = 0, limit: int = 200) -> list[Change]:
        """The change log, newest first: edits, deletes, replies attached, imports, pins and unpins."""
        ...

    def undo(self, seq: int | None = None, mode_name: str | None = None) -> Change | None:
        """Revert one change (default: the latest not yet undone); None if there is none."""
        ...

    def forget(self, memory_ids: Sequence[str]) -> Forgotten:
        """Erase entries from every file for good (copies repair moved aside included)."""
        ...

    def forget_deleted(self) -> Forgotten: ...

    def deleted_ids(self) -> list[str]:
        """The ids of the deleted entries (what "Forget all deleted" would erase)."""
        ...

    def pending(self) -> list[PendingEntry]: ...

    def drop_pending(self, turn_id: str) -> None: ...

    def close(self) -> None: ...


class Outbox(Protocol):
    """Where a turn's text waits, durable, from the moment it is sent until its entry is stored.
    Cheap to open (no mem0/Chroma), so it works before the store has loaded."""

    def put_pending(self, turn_id: str, mode: str, text: str, at: datetime) -> None: ...

    def pending(self) -> list[PendingEntry]: ...

    def drop_pending(self, turn_id: str) -> None: ...

    def by_turn(self, turn_id: str) -> MemoryRecord | None:
        """The entry the turn ``turn_id`` stored, if it did."""
        ...

    def close(self) -> None: ...


class ChatModel(Protocol):
    """A chat LLM that streams. Every failure is raised as a ``tui.domain.errors.ChatError``."""

    def stream(self, model: str, messages: Sequence[dict[str, str]], options: Mapping[str, Any] | None = None, *,
               stop: StopSignal | None = None) -> Iterator[str]:
        """Yield the reply's text chunks as they arrive; after ``stop`` (from any thread, even
        mid-read) the connection is closed and the stream just ends. ``options`` (e.g. ``num_ctx``)
        go with this request. A reply cut short by a full context raises ``ContextFull``."""
        ...

    def context_window(self, model: str) -> ContextWindow:
        """How many tokens ``model`` takes, as the server reports it; never raises (an empty
        ``ContextWindow`` when the server cannot say)."""
        ...

    @property
    def request_options(self) -> Mapping[str, Any]:
        """What ``stream`` sends besides the model and the messages (e.g. ``stream``, ``options``),
        for showing a person exactly what the model received. Optional: read with ``getattr``."""
        ...

    def ensure_model(self, model: str) -> None:
        """Return if the server answers and has ``model``; raise OllamaUnreachable/ModelNotFound."""
        ...

    def list_models(self) -> list[ModelInfo]:
        """The models the server has, by name; raise OllamaUnreachable (or another ChatError)."""
        ...

    def pull(self, model: str) -> Iterator[PullProgress]:
        """Download ``model`` into the server, yielding its progress lines; the last one has status
        ``success``. Closing the iterator early cancels the pull (the connection is closed).
        Raises OllamaUnreachable, UnknownModel (no such model on the registry) or PullFailed."""
        ...

    @property
    def host(self) -> str: ...


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors of a fixed dimension."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...
