"""Why the memory store would not open, said with the file at fault and the next step.

Chroma, mem0 and SQLite report a broken data dir as "file is not a database" or "database disk image
is malformed", without saying which of several files is meant; the person then cannot know that
moving one file aside recovers everything. :func:`explain_open_failure` looks at the data dir itself
(cheap, read-only probes) and names the file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from tui.adapters.data_dir import CHOOSE_ANOTHER, MOVE_OR_CHOOSE, permission_hint
from tui.adapters.disk_space import disk_full_error, is_disk_full
from tui.domain.errors import MindpaneError, StoreError

REPAIR = "mindpane doctor --repair"
LOG_FILE = "mindpane.log"

RECORD = "entries.db"
HISTORY = "history.db"
CHROMA_DB = "chroma/chroma.sqlite3"
KNOWN_DATABASES = (RECORD, HISTORY, CHROMA_DB)
"""The SQLite files of a data dir, in the order they are probed: the record first (it holds the
entries), then mem0's change history, then Chroma's (the search index)."""
_NO_ACCESS = ("permission denied", "readonly database", "read-only file system", "unable to open database file")


def explain_open_failure(exc: Exception, data_dir: Path) -> StoreError:
    """A ``StoreError`` for ``exc`` (raised while opening the store in ``data_dir``) that names the
    file at fault and what to do. Errors that already say so (``StoreLocked``, ``DiskFull``…) are
    returned as they are. Reads the data dir, never writes to it; never raises."""
    if isinstance(exc, StoreError) and type(exc) is not StoreError:
        return exc
    try:
        return _diagnose(exc, Path(data_dir))
    except Exception:  # a diagnosis must never hide the original failure
        return _fallback(exc, Path(data_dir))


def _diagnose(exc: Exception, data_dir: Path) -> StoreError:
    chain = list(_chain(exc))
    if data_dir.exists() and not data_dir.is_dir():
        return StoreError(f"The data directory {data_dir} is a file, not a directory", MOVE_OR_CHOOSE)
    settings_error = _chroma_settings_error(chain)
    if settings_error is not None:
        return settings_error
    if is_disk_full(exc, data_dir):
        return disk_full_error(data_dir)
    blocked = _first_inaccessible(data_dir, chain)
    if blocked is not None:
        return StoreError(f"The memory store in {data_dir} could not be opened: permission denied on {blocked}",
                          permission_hint(blocked, data_dir))
    for name in KNOWN_DATABASES:
        problem = sqlite_problem(data_dir / name)
        if problem is not None:
            return _damaged(data_dir, name, problem)
    for path in _other_databases(data_dir):
        problem = sqlite_problem(path)
        if problem is not None:
            return StoreError(f"{path} is damaged ({problem})", f"move it aside, then run `{REPAIR}`")
    return _fallback(exc, data_dir)


def _damaged(data_dir: Path, name: str, problem: str) -> StoreError:
    """The damaged file named, with what it holds and the step that recovers the most."""
    path = data_dir / name
    record = data_dir / RECORD
    entries_safe = name != RECORD and record.is_file() and sqlite_problem(record) is None
    if name == RECORD:
        return StoreError(f"{path} is damaged ({problem}); it holds your entries",
                          f"run `mindpane doctor`; `{REPAIR}` moves it aside and rebuilds what it can "
                          "from the search index — keep the moved copy")
    if name == HISTORY:
        holds = f"your entries are safe in {record}" if entries_safe else "your entries are not in it"
        return StoreError(f"{path} is damaged ({problem}); it holds only the change history, {holds}",
                          f"move it aside ({REPAIR} does this and rebuilds it)")
    if entries_safe:  # Chroma's database: the search index over the record
        return StoreError(f"{path} is damaged ({problem}); it is only the search index, your entries are "
                          f"safe in {record}",
                          f"move {path.parent} aside ({REPAIR} does this and rebuilds it)")
    return StoreError(f"{path} is damaged ({problem})",
                      f"restore {path.parent} from a backup if you have one; otherwise move it aside "
                      f"({REPAIR} does this and rebuilds it) — keep the moved copy")


def sqlite_problem(path: Path) -> str | None:
    """What is wrong with the SQLite file at ``path``, or None if it reads fine (or is absent).

    Read-only and immutable: no lock is taken, no ``-wal``/``-shm`` file is made, nothing is changed.
    ``quick_check`` reads every page once (O(size), well under a second for a large journal), which
    is fine on this path: the store has already failed to open.
    """
    if not path.is_file():
        return None
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.Error as error:
        return str(error) or type(error).__name__
    return None if verdict == "ok" else f"integrity check: {verdict}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _text(exc: BaseException) -> str:
    return str(exc).casefold()


def _first_inaccessible(data_dir: Path, chain: list[BaseException]) -> Path | None:
    """The path a permission problem is about: the one the OS named, else the first path in the
    data dir (or the data dir itself) this user cannot read and write."""
    if not any(isinstance(link, PermissionError) or any(m in _text(link) for m in _NO_ACCESS) for link in chain):
        return None
    for link in chain:
        if isinstance(link, PermissionError) and link.filename:
            return Path(os.fsdecode(link.filename))
    for path in _walk(data_dir):
        wanted = os.R_OK | os.W_OK | (os.X_OK if path.is_dir() else 0)
        if not os.access(path, wanted):
            return path
    if not data_dir.exists():  # it cannot be made: the nearest existing parent is not writable
        parent = next((p for p in data_dir.parents if p.exists()), None)
        if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
            return parent
    return None


def _walk(data_dir: Path) -> Iterator[Path]:
    if not data_dir.is_dir():
        return
    yield data_dir
    for root, dirs, files in os.walk(data_dir):
        dirs.sort()
        for name in sorted(files):
            yield Path(root, name)
        for name in dirs:
            yield Path(root, name)


def _other_databases(data_dir: Path) -> list[Path]:
    """SQLite files the list above does not know (a later version's), directly in the data dir."""
    known = {data_dir / name for name in KNOWN_DATABASES}
    found = []
    for pattern in ("*.db", "*.sqlite3"):
        found.extend(path for path in sorted(data_dir.glob(pattern)) if path not in known)
    return found


def _chroma_settings_error(chain: list[BaseException]) -> StoreError | None:
    """Chroma builds default settings at import from ``.env`` in the current directory (and CHROMA_*
    variables, which mindpane removes): a malformed value there makes ``import chromadb`` fail."""
    for link in chain:
        if type(link).__name__ == "ValidationError" and "Settings" in str(link).splitlines()[0]:
            fields = ", ".join(str(err.get("loc", ("?",))[0]) for err in getattr(link, "errors", list)())
            dotenv = Path.cwd() / ".env"
            where = f"{dotenv} sets" if dotenv.is_file() else "CHROMA_* variables set"
            return StoreError(
                f"Chroma could not start: {where} Chroma options it cannot read ({fields or 'see the log'})",
                "mindpane does not use these settings; start mindpane from another directory, or fix or "
                "remove those lines")
    return None


def _fallback(exc: BaseException, data_dir: Path) -> StoreError:
    """No file to blame: the library's first line, and the log only if there is one to read."""
    if isinstance(exc, MindpaneError):
        message, hint = exc.message, exc.hint
    else:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        message, hint = f"The memory store in {data_dir} could not be opened: {reason}", ""
    log = data_dir / LOG_FILE
    has_log = log.is_file() and log.stat().st_size > 0
    if LOG_FILE in hint and not has_log:
        hint = ""
    hint = hint or f"run `mindpane doctor` to see what is wrong, {CHOOSE_ANOTHER}"
    if has_log and LOG_FILE not in hint:
        hint = f"{hint}; details are in {log}"
    return StoreError(message, hint)
