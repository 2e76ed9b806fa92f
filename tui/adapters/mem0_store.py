"""The memory store over mem0 ``Memory`` with embedded Chroma: one cosine collection per mode.

A collection per mode makes the wall between modes physical (a ``where`` filter on mode also
cost 20–30 ms per query at 10k entries). mem0 writes the entries (``infer=False``: no LLM call)
and keeps their change history; what mem0 cannot do well goes around it: newest-first pages
come from a date index, recall is an exact search over the mode's vectors (see
``exact_vectors``: Chroma's approximate index can lose entries), a reply attached later is a
metadata update in Chroma. All calls block: callers use workers.
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.adapters.data_dir import install_user_id, prepare_data_dir
from tui.adapters.entry_index import EntryIndex
from tui.adapters.environment import contain_environment, route_logs_to_file
from tui.adapters.exact_vectors import ExactVectors
from tui.adapters.mem0_payload import (
    COLLECTION_PREFIX,
    collection_name,
    entry_payload,
    parse_time,
    record_from_payload,
)
from tui.adapters.store_lock import StoreLock
from tui.domain.errors import MemoryNotFound, MindpaneError, StoreError
from tui.domain.modes import Mode
from tui.domain.records import HistoryEvent, ImportedEntry, MemoryRecord, Page, RecalledMemory
from tui.services.ports import Embedder

_REINDEX_BATCH = 1000
_VECTOR_LOAD_BATCH = 5000

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


def _as_store_error(method: Callable) -> Callable:
    """Chroma, SQLite and mem0 raise many untyped errors (a full disk, a corrupt file); callers
    get a ``StoreError`` they can show, and the log keeps the traceback."""

    @functools.wraps(method)
    def translated(self: Mem0Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except MindpaneError:
            raise
        except Exception as exc:
            log.exception("memory store: %s failed", method.__name__)
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            raise StoreError(f"The memory store failed: {reason}",
                             "see mindpane.log in the data directory; your text is kept") from exc

    return translated


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _index_history_by_memory(history_db: Any) -> None:
    """mem0's history table has no index on ``memory_id``: every ``history(id)`` scanned it all."""
    with history_db._lock:
        history_db.connection.execute(
            "CREATE INDEX IF NOT EXISTS mindpane_history_by_memory ON history (memory_id)")
        history_db.connection.commit()


