"""Forgetting for good: after an erase, an entry's text is in no file under the data dir.

Deleting through mem0 or Chroma only hides an entry. Its text stays in:

* ``history.db`` (mem0): the ADD row's ``new_memory``, UPDATE rows' ``old_memory``/``new_memory``
  and the DELETE row's ``old_memory``; mem0's ``messages`` table holds raw turns when ``infer=True``.
* ``chroma/chroma.sqlite3``: the write-ahead log table ``embeddings_queue`` keeps every ADD, UPDATE
  and UPSERT with the whole payload as JSON in ``metadata`` (``data``, ``text_lemmatized``, …) and
  the vector in ``vector``; Chroma purges it only up to what the HNSW segment has persisted, which
  happens every ``sync_threshold`` (1,000) writes per collection, so a journal of a few hundred
  entries keeps its whole log. Deleted ``embedding_metadata`` / full-text rows leave their bytes in
  free space inside pages and on free pages (Chroma does not set ``secure_delete``).
* Any SQLite file: free pages, free space inside pages, and WAL frames until a checkpoint.

The HNSW files in ``chroma/<segment uuid>/`` (``data_level0.bin``, ``header.bin``, ``length.bin``,
``link_lists.bin``) hold vectors, integer labels and graph links; ``index_metadata.pickle`` holds
the id ↔ label map; a deleted entry's *vector* stays in ``data_level0.bin`` as a tombstone. They can
also hold any text the process ever handled: when Chroma makes a segment's index (the first time it
applies the collection's log in a process: its first write, or after an open its first read or
write; only while the segment has no ``index_metadata.pickle``, i.e. before its first persist at
``sync_threshold`` writes, so at every open of a small journal) hnswlib's ``initPersistentIndex``
writes its whole ``malloc``-ed, never initialised buffers to disk: ``max_elements`` (100) ×
``size_data_per_element`` (1,676 bytes at 384 dimensions) to ``data_level0.bin`` and 100 × 4 bytes
to ``length.bin``, while ``header.bin`` says 0 elements. That is heap garbage, and in a process that
held an entry's text (Chroma parsed its log payload), a forgotten entry's text among it: after a
reopen of the client in the same process, or when a new collection gets its first write. Later
persists write only the elements added (each zeroed first), so the garbage stays beyond the header's
element count. :func:`scrub_hnsw` zeroes exactly that region; run it after ``forget``
(``erase_from_chroma`` does), after the client is closed, and after opening once every collection
was touched.

Chroma 1.5.9 has no erase or purge call in its Python API (the Rust bindings expose none), and its
``chroma vacuum`` command opens a second Chroma on the directory, purges the log only up to the
persisted HNSW watermark (nothing, below 1,000 writes) and says to stop the server first. So the
log is scrubbed here with SQL, in a child process: Chroma links its own SQLite (3.46, static) and
Python another (3.40); two SQLite libraries in one process do not see each other's POSIX locks and
one closing the file drops the other's locks (sqlite.org/howtocorrupt.html, 2.2). A child process
takes real locks and waits on Chroma's like any other process.

The log rows of an erased id are rewritten as what Chroma itself writes for a delete (operation 3,
no vector, ``{}`` metadata) rather than removed: sequence numbers never go back (Chroma numbers a new
row ``MAX(seq_id) + 1`` and skips rows at or below a segment's watermark), and replaying the log at
the next open still ends with the id absent, whichever segment replays it.

Order for a store's ``forget`` (under the store's write lock, nothing else touching Chroma):
``erase_from_chroma`` per collection (drop the ids from the in-memory vector tables too; it also
scrubs the HNSW files), then ``erase_history`` (takes mem0's lock), then the caller's own rows
followed by ``compact_sqlite`` under that database's lock, then ``redact_log``, then the copies
``doctor --repair`` moved aside (``moved_copies.erase_from_copies``); ``find_text`` checks the
result. Apart from ``forget``, the store calls :func:`scrub_hnsw` after closing the client and at
the end of opening.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.adapters.model_cache import MODELS_DIR
from tui.domain.errors import StoreError

CHROMA_FILE = "chroma.sqlite3"
_DELETE = 3  # Chroma's operation code for a delete in embeddings_queue
_CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_BUSY_MS = 10_000


class EraseError(StoreError):
    """An erase could not finish; what it already removed stays removed."""


@dataclass(frozen=True)
class ChromaScrub:
    rewritten: int
    """Log rows whose payload and vector were dropped (turned into delete markers)."""
    bytes_before: int
    bytes_after: int
    seconds: float
    hnsw_zeroed: int = 0
    """Bytes of Chroma's HNSW files that held no element and were not zero (see :func:`scrub_hnsw`)."""


