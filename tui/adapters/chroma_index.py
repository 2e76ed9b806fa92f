"""The index beside the canonical record: mem0 + Chroma, and recall's in-memory tables.

The record (``record_db``) is the truth; this index follows it. One cosine Chroma collection per
mode (the wall between modes is physical), written with mem0's own payloads, plus mem0's change
history. Recall does not ask Chroma: it scores the mode's vectors exactly (``exact_vectors``, loaded
from the record, which keeps every entry's vector) and its words (``tui.recall.lexical``). If the
index falls behind (a crash between the two writes, a lost Chroma dir), :meth:`heal` brings it in
step from the record. ``index_later`` (one turn from the shell) opens neither mem0 nor Chroma unless
a call needs them: vectors go to the record and the next full open indexes what was written.
All calls block: callers use workers.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.adapters.freed_memory import release_freed_memory
from tui.adapters.mem0_payload import (
    collection_name,
    entry_payload,
    parse_time,
    payload_problem,
    record_from_payload,
)
from tui.adapters.recall_tables import RecallTables
from tui.adapters.record_db import INDEX_LATER_KEY as _LATER_KEY
from tui.adapters.record_db import RecordDB
from tui.domain.errors import StoreError
from tui.domain.records import Change, HistoryEvent, MemoryRecord
from tui.ports import Embedder
from tui.recall import hybrid
from tui.recall.lexical import LexicalScores

_SYNC_BATCH = 1000
_HISTORY_BATCH = 500
_STALE_KEY = "index_stale_ids"
_FOLLOWING_KEY = "index_following_ids"
"""Entries a write is changing (``will_follow``) whose index steps have not all run yet."""
UNINDEXABLE_KEY = "index_skipped_ids"
"""Meta key: ids of entries the index cannot take (``payload_problem``: metadata an older mindpane let
in), kept out of Chroma so that the store still opens; ``mindpane doctor`` names them."""
HISTORY_FILE = "history.db"

log = logging.getLogger(__name__)


def _index_history_by_memory(history_db: Any) -> None:
    """mem0's history table has no index on ``memory_id``: every ``history(id)`` scanned it all."""
    with history_db._lock:
        history_db.connection.execute(
            "CREATE INDEX IF NOT EXISTS mindpane_history_by_memory ON history (memory_id)")
        history_db.connection.commit()


def import_index_libraries(data_dir: Path) -> None:
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
        from tui.adapters.open_errors import explain_open_failure

        raise explain_open_failure(exc, data_dir) from exc
    mem0_embedding.register()