class Mem0Store:
    """``MemoryStore`` over mem0 + Chroma. Open it with :meth:`open` (slow: run in a worker)."""

    def __init__(self, client: Any, embedder: Embedder, index: EntryIndex, user_id: str, lock: StoreLock,
                 clock: Clock, mem0_config: Callable[[str], dict]) -> None:
        self._client = client
        self._embedder = embedder
        self._index = index
        self._user_id = user_id
        self._lock = lock
        self._clock = clock
        self._mem0_config = mem0_config
        self._modes: dict[str, tuple[Any, Any]] = {}
        self._modes_lock = threading.Lock()
        self._history_db: Any = None
        self._vectors: dict[str, ExactVectors] = {}
        self._vectors_lock = threading.Lock()

    @classmethod
    def open(cls, data_dir: Path, embedder_factory: Callable[[], Embedder], clock: Clock = _utc_now,
             ollama_host: str = "http://127.0.0.1:11434") -> Mem0Store:
        data_dir = Path(data_dir)
        prepare_data_dir(data_dir)
        lock = StoreLock(data_dir)
        lock.acquire()
        try:
            contain_environment(data_dir)
            route_logs_to_file(data_dir / "mindpane.log")
            return cls._open_locked(data_dir, embedder_factory(), clock, lock, ollama_host)
        except Exception:
            lock.release()
            raise

    @classmethod
    def _open_locked(cls, data_dir: Path, embedder: Embedder, clock: Clock, lock: StoreLock,
                     ollama_host: str) -> Mem0Store:
        try:
            import chromadb
            from chromadb.config import Settings

            from tui.adapters import mem0_embedding
        except ImportError as exc:
            raise StoreError(f"A library the memory store needs is missing: {exc}",
                             "reinstall mindpane: pip install --force-reinstall mindpane") from exc
        mem0_embedding.register()

        def mem0_config(name: str) -> dict:
            return {
                "vector_store": {"provider": "chroma", "config": {"collection_name": name, "client": client}},
                "embedder": {"provider": mem0_embedding.PROVIDER},
                "llm": {"provider": "ollama", "config": {"ollama_base_url": ollama_host}},
                "history_db_path": str(data_dir / "history.db"),
            }

        try:
            client = chromadb.PersistentClient(
                path=str(data_dir / "chroma"), settings=Settings(anonymized_telemetry=False))
            index = EntryIndex(data_dir / "entries.db", f"{COLLECTION_PREFIX}-{embedder.name}")
            store = cls(client, embedder, index, install_user_id(data_dir), lock, clock, mem0_config)
            store._reindex_if_stale()
        except StoreError:
            raise
        except Exception as exc:  # chromadb/sqlite raise many untyped errors on a broken dir
            raise StoreError(f"The memory store in {data_dir} could not be opened: {exc}",
                             "check the directory, or move it aside and start fresh") from exc
        return store

    # -- per-mode collections ------------------------------------------------------------------

    def _mode(self, mode_name: str) -> tuple[Any, Any]:
        """The mode's (mem0 Memory, Chroma collection), made on first use."""
        with self._modes_lock:
            if mode_name not in self._modes:
                from mem0 import Memory

                name = collection_name(self._embedder.name, mode_name)
                collection = self._client.get_or_create_collection(
                    name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None,
                    metadata={"mindpane_mode": mode_name})
                memory = Memory.from_config(self._mem0_config(name))
                memory.embedding_model.bind(self._embedder)
                if self._history_db is None:
                    self._history_db = memory.db
                    _index_history_by_memory(memory.db)
                else:  # one connection to the history table for all modes
                    memory.db.close()
                    memory.db = self._history_db
                self._modes[mode_name] = (memory, collection)
            return self._modes[mode_name]

    def _memory(self, mode_name: str) -> Any:
        return self._mode(mode_name)[0]

    def _collection(self, mode_name: str) -> Any:
        return self._mode(mode_name)[1]

    def _known_modes(self) -> list[str]:
        """Modes that have a collection for this embedder (made when the mode first stored)."""
        modes = []
        for collection in self._client.list_collections():
            mode = (collection.metadata or {}).get("mindpane_mode")
            if mode and collection.name == collection_name(self._embedder.name, mode):
                modes.append(mode)
        return modes

    def _vectors_for(self, mode_name: str) -> ExactVectors:
        """The mode's exact vector table, loaded from Chroma on first use and then kept in step."""
        with self._vectors_lock:
            if mode_name not in self._vectors:
                table = ExactVectors(self._embedder.dimension)
                collection, offset = self._collection(mode_name), 0
                while True:
                    got = collection.get(include=["embeddings"], limit=_VECTOR_LOAD_BATCH, offset=offset)
                    if not len(got["ids"]):
                        break
                    table.add(got["ids"], got["embeddings"])
                    offset += len(got["ids"])
                self._vectors[mode_name] = table
            return self._vectors[mode_name]

    def _reread(self, mode_name: str, memory_id: str) -> MemoryRecord:
        """The entry as mem0 just wrote it, read once; its vector goes into a loaded table."""
        table = self._vectors.get(mode_name)
        include = ["metadatas", "embeddings"] if table is not None else ["metadatas"]
        got = self._collection(mode_name).get(ids=[memory_id], include=include)
        if not got["ids"]:
            raise MemoryNotFound(f"No memory with id {memory_id}", "it may have been deleted meanwhile")
        if table is not None:
            table.add(got["ids"], got["embeddings"])
        return record_from_payload(memory_id, got["metadatas"][0] or {})

    # -- writing -------------------------------------------------------------------------------

    @_as_store_error
    def add_entry(self, mode: Mode, text: str, reply: str = "", extra: dict | None = None) -> MemoryRecord:
        created = self._clock().astimezone(UTC).isoformat()
        metadata = {**(extra or {}), **mode.stamp(), "reply": reply, "created_at": created}
        result = self._memory(mode.name).add(
            [{"role": "user", "content": text}], user_id=self._user_id, metadata=metadata, infer=False)
        memory_id = result["results"][0]["id"]
        self._index.add(memory_id, mode.name, created)
        return self._reread(mode.name, memory_id)

    @_as_store_error
    def import_entries(self, mode: Mode, entries: Sequence[ImportedEntry], batch: int = 256) -> int:
        """Store many entries at once (imports, fixtures, benchmarks): one embedding batch and one
        write per ``batch`` instead of one mem0 ``add`` (≈20 ms) per entry. Same records, same
        ADD history rows, as ``add_entry`` makes."""
        from mem0.utils.lemmatization import lemmatize_for_bm25

        collection = self._collection(mode.name)
        stored = 0
        for start in range(0, len(entries), batch):
            chunk = entries[start : start + batch]
            vectors = self._embedder.embed([entry.text for entry in chunk])
            ids, payloads, history = [], [], []
            for entry in chunk:
                memory_id = str(uuid.uuid4())
                created = entry.created_at.astimezone(UTC).isoformat()
                ids.append(memory_id)
                payloads.append(entry_payload(entry.text, created, self._user_id, lemmatize_for_bm25(entry.text),
                                              {**(entry.extra or {}), **mode.stamp(), "reply": entry.reply}))
                history.append({"memory_id": memory_id, "new_memory": entry.text, "event": "ADD",
                                "created_at": created, "updated_at": created, "role": "user"})
            collection.add(ids=ids, embeddings=vectors, metadatas=payloads)
            if mode.name in self._vectors:
                self._vectors[mode.name].add(ids, vectors)
            self._history_db.batch_add_history(history)
            self._index.add_many((i, mode.name, p["created_at"]) for i, p in zip(ids, payloads, strict=True))
            stored += len(chunk)
        return stored

    @_as_store_error
    def attach_reply(self, memory_id: str, reply: str, extra: dict | None = None) -> MemoryRecord:
        """Give a stored entry its reply (a retried turn). The entry's text and vector stay as
        they are, so this goes to Chroma directly: mem0 would log a no-change UPDATE and re-embed."""
        record = self._require(memory_id)
        self._collection(record.mode).update(ids=[memory_id], metadatas=[{**(extra or {}), "reply": reply}])
        return self._require(memory_id)

    @_as_store_error
    def update_text(self, memory_id: str, text: str) -> MemoryRecord:
        record = self._require(memory_id)
        self._memory(record.mode).update(memory_id, text=text)
        return self._reread(record.mode, memory_id)

    @_as_store_error
    def delete(self, memory_id: str) -> None:
        record = self._require(memory_id)
        self._memory(record.mode).delete(memory_id)
        self._index.remove(memory_id)
        if record.mode in self._vectors:
            self._vectors[record.mode].remove(memory_id)

    # -- reading -------------------------------------------------------------------------------

    @_as_store_error
    def recall(self, query: str, mode: Mode, k: int, min_score: float = 0.0) -> list[RecalledMemory]:
        if k <= 0 or not query.strip():
            return []
        hits = self._vectors_for(mode.name).search(self._embedder.embed([query])[0], k)
        records = self._fetch(mode.name, [memory_id for memory_id, _ in hits])
        return [
            RecalledMemory(records[memory_id], max(0.0, min(1.0, score)))
            for memory_id, score in hits
            if memory_id in records and score >= min_score
        ]

    @_as_store_error
    def prepare(self, mode_name: str) -> None:
        """Load the mode's vectors (about 2 s at 50k entries) before the first recall needs them."""
        self._vectors_for(mode_name)

    @_as_store_error
    def page(self, mode_name: str, offset: int = 0, limit: int = 50) -> Page:
        ids = self._index.ids_newest_first(mode_name, offset, limit)
        by_id = self._fetch(mode_name, ids)
        return Page([by_id[i] for i in ids if i in by_id], offset, self._index.count(mode_name))

    @_as_store_error
    def count(self, mode_name: str) -> int:
        return self._index.count(mode_name)

    @_as_store_error
    def get(self, memory_id: str) -> MemoryRecord | None:
        mode_name = self._index.mode_of(memory_id)
        return self._fetch(mode_name, [memory_id]).get(memory_id) if mode_name else None

    @_as_store_error
    def history(self, memory_id: str) -> list[HistoryEvent]:
        if self._history_db is None:  # no mode has stored anything yet (opening touches every mode)
            return []
        return [
            HistoryEvent(event=str(row.get("event", "")), old_text=row.get("old_memory"),
                         new_text=row.get("new_memory"),
                         at=parse_time(row.get("updated_at") or row.get("created_at")))
            for row in self._history_db.get_history(memory_id)
        ]

    def close(self) -> None:
        self._index.close()
        if self._history_db is not None:
            self._history_db.close()
        self._lock.release()

    # -- helpers -------------------------------------------------------------------------------

    def _require(self, memory_id: str) -> MemoryRecord:
        record = self.get(memory_id)
        if record is None:
            raise MemoryNotFound(f"No memory with id {memory_id}", "it may have been deleted meanwhile")
        return record

    def _fetch(self, mode_name: str, ids: list[str]) -> dict[str, MemoryRecord]:
        if not ids:
            return {}
        got = self._collection(mode_name).get(ids=ids, include=["metadatas"])
        pairs = zip(got["ids"], got["metadatas"], strict=True)
        return {memory_id: record_from_payload(memory_id, payload or {}) for memory_id, payload in pairs}

    def _reindex_if_stale(self) -> None:
        """Rebuild the date index from Chroma when it does not match (first run, lost file)."""
        modes = self._known_modes()
        if all(self._collection(m).count() == self._index.count(m) for m in modes) and \
                self._index.count() == sum(self._index.count(m) for m in modes):
            return
        self._index.clear()
        for mode_name in modes:
            collection = self._collection(mode_name)
            offset = 0
            while True:
                got = collection.get(include=["metadatas"], limit=_REINDEX_BATCH, offset=offset)
                if not got["ids"]:
                    break
                self._index.add_many(
                    (memory_id, mode_name, str(meta.get("created_at", "")))
                    for memory_id, meta in zip(got["ids"], got["metadatas"], strict=True))
                offset += len(got["ids"])
