"""``mindpane doctor --repair``: move damaged files aside (never delete them), then rebuild.

Under the store lock (refused if another mindpane holds it): make the data dir private, and
rename each damaged file to ``<name>.corrupt-YYYYmmdd-HHMMSS`` (its ``-wal``/``-shm``/``-journal``
become ``<that>-wal`` etc., so SQLite can still open the moved copy). Then open the store, which
rebuilds what is missing from what is left:

- ``chroma/`` damaged → moved aside; every entry is re-embedded from ``entries.db`` (with a progress
  bar on stderr);
- ``entries.db`` damaged → moved aside; every entry, change, pin and outbox turn whose bytes are still
  readable is read back from the moved copy into a new record (``repair_salvage``), which then adopts
  from Chroma what is still missing (id, dates, text, reply, metadata); entries in neither are
  reported as lost, with their dates;
- ``history.db`` damaged → moved aside; mem0's history gets an ADD row per entry (with its date) and
  an UPDATE row per edit in the change log.

Finally the checks run again and are printed; the exit status is theirs.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui.domain.errors import MindpaneError, StoreLocked
from tui.domain.records import Change
from tui.services.doctor import diagnose, embedder_name, print_checks
from tui.services.doctor_checks import (
    CHROMA_DIR,
    CHROMA_FILE,
    HISTORY_FILE,
    REPAIR,
    Check,
    ProbeUnavailable,
    check_data_dir,
    check_owner,
    chroma_counts,
    first_line,
    history_ids,
    read_record,
    sqlite_problem,
)
from tui.services.doctor_lock import lock_state
from tui.services.repair_locked import NEEDS_PASSPHRASE, move_damaged_record_aside, rebuild_locked, record_path
from tui.services.repair_salvage import RecordSalvage, salvage_record
from tui.services.settings import Settings

if TYPE_CHECKING:
    from tui.services.journal import Journal

BAR_WIDTH = 20


def run_repair(settings: Settings, out: TextIO, err: TextIO, now: Callable[[], datetime] = datetime.now,
               key: bytes | None = None, unlock_failure: Check | None = None) -> int:
    """``key``: a locked journal's data key; without it a locked journal is left as it is."""
    from tui.adapters.locked_layout import is_locked

    data_dir = settings.data_dir
    if not data_dir.is_dir():
        return print_checks([check_data_dir(data_dir)], out)
    if key is None and is_locked(data_dir):
        from tui.services.doctor_locked import check_key_file

        key_file = check_key_file(data_dir)
        return print_checks([*filter(None, [unlock_failure]), *([] if key_file.ok else [key_file]),
                             NEEDS_PASSPHRASE], out)
    from tui.adapters.data_dir import secure_data_dir
    from tui.adapters.store_lock import StoreLock

    foreign = check_owner(data_dir)
    if foreign is not None:  # nothing is changed in another user's dir, nor through it
        return print_checks([foreign], out)

    lock = StoreLock(data_dir)
    try:
        lock.acquire()
    except StoreLocked:
        pid = lock_state(data_dir).pid
        who = f"pid {pid}" if pid else "another process"
        return print_checks([Check(False, f"another mindpane ({who}) is using {data_dir}: nothing was changed",
                                   f"quit it (ctrl+q), then run `{REPAIR}` again")], out)
    except MindpaneError as error:  # the lock file is a directory, a link…
        return print_checks([Check(False, f"{error.message}: nothing was changed",
                                   f"{error.hint}, then run `{REPAIR}` again")], out)
    salvage: RecordSalvage | None = None
    try:
        secured = secure_data_dir(data_dir)
        notice = secured.notice()
        steps = [Check(not secured.untouched, notice, f"chmod -R u+rwX,go-rwx {shlex.quote(str(data_dir))}")] \
            if notice else []
        stamp = now().strftime("%Y%m%d-%H%M%S")
        moved_steps, moved_paths = (move_damaged_aside(settings, stamp) if key is None
                                    else move_damaged_record_aside(data_dir, key, stamp))
        steps += moved_steps
        record = record_path(data_dir, key is not None)
        if record in moved_paths:  # before the store opens and makes an empty record there
            salvage = salvage_record(moved_paths[record], record, key)
            steps += salvage.read_back()
    finally:
        lock.release()  # the store takes it again as it opens
    moved = print_checks(steps, out)
    rebuilt = print_checks(rebuild(settings, err) if key is None else rebuild_locked(settings, key, err), out)
    lost = print_checks(salvage.losses(settings, key), out) if salvage else 0
    out.write("after repair:\n")
    return print_checks(diagnose(settings, key=key), out) or moved or rebuilt or lost


# -- moving damaged files aside --------------------------------------------------------------------

