"""The narrow interfaces the services talk to; adapters implement them, tests and UI use them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from tui.domain.errors import StoreError
from tui.domain.llm_models import ContextWindow, ModelInfo, PullProgress
from tui.domain.records import Change, HistoryEvent, MemoryRecord, Page, PendingEntry
from tui.domain.search import SearchQuery
from tui.domain.stop import StopSignal
from tui.domain.sync import HubJournal, HubRow, PushResult
from tui.recall.hybrid import DenseScores
from tui.recall.lexical import LexicalScores


class Record(Protocol):
    """The canonical record (``entries.db``): every entry of every mode, its change log, pins,
    vectors and the outbox. The truth the index follows. Reads go here directly; writes go
    through ``tui.services.journal.Journal``, which keeps its rules. All calls block: use a worker."""

    # -- reading
    def get(self, memory_id: str, include_deleted: bool = False) -> MemoryRecord | None: ...

    def fetch(self, ids: Sequence[str]) -> dict[str, MemoryRecord]:
        """The alive entries among ``ids``, by id."""
        ...

    def page(self, mode: str, offset: int = 0, limit: int = 50) -> Page:
        """The mode's entries, newest first, and how many it has in all."""
        ...

    def count(self, mode: str | None = None) -> int: ...

    def modes(self) -> list[str]: ...

    def ids(self, mode: str) -> set[str]: ...

    def alive(self, mode: str, batch: int = 1000) -> Iterator[list[MemoryRecord]]: ...

    def iter_entries(self, mode: str | None = None, since: datetime | None = None,
                     until: datetime | None = None, batch: int = 500) -> Iterator[MemoryRecord]:
        """Every entry (of a mode), oldest first, ``since`` inclusive, ``until`` exclusive; streamed."""
        ...

    def day_counts(self, mode: str | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> dict[date, int]:
        """Alive entries (of a mode; None: all modes) per local day: the calendar's heatmap and streaks."""
        ...

    def ids_in_range(self, mode: str, since: datetime | None, until: datetime | None) -> list[str]: ...

    def known_keys(self, keys: Sequence[str]) -> set[str]:
        """Which content keys (``records.content_key``) an entry already has: an import's duplicates."""
        ...

    def entry_modes(self, ids: Sequence[str]) -> dict[str, str | None]:
        """The mode of each of ``ids`` in use (None when held by a deleted entry)."""
        ...

    def search(self, query: SearchQuery, offset: int = 0, limit: int = 50) -> tuple[list[MemoryRecord], int]:
        """Entries matching ``query`` exactly (words, phrases, #tags, days, mode), newest first: the
        page at ``offset`` and how many match in all."""
        ...

    def pinned(self, mode: str) -> list[MemoryRecord]:
        """The mode's pinned entries (deleted ones left out), oldest pin first."""
        ...

    def pinned_ids(self, mode: str | None = None) -> set[str]:
        """The ids of the mode's pinned entries (None: every mode's)."""
        ...

    def pinned_since(self, memory_id: str, before_seq: int) -> datetime | None: ...

    def changes(self, offset: int = 0, limit: int = 200) -> list[Change]:
        """The change log, newest first: edits, deletes, replies attached, imports, pins and unpins."""
        ...

    def change_lines(self, offset: int = 0, limit: int = 200) -> list[Change]:
        """The change log as the person sees it, newest first: an import is one line."""
        ...

    def change(self, seq: int) -> Change | None: ...

    def last_undoable(self, mode: str | None = None) -> Change | None: ...

    def deleted_ids(self) -> list[str]: ...

    # -- writing (the journal's rules decide when)
    def insert(self, record: MemoryRecord, turn_id: str | None = None) -> MemoryRecord:
        """Store an entry and its change-log line in one transaction; with ``turn_id`` its outbox
        row leaves too, and a turn stored already gets its entry back (never twice)."""
        ...

    def insert_many(self, records: Sequence[MemoryRecord], at: datetime, batch: str | None = None,
                    pinned: set[str] = frozenset()) -> None: ...

    def replace(self, before: MemoryRecord, after: MemoryRecord, kind: str, at: datetime) -> int | None: ...

    def set_flags(self, memory_id: str, flags: dict[str, object], at: datetime,
                  log: bool = True) -> MemoryRecord | None: ...

    def mark_deleted(self, record: MemoryRecord, at: datetime) -> int: ...

    def restore(self, record: MemoryRecord) -> None: ...

    def set_deleted(self, ids: Iterable[str], at: datetime) -> None: ...

    def mark_undone(self, seq: int, at: datetime) -> None: ...

    def undo_import(self, batch: str, at: datetime, chunk: int = 2000) -> list[MemoryRecord]:
        """Take back a whole import (its lines marked undone); returns the entries it deleted."""
        ...

    def pin(self, memory_id: str, at: datetime, since: datetime | None = None, log: bool = True) -> bool: ...

    def unpin(self, memory_id: str, at: datetime, log: bool = True) -> bool: ...

    def erase(self, ids: Sequence[str]) -> None:
        """Forget: the rows, their change-log lines, outbox rows and vectors, compacted away."""
        ...

    # -- what the index keeps in the record
    def put_vectors(self, embedder: str, rows: Sequence[tuple[str, bytes]]) -> None: ...

    def vectors(self, embedder: str, mode: str) -> list[tuple[str, bytes]]: ...

    def without_vector(self, embedder: str, mode: str) -> list[str]: ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    # -- the outbox
    def by_turn(self, turn_id: str) -> MemoryRecord | None: ...

    def put_pending(self, turn_id: str, mode: str, text: str, at: datetime) -> None: ...

    def pending(self) -> list[PendingEntry]: ...

    def drop_pending(self, turn_id: str) -> None: ...

    def close(self) -> None: ...


class Index(Protocol):
    """What follows the record so that recall can find entries: their vectors, their words, and
    (for the Chroma index) mem0's collections and history. It knows entries only as the journal
    hands them over; it decides nothing. All calls block: use a worker."""

    embedder_name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """The texts' vectors; pure computation (an import embeds a batch while writing the last)."""
        ...

    def add(self, records: Sequence[MemoryRecord], vectors: Sequence[Sequence[float]] | None = None,
            history_event: str | None = "ADD", history_at: datetime | None = None) -> None:
        """Index records of one mode (embedded unless ``vectors`` are given)."""
        ...

    def update_text(self, record: MemoryRecord) -> None: ...

    def update_metadata(self, record: MemoryRecord, removed: set[str] = frozenset()) -> None:
        """The entry's reply or metadata changed; keys in ``removed`` were taken away."""
        ...

    def remove(self, record: MemoryRecord) -> None:
        """A deleted entry leaves recall (undo can bring it back with ``add``)."""
        ...

    def remove_many(self, records: Sequence[MemoryRecord], at: datetime) -> None:
        """Many entries leave recall at once (an import undone)."""
        ...

    def candidates(self, query: str, mode_name: str) -> tuple[DenseScores, LexicalScores]:
        """Every entry of the mode scored against ``query``: by meaning and by words."""
        ...

    def prepare(self, mode_name: str) -> None:
        """Load what recall in this mode needs now, so the first turn does not wait for it."""
        ...

    def mark_stale(self, ids: Sequence[str]) -> None:
        """An index step failed for these entries: the next open re-indexes them."""
        ...

    def will_follow(self, ids: Sequence[str]) -> None:
        """The record is about to change these entries: until ``followed``, the next open
        re-indexes them (a process killed between the record's commit and the index steps)."""
        ...

    def followed(self, ids: Sequence[str]) -> None:
        """The index steps of these entries ran: the next open need not re-index them."""
        ...

    def after_failure(self, exc: BaseException) -> None:
        """A call failed with ``exc``: get ready for the next one (e.g. reopen a client)."""
        ...

    def heal(self) -> None:
        """Bring the index in step with the record (at open)."""
        ...

    def sync(self, mode_name: str, stale: set[str] = frozenset(),
             progress: Callable[[int, int], None] | None = None) -> int:
        """Make the mode's index hold exactly the record's entries; how many were (re)indexed."""
        ...

    def erase(self, records: Sequence[MemoryRecord]) -> None:
        """Forget: nothing of these entries may stay in any file the index keeps."""
        ...

    def history(self, memory_id: str) -> list[HistoryEvent]:
        """The entry's story (added, edited, deleted) as the index recorded it."""
        ...

    def close(self) -> None: ...


class StoreDisk(Protocol):
    """The data dir as the journal needs it: room for a write, failures named, the log redacted."""

    def ensure_room(self, text: str, compacting: bool = False) -> None:
        """Raise a ``StoreError`` before a write of ``text`` when the disk is (nearly) full;
        compacting (forget) needs room for the largest file's copy too."""
        ...

    def explain(self, exc: BaseException) -> StoreError:
        """An unexpected failure of the record or the index as a message a person can act on."""
        ...

    def redact_log(self, texts: Sequence[str]) -> None:
        """Forget: these texts leave the log file and the draft file."""
        ...

    def erase_from_copies(self, memory_ids: Sequence[str], texts: Sequence[str]) -> tuple[str, ...]:
        """Forget: the entries leave the copies repair moved aside; a note for the person per copy."""
        ...


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


class Hub(Protocol):
    """A sync hub (``tui.adapters.pg_hub``: Postgres): a relay of sealed rows between devices, not
    the store. Every call blocks (network): use a worker. Failures are ``HubError`` with a hint."""

    def create(self, journal: HubJournal) -> None:
        """Make the hub's tables and keep ``journal`` there; ``HubError`` if the database holds a hub."""
        ...

    def journal(self) -> HubJournal:
        """The journal this hub relays; ``HubError`` when it holds none, or a newer mindpane's layout."""
        ...

    def register(self, device: str, name: str) -> None:
        """Note a device (id, a name the person gave it): what ``mindpane sync status`` lists."""
        ...

    def push(self, rows: Sequence[HubRow], bases: Mapping[str, int]) -> PushResult:
        """Append ``rows`` in one transaction. A ``put`` is accepted only when the hub's latest version
        of its entry is ``bases[entry_id]`` (0: the hub has none) and the entry is not erased; an
        ``erase`` is always accepted and drops every earlier ciphertext of its entry."""
        ...

    def pull(self, after: int, limit: int = 1000) -> list[HubRow]:
        """Rows with ``seq`` > ``after``, in seq order, at most ``limit``."""
        ...

    def close(self) -> None: ...
