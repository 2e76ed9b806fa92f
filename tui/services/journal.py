"""The journal: mindpane's rules for changing what a person wrote, over a record and an index.

The write rule: every change lands in the canonical record first (one durable transaction with
its change-log line), then the index follows; if the index step fails the record keeps the change
and the entries are marked stale for the next open to heal. Here too: undo (a branch per change
kind), pins, how forget is sequenced (index, record, log), imports pipelined (a batch embedded
while the one before is written) and the disk-space check before any library is entered.
Reads go to ``journal.record`` directly. All calls block: callers use workers.
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from tui.domain import flags as entry_flags
from tui.domain.errors import MemoryNotFound, MindpaneError
from tui.domain.modes import Mode
from tui.domain.records import Change, Forgotten, HistoryEvent, ImportedEntry, MemoryRecord, RecalledMemory
from tui.domain.sync_state import EntryState, SyncedChanges, vector_floats
from tui.ports import Index, Record, StoreDisk
from tui.recall import hybrid

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _as_store_error(method: Callable) -> Callable:
    """SQLite, Chroma and mem0 raise many untyped errors (a full disk, a corrupt file); callers
    get a ``StoreError`` they can show, and the log keeps the traceback (never entry text)."""

    @functools.wraps(method)
    def translated(self: Journal, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except MindpaneError:
            raise
        except Exception as exc:
            raise self._failed(method.__name__, exc) from exc

    return translated


class _TranslatedRecord:
    """The record as readers see it: the same calls, failures as a ``StoreError`` to show."""

    def __init__(self, journal: Journal, record: Record) -> None:
        self._journal = journal
        self._record = record

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._record, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attribute(*args, **kwargs)
            except MindpaneError:
                raise
            except Exception as exc:
                raise self._journal._failed(name, exc) from exc

        return call


class _OneBehind:
    """An import, pipelined: batch N is embedded here while batch N-1 is written, in one helper
    thread and in order: the record first (one transaction), then the index. Embedding is pure
    computation, so nothing is kept before its record; the model run and the writes each leave
    the other core free (a 10k import: 27.5 → about 20 s). A failed write stops the import: its
    batch and the ones after it are not stored (an index step that failed marks its entries
    stale, as ``_following`` does) and the error is raised."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._pool: Any = None
        self._pending: Any = None

    def __enter__(self) -> _OneBehind:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mindpane-import")
        return self

    def add(self, records: list[MemoryRecord], keep: Callable[[], None]) -> None:
        """Embed ``records`` now; then (after the batch before) ``keep()`` writes them to the record
        and the index follows."""
        journal = self._journal
        vectors = journal.index.embed([record.text for record in records])
        self._wait()
        ids = [record.id for record in records]

        def write() -> None:
            with journal._write_lock:
                keep()
                journal._following(ids, lambda: journal.index.add(records, vectors))

        self._pending = self._pool.submit(write)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __exit__(self, *exc_info: Any) -> None:
        try:
            self._wait()
        finally:
            self._pool.shutdown(wait=True)