def move_damaged_aside(settings: Settings, stamp: str) -> tuple[list[Check], dict[Path, Path]]:
    """Rename each damaged file aside; returns the report and where each went."""
    data_dir = settings.data_dir
    record = read_record(data_dir)
    damaged: list[Path] = []
    if record.exists and record.problem:
        damaged.append(record.path)
    history = data_dir / HISTORY_FILE
    if history.is_file() and _history_damaged(history):
        damaged.append(history)
    chroma = data_dir / CHROMA_DIR
    if chroma.exists() and _chroma_damaged(settings):
        damaged.append(chroma)
    if not damaged:
        return [Check(True, "no damaged file to move aside")], {}
    steps = []
    for path in [path for path in damaged if not os.access(path, os.R_OK)]:  # not damaged: out of reach
        damaged.remove(path)
        steps.append(Check(False, f"{path} is not readable by you, so it was left in place",
                           f"chmod -R u+rwX,go-rwx {shlex.quote(str(data_dir))}, then run `{REPAIR}` again"))
    moved = {path: move_aside(path, stamp) for path in damaged}
    steps += [Check(True, f"moved {path} aside to {target}") for path, target in moved.items()]
    return steps, moved


def _history_damaged(path: Path) -> bool:
    if sqlite_problem(path):
        return True
    try:
        return history_ids(path) is None
    except Exception:
        return True


def _chroma_damaged(settings: Settings) -> bool:
    chroma_file = settings.data_dir / CHROMA_DIR / CHROMA_FILE
    if not chroma_file.is_file() or sqlite_problem(chroma_file):
        return True
    name, _ = embedder_name(settings)
    if name is None:
        return False
    try:
        chroma_counts(settings.data_dir / CHROMA_DIR, name, settings.data_dir)
    except ProbeUnavailable:  # says nothing about the index: leave it where it is
        return False
    except Exception:  # Chroma raises many untyped errors on a damaged index
        return True
    return False


def move_aside(path: Path, stamp: str) -> Path:
    """Rename ``path`` (a file or a dir) to ``<name>.corrupt-<stamp>``; a SQLite file's ``-wal``,
    ``-shm`` and ``-journal`` follow it under the new name. Never overwrites."""
    target, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while target.exists():
        target, n = path.with_name(f"{path.name}.corrupt-{stamp}-{n}"), n + 1
    os.rename(path, target)
    for suffix in ("-wal", "-shm", "-journal"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            os.rename(sidecar, target.with_name(target.name + suffix))
    return target


# -- rebuilding --------------------------------------------------------------------------------------

def rebuild(settings: Settings, err: TextIO) -> list[Check]:
    """Open the store (it adopts from Chroma into a fresh record, re-indexes what Chroma lacks), make
    each mode's collection hold exactly the record's entries, and refill mem0's history."""
    try:
        store = _open_reporting_progress(settings, err)
    except MindpaneError as error:
        return [Check(False, f"the store did not open: {error.message}", error.hint or f"run `{REPAIR}` again")]
    try:
        modes = sorted(store.record.modes())  # opening healed the rest: modes with a collection but no entry
        for mode in modes:
            store.index.sync(mode, progress=ProgressBar(err, f"re-embedding {mode}"))
        histories = store.index.rebuild_history(_edits_by_entry(store.record))
        counts = ", ".join(f"{mode} {store.record.count(mode)}" for mode in modes) or "no entries"
        steps = [Check(True, f"store opened; its index is in step with entries.db ({counts})")]
        if histories:
            steps.append(Check(True, f"history of {histories} entries rebuilt in {settings.data_dir / HISTORY_FILE}"))
        return steps
    except Exception as exc:
        return [Check(False, f"rebuilding failed: {first_line(exc)}", f"run `mindpane doctor`, then `{REPAIR}` again")]
    finally:
        store.close()


def _open_reporting_progress(settings: Settings, err: TextIO) -> Journal:
    """The journal, whose index draws a progress bar whenever it re-embeds a mode while healing."""
    from tui.adapters.chroma_index import ChromaIndex
    from tui.services.engine import embedder_factory, open_journal

    class ReportingIndex(ChromaIndex):
        def sync(self, mode_name: str, stale: set[str] = frozenset(),
                 progress: Callable[[int, int], None] | None = None) -> int:
            return super().sync(mode_name, stale, progress or ProgressBar(err, f"re-embedding {mode_name}"))

    return open_journal(settings.data_dir, embedder_factory(settings), ollama_host=settings.ollama_host,
                        open_index=ReportingIndex.open)


class ProgressBar:
    """``re-embedding journal ███████░░░░░░░░░░░░░ 120/400`` on ``err``: redrawn in place on a terminal,
    printed once when done otherwise."""

    def __init__(self, err: TextIO, title: str) -> None:
        self.err = err
        self.title = title
        self.live = bool(getattr(err, "isatty", lambda: False)())

    def __call__(self, done: int, total: int) -> None:
        filled = BAR_WIDTH if not total else round(BAR_WIDTH * done / total)
        line = f"{self.title} {'█' * filled}{'░' * (BAR_WIDTH - filled)} {done}/{total}"
        if self.live:
            self.err.write("\r" + line + ("\n" if done >= total else ""))
        elif done >= total:
            self.err.write(line + "\n")
        self.err.flush()


# -- mem0's history, from the canonical record -----------------------------------------------------

def _edits_by_entry(records: Any) -> dict[str, list[Change]]:
    edits: dict[str, list[Change]] = {}
    offset = 0
    while page := records.changes(offset, 1000):
        for change in page:
            if change.kind == "edit" and change.before is not None and change.after is not None:
                edits.setdefault(change.entry_id, []).append(change)
        offset += len(page)
    for changes in edits.values():
        changes.sort(key=lambda change: change.seq)
    return edits
