"""What ``mindpane doctor`` checks in the data dir: permissions, the lock, the canonical record
(``entries.db``) and its outbox, the Chroma index, and mem0's ``history.db``.

Every check only reads. SQLite files are opened ``immutable`` (no lock, no ``-wal``/``-shm`` made);
when a ``-wal`` or ``-journal`` holds writes not yet in the main file, the files are copied to a
temporary directory and the copy is read. Chroma's own client always opens a copy of ``chroma/``,
because opening the real one writes to it. Whether another mindpane holds the lock is read from
``/proc/locks`` (elsewhere: a shared lock tried and dropped at once). Entry text is never shown:
only counts, modes and dates.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import sqlite3
import stat
import tempfile
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tui.text import local_day, local_minute

REPAIR = "mindpane doctor --repair"
LOCK_FILE = "mindpane.lock"
HISTORY_FILE = "history.db"
CHROMA_DIR = "chroma"
CHROMA_FILE = "chroma.sqlite3"
_SIDECARS = ("-wal", "-journal")


@dataclass(frozen=True)
class Check:
    """One line of the report: ``✓ label`` or ``✗ label — fix: fix``."""

    ok: bool
    label: str
    fix: str = ""
    skipped: bool = False
    """Not a failure: what could not be checked (a locked journal without its passphrase)."""

    def line(self) -> str:
        if self.skipped:
            return f"– {self.label}"
        return f"✓ {self.label}" if self.ok else f"✗ {self.label} — fix: {self.fix}"


def first_line(exc: BaseException, limit: int = 160) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- reading SQLite without writing --------------------------------------------------------------

def db_errors(key: bytes | None = None) -> tuple[type[Exception], ...]:
    """What a failing SQLite (or, with a key, SQLCipher) read raises."""
    if key is None:
        return (sqlite3.Error, OSError)
    from sqlcipher3 import dbapi2

    from tui.domain.errors import KeyFileError

    return (sqlite3.Error, dbapi2.Error, OSError, KeyFileError)


def _connect(target: str, key: bytes | None, uri: bool = False) -> sqlite3.Connection:
    if key is None:
        return sqlite3.connect(target, uri=uri)
    from tui.adapters.cipher_db import connect_locked

    return connect_locked(target, key, uri=uri)  # type: ignore[arg-type]


@contextlib.contextmanager
def read_only(path: Path, key: bytes | None = None) -> Iterator[sqlite3.Connection]:
    """A connection that cannot change ``path`` or make files beside it. ``key``: a locked journal's
    encrypted record (a copy made to read pending ``-wal`` writes stays encrypted)."""
    sidecars = [path.with_name(path.name + s) for s in _SIDECARS]
    if not any(_size(side) for side in sidecars):
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1"
        with contextlib.closing(_connect(uri, key, uri=True)) as db:
            yield db
        return
    with tempfile.TemporaryDirectory(prefix="mindpane-doctor-") as tmp:
        shutil.copyfile(path, Path(tmp, path.name))
        for side in sidecars:
            with contextlib.suppress(FileNotFoundError):  # a running mindpane may checkpoint meanwhile
                shutil.copyfile(side, Path(tmp, side.name))
        with contextlib.closing(_connect(str(Path(tmp, path.name)), key)) as db:
            yield db


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def sqlite_problem(path: Path, key: bytes | None = None) -> str | None:
    """What is wrong with the SQLite file ``path`` (present), or None when it reads fine. With
    ``key`` (an encrypted record) every page's authentication code is checked too."""
    try:
        with read_only(path, key) as db:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if key is not None:
                failed = [str(row[0]) for row in db.execute("PRAGMA cipher_integrity_check")]
                if failed:
                    more = f" and {len(failed) - 1} more" if len(failed) > 1 else ""
                    return f"encrypted pages fail their check: {' '.join(failed[0].split())}{more}"
            verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
    except db_errors(key) as exc:
        return first_line(exc)
    return None if verdict == "ok" else f"integrity check: {' '.join(str(verdict).split())}"


