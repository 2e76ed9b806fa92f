"""The memory store over mem0 ``Memory`` with an embedded Chroma collection (cosine space).

Entries are added with ``infer=False`` (no LLM call): the memory's text is what the person
wrote; the model's reply travels in metadata. Every operation is blocking; callers use workers.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.adapters.entry_index import EntryIndex
from tui.adapters.environment import contain_environment, route_logs_to_file
from tui.adapters.store_lock import StoreLock
from tui.domain.errors import MemoryNotFound, StoreError
from tui.domain.modes import Mode
from tui.domain.records import HistoryEvent, ImportedEntry, MemoryRecord, Page, RecalledMemory
from tui.services.ports import Embedder

_INTERNAL_KEYS = {"data", "hash", "text_lemmatized", "user_id", "agent_id", "run_id", "role", "actor_id"}
_RECORD_FIELDS = {"created_at", "updated_at", "reply"}
_REINDEX_BATCH = 1000

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def cosine_similarity_from_mem0_score(score: float | None) -> float:
    """mem0 reports ``1/(1+d)``; with cosine distance ``d = 1 - cos``. Clamp to [0, 1]."""
    if not score:
        return 0.0
    return max(0.0, min(1.0, 2.0 - 1.0 / score))


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _user_id(data_dir: Path) -> str:
    """One user id per install, kept in the data dir."""
    path = data_dir / "user-id"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    user_id = f"mindpane-{uuid.uuid4()}"
    path.write_text(user_id, encoding="utf-8")
    return user_id


def _prepare_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-probe"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise StoreError(
            f"Cannot write to the data directory {data_dir}: {exc.strerror or exc}",
            "fix its permissions, or choose another with --data-dir or MINDPANE_DATA_DIR",
        ) from exc


class Mem0Store:
    """``MemoryStore`` over mem0 + Chroma. Open it with :meth:`open` (slow: run in a worker)."""

    def __init__(self, memory: Any, collection: Any, index: EntryIndex, user_id: str,
                 lock: StoreLock, clock: Clock) -> None:
        self._memory = memory
        self._collection = collection
        self._index = index
        self._user_id = user_id
        self._lock = lock
        self._clock = clock

    @classmethod
    def open(cls, data_dir: Path, embedder_factory: Callable[[], Embedder], clock: Clock = _utc_now,
             ollama_host: str = "http://127.0.0.1:11434") -> Mem0Store:
        data_dir = Path(data_dir)
        _prepare_data_dir(data_dir)
        lock = StoreLock(data_dir)
        lock.acquire()
        try:
            contain_environment(data_dir)
            route_logs_to_file(data_dir / "mindpane.log")
            embedder = embedder_factory()
            return cls._open_locked(data_dir, embedder, clock, lock, ollama_host)
        except Exception:
            lock.release()
            raise

    @classmethod
    def _open_locked(cls, data_dir: Path, embedder: Embedder, clock: Clock, lock: StoreLock,
                     ollama_host: str) -> Mem0Store:
        try:
            import chromadb
            from chromadb.config import Settings
            from mem0 import Memory

            from tui.adapters import mem0_embedding
        except ImportError as exc:
            raise StoreError(f"A library the memory store needs is missing: {exc}",
                             "reinstall mindpane: pip install --force-reinstall mindpane") from exc

        mem0_embedding.register()
        collection_name = f"mindpane_{embedder.name}".replace(":", "_").replace("/", "_")[:60]
        try:
            client = chromadb.PersistentClient(
                path=str(data_dir / "chroma"), settings=Settings(anonymized_telemetry=False)
            )
            collection = client.get_or_create_collection(
                collection_name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )
            memory = Memory.from_config({
                "vector_store": {"provider": "chroma",
                                 "config": {"collection_name": collection_name, "client": client}},
                "embedder": {"provider": mem0_embedding.PROVIDER},
                "llm": {"provider": "ollama", "config": {"ollama_base_url": ollama_host}},
                "history_db_path": str(data_dir / "history.db"),
            })
        except Exception as exc:  # chromadb/sqlite raise many untyped errors on a broken dir
            raise StoreError(f"The memory store in {data_dir} could not be opened: {exc}",
                             "check the directory, or move it aside and start fresh") from exc
        memory.embedding_model.bind(embedder)
        index = EntryIndex(data_dir / "entries.db", collection_name)
        store = cls(memory, collection, index, _user_id(data_dir), lock, clock)
        store._reindex_if_stale()
        return store

    # -- writing -------------------------------------------------------------------------------

    def add_entry(self, mode: Mode, text: str, reply: str = "", extra: dict | None = None) -> MemoryRecord:
        created = self._clock().astimezone(UTC).isoformat()
        metadata = {**(extra or {}), **mode.stamp(), "reply": reply, "created_at": created}
        result = self._memory.add(
            [{"role": "user", "content": text}], user_id=self._user_id, metadata=metadata, infer=False
        )
        memory_id = result["results"][0]["id"]
        self._index.add(memory_id, mode.name, created)
        return self._require(memory_id)

    def import_entries(self, mode: Mode, entries: Sequence[ImportedEntry], batch: int = 256) -> int:
        """Store many entries at once (imports, fixtures, benchmarks): one embedding batch and one
        write per ``batch`` instead of one mem0 ``add`` (≈20 ms) per entry. Same records, same
        ADD history rows, as ``add_entry`` makes."""
        from mem0.utils.lemmatization import lemmatize_for_bm25

        stored = 0
        for start in range(0, len(entries), batch):
            chunk = entries[start : start + batch]
            vectors = self._memory.embedding_model.embed_batch([entry.text for entry in chunk])
            ids, payloads, history = [], [], []
            for entry in chunk:
                memory_id = str(uuid.uuid4())
                created = entry.created_at.astimezone(UTC).isoformat()
                ids.append(memory_id)
                payloads.append({
                    **(entry.extra or {}), **mode.stamp(), "reply": entry.reply,
                    "data": entry.text, "hash": hashlib.md5(entry.text.encode()).hexdigest(),
                    "created_at": created, "updated_at": created, "user_id": self._user_id,
                    "role": "user", "text_lemmatized": lemmatize_for_bm25(entry.text),
                })
                history.append({"memory_id": memory_id, "new_memory": entry.text, "event": "ADD",
                                "created_at": created, "updated_at": created, "role": "user"})
            self._collection.add(ids=ids, embeddings=vectors, metadatas=payloads)
            self._memory.db.batch_add_history(history)
            self._index.add_many((i, mode.name, p["created_at"]) for i, p in zip(ids, payloads, strict=True))
            stored += len(chunk)
        return stored

    def attach_reply(self, memory_id: str, reply: str, extra: dict | None = None) -> MemoryRecord:
        """Give a stored entry its reply (a retried turn). The entry's text and vector stay as
        they are, so this goes to Chroma directly: mem0 would log a no-change UPDATE and re-embed."""
        self._require(memory_id)
        self._collection.update(ids=[memory_id], metadatas=[{**(extra or {}), "reply": reply}])
        return self._require(memory_id)

    def update_text(self, memory_id: str, text: str) -> MemoryRecord:
        self._require(memory_id)
        self._memory.update(memory_id, text=text)
        return self._require(memory_id)

    def delete(self, memory_id: str) -> None:
        self._require(memory_id)
        self._memory.delete(memory_id)
        self._index.remove(memory_id)

    # -- reading -------------------------------------------------------------------------------

    def recall(self, query: str, mode: Mode, k: int, min_score: float = 0.0) -> list[RecalledMemory]:
        if k <= 0 or not query.strip():
            return []
        found = self._memory.search(
            query, top_k=k, filters={"user_id": self._user_id, "mode": mode.name}, threshold=None
        )
        recalled = []
        for item in found["results"]:
            score = cosine_similarity_from_mem0_score(item.get("score"))
            if score >= min_score:
                recalled.append(RecalledMemory(self._record_from_mem0(item), score))
        return sorted(recalled, key=lambda r: r.score, reverse=True)

    def page(self, mode_name: str, offset: int = 0, limit: int = 50) -> Page:
        ids = self._index.ids_newest_first(mode_name, offset, limit)
        by_id = self._fetch(ids)
        return Page([by_id[i] for i in ids if i in by_id], offset, self._index.count(mode_name))

    def count(self, mode_name: str) -> int:
        return self._index.count(mode_name)

    def get(self, memory_id: str) -> MemoryRecord | None:
        return self._fetch([memory_id]).get(memory_id)

    def history(self, memory_id: str) -> list[HistoryEvent]:
        events = []
        for row in self._memory.history(memory_id):
            events.append(HistoryEvent(
                event=str(row.get("event", "")),
                old_text=row.get("old_memory"),
                new_text=row.get("new_memory"),
                at=_parse_time(row.get("updated_at") or row.get("created_at")),
            ))
        return events

    def close(self) -> None:
        self._index.close()
        self._lock.release()

    # -- helpers -------------------------------------------------------------------------------

    def _require(self, memory_id: str) -> MemoryRecord:
        record = self.get(memory_id)
        if record is None:
            raise MemoryNotFound(f"No memory with id {memory_id}", "it may have been deleted")
        return record

    def _fetch(self, ids: list[str]) -> dict[str, MemoryRecord]:
        if not ids:
            return {}
        got = self._collection.get(ids=ids, include=["metadatas"])
        return {
            memory_id: self._record_from_payload(memory_id, payload or {})
            for memory_id, payload in zip(got["ids"], got["metadatas"], strict=True)
        }

    def _record_from_payload(self, memory_id: str, payload: dict) -> MemoryRecord:
        created = _parse_time(payload.get("created_at"))
        return MemoryRecord(
            id=memory_id,
            text=str(payload.get("data", "")),
            mode=str(payload.get("mode", "")),
            created_at=created,
            updated_at=_parse_time(payload.get("updated_at") or created),
            reply=str(payload.get("reply", "")),
            metadata={k: v for k, v in payload.items() if k not in _INTERNAL_KEYS | _RECORD_FIELDS},
        )

    def _record_from_mem0(self, item: dict) -> MemoryRecord:
        payload = {**(item.get("metadata") or {}), "data": item.get("memory", "")}
        for key in ("created_at", "updated_at"):
            if item.get(key):
                payload[key] = item[key]
        return self._record_from_payload(item["id"], payload)

    def _reindex_if_stale(self) -> None:
        """Rebuild the date index from Chroma when it does not match (first run, lost file)."""
        where = {"user_id": self._user_id}
        total = len(self._collection.get(where=where, include=[])["ids"])
        if total == self._index.count():
            return
        self._index.clear()
        offset = 0
        while True:
            got = self._collection.get(where=where, include=["metadatas"], limit=_REINDEX_BATCH, offset=offset)
            if not got["ids"]:
                break
            self._index.add_many(
                (memory_id, str(meta.get("mode", "")), str(meta.get("created_at", "")))
                for memory_id, meta in zip(got["ids"], got["metadatas"], strict=True)
            )
            offset += len(got["ids"])
