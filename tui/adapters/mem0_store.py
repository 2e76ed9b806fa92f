"""The memory store: mindpane's canonical record (``record_db``) plus mem0 + Chroma as its index.

Every write lands in the canonical record first, in one durable transaction with its change-log
line; then the index follows: one cosine Chroma collection per mode (the wall between modes is
physical), written with mem0's own payloads, and mem0's change history. If the index falls
behind (a crash between the two, a lost Chroma dir), opening the store heals it from the record.
Reads (pages, recalled records, entries) come from the record; recall searches the mode's
vectors exactly (see ``exact_vectors``). All calls block: callers use workers.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tui.adapters.data_dir import install_user_id, prepare_data_dir
from tui.adapters.environment import contain_environment, route_logs_to_file
from tui.adapters.exact_vectors import ExactVectors, vector_bytes
from tui.adapters.freed_memory import release_freed_memory
from tui.adapters.mem0_payload import (
    collection_name,
    entry_payload,
    parse_time,
    payload_problem,
    record_from_payload,
)
from tui.adapters.recent_vectors import RecentVectors
from tui.adapters.record_db import FILE_NAME as RECORD_FILE
from tui.adapters.record_db import INDEX_LATER_KEY as _LATER_KEY
from tui.adapters.record_db import RecordDB
from tui.adapters.store_lock import StoreLock
from tui.domain import flags as entry_flags
from tui.domain.errors import MemoryNotFound, MindpaneError, StoreError
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
from tui.recall import hybrid
from tui.recall.lexical import Doc, LexicalIndex
from tui.recall.words import query_terms
from tui.services.ports import Embedder

_SYNC_BATCH = 1000
_VECTOR_LOAD_BATCH = 5000
_STALE_KEY = "index_stale_ids"
UNINDEXABLE_KEY = "index_skipped_ids"
"""Meta key: ids of entries the index cannot take (``payload_problem``: metadata an older mindpane let
in), kept out of Chroma so that the store still opens; ``mindpane doctor`` names them."""

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


def _as_store_error(method: Callable) -> Callable:
    """Chroma, SQLite and mem0 raise many untyped errors (a full disk, a corrupt file); callers
    get a ``StoreError`` they can show, and the log keeps the traceback (never entry text)."""

    @functools.wraps(method)
    def translated(self: Mem0Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except MindpaneError:
            raise
        except Exception as exc:
            from tui.adapters.disk_space import is_chroma_write_failure

            if is_chroma_write_failure(exc):
                self._reset_chroma()
            log.error("memory store: %s failed: %s", method.__name__, type(exc).__name__)
            raise self._explain(exc) from exc

    return translated


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _docs(records: Sequence[MemoryRecord]) -> list[Doc]:
    """What the words table keeps of each record."""
    return [Doc(record.id, record.text, record.created_at) for record in records]


def _index_history_by_memory(history_db: Any) -> None:
    """mem0's history table has no index on ``memory_id``: every ``history(id)`` scanned it all."""
    with history_db._lock:
        history_db.connection.execute(
            "CREATE INDEX IF NOT EXISTS mindpane_history_by_memory ON history (memory_id)")
        history_db.connection.commit()


class _OneBehind:
    """An import, pipelined: batch N is embedded here while batch N-1 is written, in one helper
    thread and in order: the record first (one transaction), then its vectors, then Chroma and
    mem0's history. Embedding is pure computation, so nothing is kept before its record; the
    model run and the writes each leave the other core free (a 10k import: 27.5 → about 20 s).
    A failed write stops the import: its batch and the ones after it are not stored (an index
    step that failed marks its entries stale, as ``_following`` does) and the error is raised."""

    def __init__(self, store: Mem0Store) -> None:
        self._store = store
        self._pool: Any = None
        self._pending: Any = None

    def __enter__(self) -> _OneBehind:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mindpane-import")
        return self

    def add(self, records: list[MemoryRecord], keep: Callable[[], None]) -> None:
        """Embed ``records`` now; then (after the batch before) ``keep()`` writes them to the record,
        and their vectors and index follow."""
        store = self._store
        vectors = store._embedder.embed([record.text for record in records])
        self._wait()
        ids = [record.id for record in records]

        def write() -> None:
            with store._write_lock:
                keep()
                store._keep_vectors(records[0].mode, ids, vectors)
                store._keep_words(records)
                if store._index_later:
                    store._defer_index(ids)
                else:
                    store._following(ids, lambda: store._index_in_chroma(records, vectors))

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


