"""The copies ``doctor --repair`` moved aside: what each holds (for ``doctor``), and erasing an entry
from each (for ``forget``).

Repair never deletes a damaged file: it renames it ``<name>.corrupt-<YYYYmmdd-HHMMSS>[-n]`` (a
SQLite file's ``-wal``/``-shm``/``-journal`` follow under the same new name), in the data dir. Such
a copy holds the text of every entry it held, so forgetting an entry must reach it too:

- a moved ``entries.db`` (damaged, by construction) is rewritten from what can be read of it
  (:mod:`tui.adapters.record_salvage`) without the entry, so its other entries stay readable;
- a moved ``history.db`` that SQLite can still read has the entry's rows deleted and is compacted;
- a moved ``entries.locked`` (a locked journal's) is read with the data key, page by page in
  memory (:mod:`tui.adapters.cipher_pages`), and rewritten encrypted without the entry;
- a moved ``chroma/`` is deleted: a search index holds an entry's vector (which gives its meaning
  away) in binary files that cannot be erased entry by entry, and it is rebuilt from ``entries.db``.

Each result is checked by searching the copy's bytes for the entry's id and every text of it (those
the caller knows and older ones the copy itself holds); a copy that still holds any of them is
deleted, and the caller is told. A text short enough to occur inside other entries makes copies be
deleted that could have been kept: erasing wins.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tui.adapters.eraser import compact_sqlite, find_text_in
from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD
from tui.adapters.sqlite_pages import PageFile

_NAME = re.compile(r"^(?P<original>.+)\.corrupt-(?P<stamp>\d{8}-\d{6})(?:-\d+)?$")
SIDECARS = ("-wal", "-shm", "-journal")
RECORD, HISTORY, INDEX = PLAIN_RECORD, "history.db", "chroma"
LOCKED = LOCKED_RECORD
"""A locked journal's encrypted record: its moved copy stays encrypted, read and rewritten with the key."""
MOVED = "(a damaged copy repair had moved aside)"


@dataclass(frozen=True)
class MovedCopy:
    path: Path
    original: str
    """The name it had in the data dir: entries.db, history.db or chroma."""
    moved_at: datetime | None
    """When repair moved it (local time, from its name)."""

    @property
    def files(self) -> list[Path]:
        if self.path.is_dir() and not self.path.is_symlink():
            return sorted(p for p in self.path.rglob("*") if p.is_file() and not p.is_symlink())
        sidecars = [self.path.with_name(self.path.name + suffix) for suffix in SIDECARS]
        return [self.path, *(p for p in sidecars if p.is_file())]

    @property
    def size(self) -> int:
        return sum(_size(path) for path in self.files)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def find_copies(data_dir: Path) -> list[MovedCopy]:
    """Every copy repair moved aside in ``data_dir``, oldest first."""
    if not data_dir.is_dir():
        return []
    found = []
    for path in data_dir.iterdir():
        named = _NAME.match(path.name)
        if named:
            try:
                moved_at = datetime.strptime(named["stamp"], "%Y%m%d-%H%M%S")
            except ValueError:
                moved_at = None
            found.append(MovedCopy(path, named["original"], moved_at))
    return sorted(found, key=lambda copy: (copy.moved_at or datetime.min, copy.path.name))


# -- what a copy holds -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Held:
    """The entries a copy holds (by id, with their dates where known), or None for an index."""

    ids: frozenset[str]
    dates: tuple[datetime, ...]
    rows: int = 0