@dataclass(frozen=True)
class HnswScrub:
    segments: int
    """Segment directories whose HNSW files were checked."""
    bytes_zeroed: int
    """Bytes beyond the stored elements that were not zero and are now."""
    seconds: float


@dataclass(frozen=True)
class Hit:
    path: Path
    form: str
    offset: int


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


# -- any SQLite file ---------------------------------------------------------------------------------


def _retry(step: Callable[[], Any], attempts: int = 3, pause: float = 0.1) -> Any:
    """SQLite says "locked"/"busy" when another connection kept the file past the busy timeout."""
    for attempt in range(attempts):
        try:
            return step()
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if ("locked" not in text and "busy" not in text) or attempt == attempts - 1:
                raise
            time.sleep(pause)
    return None


def _checkpoint(connection: sqlite3.Connection, attempts: int = 3, pause: float = 0.1) -> None:
    """Copy the WAL into the database and truncate it to zero bytes (no-op outside WAL mode)."""
    for _ in range(attempts):
        busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return
        time.sleep(pause)
    raise EraseError("A database's write-ahead log could not be emptied: another connection keeps reading it",
                     "close other mindpane windows or tools reading the data dir, then forget again")


def compact_sqlite(connection: sqlite3.Connection) -> None:
    """After the caller deleted rows: leave no byte of them in the file or its WAL.

    Turns ``secure_delete`` on for the connection (later deletes zero their bytes), checkpoints and
    truncates the WAL, ``VACUUM``s (every page rewritten from live rows only, so free pages and free
    space inside pages go) and truncates the WAL again (in WAL mode ``VACUUM`` writes through it).
    Call it holding the connection's own lock; other connections to the file, in this process or
    another, may stay open (it waits while they read or write). A transaction left open on
    ``connection`` is committed first.
    """
    if connection.in_transaction:
        connection.commit()
    connection.execute("PRAGMA secure_delete=ON")
    previous_timeout = connection.execute("PRAGMA busy_timeout").fetchone()[0]
    connection.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
    try:
        _checkpoint(connection)
        _retry(lambda: connection.execute("VACUUM"))
        _checkpoint(connection)
    finally:
        connection.execute(f"PRAGMA busy_timeout={int(previous_timeout)}")


# -- mem0's history.db -------------------------------------------------------------------------------


def erase_history(history_db: Any, memory_ids: Sequence[str], texts: Sequence[str] = ()) -> int:
    """Delete every mem0 history row of ``memory_ids`` and every saved message holding one of
    ``texts``, then compact the file. ``history_db`` is mem0's ``SQLiteManager`` (``memory.db``):
    its ``connection`` is used under its ``_lock``. Returns the number of history rows deleted."""
    ids, texts = _unique(memory_ids), _unique(texts)
    with history_db._lock:
        connection: sqlite3.Connection = history_db.connection
        connection.execute("PRAGMA secure_delete=ON")
        deleted = 0
        try:
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                deleted += connection.execute(f"DELETE FROM history WHERE memory_id IN ({marks})", chunk).rowcount
            has_messages = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'").fetchone()
            if has_messages:
                for text in texts:
                    connection.execute("DELETE FROM messages WHERE instr(content, ?) > 0", (text,))
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        compact_sqlite(connection)
    return deleted


# -- Chroma ------------------------------------------------------------------------------------------


def erase_from_chroma(collection: Any, chroma_dir: Path, memory_ids: Sequence[str],
                      timeout: float = 600.0) -> ChromaScrub:
    """Delete ``memory_ids`` from ``collection`` (ids already gone are fine) and scrub Chroma's files
    of them: the log and ``chroma.sqlite3`` (:func:`scrub_chroma`), then the HNSW files
    (:func:`scrub_hnsw`). The caller keeps every other Chroma call out meanwhile."""
    ids = _unique(memory_ids)
    if ids:
        collection.delete(ids=ids)
    scrub = scrub_chroma(chroma_dir, ids, timeout=timeout)
    return dataclasses.replace(scrub, hnsw_zeroed=scrub_hnsw(chroma_dir).bytes_zeroed)