class Mem0Store:
    """``MemoryStore`` over the canonical record and mem0 + Chroma. Open it with :meth:`open`."""

    def __init__(self, client: Any, embedder: Embedder, records: RecordDB, user_id: str, lock: StoreLock,
                 clock: Clock, mem0_config: Callable[[str], dict], data_dir: Path,
                 index_later: bool = False) -> None:
        self._client = client
        self._index_later = index_later
        """Writes leave the index (Chroma, mem0's history) to the next full open: see ``open``."""
        self._chroma_opened = client is not None
        self._embedder = RecentVectors(embedder)  # a turn's recall and its store embed the entry once
        self.records = records
        self._user_id = user_id
        self._lock = lock
        self._clock = clock
        self._mem0_config = mem0_config
        self.data_dir = data_dir
        self._collections: dict[str, Any] = {}
        self._memories: dict[str, Any] = {}
        self._modes_lock = threading.RLock()
        self._history: Any = None
        self._vectors: dict[str, ExactVectors] = {}
        self._words: dict[str, LexicalIndex] = {}
        self._vectors_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._scrubbed: set[str] = set()

    @classmethod
    def open(cls, data_dir: Path, embedder_factory: Callable[[], Embedder], clock: Clock = _utc_now,
             ollama_host: str = "http://127.0.0.1:11434", records: RecordDB | None = None,
             index_later: bool = False) -> Mem0Store:
        """Open the store. ``index_later`` (one turn from the shell) neither imports nor opens mem0
        and Chroma unless a call needs them: entries and their vectors go to the record, recall
        reads the record's vectors, and the next full open indexes what was written."""
        data_dir = Path(data_dir)
        prepare_data_dir(data_dir)
        lock = StoreLock(data_dir)
        lock.acquire()
        try:
            contain_environment(data_dir)
            route_logs_to_file(data_dir / "mindpane.log")
            return cls._open_locked(data_dir, embedder_factory(), clock, lock, ollama_host, records, index_later)
        except Exception:
            lock.release()
            raise

    @classmethod
    def _open_locked(cls, data_dir: Path, embedder: Embedder, clock: Clock, lock: StoreLock,
                     ollama_host: str, records: RecordDB | None, index_later: bool) -> Mem0Store:
        def mem0_config(name: str) -> dict:
            from tui.adapters import mem0_embedding

            return {
                "vector_store": {"provider": "chroma", "config": {"collection_name": name, "client": None}},
                "embedder": {"provider": mem0_embedding.PROVIDER},
                "llm": {"provider": "ollama", "config": {"ollama_base_url": ollama_host}},
                "history_db_path": str(data_dir / "history.db"),
            }

        if index_later:
            try:
                store = cls(None, embedder, records or RecordDB(data_dir / RECORD_FILE), install_user_id(data_dir),
                            lock, clock, mem0_config, data_dir, index_later=True)
            except Exception as exc:  # sqlite raises untyped errors on a broken file
                raise cls._explain_open(exc, data_dir) from exc
            return store
        cls._import_index_libraries(data_dir)
        try:
            records = records or RecordDB(data_dir / RECORD_FILE)
            from tui.adapters.chroma_recovery import open_chroma
            from tui.adapters.environment import chroma_settings

            client = open_chroma(data_dir / "chroma", chroma_settings(data_dir / "chroma"))
            store = cls(client, embedder, records, install_user_id(data_dir), lock, clock, mem0_config, data_dir)
            store._heal()
            if (data_dir / "history.db").exists():  # opened now so that a damaged file is named at open
                store._history_db  # noqa: B018
            store._scrub_hnsw()  # _heal touched every collection: Chroma has written its index files
            release_freed_memory()  # Chroma's start-up and the heal allocated and freed tens of MB
        except MindpaneError:
            raise
        except Exception as exc:  # chromadb/sqlite raise many untyped errors on a broken dir
            log.error("opening the store failed: %s", type(exc).__name__)
            raise cls._explain_open(exc, data_dir) from exc
        return store

    @classmethod
    def _import_index_libraries(cls, data_dir: Path) -> None:
        """Chroma, then mem0 (through ``import_mem0``, before anything else imports it)."""
        try:
            from tui.adapters.environment import import_chromadb, import_mem0

            import_chromadb()  # imported here first: a missing library gets the hint below
            import_mem0()
            from tui.adapters import mem0_embedding
        except ImportError as exc:
            raise StoreError(f"A library the memory store needs is missing: {exc}",
                             "reinstall mindpane: pip install --force-reinstall mindpane") from exc
        except Exception as exc:  # e.g. a malformed Chroma option in a .env file breaks the import
            raise cls._explain_open(exc, data_dir) from exc
        mem0_embedding.register()

    @staticmethod
    def _explain_open(exc: Exception, data_dir: Path) -> StoreError:
        from tui.adapters.open_errors import explain_open_failure

        return explain_open_failure(exc, data_dir)

    def _explain(self, exc: Exception) -> StoreError:
        from tui.adapters.disk_space import is_disk_full

        if is_disk_full(exc, self.data_dir):
            from tui.adapters.disk_space import disk_full_error

            return disk_full_error(self.data_dir)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        return StoreError(f"The memory store failed: {reason}",
                          "run `mindpane doctor` to see what is wrong; your text is kept")

    # -- per-mode collections ------------------------------------------------------------------

    def _collection(self, mode_name: str) -> Any:
        """The mode's Chroma collection, made on first use (all that opening, recall and adding need)."""
        with self._modes_lock:
            if mode_name not in self._collections:
                self._reopen_if_reset()
                self._collections[mode_name] = self._client.get_or_create_collection(
                    collection_name(self._embedder.name, mode_name), configuration={"hnsw": {"space": "cosine"}},
                    embedding_function=None, metadata={"mindpane_mode": mode_name})
            return self._collections[mode_name]

    def _memory(self, mode_name: str) -> Any:
        """The mode's mem0 ``Memory`` (edits and deletes go through it), made on first use: building
        one costs more than the rest of opening, and most sessions only add and recall."""
        with self._modes_lock:
            if mode_name not in self._memories:
                from mem0 import Memory

                collection = self._collection(mode_name)
                config = self._mem0_config(collection.name)
                config["vector_store"]["config"]["client"] = self._client
                memory = Memory.from_config(config)
                memory.embedding_model.bind(self._embedder)
                memory.db.close()  # one connection to the history table for all modes
                memory.db = self._history_db
                self._memories[mode_name] = memory
            return self._memories[mode_name]

    @property
    def _history_db(self) -> Any:
        """mem0's history table (its ``SQLiteManager``), shared by every mode; opened on first use."""
        with self._modes_lock:
            if self._history is None:
                from mem0.memory.storage import SQLiteManager

                self._history = SQLiteManager(str(self.data_dir / "history.db"))
                _index_history_by_memory(self._history)
            return self._history

    def _reset_chroma(self) -> None:
        """After a failed Chroma call: close the client before anything else touches Chroma (a
        transaction its failed commit left open would make the next call wait forever, holding
        the GIL); the next ``_mode`` opens a fresh one."""
        from tui.adapters.chroma_recovery import close_chroma

        with self._modes_lock:
            self._collections.clear()
            self._memories.clear()
            self._client = None
            close_chroma(self.data_dir / "chroma")

    def _reopen_if_reset(self) -> None:
        """Called holding ``_modes_lock``. Opens Chroma when it is not open: reset after a failed
        write (the space was checked), or never opened (``index_later``) until a call needed it."""
        if self._client is None:
            from tui.adapters.chroma_recovery import open_chroma
            from tui.adapters.environment import chroma_settings

            if not self._chroma_opened:
                self._import_index_libraries(self.data_dir)
            self._client = open_chroma(self.data_dir / "chroma", chroma_settings(self.data_dir / "chroma"))
            self._chroma_opened = True

    def _collection_modes(self) -> list[str]:
        """Modes that have a collection for this embedder."""
        modes = []
        with self._modes_lock:
            self._reopen_if_reset()
            collections = self._client.list_collections()
        for collection in collections:
            mode = (collection.metadata or {}).get("mindpane_mode")
            if mode and collection.name == collection_name(self._embedder.name, mode):
                modes.append(mode)
        return modes

    def _vectors_for(self, mode_name: str) -> ExactVectors:
        """The mode's exact vector table, loaded from the record on first use and then kept in
        step. Entries the record has no vector for (stored before it kept them) get theirs from
        Chroma, or are embedded again, and the record keeps them from then on."""
        with self._vectors_lock:
            if mode_name not in self._vectors:
                self._fill_missing_vectors(mode_name)
                table = ExactVectors(self._embedder.dimension)
                rows = self.records.vectors(self._embedder.name, mode_name)
                table.add_bytes([memory_id for memory_id, _ in rows], [data for _, data in rows])
                self._vectors[mode_name] = table
                del rows
                release_freed_memory()  # the rows read (and any filled in) were freed, not returned
            return self._vectors[mode_name]

    def _words_for(self, mode_name: str) -> LexicalIndex:
        """The mode's words table (recall's BM25 side), built from the record on first use and then
        kept in step with it."""
        with self._vectors_lock:
            if mode_name not in self._words:
                table = LexicalIndex()
                for batch in self.records.alive(mode_name, _VECTOR_LOAD_BATCH):
                    table.add(_docs(batch))
                self._words[mode_name] = table
            return self._words[mode_name]

    def _keep_words(self, records: Sequence[MemoryRecord]) -> None:
        if records and records[0].mode in self._words:
            self._words[records[0].mode].add(_docs(records))

    def _fill_missing_vectors(self, mode_name: str) -> None:
        missing = self.records.without_vector(self._embedder.name, mode_name)
        for start in range(0, len(missing), _VECTOR_LOAD_BATCH):
            chunk = missing[start:start + _VECTOR_LOAD_BATCH]
            got = self._collection(mode_name).get(ids=chunk, include=["embeddings"])
            found = dict(zip(got["ids"], got["embeddings"], strict=True))
            absent = self.records.fetch([memory_id for memory_id in chunk if memory_id not in found])
            if absent:
                ids = list(absent)
                found.update(zip(ids, self._embedder.embed([absent[i].text for i in ids]), strict=True))
            self.records.put_vectors(self._embedder.name, list(zip(found, vector_bytes(list(found.values())),
                                                                   strict=True)))

    # -- the index (Chroma + mem0 history) follows the record ----------------------------------

    def _index_add(self, records: Sequence[MemoryRecord], history_event: str | None = "ADD",
                   history_at: datetime | None = None) -> None:
        """Embed and store records under their own ids, as mem0's ``add(infer=False)`` would;
        ``history_event`` None when mem0's history already tells the entry's story (a re-index)."""
        if not records:
            return
        vectors = self._embed_and_keep(records)
        if self._index_later:
            self._defer_index([record.id for record in records])
            return
        self._index_in_chroma(records, vectors, history_event, history_at)

    def _embed_and_keep(self, records: Sequence[MemoryRecord]) -> list[list[float]]:
        """The records' vectors, kept in the record (and the mode's loaded table)."""
        vectors = self._embedder.embed([record.text for record in records])
        self._keep_vectors(records[0].mode, [record.id for record in records], vectors)
        self._keep_words(records)
        return vectors

    def _index_in_chroma(self, records: Sequence[MemoryRecord], vectors: Sequence[Sequence[float]],
                         history_event: str | None = "ADD", history_at: datetime | None = None) -> None:
        """Chroma and mem0's history take the records, with the vectors already made."""
        from mem0.utils.lemmatization import lemmatize_for_bm25

        mode_name = records[0].mode
        collection = self._collection(mode_name)
        payloads = [entry_payload(r.text, r.created_at.astimezone(UTC).isoformat(), self._user_id,
                                  lemmatize_for_bm25(r.text), {**r.metadata, "mode": r.mode, "reply": r.reply})
                    for r in records]
        indexable = [self._indexable(record) for record in records]
        kept = [index for index, fits in enumerate(indexable) if fits]
        if len(kept) < len(records):
            self._note_unindexable([record.id for record, fits in zip(records, indexable, strict=True) if not fits])
        if kept:
            collection.upsert(ids=[records[i].id for i in kept], embeddings=[vectors[i] for i in kept],
                              metadatas=[payloads[i] for i in kept])
        if kept and mode_name not in self._scrubbed:  # a mode's first write this session made its index files
            self._scrubbed.add(mode_name)
            self._scrub_hnsw()
        if history_event is None:
            return
        self._history_db.batch_add_history([
            {"memory_id": r.id, "new_memory": r.text, "event": history_event, "role": "user",
             "created_at": history_at.astimezone(UTC).isoformat() if history_at else p["created_at"],
             "updated_at": history_at.astimezone(UTC).isoformat() if history_at else p["updated_at"]}
            for r, p in zip(records, payloads, strict=True)])

    def _keep_vectors(self, mode_name: str, ids: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        """The record keeps the vectors; the mode's loaded table takes them too."""
        self.records.put_vectors(self._embedder.name, list(zip(ids, vector_bytes(vectors), strict=True)))
        if mode_name in self._vectors:
            self._vectors[mode_name].add(ids, vectors)

    def _defer_index(self, ids: Sequence[str]) -> None:
        """Leave these entries to the next full open's ``_heal`` (``index_later``)."""
        later = set(json.loads(self.records.get_meta(_LATER_KEY) or "[]")) | set(ids)
        self.records.set_meta(_LATER_KEY, json.dumps(sorted(later)))

    def _index_remove(self, record: MemoryRecord) -> None:
        if self._indexable(record):
            self._memory(record.mode).delete(record.id)
        self._forget_in_tables(record)

    def _index_remove_many(self, records: Sequence[MemoryRecord]) -> None:
        """Many entries leave the index at once (an import undone), as mem0's ``delete`` would take
        each: out of Chroma, a DELETE line in mem0's history, out of recall's tables."""
        now = self._clock().astimezone(UTC).isoformat()
        by_mode: dict[str, list[MemoryRecord]] = {}
        for record in records:
            by_mode.setdefault(record.mode, []).append(record)
        for mode_name, gone in by_mode.items():
            ids = [record.id for record in gone if self._indexable(record)]
            for start in range(0, len(ids), _SYNC_BATCH):
                self._collection(mode_name).delete(ids=ids[start:start + _SYNC_BATCH])
            for record in gone:
                self._forget_in_tables(record)
        if records:
            self._history_db.batch_add_history([
                {"memory_id": r.id, "old_memory": r.text, "new_memory": None, "event": "DELETE", "role": "user",
                 "created_at": r.created_at.astimezone(UTC).isoformat(), "updated_at": now, "is_deleted": 1}
                for r in records])

    def _forget_in_tables(self, record: MemoryRecord) -> None:
        """Recall's tables (vectors, words) let go of ``record``."""
        for tables in (self._vectors, self._words):
            if record.mode in tables:
                tables[record.mode].remove(record.id)

    def _index_reply(self, record: MemoryRecord) -> None:
        """Chroma keeps a copy of the reply, so a lost record can still be rebuilt from it."""
        if self._index_later:
            self._defer_index([record.id])
            return
        if self._indexable(record):
            self._collection(record.mode).update(ids=[record.id],
                                                 metadatas=[{**record.metadata, "reply": record.reply}])

    def _index_text(self, record: MemoryRecord) -> None:
        if not self._indexable(record):  # not in Chroma: only recall's tables follow
            self._embed_and_keep([record])
            return
        self._memory(record.mode).update(record.id, text=record.text)
        got = self._collection(record.mode).get(ids=[record.id], include=["embeddings"])
        self._keep_vectors(record.mode, got["ids"], got["embeddings"])
        self._keep_words([record])

    def _following(self, ids: Sequence[str], index_step: Callable[[], None]) -> None:
        """Run an index step after the record changed; if it fails the record still holds the
        change, the ids are marked stale (healed at the next open) and the error is raised."""
        try:
            index_step()
        except Exception:
            self._mark_stale(ids)
            raise

    def _mark_stale(self, ids: Sequence[str]) -> None:
        """The index may not hold these entries as the record has them: the next open re-indexes them."""
        if not ids:
            return
        try:
            stale = set(json.loads(self.records.get_meta(_STALE_KEY) or "[]")) | set(ids)
            self.records.set_meta(_STALE_KEY, json.dumps(sorted(stale)))
        except Exception:
            log.error("could not mark %d index entries stale", len(ids))

    @staticmethod
    def _indexable(record: MemoryRecord) -> bool:
        """Whether Chroma can take the entry: one it cannot (or that would break it for good) stays in
        the record and in recall's tables, and out of Chroma, so the store still opens."""
        problem = payload_problem(record)
        if problem is not None:
            log.warning("entry %s is kept out of the index: its metadata cannot be indexed", record.id)
        return problem is None

    def _note_unindexable(self, ids: Sequence[str]) -> None:
        known = set(json.loads(self.records.get_meta(UNINDEXABLE_KEY) or "[]"))
        if not known.issuperset(ids):
            self.records.set_meta(UNINDEXABLE_KEY, json.dumps(sorted(known | set(ids))))

    def _unindexable_per_mode(self) -> dict[str, int]:
        """Alive entries kept out of the index, per mode (so their absence from Chroma is no gap to heal)."""
        counts: dict[str, int] = {}
        for record in self.records.fetch(json.loads(self.records.get_meta(UNINDEXABLE_KEY) or "[]")).values():
            counts[record.mode] = counts.get(record.mode, 0) + 1
        return counts

    # -- writing -------------------------------------------------------------------------------

    @_as_store_error
    def add_entry(self, mode: Mode, text: str, reply: str = "", extra: dict | None = None,
                  turn_id: str | None = None, at: datetime | None = None) -> MemoryRecord:
        """Store an entry. With ``turn_id`` its outbox row leaves in the same transaction, and a
        turn that already stored its entry gets that entry back (replays never duplicate).
        ``at`` dates it when it was written earlier (a turn replayed from the outbox)."""
        now = at or self._clock()
        self._check_space(text + reply)
        fresh = MemoryRecord(id=str(uuid.uuid4()), text=text, mode=mode.name, created_at=now, updated_at=now,
                             reply=reply, metadata={**(extra or {}), **mode.stamp()})
        with self._write_lock:
            record = self.records.insert(fresh, turn_id)
            if record is fresh:
                self._following([record.id], lambda: self._index_add([record]))
        release_freed_memory()  # what this turn's recall, embedding and index write freed (< 1 ms)
        return record

    @_as_store_error
    def import_entries(self, mode: Mode, entries: Sequence[ImportedEntry], batch: int = 256,
                       progress: Callable[[int, int], None] | None = None, import_id: str | None = None) -> int:
        """Store many entries at once (imports, fixtures, benchmarks): one record transaction and one
        embedding batch per ``batch``. Each is a line in the change log (tagged ``import_id``), so an
        import can be undone. An entry keeps its ``id`` and ``updated_at`` when it has them, and is pinned when
        it says so."""
        stored = 0
        with _OneBehind(self) as pipeline:
            for start in range(0, len(entries), batch):
                chunk = [MemoryRecord(id=e.id or str(uuid.uuid4()), text=e.text, mode=mode.name,
                                      created_at=e.created_at, updated_at=e.updated_at or e.created_at, reply=e.reply,
                                      metadata={**(e.extra or {}), **mode.stamp()})
                         for e in entries[start:start + batch]]
                self._check_space("".join(r.text + r.reply for r in chunk))
                pinned = {record.id for record, entry in zip(chunk, entries[start:start + batch], strict=True)
                          if entry.pinned}
                pipeline.add(chunk, lambda c=chunk, p=pinned: self.records.insert_many(c, self._clock(), import_id, p))
                stored += len(chunk)
                if progress is not None:
                    progress(stored, len(entries))
        return stored

    @_as_store_error
    def attach_reply(self, memory_id: str, reply: str, extra: dict | None = None) -> MemoryRecord:
        """Give a stored entry its reply. The text and vector stay: only the record changes."""
        self._check_space(reply)
        with self._write_lock:
            before = self._require(memory_id)
            after = MemoryRecord(before.id, before.text, before.mode, before.created_at, before.updated_at,
                                 reply, {**before.metadata, **(extra or {})})
            self.records.replace(before, after, "reply", self._clock())
            self._following([memory_id], lambda: self._index_reply(after))
        return after

    @_as_store_error
    def update_text(self, memory_id: str, text: str) -> MemoryRecord:
        self._check_space(text)
        with self._write_lock:
            before = self._require(memory_id)
            after = MemoryRecord(before.id, text, before.mode, before.created_at, self._clock(), before.reply,
                                 before.metadata)
            self.records.replace(before, after, "edit", self._clock())
            self._following([memory_id], lambda: self._index_text(after))
        return after

    @_as_store_error
    def delete(self, memory_id: str) -> None:
        """Reversible: the entry leaves recall and history, the change log can bring it back."""
        self._check_space("")
        with self._write_lock:
            record = self._require(memory_id)
            self.records.mark_deleted(record, self._clock())
            self._following([memory_id], lambda: self._index_remove(record))

    @_as_store_error
    def pin(self, memory_id: str) -> None:
        """Pin an entry in its mode (a ``pin`` line in the change log); pinned already: nothing changes.
        Only the record changes: the index knows nothing of pins."""
        self._check_space("")
        with self._write_lock:
            self._require(memory_id)
            self.records.pin(memory_id, self._clock())

    @_as_store_error
    def unpin(self, memory_id: str) -> None:
        self._check_space("")
        with self._write_lock:
            self.records.unpin(memory_id, self._clock())

    def set_flags(self, memory_id: str, **flags: object) -> MemoryRecord:
        """Set one flag the person sets on an entry (its ``kind``, ``reply_wrong``; None takes it
        away), as a ``kind`` or ``mark`` line in the change log; returns the entry as it is now.
        ``ValueError`` for anything but one known flag (a caller's mistake, not the store's)."""
        entry_flags.change_kind(flags)
        return self._set_flags(memory_id, flags)

    @_as_store_error
    def _set_flags(self, memory_id: str, flags: dict[str, object], log: bool = True) -> MemoryRecord:
        self._check_space("")
        with self._write_lock:
            before = self.records.get(memory_id)
            after = self.records.set_flags(memory_id, flags, self._clock(), log=log)
            if before is None or after is None:
                raise MemoryNotFound(f"No memory with id {memory_id}", "it may have been deleted meanwhile")
            if after.metadata != before.metadata:
                removed = set(before.metadata) - set(after.metadata)
                self._following([memory_id], lambda: self._index_flags(after, removed))
        return after

    def _index_flags(self, record: MemoryRecord, removed: set[str]) -> None:
        """Chroma's copy of the metadata follows (a key set to None leaves Chroma's copy)."""
        if self._index_later:
            self._defer_index([record.id])
            return
        if not self._indexable(record):
            return
        metadata = {**record.metadata, "reply": record.reply, **dict.fromkeys(removed)}
        self._collection(record.mode).update(ids=[record.id], metadatas=[metadata])

    @_as_store_error
    def pinned(self, mode_name: str) -> list[MemoryRecord]:
        return self.records.pinned(mode_name)

    @_as_store_error
    def pinned_ids(self, mode_name: str | None = None) -> set[str]:
        return self.records.pinned_ids(mode_name)

    @_as_store_error
    def undo(self, seq: int | None = None, mode_name: str | None = None) -> Change | None:
        """Revert change ``seq`` (or the latest not yet undone, of ``mode_name`` if given).
        Returns the change reverted, or None when there is nothing to undo."""
        self._check_space("")
        with self._write_lock:
            change = self.records.change(seq) if seq is not None else self.records.last_undoable(mode_name)
            if change is None or change.undone:
                return None
            now = self._clock()
            current = self.records.get(change.entry_id)
            if change.kind == "delete" and change.before is not None:
                if current is None:
                    self.records.restore(change.before)
                    self._following([change.entry_id], lambda: self._index_add([change.before], "ADD", now))
            elif change.kind == "pin":
                self.records.unpin(change.entry_id, now, log=False)
            elif change.kind == "unpin" and current is not None:
                since = self.records.pinned_since(change.entry_id, change.seq)
                self.records.pin(change.entry_id, now, since=since, log=False)
            elif change.kind in entry_flags.CHANGES.values() and change.before is not None and current is not None:
                after = change.after.metadata if change.after is not None else {}
                self._set_flags(current.id, entry_flags.flags_before(change.before.metadata, after), log=False)
            elif change.kind == "import" and change.batch is not None:  # the whole import, at once
                removed = self.records.undo_import(change.batch, now)
                self._following([r.id for r in removed], lambda: self._index_remove_many(removed))
                return change
            elif change.kind == "import":  # a line from before imports were one change
                if current is not None:
                    self.records.set_deleted([change.entry_id], now)
                    self._following([change.entry_id], lambda: self._index_remove(current))
            elif change.before is not None and current is not None:  # edit, reply
                before = change.before
                restored = MemoryRecord(current.id, before.text, current.mode, current.created_at,
                                        before.updated_at, before.reply, before.metadata)
                self.records.replace(current, restored, "", now)
                if restored.text != current.text:
                    self._following([current.id], lambda: self._index_text(restored))
                if restored.reply != current.reply:
                    self._following([current.id], lambda: self._index_reply(restored))
            else:
                raise MemoryNotFound("That entry no longer exists, so the change cannot be undone",
                                     "it was forgotten or deleted since")
            self.records.mark_undone(change.seq, now)
            return change

    @_as_store_error
    def changes(self, offset: int = 0, limit: int = 200) -> list[Change]:
        """The change log newest first, an import one line (``RecordDB.change_lines``)."""
        return self.records.change_lines(offset, limit)

    @_as_store_error
    def forget(self, memory_ids: Sequence[str]) -> Forgotten:
        """Irreversible: erase entries from every file under the data dir (record, change log,
        outbox, Chroma incl. its log, mem0's history, the draft file, and the copies repair moved
        aside), compacting each so no free page keeps them."""
        from tui.adapters import draft_file, eraser
        from tui.adapters.moved_copies import erase_from_copies

        self._check_space("", compacting=True)
        with self._write_lock:
            known = [self.records.get(i, include_deleted=True) for i in memory_ids]
            known = [record for record in known if record is not None]
            for record in known:
                self._forget_in_tables(record)
            by_mode: dict[str, list[str]] = {}
            for record in known:
                by_mode.setdefault(record.mode, []).append(record.id)
            for mode_name, ids in by_mode.items():
                eraser.erase_from_chroma(self._collection(mode_name), self.data_dir / "chroma", ids)
            if self._history is not None or (self.data_dir / "history.db").exists():
                eraser.erase_history(self._history_db, [record.id for record in known])
            self.records.erase([record.id for record in known])
            texts = [text for record in known for text in (record.text, record.reply) if text]
            eraser.redact_log(self.data_dir / "mindpane.log", texts)
            draft_file.erase_texts(self.data_dir, texts)
            copies = erase_from_copies(self.data_dir, list(memory_ids), texts)
        return Forgotten(len(known), tuple(note for note in (copy.note() for copy in copies) if note))

    @_as_store_error
    def forget_deleted(self) -> Forgotten:
        return self.forget(self.records.deleted_ids())

    @_as_store_error
    def deleted_ids(self) -> list[str]:
        return self.records.deleted_ids()

    # -- the outbox ----------------------------------------------------------------------------

    @_as_store_error
    def pending(self) -> list[PendingEntry]:
        return self.records.pending()

    @_as_store_error
    def drop_pending(self, turn_id: str) -> None:
        self.records.drop_pending(turn_id)

    # -- reading -------------------------------------------------------------------------------

    @_as_store_error
    def recall(self, query: str, mode: Mode, k: int, min_score: float = 0.0, *,
               since: datetime | None = None, until: datetime | None = None,
               near: hybrid.Window | None = None) -> list[RecalledMemory]:
        """The ``k`` entries that best answer ``query`` by meaning and by words (``tui.recall.hybrid``),
        best first. ``min_score`` is the floor of meaning for an entry that shares no word with the
        query. With ``since``/``until`` only entries created in [since, until) count; ``near``
        favours the entries of that window (and a few days after it) without leaving others out."""
        if k <= 0 or not query.strip():
            return []
        allowed = None
        if since is not None or until is not None:
            allowed = set(self.records.ids_in_range(mode.name, since, until))
            if not allowed:
                return []
            min_score = min_score if len(allowed) > k else -1.0  # a small window is given whole
        ids, rows, similarities = self._vectors_for(mode.name).similarities(self._embedder.embed([query])[0])
        words = self._words_for(mode.name).scores(query_terms(query))
        ranked = hybrid.rank(hybrid.DenseScores(ids, similarities, rows), words, k, near,
                             allowed=allowed, floor=min_score)
        records = self.records.fetch([item.id for item in ranked])
        return [RecalledMemory(records[item.id], item.score) for item in ranked if item.id in records]

    @_as_store_error
    def prepare(self, mode_name: str) -> None:
        """Load the mode's vectors and words (about 2 s at 50k entries) before the first recall needs them."""
        self._vectors_for(mode_name)
        self._words_for(mode_name)

    @_as_store_error
    def page(self, mode_name: str, offset: int = 0, limit: int = 50) -> Page:
        return Page(self.records.page(mode_name, offset, limit), offset, self.records.count(mode_name))

    @_as_store_error
    def search(self, query: SearchQuery, offset: int = 0, limit: int = 50) -> tuple[list[MemoryRecord], int]:
        return self.records.search(query, offset, limit)

    @_as_store_error
    def iter_entries(self, mode_name: str | None = None, since: datetime | None = None,
                     until: datetime | None = None, batch: int = 500) -> Iterator[MemoryRecord]:
        return self.records.iter_entries(mode_name, since, until, batch)

    @_as_store_error
    def day_counts(self, mode_name: str | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> dict[date, int]:
        return self.records.day_counts(mode_name, since, until)

    @_as_store_error
    def known_keys(self, keys: Sequence[str]) -> set[str]:
        return self.records.known_keys(keys)

    @_as_store_error
    def entry_modes(self, ids: Sequence[str]) -> dict[str, str | None]:
        return self.records.entry_modes(ids)

    @_as_store_error
    def count(self, mode_name: str) -> int:
        return self.records.count(mode_name)

    @_as_store_error
    def get(self, memory_id: str) -> MemoryRecord | None:
        return self.records.get(memory_id)

    @_as_store_error
    def history(self, memory_id: str) -> list[HistoryEvent]:
        if self._history is None and not (self.data_dir / "history.db").exists():
            return []  # nothing was ever stored
        return [
            HistoryEvent(event=str(row.get("event", "")), old_text=row.get("old_memory"),
                         new_text=row.get("new_memory"),
                         at=parse_time(row.get("updated_at") or row.get("created_at")))
            for row in self._history_db.get_history(memory_id)
        ]

    def close(self) -> None:
        self.records.close()
        if self._history is not None:
            self._history.close()
        try:  # Chroma otherwise keeps serving this path from its old files to a later open
            if self._client is not None:
                self._client.close()
        except Exception:
            log.warning("closing the Chroma client failed", exc_info=True)
        if self._chroma_opened:
            self._scrub_hnsw()
        self._lock.release()

    def _scrub_hnsw(self) -> None:
        """Chroma writes a new HNSW index's files from uninitialised memory, which may hold text this
        process handled, a forgotten entry's among it: zero those unused bytes (eraser.scrub_hnsw)."""
        from tui.adapters import eraser

        try:
            eraser.scrub_hnsw(self.data_dir / "chroma")
        except Exception:
            log.warning("scrubbing Chroma's index files failed", exc_info=True)

    # -- helpers -------------------------------------------------------------------------------

    def _require(self, memory_id: str) -> MemoryRecord:
        record = self.records.get(memory_id)
        if record is None:
            raise MemoryNotFound(f"No memory with id {memory_id}", "it may have been deleted meanwhile")
        return record

    def _check_space(self, text: str, compacting: bool = False) -> None:
        """Refuse a write before any library is entered when the disk is (nearly) full: Chroma can
        hang for good after a write that failed for lack of space. Compacting (forget) rewrites
        each SQLite file, so it needs room for the largest copy."""
        from tui.adapters.disk_space import ensure_free_space

        needed = len(text.encode("utf-8", "replace")) * 8
        if compacting:
            files = [self.data_dir / name for name in ("entries.db", "history.db", "chroma/chroma.sqlite3")]
            needed += max((f.stat().st_size for f in files if f.exists()), default=0)
        ensure_free_space(self.data_dir, needed)

    # -- healing: the index follows the record ------------------------------------------------

    def _heal(self) -> None:
        """Bring the index in step with the record: adopt entries from an older install that kept
        them only in Chroma, re-index entries marked stale, and sync counts that differ."""
        if self.records.get_meta("adopted_chroma") is None:
            self._adopt_from_chroma()
            self.records.set_meta("adopted_chroma", "1")
        self._index_left_for_later()
        stale = set(json.loads(self.records.get_meta(_STALE_KEY) or "[]"))
        skipped = self._unindexable_per_mode()
        for mode_name in set(self.records.modes()) | set(self._collection_modes()):
            collection = self._collection(mode_name)
            if stale or collection.count() != self.records.count(mode_name) - skipped.get(mode_name, 0):
                self.sync_index(mode_name, stale)
        if stale:
            self.records.set_meta(_STALE_KEY, "[]")

    def _index_left_for_later(self) -> None:
        """Entries a shell turn stored without the index (``index_later``): new ones are indexed
        with their ADD in mem0's history, known ones take the reply they were given since."""
        later = json.loads(self.records.get_meta(_LATER_KEY) or "[]")
        if not later:
            return
        by_mode: dict[str, list[MemoryRecord]] = {}
        for record in self.records.fetch(later).values():
            by_mode.setdefault(record.mode, []).append(record)
        for mode_name, records in by_mode.items():
            known = set(self._collection(mode_name).get(ids=[r.id for r in records], include=[])["ids"])
            self._index_add([r for r in records if r.id not in known])
            for record in records:
                if record.id in known:
                    self._index_reply(record)
        self.records.set_meta(_LATER_KEY, "[]")

    def _adopt_from_chroma(self) -> None:
        """Entries written before the canonical record existed live only in Chroma: copy them in."""
        for mode_name in self._collection_modes():
            known = self.records.ids(mode_name)
            offset = 0
            while True:
                got = self._collection(mode_name).get(include=["metadatas"], limit=_SYNC_BATCH, offset=offset)
                if not got["ids"]:
                    break
                for memory_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                    if memory_id not in known:
                        record = record_from_payload(memory_id, meta or {})
                        self.records.restore(MemoryRecord(record.id, record.text, mode_name, record.created_at,
                                                          record.updated_at, record.reply, record.metadata))
                offset += len(got["ids"])

    def sync_index(self, mode_name: str, stale: set[str] = frozenset(),
                   progress: Callable[[int, int], None] | None = None) -> int:
        """Make the mode's collection hold exactly the record's entries (re-embedding what is
        missing or stale). Returns how many entries were (re)indexed."""
        collection = self._collection(mode_name)
        in_chroma: set[str] = set()
        offset = 0
        while True:
            got = collection.get(include=[], limit=_SYNC_BATCH * 5, offset=offset)
            if not got["ids"]:
                break
            in_chroma.update(got["ids"])
            offset += len(got["ids"])
        wanted = self.records.ids(mode_name)
        extra = sorted(in_chroma - wanted)
        if extra:
            collection.delete(ids=extra)
        todo = [i for i in wanted if i not in in_chroma or i in stale]
        fetched = self.records.fetch(todo)
        records = [fetched[i] for i in todo if i in fetched]
        for start in range(0, len(records), 256):
            self._index_add(records[start:start + 256], None)
            if progress:
                progress(min(start + 256, len(records)), len(records))
        self._vectors.pop(mode_name, None)
        self._words.pop(mode_name, None)
        return len(records)