class Journal:
    """Entries of every mode, kept by one install: the record, the index that follows it, and
    the rules between them. Made by ``tui.services.engine.open_journal``."""

    def __init__(self, record: Record, index: Index, disk: StoreDisk, clock: Clock = _utc_now,
                 on_close: Callable[[], None] = lambda: None) -> None:
        self._record = record
        self.index = index
        self._disk = disk
        self._clock = clock
        self._on_close = on_close
        self._write_lock = threading.RLock()
        self.record = cast(Record, _TranslatedRecord(self, record))
        """Reads (pages, search, counts, pins, the change log): failures come as ``StoreError``."""

    def _failed(self, what: str, exc: Exception) -> MindpaneError:
        try:
            self.index.after_failure(exc)
        except Exception:
            log.warning("getting the index ready after a failure failed", exc_info=True)
        log.error("memory store: %s failed: %s", what, type(exc).__name__)
        return self._disk.explain(exc)

    # -- the write rule ------------------------------------------------------------------------

    def _following(self, ids: Sequence[str], index_step: Callable[[], None]) -> None:
        """Run an index step after the record changed; if it fails the record still holds the
        change, the ids are marked stale (healed at the next open) and the error is raised."""
        try:
            index_step()
        except Exception:
            self.index.mark_stale(ids)
            raise

    def _require(self, memory_id: str) -> MemoryRecord:
        record = self._record.get(memory_id)
        if record is None:
            raise MemoryNotFound(f"No memory with id {memory_id}", "it may have been deleted meanwhile")
        return record

    # -- writing -------------------------------------------------------------------------------

    @_as_store_error
    def add_entry(self, mode: Mode, text: str, reply: str = "", extra: dict | None = None,
                  turn_id: str | None = None, at: datetime | None = None) -> MemoryRecord:
        """Store an entry. With ``turn_id`` its outbox row leaves in the same transaction, and a
        turn that already stored its entry gets that entry back (replays never duplicate).
        ``at`` dates it when it was written earlier (a turn replayed from the outbox)."""
        from tui.adapters.freed_memory import release_freed_memory

        now = at or self._clock()
        self._disk.ensure_room(text + reply)
        fresh = MemoryRecord(id=str(uuid.uuid4()), text=text, mode=mode.name, created_at=now, updated_at=now,
                             reply=reply, metadata={**(extra or {}), **mode.stamp()})
        with self._write_lock:
            record = self._record.insert(fresh, turn_id)
            if record is fresh:
                self._following([record.id], lambda: self.index.add([record]))
        release_freed_memory()  # what this turn's recall, embedding and index write freed (< 1 ms)
        return record

    @_as_store_error
    def import_entries(self, mode: Mode, entries: Sequence[ImportedEntry], batch: int = 256,
                       progress: Callable[[int, int], None] | None = None, import_id: str | None = None) -> int:
        """Store many entries at once (imports, fixtures, benchmarks): one record transaction and one
        embedding batch per ``batch``. Each is a line in the change log (tagged ``import_id``), so an
        import can be undone. An entry keeps its ``id`` and ``updated_at`` when it has them, and is
        pinned when it says so."""
        stored = 0
        with _OneBehind(self) as pipeline:
            for start in range(0, len(entries), batch):
                chunk = [MemoryRecord(id=e.id or str(uuid.uuid4()), text=e.text, mode=mode.name,
                                      created_at=e.created_at, updated_at=e.updated_at or e.created_at, reply=e.reply,
                                      metadata={**(e.extra or {}), **mode.stamp()})
                         for e in entries[start:start + batch]]
                self._disk.ensure_room("".join(r.text + r.reply for r in chunk))
                pinned = {record.id for record, entry in zip(chunk, entries[start:start + batch], strict=True)
                          if entry.pinned}
                pipeline.add(chunk, lambda c=chunk, p=pinned: self._record.insert_many(c, self._clock(), import_id, p))
                stored += len(chunk)
                if progress is not None:
                    progress(stored, len(entries))
        return stored

    @_as_store_error
    def attach_reply(self, memory_id: str, reply: str, extra: dict | None = None) -> MemoryRecord:
        """Give a stored entry its reply. The text and vector stay: only the record changes."""
        self._disk.ensure_room(reply)
        with self._write_lock:
            before = self._require(memory_id)
            after = MemoryRecord(before.id, before.text, before.mode, before.created_at, before.updated_at,
                                 reply, {**before.metadata, **(extra or {})})
            self._record.replace(before, after, "reply", self._clock())
            self._following([memory_id], lambda: self.index.update_metadata(after))
        return after

    @_as_store_error
    def update_text(self, memory_id: str, text: str) -> MemoryRecord:
        self._disk.ensure_room(text)
        with self._write_lock:
            before = self._require(memory_id)
            after = MemoryRecord(before.id, text, before.mode, before.created_at, self._clock(), before.reply,
                                 before.metadata)
            self._record.replace(before, after, "edit", self._clock())
            self._following([memory_id], lambda: self.index.update_text(after))
        return after

    @_as_store_error
    def delete(self, memory_id: str) -> None:
        """Reversible: the entry leaves recall and history, the change log can bring it back."""
        self._disk.ensure_room("")
        with self._write_lock:
            record = self._require(memory_id)
            self._record.mark_deleted(record, self._clock())
            self._following([memory_id], lambda: self.index.remove(record))

    @_as_store_error
    def pin(self, memory_id: str) -> None:
        """Pin an entry in its mode: it goes into every prompt of that mode (a ``pin`` line in the
        change log); pinned already: nothing changes. Only the record changes: the index knows
        nothing of pins."""
        self._disk.ensure_room("")
        with self._write_lock:
            self._require(memory_id)
            self._record.pin(memory_id, self._clock())

    @_as_store_error
    def unpin(self, memory_id: str) -> None:
        """Take the pin away (an ``unpin`` change); not pinned: nothing happens."""
        self._disk.ensure_room("")
        with self._write_lock:
            self._record.unpin(memory_id, self._clock())

    def set_flags(self, memory_id: str, **flags: object) -> MemoryRecord:
        """Set one flag the person sets on an entry, kept in its metadata: ``kind`` (``"entry"`` or
        ``"question"``, see ``tui.domain.entry_kind``) or ``reply_wrong`` (True; None takes a flag
        away). A ``kind`` or ``mark`` line in the change log, which ``undo`` reverts (the flag only).
        Returns the entry as it is now; ``MemoryNotFound`` if it is gone; ``ValueError`` for
        anything but one known flag (a caller's mistake, not the store's)."""
        entry_flags.change_kind(flags)
        return self._set_flags(memory_id, flags)

    @_as_store_error
    def _set_flags(self, memory_id: str, flags: dict[str, object], log: bool = True) -> MemoryRecord:
        self._disk.ensure_room("")
        with self._write_lock:
            before = self._record.get(memory_id)
            after = self._record.set_flags(memory_id, flags, self._clock(), log=log)
            if before is None or after is None:
                raise MemoryNotFound(f"No memory with id {memory_id}", "it may have been deleted meanwhile")
            if after.metadata != before.metadata:
                removed = set(before.metadata) - set(after.metadata)
                self._following([memory_id], lambda: self.index.update_metadata(after, removed))
        return after

    @_as_store_error
    def undo(self, seq: int | None = None, mode_name: str | None = None) -> Change | None:
        """Revert change ``seq`` (or the latest not yet undone, of ``mode_name`` if given).
        Returns the change reverted, or None when there is nothing to undo."""
        self._disk.ensure_room("")
        with self._write_lock:
            change = self._record.change(seq) if seq is not None else self._record.last_undoable(mode_name)
            if change is None or change.undone:
                return None
            now = self._clock()
            if change.kind == "import" and change.batch is not None:  # the whole import, at once
                removed = self._record.undo_import(change.batch, now)  # its lines marked undone too
                self._following([r.id for r in removed], lambda: self.index.remove_many(removed, now))
                return change
            self._revert(change, now)
            self._record.mark_undone(change.seq, now)
            return change

    def _revert(self, change: Change, now: datetime) -> None:
        """One branch per change kind; the index follows the record as for any write."""
        record = self._record
        current = record.get(change.entry_id)
        if change.kind == "delete" and change.before is not None:
            if current is None:
                record.restore(change.before)
                self._following([change.entry_id], lambda: self.index.add([change.before], history_at=now))
        elif change.kind == "pin":
            record.unpin(change.entry_id, now, log=False)
        elif change.kind == "unpin" and current is not None:
            record.pin(change.entry_id, now, since=record.pinned_since(change.entry_id, change.seq), log=False)
        elif change.kind in entry_flags.CHANGES.values() and change.before is not None and current is not None:
            after = change.after.metadata if change.after is not None else {}
            self._set_flags(current.id, entry_flags.flags_before(change.before.metadata, after), log=False)
        elif change.kind == "import":  # a line from before imports were one change
            if current is not None:
                record.set_deleted([change.entry_id], now)
                self._following([change.entry_id], lambda: self.index.remove(current))
        elif change.before is not None and current is not None:  # edit, reply
            before = change.before
            restored = MemoryRecord(current.id, before.text, current.mode, current.created_at,
                                    before.updated_at, before.reply, before.metadata)
            record.replace(current, restored, "", now)
            if restored.text != current.text:
                self._following([current.id], lambda: self.index.update_text(restored))
            if restored.reply != current.reply:
                self._following([current.id], lambda: self.index.update_metadata(restored))
        else:
            raise MemoryNotFound("That entry no longer exists, so the change cannot be undone",
                                 "it was forgotten or deleted since")

    @_as_store_error
    def forget(self, memory_ids: Sequence[str]) -> Forgotten:
        """Irreversible: erase entries from every file under the data dir (the index's files first,
        then the record, then the log, then the copies repair moved aside), compacting each so no
        free page keeps them. Says how many were erased, and what was done to moved copies."""
        return self._forget(memory_ids, lambda known: self._record.erase([record.id for record in known]))

    def _forget(self, memory_ids: Sequence[str], erase: Callable[[list[MemoryRecord]], None]) -> Forgotten:
        self._disk.ensure_room("", compacting=True)
        with self._write_lock:
            known = [self._record.get(i, include_deleted=True) for i in memory_ids]
            known = [record for record in known if record is not None]
            self.index.erase(known)
            erase(known)
            texts = [text for record in known for text in (record.text, record.reply) if text]
            self._disk.redact_log(texts)
            notes = self._disk.erase_from_copies(list(memory_ids), texts)
        return Forgotten(len(known), notes)

    # -- sync (#21): changes pulled from a hub, through the same rules -------------------------

    @_as_store_error
    def apply_synced(self, decide: Callable[[], SyncedChanges]) -> SyncedChanges:
        """Write what ``decide`` makes of a pulled change (it reads this record: the write lock is
        held, so no edit slips between its reading and the write): the entries, what sync
        remembers of them and the hub change consumed, in one record transaction; the index follows."""
        with self._write_lock:
            changes = decide()
            self._disk.ensure_room("".join(state.record.text + state.record.reply for state in changes.states))
            synced = cast(Any, self._record)  # the record's sync half (tui.adapters.record_sync)
            ids = [state.id for state in changes.states]
            self.index.will_follow(ids)  # a kill after the commit, before the index follows: healed at the next open
            added: dict[str, list[EntryState]] = {}
            for before, after in synced.write_synced(changes.states, changes.marks, changes.seq, self._clock()):
                if after.deleted_at is None and (before is None or before.deleted_at is not None):
                    added.setdefault(after.record.mode, []).append(after)
                else:
                    self._index_synced(before, after)
            for states in added.values():  # one index call per mode: a device joining adds thousands
                self._index_added(states)
            self.index.followed(ids)
        return changes

    def _index_added(self, states: list[EntryState]) -> None:
        """New or restored entries join recall, with the vectors they came with when this index's
        embedder made them (no re-embedding), embedded here otherwise."""
        ready = [state for state in states if state.vector is not None and state.vector[0] == self.index.embedder_name]
        bare = [state.record for state in states if state.vector is None or state.vector[0] != self.index.embedder_name]
        records = [state.record for state in ready]
        vectors = [vector_floats(cast(tuple, state.vector)[1]) for state in ready]
        if records:
            self._following([record.id for record in records], lambda: self.index.add(records, vectors))
        if bare:
            self._following([record.id for record in bare], lambda: self.index.add(bare))

    def _index_synced(self, before: EntryState | None, after: EntryState) -> None:
        record = after.record
        if before is None or after.deleted_at is not None:
            if before is not None and before.deleted_at is None:
                self._following([record.id], lambda: self.index.remove(before.record))
        elif before.record.text != record.text:
            self._following([record.id], lambda: self.index.update_text(record))
        elif (before.record.reply, before.record.metadata) != (record.reply, record.metadata):
            removed = set(before.record.metadata) - set(record.metadata)
            self._following([record.id], lambda: self.index.update_metadata(record, removed))

    @_as_store_error
    def forget_synced(self, memory_ids: Sequence[str], seq: int | None) -> Forgotten:
        """Forget entries a hub row erased (another device forgot them): every byte, as ``forget``
        does, remembered as erased for good with the hub change consumed (no erase pushed back)."""
        synced = cast(Any, self._record)
        if not any(self._record.get(i, include_deleted=True) for i in memory_ids):
            synced.erase_synced(list(memory_ids), seq)  # never held here (a join): only remembered as erased
            return Forgotten(0)
        return self._forget(memory_ids, lambda known: synced.erase_synced(list(memory_ids), seq))

    # -- reading what needs both ---------------------------------------------------------------

    @_as_store_error
    def recall(self, query: str, mode: Mode, k: int, min_score: float = 0.0, *,
               since: datetime | None = None, until: datetime | None = None,
               near: hybrid.Window | None = None) -> list[RecalledMemory]:
        """The ``k`` entries of ``mode`` that best answer ``query`` by meaning and by words
        (``tui.recall.hybrid``), best first; one sharing no word with it needs cosine ≥
        ``min_score``. With ``since``/``until`` only entries created in [since, until) count (a
        window smaller than ``k`` is given whole); ``near`` favours the entries of that window (and
        a few days after it) without leaving the others out."""
        if k <= 0 or not query.strip():
            return []
        allowed = None
        if since is not None or until is not None:
            allowed = set(self._record.ids_in_range(mode.name, since, until))
            if not allowed:
                return []
            min_score = min_score if len(allowed) > k else -1.0
        dense, words = self.index.candidates(query, mode.name)
        ranked = hybrid.rank(dense, words, k, near, allowed=allowed, floor=min_score)
        records = self._record.fetch([item.id for item in ranked])
        return [RecalledMemory(records[item.id], item.score) for item in ranked if item.id in records]

    @_as_store_error
    def prepare(self, mode_name: str) -> None:
        """Load what recall in this mode needs now, so the first turn does not wait for it."""
        self.index.prepare(mode_name)

    @_as_store_error
    def history(self, memory_id: str) -> list[HistoryEvent]:
        """The entry's story (added, edited, deleted), as the index recorded it."""
        return self.index.history(memory_id)

    def close(self) -> None:
        try:
            self._record.close()
            self.index.close()
        finally:
            self._on_close()