def scrub_chroma(chroma_dir: Path, memory_ids: Sequence[str] = (), all_deleted: bool = True,
                 timeout: float = 600.0) -> ChromaScrub:
    """Drop the payload and vector from every Chroma log row of ``memory_ids`` (and, with
    ``all_deleted``, of any id no longer stored in its collection: plain deletes, mem0's entity
    records), then ``VACUUM`` ``chroma.sqlite3``. Runs in a child process (see the module notes) and
    works while the Chroma client is open. Raises :class:`EraseError` if an id is still stored or a
    write of it has not been applied yet."""
    db_path = (Path(chroma_dir) / CHROMA_FILE).resolve()
    if not db_path.exists():
        return ChromaScrub(0, 0, 0, 0.0)
    request = json.dumps({"db": str(db_path), "ids": _unique(memory_ids), "all_deleted": all_deleted})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_PACKAGE_ROOT),
                                                                     os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run([sys.executable, "-P", "-m", __name__], input=request, capture_output=True,
                              text=True, timeout=timeout, env=env, cwd=_PACKAGE_ROOT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise EraseError(f"Erasing from Chroma took longer than {timeout:.0f} s",
                         "the entries are deleted; run forget again to finish erasing") from exc
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        answer = {"error": (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]}
    if done.returncode or "error" in answer:
        raise EraseError(f"Erasing from Chroma failed: {answer.get('error', 'no answer')}",
                         "the entries are deleted; run forget again to finish erasing")
    return ChromaScrub(answer["rewritten"], answer["bytes_before"], answer["bytes_after"], answer["seconds"])


def _collection_segments(db: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """collection id → (metadata segment id, last log sequence number applied to it)."""
    rows = db.execute(
        "SELECT s.collection, s.id, COALESCE(m.seq_id, 0) FROM segments s "
        "LEFT JOIN max_seq_id m ON m.segment_id = s.id WHERE s.scope = 'METADATA'").fetchall()
    return {collection: (segment, int(applied)) for collection, segment, applied in rows}


def _scrub_chroma_db(db_path: str, memory_ids: Sequence[str], all_deleted: bool) -> dict:
    """The child process's work, on its own connection to ``chroma.sqlite3``."""
    started = time.monotonic()
    bytes_before = Path(db_path).stat().st_size
    db = sqlite3.connect(db_path, isolation_level=None, timeout=_BUSY_MS / 1000)
    try:
        db.execute("PRAGMA secure_delete=ON")
        _retry(lambda: db.execute("BEGIN IMMEDIATE"))
        try:
            rewritten = _rewrite_log(db, _unique(memory_ids), all_deleted)
            _optimize_fulltext(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        compact_sqlite(db)
    finally:
        db.close()
    return {"rewritten": rewritten, "bytes_before": bytes_before, "bytes_after": Path(db_path).stat().st_size,
            "seconds": round(time.monotonic() - started, 4)}


def _rewrite_log(db: sqlite3.Connection, ids: list[str], all_deleted: bool) -> int:
    db.execute("CREATE TEMP TABLE IF NOT EXISTS forget_ids (id TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.forget_ids")
    db.executemany("INSERT OR IGNORE INTO temp.forget_ids (id) VALUES (?)", [(i,) for i in ids])
    stored = db.execute("SELECT DISTINCT e.embedding_id FROM embeddings e JOIN segments s ON s.id = e.segment_id "
                        "WHERE s.scope = 'METADATA' AND e.embedding_id IN temp.forget_ids").fetchall()
    if stored:
        raise EraseError(f"{len(stored)} entries to erase are still stored in Chroma", "delete them first")
    segments = _collection_segments(db)
    rewritten = 0
    for (topic,) in db.execute("SELECT DISTINCT topic FROM embeddings_queue").fetchall():
        segment, applied = segments.get(topic.rsplit("/", 1)[-1], (None, None))
        if applied is not None:
            pending = db.execute("SELECT COUNT(*) FROM embeddings_queue WHERE topic = ? AND seq_id > ? "
                                 "AND id IN temp.forget_ids", (topic, applied)).fetchone()[0]
            if pending:
                raise EraseError("Chroma has not applied every write of the entries to erase yet",
                                 "run forget again in a moment")
        rewritten += db.execute(
            "UPDATE embeddings_queue SET operation = ?, vector = NULL, encoding = NULL, metadata = '{}' "
            "WHERE topic = ? AND operation != ? AND (? IS NULL OR seq_id <= ?) "
            "AND (id IN temp.forget_ids OR ?) AND NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.segment_id = ? AND e.embedding_id = embeddings_queue.id)",
            (_DELETE, topic, _DELETE, applied, applied, int(all_deleted), segment)).rowcount
    db.execute("DROP TABLE temp.forget_ids")
    return rewritten


def _optimize_fulltext(db: sqlite3.Connection) -> None:
    """FTS5 keeps a deleted document's tokens in old index segments until they are merged."""
    has_fts = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'embedding_fulltext_search_data'").fetchone()
    if has_fts and db.execute("SELECT COUNT(*) FROM embedding_fulltext_search_data").fetchone()[0] > 2:
        db.execute("INSERT INTO embedding_fulltext_search (embedding_fulltext_search) VALUES ('optimize')")


# -- Chroma's HNSW files -----------------------------------------------------------------------------

# header.bin as hnswlib's persistHeader writes it (chroma-core/hnswlib, PERSISTENCE_VERSION 1), native
# byte order: int version, then size_t offsetLevel0_, max_elements_, cur_element_count,
# size_data_per_element_, label_offset_, offsetData_ (then maxlevel_, enterpoint_node_, maxM_, maxM0_,
# M_, mult_, ef_construction_, not needed here).
_HNSW_HEADER = struct.Struct("=i6Q")
_HNSW_VERSION = 1
_HNSW_LABEL = 8  # labeltype is size_t
_HNSW_LENGTH = 4  # one float per element in length.bin
_HNSW_DATA, _HNSW_LENGTHS, _HNSW_HEADER_FILE = "data_level0.bin", "length.bin", "header.bin"
_ZERO_BLOCK = 1 << 20


def _hnsw_layout(header_path: Path) -> tuple[int, int]:
    """(stored element count, bytes per element in data_level0.bin) from a segment's header.bin;
    raises :class:`EraseError` for a header this code does not know (it then touches nothing)."""
    raw = header_path.read_bytes()
    if len(raw) < _HNSW_HEADER.size:
        raise EraseError(f"Chroma's index header {header_path} is too short to read",
                         "run `mindpane doctor`; nothing was changed in that index")
    version, offset_level0, max_elements, count, per_element, label_offset, offset_data = \
        _HNSW_HEADER.unpack_from(raw)
    if (version != _HNSW_VERSION or offset_level0 != 0 or not 0 < offset_data < label_offset
            or per_element != label_offset + _HNSW_LABEL or count > max_elements):
        raise EraseError(f"Chroma's index header {header_path} has a layout this mindpane does not know",
                         "update mindpane; nothing was changed in that index")
    return count, per_element


def _zero_from(path: Path, start: int) -> int:
    """Overwrite with zeros every non-zero byte of ``path`` from ``start`` to its end, in place (the
    size stays: Chroma checks it), and fsync. Returns the number of bytes that were not zero."""
    if not path.exists():
        return 0
    zeroed = 0
    fd = os.open(path, os.O_RDWR)
    try:
        end = os.fstat(fd).st_size
        offset = start
        while offset < end:
            block = os.pread(fd, min(_ZERO_BLOCK, end - offset), offset)
            if not block:
                break
            if block.count(0) != len(block):
                zeroed += len(block) - block.count(0)
                os.pwrite(fd, bytes(len(block)), offset)
            offset += len(block)
        if zeroed:
            os.fsync(fd)
    finally:
        os.close(fd)
    return zeroed


def scrub_hnsw(chroma_dir: Path) -> HnswScrub:
    """Zero the bytes of every HNSW segment's ``data_level0.bin`` and ``length.bin`` that lie beyond
    the elements its ``header.bin`` says are stored: hnswlib reads no byte there (it loads elements
    ``0 .. cur_element_count - 1`` only, and writes an element whole, zeroed first, when it persists
    it), but a new index is written there from uninitialised memory (see the module notes). Sizes
    stay, the stored elements (vectors, labels, links) are untouched, ``link_lists.bin`` and the id
    map hold no uninitialised bytes.

    Works while the Chroma client is open, provided no Chroma write runs meanwhile (a persist could
    grow the element count under it): call it under the store's write lock, or after closing the
    client. Raises :class:`EraseError` for a segment whose header it cannot read."""
    started = time.monotonic()
    segments = zeroed = 0
    root = Path(chroma_dir)
    if not root.is_dir():
        return HnswScrub(0, 0, 0.0)
    for segment in sorted(path for path in root.iterdir() if path.is_dir() and not path.is_symlink()):
        data, lengths, header = segment / _HNSW_DATA, segment / _HNSW_LENGTHS, segment / _HNSW_HEADER_FILE
        if not data.exists() and not lengths.exists():
            continue
        if not header.exists():
            raise EraseError(f"Chroma's index in {segment} has no header.bin: its unused bytes are unknown",
                             "run `mindpane doctor`; nothing was changed in that index")
        count, per_element = _hnsw_layout(header)
        zeroed += _zero_from(data, count * per_element) + _zero_from(lengths, count * _HNSW_LENGTH)
        segments += 1
    return HnswScrub(segments, zeroed, round(time.monotonic() - started, 4))


# -- checking and the log ----------------------------------------------------------------------------


def text_forms(text: str) -> dict[str, bytes]:
    """The byte strings ``text`` may be stored as: UTF-8, UTF-16 (both byte orders) and inside JSON
    (Chroma's log and our records escape quotes, backslashes, controls and maybe non-ASCII)."""
    forms = {
        "utf-8": text.encode(),
        "utf-16-le": text.encode("utf-16-le"),
        "utf-16-be": text.encode("utf-16-be"),
        "json": json.dumps(text, ensure_ascii=False)[1:-1].encode(),
        "json-ascii": json.dumps(text)[1:-1].encode(),
    }
    unique: dict[str, bytes] = {}
    for name, form in forms.items():
        if form and form not in unique.values():
            unique[name] = form
    return unique


def find_text(root: Path, texts: Iterable[str], block: int = 8 << 20) -> list[Hit]:
    """Every place under ``root`` (all files, binary ones, WAL and journal files included, but not
    :data:`MODELS_DIR`) where one of ``texts`` appears in one of its :func:`text_forms`. Reads in
    blocks (no mmap: a file another thread truncates meanwhile must not crash the process)."""
    models = Path(root) / MODELS_DIR  # the rewritten bundled model: never an entry's text, and 24 MB
    return find_text_in([path for path in sorted(Path(root).rglob("*")) if not path.is_relative_to(models)],
                        texts, block)


def find_text_in(paths: Iterable[Path], texts: Iterable[str], block: int = 8 << 20) -> list[Hit]:
    """:func:`find_text` over the files ``paths`` (directories, links and missing files are skipped)."""
    needles = [(f"{form_name}:{text[:40]}", form) for text in _unique(texts)
               for form_name, form in text_forms(text).items()]
    if not needles:
        return []
    overlap = max(len(form) for _, form in needles) - 1
    hits: list[Hit] = []
    for path in paths:
        if not path.is_file() or path.is_symlink():
            continue
        found: set[tuple[str, int]] = set()
        with path.open("rb") as handle:
            start, tail = 0, b""
            while chunk := handle.read(block):
                data, base = tail + chunk, start - len(tail)
                for name, needle in needles:
                    at = data.find(needle)
                    while at != -1:
                        found.add((name, base + at))
                        at = data.find(needle, at + 1)
                start += len(chunk)
                tail = data[-overlap:] if overlap else b""
        hits.extend(Hit(path, name, offset) for name, offset in sorted(found, key=lambda f: (f[1], f[0])))
    return hits


def redact_log(path: Path, texts: Iterable[str], replacement: str = "[forgotten]") -> int:
    """Replace ``texts`` in a text log (``mindpane.log``) in place; a logging handler appending to
    it keeps working. Returns the number of replacements."""
    path = Path(path)
    if not path.exists():
        return 0
    forms = [form for text in _unique(texts) for form in text_forms(text).values()]
    with path.open("r+b") as handle:
        data = handle.read()
        count = sum(data.count(form) for form in forms)
        if count:
            for form in forms:
                data = data.replace(form, replacement.encode())
            handle.seek(0)
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
    return count


def _main() -> int:
    """``python -m tui.adapters.eraser``: the child side of :func:`scrub_chroma` (JSON in, JSON out)."""
    request = json.loads(sys.stdin.read())
    try:
        answer = _scrub_chroma_db(request["db"], request["ids"], request["all_deleted"])
    except Exception as exc:
        print(json.dumps({"error": str(exc) or type(exc).__name__}))
        return 2
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