# -- the data dir and the lock -------------------------------------------------------------------

def check_data_dir(data_dir: Path, uid: int | None = None) -> Check:
    where = shlex.quote(str(data_dir))
    if not data_dir.exists():
        return Check(False, f"data dir {data_dir} does not exist",
                     "run `mindpane` once to create it, or point --data-dir / MINDPANE_DATA_DIR at your data")
    if not data_dir.is_dir():
        return Check(False, f"data dir {data_dir} is a file, not a directory",
                     f"move it away (`mv {where} {where}.old`), or choose another with --data-dir")
    foreign = check_owner(data_dir, uid)
    if foreign is not None:
        return foreign
    wrong: list[str] = []
    for path in [data_dir, *_walk(data_dir)]:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            continue
        wanted = 0o700 if stat.S_ISDIR(mode) else 0o600
        if stat.S_IMODE(mode) != wanted:
            wrong.append(f"{path} is {stat.S_IMODE(mode):04o}")
    if wrong:
        more = f" and {len(wrong) - 1} more" if len(wrong) > 1 else ""
        return Check(False, f"data dir {data_dir} is not private: {wrong[0]}{more} (want dirs 0700, files 0600)",
                     f"chmod -R u+rwX,go-rwx {where}")
    return Check(True, f"data dir {data_dir}: private (dirs 0700, files 0600)")


def check_owner(data_dir: Path, uid: int | None = None) -> Check | None:
    """A failed check when the data dir or something in it is another user's (mindpane refuses it)."""
    from tui.adapters import ownership

    uid = ownership.current_uid() if uid is None else uid
    found = ownership.foreign_owned(data_dir, uid)
    if found is None:
        return None
    refusal = ownership.refusal(data_dir, found, uid)
    via = f" (where {found.via_link} leads)" if found.via_link else ""
    whose = f"belongs to {ownership.owner_name(found.owner)}, {ownership.not_you(uid)}"
    what = f"data dir {found.path}{via} {whose}" if data_dir in (found.path, found.via_link) \
        else f"data dir {data_dir}: {found.path}{via} {whose}"
    return Check(False, f"{what}; mindpane refuses to use it", refusal.hint)