class ChromaIndex:
    """The ``Index`` over mem0 + Chroma. Open it with :meth:`open` (the record is already open)."""

    def __init__(self, client: Any, embedder: Embedder, record: RecordDB, user_id: str,
                 data_dir: Path, ollama_host: str, index_later: bool = False) -> None:
        self._client = client
        self._index_later = index_later
        self._chroma_opened = client is not None
        self._record = record
        self._tables = RecallTables(embedder, record, self._vectors_in_chroma)
        self._embedder = self._tables.embedder
        self._user_id = user_id
        self._ollama_host = ollama_host
        self.data_dir = data_dir
        self._collections: dict[str, Any] = {}
        self._memories: dict[str, Any] = {}
        self._modes_lock = threading.RLock()
        self._history: Any = None
        self._scrubbed: set[str] = set()

    @classmethod
    def open(cls, data_dir: Path, embedder: Embedder, record: RecordDB, user_id: str,
             ollama_host: str = "http://127.0.0.1:11434", index_later: bool = False) -> ChromaIndex:
        """Open Chroma (unless ``index_later``) and heal the index from the record."""
        if index_later:
            return cls(None, embedder, record, user_id, data_dir, ollama_host, index_later=True)
        import_index_libraries(data_dir)
        from tui.adapters.chroma_recovery import open_chroma
        from tui.adapters.environment import chroma_settings

        client = open_chroma(data_dir / "chroma", chroma_settings(data_dir / "chroma"))
        index = cls(client, embedder, record, user_id, data_dir, ollama_host)
        try:
            index.heal()
            if (data_dir / HISTORY_FILE).exists():  # opened now so that a damaged file is named at open
                index._history_db  # noqa: B018
            index._scrub_hnsw()  # heal touched every collection: Chroma has written its index files
        except BaseException:
            index.close()
            raise
        release_freed_memory()  # Chroma's start-up and the heal allocated and freed tens of MB
        return index

    @property
    def embedder_name(self) -> str:
        return self._embedder.name

    # -- per-mode collections ------------------------------------------------------------------

    def _mem0_config(self, name: str) -> dict:
        from tui.adapters import mem0_embedding

        return {
            "vector_store": {"provider": "chroma", "config": {"collection_name": name, "client": None}},
            "embedder": {"provider": mem0_embedding.PROVIDER},
            "llm": {"provider": "ollama", "config": {"ollama_base_url": self._ollama_host}},
            "history_db_path": str(self.data_dir / HISTORY_FILE),
        }

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

                self._history = SQLiteManager(str(self.data_dir / HISTORY_FILE))
                _index_history_by_memory(self._history)
            return self._history

    def after_failure(self, exc: BaseException) -> None:
        """After a failed call: a Chroma write that failed (a full disk) leaves a transaction open
        that would make the next call wait forever, holding the GIL: close the client before
        anything else touches Chroma; the next call opens a fresh one."""
        from tui.adapters.disk_space import is_chroma_write_failure

        if is_chroma_write_failure(exc):
            self._reset_chroma()

    def _reset_chroma(self) -> None:
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
                import_index_libraries(self.data_dir)
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

    # -- the Index port -----------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Pure computation (no write): an import embeds one batch while the one before is written."""
        return self._embedder.embed(texts)

    def add(self, records: Sequence[MemoryRecord], vectors: Sequence[Sequence[float]] | None = None,
            history_event: str | None = "ADD", history_at: datetime | None = None) -> None:
        """Index records of one mode (embedded here unless ``vectors`` are given): the record keeps
        their vectors, recall's tables take them, then Chroma and mem0's history, as mem0's
        ``add(infer=False)`` would. ``history_event`` None when mem0's history already tells the
        entry's story (a re-index)."""
        if not records:
            return
        vectors = vectors if vectors is not None else self._embedder.embed([record.text for record in records])
        self._tables.keep(records, vectors)
        if self._index_later:
            self._defer([record.id for record in records])
            return
        self._index_in_chroma(records, vectors, history_event, history_at)

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

    def _defer(self, ids: Sequence[str]) -> None:
        """Leave these entries to the next full open's :meth:`heal` (``index_later``)."""
        later = set(json.loads(self._record.get_meta(_LATER_KEY) or "[]")) | set(ids)
        self._record.set_meta(_LATER_KEY, json.dumps(sorted(later)))

    def update_text(self, record: MemoryRecord) -> None:
        """The entry's text changed: mem0 re-embeds it (an UPDATE in its history); the record and
        recall's tables take the new vector and words."""
        if not self._indexable(record):  # not in Chroma: only recall's tables follow
            self._tables.keep([record], self._embedder.embed([record.text]))
            return
        self._memory(record.mode).update(record.id, text=record.text)
        got = self._collection(record.mode).get(ids=[record.id], include=["embeddings"])
        self._tables.keep([record], got["embeddings"])

    def update_metadata(self, record: MemoryRecord, removed: set[str] = frozenset()) -> None:
        """Chroma keeps a copy of the reply and the metadata, so a lost record can still be rebuilt
        from it; a key in ``removed`` leaves Chroma's copy."""
        if self._index_later:
            self._defer([record.id])
            return
        if not self._indexable(record):
            return
        metadata = {**record.metadata, "reply": record.reply, **dict.fromkeys(removed)}
        self._collection(record.mode).update(ids=[record.id], metadatas=[metadata])

    def remove(self, record: MemoryRecord) -> None:
        """The entry leaves recall and Chroma (mem0's DELETE in its history)."""
        if self._indexable(record):
            self._memory(record.mode).delete(record.id)
        self._tables.forget(record)

    def remove_many(self, records: Sequence[MemoryRecord], at: datetime) -> None:
        """Many entries leave the index at once (an import undone), as mem0's ``delete`` would take
        each: out of Chroma, a DELETE line in mem0's history, out of recall's tables."""
        now = at.astimezone(UTC).isoformat()
        by_mode: dict[str, list[MemoryRecord]] = {}
        for record in records:
            by_mode.setdefault(record.mode, []).append(record)
        for mode_name, gone in by_mode.items():
            ids = [record.id for record in gone if self._indexable(record)]
            for start in range(0, len(ids), _SYNC_BATCH):
                self._collection(mode_name).delete(ids=ids[start:start + _SYNC_BATCH])
            for record in gone:
                self._tables.forget(record)
        if records:
            self._history_db.batch_add_history([
                {"memory_id": r.id, "old_memory": r.text, "new_memory": None, "event": "DELETE", "role": "user",
                 "created_at": r.created_at.astimezone(UTC).isoformat(), "updated_at": now, "is_deleted": 1}
                for r in records])

    @staticmethod
    def _indexable(record: MemoryRecord) -> bool:
        """Whether Chroma can take the entry: one it cannot (or that would break it for good) stays in
        the record and in recall's tables, and out of Chroma, so the store still opens."""
        problem = payload_problem(record)
        if problem is not None:
            log.warning("entry %s is kept out of the index: its metadata cannot be indexed", record.id)
        return problem is None

    def _note_unindexable(self, ids: Sequence[str]) -> None:
        known = set(json.loads(self._record.get_meta(UNINDEXABLE_KEY) or "[]"))
        if not known.issuperset(ids):
            self._record.set_meta(UNINDEXABLE_KEY, json.dumps(sorted(known | set(ids))))

    def _unindexable_per_mode(self) -> dict[str, int]:
        """Alive entries kept out of the index, per mode (so their absence from Chroma is no gap to heal)."""
        counts: dict[str, int] = {}
        for record in self._record.fetch(json.loads(self._record.get_meta(UNINDEXABLE_KEY) or "[]")).values():
            counts[record.mode] = counts.get(record.mode, 0) + 1
        return counts

    def candidates(self, query: str, mode_name: str) -> tuple[hybrid.DenseScores, LexicalScores]:
        return self._tables.candidates(query, mode_name)

    def prepare(self, mode_name: str) -> None:
        self._tables.prepare(mode_name)

    def _vectors_in_chroma(self, mode_name: str, ids: Sequence[str]) -> dict[str, Sequence[float]]:
        """Vectors of entries stored before the record kept them: Chroma still has them."""
        got = self._collection(mode_name).get(ids=list(ids), include=["embeddings"])
        return dict(zip(got["ids"], got["embeddings"], strict=True))

    def mark_stale(self, ids: Sequence[str]) -> None:
        """The index may not hold these entries as the record has them: the next open re-indexes them."""
        if not ids:
            return
        try:
            stale = set(json.loads(self._record.get_meta(_STALE_KEY) or "[]")) | set(ids)
            self._record.set_meta(_STALE_KEY, json.dumps(sorted(stale)))
        except Exception:
            log.error("could not mark %d index entries stale", len(ids))

    def will_follow(self, ids: Sequence[str]) -> None:
        """Kept apart from the stale ids: ``followed`` then clears only these."""
        if ids:
            self._record.set_meta(_FOLLOWING_KEY, json.dumps(sorted(self._following() | set(ids))))

    def followed(self, ids: Sequence[str]) -> None:
        if ids:
            self._record.set_meta(_FOLLOWING_KEY, json.dumps(sorted(self._following() - set(ids))))

    def _following(self) -> set[str]:
        return set(json.loads(self._record.get_meta(_FOLLOWING_KEY) or "[]"))

    def erase(self, records: Sequence[MemoryRecord]) -> None:
        """Forget: the entries leave recall's tables, Chroma (incl. its log, compacted) and mem0's
        history (compacted), so no free page keeps them."""
        from tui.adapters import eraser

        for record in records:
            self._tables.forget(record)
        by_mode: dict[str, list[str]] = {}
        for record in records:
            by_mode.setdefault(record.mode, []).append(record.id)
        for mode_name, ids in by_mode.items():
            eraser.erase_from_chroma(self._collection(mode_name), self.data_dir / "chroma", ids)
        if self._history is not None or (self.data_dir / HISTORY_FILE).exists():
            eraser.erase_history(self._history_db, [record.id for record in records])

    def history(self, memory_id: str) -> list[HistoryEvent]:
        """The entry's story as mem0's history tells it (ADD, UPDATE, DELETE)."""
        if self._history is None and not (self.data_dir / HISTORY_FILE).exists():
            return []  # nothing was ever stored
        return [
            HistoryEvent(event=str(row.get("event", "")), old_text=row.get("old_memory"),
                         new_text=row.get("new_memory"),
                         at=parse_time(row.get("updated_at") or row.get("created_at")))
            for row in self._history_db.get_history(memory_id)
        ]

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None
        try:  # Chroma otherwise keeps serving this path from its old files to a later open
            if self._client is not None:
                self._client.close()
        except Exception:
            log.warning("closing the Chroma client failed", exc_info=True)
        if self._chroma_opened:
            self._scrub_hnsw()

    def _scrub_hnsw(self) -> None:
        """Chroma writes a new HNSW index's files from uninitialised memory, which may hold text this
        process handled, a forgotten entry's among it: zero those unused bytes (eraser.scrub_hnsw)."""
        from tui.adapters import eraser

        try:
            eraser.scrub_hnsw(self.data_dir / "chroma")
        except Exception:
            log.warning("scrubbing Chroma's index files failed", exc_info=True)

    # -- healing: the index follows the record ------------------------------------------------

    def heal(self) -> None:
        """Bring the index in step with the record: adopt entries from an older install that kept
        them only in Chroma, index what a shell turn left for later, re-index entries marked stale,
        and sync counts that differ."""
        if self._record.get_meta("adopted_chroma") is None:
            self._adopt_from_chroma()
            self._record.set_meta("adopted_chroma", "1")
        self._index_left_for_later()
        stale = set(json.loads(self._record.get_meta(_STALE_KEY) or "[]")) | self._following()
        skipped = self._unindexable_per_mode()
        for mode_name in set(self._record.modes()) | set(self._collection_modes()):
            collection = self._collection(mode_name)
            if stale or collection.count() != self._record.count(mode_name) - skipped.get(mode_name, 0):
                self.sync(mode_name, stale)
        if stale:
            self._record.set_meta(_STALE_KEY, "[]")
            self._record.set_meta(_FOLLOWING_KEY, "[]")

    def _index_left_for_later(self) -> None:
        """Entries a shell turn stored without the index (``index_later``): new ones are indexed
        with their ADD in mem0's history, known ones take the reply they were given since."""
        later = json.loads(self._record.get_meta(_LATER_KEY) or "[]")
        if not later:
            return
        by_mode: dict[str, list[MemoryRecord]] = {}
        for record in self._record.fetch(later).values():
            by_mode.setdefault(record.mode, []).append(record)
        for mode_name, records in by_mode.items():
            known = set(self._collection(mode_name).get(ids=[r.id for r in records], include=[])["ids"])
            self.add([r for r in records if r.id not in known])
            for record in records:
                if record.id in known:
                    self.update_metadata(record)
        self._record.set_meta(_LATER_KEY, "[]")

    def _adopt_from_chroma(self) -> None:
        """Entries written before the canonical record existed live only in Chroma: copy them in."""
        for mode_name in self._collection_modes():
            known = self._record.ids(mode_name)
            offset = 0
            while True:
                got = self._collection(mode_name).get(include=["metadatas"], limit=_SYNC_BATCH, offset=offset)
                if not got["ids"]:
                    break
                for memory_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                    if memory_id not in known:
                        record = record_from_payload(memory_id, meta or {})
                        self._record.restore(MemoryRecord(record.id, record.text, mode_name, record.created_at,
                                                          record.updated_at, record.reply, record.metadata))
                offset += len(got["ids"])

    def sync(self, mode_name: str, stale: set[str] = frozenset(),
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
        wanted = self._record.ids(mode_name)
        extra = sorted(in_chroma - wanted)
        if extra:
            collection.delete(ids=extra)
        todo = [i for i in wanted if i not in in_chroma or i in stale]
        fetched = self._record.fetch(todo)
        records = [fetched[i] for i in todo if i in fetched]
        for start in range(0, len(records), 256):
            self.add(records[start:start + 256], history_event=None)
            if progress:
                progress(min(start + 256, len(records)), len(records))
        self._tables.drop(mode_name)
        return len(records)

    def rebuild_history(self, edits: dict[str, list[Change]]) -> int:
        """Give every entry without a row in mem0's history its ADD (and UPDATE rows for its
        ``edits``, oldest first). Returns how many entries got rows."""
        history = self._history_db
        with history._lock:
            known = {row[0] for row in history.connection.execute("SELECT DISTINCT memory_id FROM history")}
        rows: list[dict] = []
        rebuilt = 0
        for mode in self._record.modes():
            for batch in self._record.alive(mode):
                for record in batch:
                    if record.id not in known:
                        rows.extend(history_rows(record, edits.get(record.id, [])))
                        rebuilt += 1
                if len(rows) >= _HISTORY_BATCH:
                    history.batch_add_history(rows)
                    rows = []
        if rows:
            history.batch_add_history(rows)
        return rebuilt


def history_rows(record: MemoryRecord, edits: Sequence[Change]) -> list[dict]:
    """mem0 history rows telling ``record``'s story as mem0 would have written it: ADD of the first
    text, then UPDATE old → new per edit (and back again for an edit that was undone)."""
    created = _iso(record.created_at)
    first_text = edits[0].before.text if edits and edits[0].before else record.text

    def row(event: str, old: str | None, new: str, at: str) -> dict:
        return {"memory_id": record.id, "old_memory": old, "new_memory": new, "event": event, "role": "user",
                "created_at": created, "updated_at": at}

    rows = [row("ADD", None, first_text, created)]
    for change in edits:
        rows.append(row("UPDATE", change.before.text, change.after.text, _iso(change.at)))
        if change.undone_at is not None:
            rows.append(row("UPDATE", change.after.text, change.before.text, _iso(change.undone_at)))
    return sorted(rows, key=lambda r: (r["event"] != "ADD", r["updated_at"]))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