def held(copy: MovedCopy, key: bytes | None = None) -> Held | None:
    """What ``copy`` holds, read page by page (it is damaged); None when it is no SQLite file of ours
    (a search index dir, or something unreadable), or an encrypted record and no ``key`` is given."""
    if copy.original in (RECORD, LOCKED) and copy.path.is_file():
        from tui.adapters.record_salvage import read_record_rows

        if copy.original == LOCKED and key is None:
            return None
        found = read_record_rows(copy.path, key if copy.original == LOCKED else None)
        dates = [at for at in found.known.values() if at is not None]
        return Held(frozenset(found.known) | frozenset(found.entries), tuple(sorted(dates)), len(found.entries))
    if copy.original == HISTORY and copy.path.is_file():
        rows = _history_rows(copy.path)
        ids = frozenset(row["memory_id"] for row in rows if isinstance(row.get("memory_id"), str))
        dates = sorted(at for at in (_when(row.get("created_at")) for row in rows) if at is not None)
        return Held(ids, tuple(dates), len(rows))
    if copy.original == INDEX and (copy.path / "chroma.sqlite3").is_file():
        rows = _table_rows(copy.path / "chroma.sqlite3", "embeddings")
        ids = frozenset(row["embedding_id"] for row in rows if isinstance(row.get("embedding_id"), str))
        return Held(ids, (), len(rows))
    return None


def _history_rows(path: Path) -> list[dict]:
    return _table_rows(path, "history")


def _table_rows(path: Path, name: str) -> list[dict]:
    """The readable rows of table ``name`` in the SQLite file ``path``, as column → value."""
    pages = PageFile(path)
    schema = {entry.name: entry for entry in pages.schema()}
    table = schema.get(name)
    if table is None or not table.sql:
        return []
    names = columns(table.sql)
    return [dict(zip(names, row, strict=False)) for row in pages.read_tree(table.root).rows.values()]


def columns(create_sql: str) -> list[str]:
    """The column names of a ``CREATE TABLE`` statement, in order."""
    body = create_sql[create_sql.find("(") + 1:create_sql.rfind(")")]
    parts, depth, current = [], 0, ""
    for char in body:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    names = []
    for part in parts:
        words = part.split()
        if words and words[0].upper() not in {"PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"}:
            names.append(words[0].strip('"`[]'))
    return names


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# -- erasing -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CopyErased:
    path: Path
    how: str
    """"erased" (inside, the copy kept), "rewritten" (from what could be read of it) or "deleted"."""
    why: str = ""

    def note(self) -> str | None:
        """What to tell the person (nothing when the entry was simply erased inside the copy)."""
        if self.how == "rewritten":
            return f"{self.path} {MOVED} was rewritten from what could be read of it, without the entry"
        if self.how == "deleted":
            return f"{self.path} {MOVED} was deleted: {self.why}"
        return None


_INDEX_WHY = "a search index cannot be erased entry by entry (it is rebuilt from entries.db)"
_STUCK_WHY = "the entry could not be erased inside it"


def erase_from_copies(data_dir: Path, memory_ids: Sequence[str], texts: Iterable[str],
                      key: bytes | None = None) -> list[CopyErased]:
    """Erase ``memory_ids`` (and every text of them) from each moved copy in ``data_dir`` that holds
    them; returns what was done to each such copy. ``key``: a locked journal's data key (its moved
    records are encrypted; without the key they cannot be searched and are left as they are)."""
    ids = [i for i in dict.fromkeys(memory_ids) if i]
    known = [t for t in dict.fromkeys(texts) if t]
    done = []
    for copy in find_copies(data_dir):
        if copy.original == LOCKED:
            if key is not None and ids:
                done += filter(None, [_erase_encrypted(copy, ids, [*ids, *known], key)])
            continue
        if not ids or not find_text_in(copy.files, [*ids, *known]):
            continue  # every row of an entry names its id: a copy without it holds none of them
        done.append(_erase(copy, ids, [*ids, *known, *_texts_inside(copy, ids)]))
    return done


def _erase_encrypted(copy: MovedCopy, ids: list[str], needles: list[str], key: bytes) -> CopyErased | None:
    """A moved encrypted record: searched decrypted (in memory), rewritten encrypted without ``ids``."""
    from tui.adapters.cipher_pages import decrypt_pages

    def holds() -> bool:
        image = decrypt_pages(copy.path, key).image
        return any(form in image for needle in needles for form in (needle.encode(), needle.encode("utf-16-le")))

    with contextlib.suppress(Exception):  # a copy this damaged (or not ours) is deleted below
        if not holds():
            return None
        _rewrite_record(copy, ids, key)
        if not holds():
            return CopyErased(copy.path, "rewritten")
    delete(copy)
    return CopyErased(copy.path, "deleted", _STUCK_WHY)