def _walk(data_dir: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(data_dir):
        dirs.sort()
        for name in (*dirs, *sorted(files)):
            yield Path(root, name)


# -- the canonical record and its outbox ---------------------------------------------------------

@dataclass
class Record:
    """What ``entries.db`` holds, as far as it could be read."""

    path: Path
    exists: bool = True
    problem: str | None = None
    version: int | None = None
    alive: dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    outbox: list[tuple[str, datetime]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    waiting: dict[str, int] = field(default_factory=dict)
    """Alive entries per mode that a turn from the shell stored and the next open indexes."""
    waiting_ids: set[str] = field(default_factory=set)
    skipped: dict[str, int] = field(default_factory=dict)
    """Alive entries per mode the index cannot take, kept out of it (``doctor_unindexable``)."""
    key: bytes | None = field(default=None, repr=False)
    """A locked journal's data key: ``path`` is then the encrypted record."""

    @property
    def readable(self) -> bool:
        """Opened, intact and of this mindpane's schema: its counts can be trusted."""
        from tui.adapters.record_db import SCHEMA_VERSION

        return self.exists and self.problem is None and self.version == SCHEMA_VERSION


def read_record(data_dir: Path, key: bytes | None = None) -> Record:
    """The plain record, or with ``key`` a locked journal's encrypted one."""
    from tui.adapters.locked_layout import record_path
    from tui.adapters.record_db import INDEX_LATER_KEY, SCHEMA_VERSION

    record = Record(record_path(data_dir, key is not None), key=key)
    if not record.path.is_file():
        record.exists = False
        return record
    record.problem = sqlite_problem(record.path, key)
    if record.problem:
        return record
    try:
        with read_only(record.path, key) as db:
            record.version = db.execute("PRAGMA user_version").fetchone()[0]
            if record.version != SCHEMA_VERSION:
                return record
            for memory_id, mode, deleted_at in db.execute("SELECT id, mode, deleted_at FROM entry"):
                if deleted_at is None:
                    record.ids.add(memory_id)
                    record.alive[mode] = record.alive.get(mode, 0) + 1
                else:
                    record.deleted += 1
            record.outbox = [(mode, _time(at)) for mode, at in
                             db.execute("SELECT mode, created_at FROM outbox ORDER BY created_at")]
            later = db.execute("SELECT value FROM meta WHERE key = ?", (INDEX_LATER_KEY,)).fetchone()
            record.waiting_ids = set(json.loads(later[0])) & record.ids if later else set()
            for (mode,) in db.execute("SELECT mode FROM entry WHERE deleted_at IS NULL AND id IN "
                                      "(SELECT value FROM json_each(?))", (json.dumps(sorted(record.waiting_ids)),)):
                record.waiting[mode] = record.waiting.get(mode, 0) + 1
    except db_errors(key) as exc:
        record.problem = first_line(exc)
    return record


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_record(record: Record) -> Check:
    from tui.adapters.record_db import SCHEMA_VERSION

    path = record.path
    if not record.exists:
        return Check(True, f"{path}: not created yet (no entries)")
    if record.problem and record.key is not None:
        return Check(False, f"{path} is damaged ({record.problem})",
                     f"{REPAIR} (moves it aside still encrypted, keeps that copy, and reads back into a new encrypted "
                     "record every entry on a page that is intact)")
    if record.problem:
        rest = (f", and takes the rest from {CHROMA_DIR}/" if (path.parent / CHROMA_DIR).is_dir()
                else f"; there is no {CHROMA_DIR}/ to take the rest from")
        return Check(False, f"{path} is damaged ({record.problem})",
                     f"{REPAIR} (moves it aside, keeps that copy, reads back every entry it can from it{rest})")
    if record.version is not None and record.version > SCHEMA_VERSION:
        return Check(False, f"{path}: schema {record.version} was written by a newer mindpane (this one: "
                     f"{SCHEMA_VERSION})", "upgrade mindpane: pip install --upgrade mindpane")
    if record.version != SCHEMA_VERSION:
        return Check(True, f"{path}: schema {record.version}, upgraded to {SCHEMA_VERSION} when mindpane opens it")
    return Check(True, f"{path}: ok, schema {record.version}; {sum(record.alive.values())} entries, "
                 f"{record.deleted} deleted, {len(record.outbox)} in the outbox")


def check_outbox(record: Record) -> Check | None:
    if not record.readable:
        return None
    if not record.outbox:
        return Check(True, "outbox: empty")
    by_mode: dict[str, list[datetime]] = {}
    for mode, at in record.outbox:
        by_mode.setdefault(mode, []).append(at)
    parts = []
    for mode, dates in sorted(by_mode.items()):
        span = local_minute(dates[0]) if len(dates) == 1 else f"{local_minute(dates[0])} … {local_minute(dates[-1])}"
        parts.append(f"{mode} {len(dates)} ({span})")
    count = len(record.outbox)
    return Check(True, f"outbox: {count} {'turn' if count == 1 else 'turns'} waiting — {', '.join(parts)}; "
                 "mindpane stores or offers them again when it opens")


# -- the Chroma index ------------------------------------------------------------------------------

class ProbeUnavailable(Exception):
    """Chroma could not be loaded, or ``chroma/`` not copied: nothing is known about the index."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def chroma_counts(chroma_dir: Path, embedder_name: str, data_dir: Path) -> dict[str, int]:
    """Entries per mode in this embedder's collections, read by Chroma's own client from a copy of
    ``chroma_dir`` (opening the real one writes to it). Raises :class:`ProbeUnavailable` when the
    check cannot run, and whatever Chroma raises when it cannot read the copy."""
    from tui.adapters.environment import chroma_settings, contain_environment
    from tui.adapters.mem0_payload import collection_name

    contain_environment(data_dir)  # before chromadb is imported, as the store does
    try:
        import chromadb
    except Exception as exc:  # e.g. a .env here that Chroma's import-time settings reject
        raise ProbeUnavailable(f"Chroma could not be loaded ({first_line(exc)})",
                               "see the stray settings line below; else reinstall: pip install --force-reinstall "
                               "mindpane") from exc
    with tempfile.TemporaryDirectory(prefix="mindpane-doctor-") as tmp:
        copy = Path(tmp, CHROMA_DIR)
        try:
            shutil.copytree(chroma_dir, copy, symlinks=True)
        except OSError as exc:
            raise ProbeUnavailable(f"{chroma_dir} could not be copied to {tmp} to be checked ({first_line(exc)})",
                                   f"free space in {tempfile.gettempdir()} (or set TMPDIR), then run "
                                   "`mindpane doctor` again") from exc
        client = chromadb.PersistentClient(path=str(copy), settings=chroma_settings(copy))
        try:
            counts: dict[str, int] = {}
            for collection in client.list_collections():
                mode = (collection.metadata or {}).get("mindpane_mode")
                if mode and collection.name == collection_name(embedder_name, mode):
                    collection.get(limit=1, include=["embeddings"])  # the vectors load, not only the count
                    counts[mode] = collection.count()
            return counts
        finally:
            client.close()


def check_chroma(data_dir: Path, embedder_name: str | None, record: Record) -> list[Check]:
    chroma_dir, chroma_file = data_dir / CHROMA_DIR, data_dir / CHROMA_DIR / CHROMA_FILE
    rebuild = f"{REPAIR} (moves {CHROMA_DIR}/ aside and re-embeds your entries from entries.db)"
    alive = sum(record.alive.values())
    waiting = _waiting_note(record)
    if not chroma_dir.exists():
        if alive and alive == sum(record.waiting.values()):
            return [Check(True, f"{chroma_dir}: not created yet{waiting}")]
        if alive:
            return [Check(False, f"{chroma_dir} is missing (the search index of {alive} entries)", rebuild)]
        return [Check(True, f"{chroma_dir}: not created yet")]
    if not chroma_file.is_file():
        return [Check(False, f"{chroma_file} is missing", rebuild)]
    problem = sqlite_problem(chroma_file)
    if problem:
        return [Check(False, f"{chroma_file} is damaged ({problem})", rebuild)]
    if embedder_name is None:
        return [Check(True, f"{chroma_file}: ok")]
    try:
        counts = chroma_counts(chroma_dir, embedder_name, data_dir)
    except ProbeUnavailable as unavailable:
        return [Check(True, f"{chroma_file}: ok"), Check(False, f"chroma index not checked: {unavailable}",
                                                         unavailable.hint)]
    except Exception as exc:  # Chroma raises many untyped errors on a damaged index
        return [Check(False, f"{chroma_dir} could not be read by Chroma ({first_line(exc)})", rebuild)]
    checks = [Check(True, f"{chroma_file}: ok")]
    if not record.readable:
        found = ", ".join(f"{m} {n}" for m, n in sorted(counts.items())) or "no entries"
        checks.append(Check(True, f"chroma index ({embedder_name}): {found} (not compared: entries.db unreadable)"))
        return checks
    modes = sorted(set(record.alive) | set(counts))
    pairs = [(mode, counts.get(mode, 0),
              record.alive.get(mode, 0) - record.waiting.get(mode, 0) - record.skipped.get(mode, 0)) for mode in modes]
    summary = ", ".join(f"{mode} {indexed}/{kept}" for mode, indexed, kept in pairs) or "no entries"
    if any(indexed != kept for _, indexed, kept in pairs):
        return [*checks, Check(False, f"chroma index ({embedder_name}) does not match entries.db: {summary} "
                               "(indexed/entries)", REPAIR)]
    return [*checks, Check(True, f"chroma index ({embedder_name}): {summary} (indexed/entries){waiting}")]


def _waiting_note(record: Record) -> str:
    count = sum(record.waiting.values())
    if not count:
        return ""
    return f"; {count} {'entry' if count == 1 else 'entries'} from the shell wait to be indexed at the next open"


# -- mem0's change history -------------------------------------------------------------------------

def history_ids(path: Path) -> set[str] | None:
    """The entries ``history.db`` has rows for; None without a ``history`` table."""
    with read_only(path) as db:
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'history'").fetchone() is None:
            return None
        return {row[0] for row in db.execute("SELECT DISTINCT memory_id FROM history")}


def check_history(data_dir: Path, record: Record) -> Check:
    path = data_dir / HISTORY_FILE
    rebuild = f"{REPAIR} (moves it aside and rebuilds it from entries.db)"
    if not path.is_file():
        if record.ids - record.waiting_ids:
            return Check(False, f"{path} is missing (the change history of {len(record.ids)} entries)", REPAIR)
        return Check(True, f"{path}: not created yet")
    problem = sqlite_problem(path)
    if problem:
        return Check(False, f"{path} is damaged ({problem})", rebuild)
    try:
        known = history_ids(path)
    except (sqlite3.Error, OSError) as exc:
        return Check(False, f"{path} could not be read ({first_line(exc)})", rebuild)
    if known is None:
        return Check(False, f"{path} has no history table", rebuild)
    missing = len(record.ids - known - record.waiting_ids)
    if missing:
        return Check(False, f"{path}: {missing} of {len(record.ids)} entries have no change history", REPAIR)
    return Check(True, f"{path}: ok, history of {len(record.ids & known)} entries")


# -- copies repair moved aside ------------------------------------------------------------------------

def check_moved_copies(data_dir: Path, record: Record) -> list[Check]:
    """One line per copy ``--repair`` moved aside: where, when, its size and what it holds. A moved
    record holding entries that ``entries.db`` lacks fails the check: it is all that is left of them."""
    from tui.adapters.moved_copies import HISTORY, INDEX, LOCKED, RECORD, find_copies, held

    checks = []
    for copy in find_copies(data_dir):
        when = f" on {copy.moved_at:%Y-%m-%d %H:%M}" if copy.moved_at else ""
        label = f"copy moved aside by repair{when}: {copy.path} ({copy.size} bytes)"
        try:
            holds = held(copy, record.key)
        except (OSError, ValueError) as exc:
            checks.append(Check(True, f"{label}, which could not be read ({first_line(exc)})"))
            continue
        span = _days(holds.dates) if holds else ""
        if copy.original in (RECORD, LOCKED) and holds is not None:
            missing = len(holds.ids - record.ids) if record.readable else len(holds.ids)
            what = f"{len(holds.ids)} entries{span}" if holds.ids else "no entry it could be read for"
            if missing:
                where = shlex.quote(str(copy.path))
                checks.append(Check(False, f"{label}, {what}, {missing} of them not in {record.path.name}",
                                    f"keep it until you have what you need from it (a backup, or `sqlite3 {where} "
                                    ".recover`); delete it once you no longer need it"))
            else:
                checks.append(Check(True, f"{label}, {what}, all of them in {record.path.name}"))
        elif copy.original == HISTORY and holds is not None:
            checks.append(Check(True, f"{label}, the change history of {len(holds.ids)} entries{span}; it is rebuilt "
                                "from entries.db"))
        elif copy.original == INDEX:
            count = f" of {len(holds.ids)} entries" if holds else ""
            checks.append(Check(True, f"{label}, a search index{count}; it is rebuilt from entries.db"))
        else:
            checks.append(Check(True, label))
    return checks


def _days(dates: tuple[datetime, ...]) -> str:
    if not dates:
        return ""
    first, last = local_day(_aware(dates[0])), local_day(_aware(dates[-1]))
    return f" ({first})" if first == last else f" ({first} … {last})"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