def _texts_inside(copy: MovedCopy, ids: Sequence[str]) -> list[str]:
    """Texts of ``ids`` that ``copy`` itself holds: older versions (before an edit) included."""
    wanted, texts = set(ids), []
    try:
        if copy.original == RECORD and copy.path.is_file():
            from tui.adapters.record_salvage import read_record_rows

            found = read_record_rows(copy.path)
            for memory_id in wanted & found.entries.keys():
                texts += [str(found.entries[memory_id][2]), str(found.entries[memory_id][3])]
            for row in found.changes.values():
                if row[3] in wanted:
                    for snapshot in (row[5], row[6]):
                        with contextlib.suppress(ValueError, TypeError, AttributeError):
                            data = json.loads(str(snapshot))
                            texts += [str(data.get("text") or ""), str(data.get("reply") or "")]
        elif copy.original == HISTORY and copy.path.is_file():
            for row in _history_rows(copy.path):
                if row.get("memory_id") in wanted:
                    texts += [str(row.get("old_memory") or ""), str(row.get("new_memory") or "")]
    except (OSError, ValueError):
        return []
    return [text for text in dict.fromkeys(texts) if text]


def _erase(copy: MovedCopy, ids: list[str], needles: list[str]) -> CopyErased:
    if copy.path.is_dir() or copy.original == INDEX:
        delete(copy)
        return CopyErased(copy.path, "deleted", _INDEX_WHY)
    if copy.original == RECORD:
        with contextlib.suppress(Exception):  # a copy this damaged is deleted below
            _rewrite_record(copy, ids)
            if not find_text_in(copy.files, needles):
                return CopyErased(copy.path, "rewritten")
    elif _readable(copy.path):
        with contextlib.suppress(sqlite3.Error, OSError):
            _erase_history_inside(copy.path, ids, needles)
            if not find_text_in(copy.files, needles):
                return CopyErased(copy.path, "erased")
    delete(copy)
    return CopyErased(copy.path, "deleted", _STUCK_WHY)


def _readable(path: Path) -> bool:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return db.execute("PRAGMA quick_check(1)").fetchone()[0] == "ok"
    except sqlite3.Error:
        return False


def _rewrite_record(copy: MovedCopy, ids: list[str], key: bytes | None = None) -> None:
    """Replace the damaged copy by a new file holding every readable row but those of ``ids``
    (encrypted under ``key`` when the copy is a locked journal's)."""
    from tui.adapters.record_salvage import read_record_rows, write_record

    found = read_record_rows(copy.path, key)
    fresh = copy.path.with_name(f".{copy.path.name}.rewrite")
    _remove(fresh, *(fresh.with_name(fresh.name + suffix) for suffix in SIDECARS))
    try:
        write_record(found, fresh, leave_out=ids, key=key)
        os.replace(fresh, copy.path)
    finally:
        _remove(fresh, *(fresh.with_name(fresh.name + suffix) for suffix in SIDECARS))
    _remove(*(copy.path.with_name(copy.path.name + suffix) for suffix in SIDECARS))


def _erase_history_inside(path: Path, ids: list[str], texts: list[str]) -> None:
    """mem0's history: the entries' rows and saved messages holding their text, then compacted."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA secure_delete=ON")
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        db.execute("BEGIN IMMEDIATE")
        if "history" in tables:
            db.executemany("DELETE FROM history WHERE memory_id = ?", [(i,) for i in ids])
        if "messages" in tables:
            db.executemany("DELETE FROM messages WHERE instr(content, ?) > 0", [(t,) for t in texts])
        db.execute("COMMIT")
        compact_sqlite(db)
    finally:
        db.close()


def delete(copy: MovedCopy) -> None:
    if copy.path.is_dir() and not copy.path.is_symlink():
        shutil.rmtree(copy.path)
        return
    _remove(copy.path, *(copy.path.with_name(copy.path.name + suffix) for suffix in SIDECARS))


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
