"""``mindpane doctor --repair`` on a locked journal (#20): only with its data key, and never a plain copy.

A damaged encrypted record is renamed aside (``entries.locked.corrupt-<stamp>``: the same
encrypted bytes, never decrypted to disk); what its intact pages hold (every page whose SQLCipher
authentication code holds) is read back in memory and written to a new encrypted record. The
index lives in memory, so there is no Chroma and no mem0 history to rebuild or move: opening the
journal makes its tables again, and writes the marker ``entries.db`` if it was gone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from tui.adapters.locked_layout import record_path
from tui.domain.errors import MindpaneError
from tui.services.doctor_checks import REPAIR, Check, first_line, sqlite_problem
from tui.services.settings import Settings

__all__ = ["NEEDS_PASSPHRASE", "move_damaged_record_aside", "rebuild_locked", "record_path"]

NEEDS_PASSPHRASE = Check(False, "repairing a locked journal needs its passphrase: nothing was changed",
                         f"run `{REPAIR}` on a terminal, or set passphrase_command")


def move_damaged_record_aside(data_dir: Path, key: bytes, stamp: str) -> tuple[list[Check], dict[Path, Path]]:
    """The encrypted record renamed aside when its pages or its tables fail their checks."""
    from tui.services.doctor_repair import move_aside

    record = record_path(data_dir, locked=True)
    problem = sqlite_problem(record, key) if record.is_file() else None
    if problem is None:
        return [Check(True, "no damaged file to move aside")], {}
    target = move_aside(record, stamp)
    return [Check(True, f"moved {record} aside to {target} (still encrypted)")], {record: target}


def rebuild_locked(settings: Settings, key: bytes, err: TextIO) -> list[Check]:
    """Open the journal with its key: the index is made again in memory from the record."""
    from tui.services.doctor_repair import ProgressBar
    from tui.services.engine import open_store

    try:
        journal = open_store(settings, key=key)
    except MindpaneError as error:
        return [Check(False, f"the journal did not open: {error.message}", error.hint or f"run `{REPAIR}` again")]
    try:
        modes = sorted(journal.record.modes())
        for mode in modes:
            journal.index.sync(mode, progress=ProgressBar(err, f"indexing {mode}"))
        counts = ", ".join(f"{mode} {journal.record.count(mode)}" for mode in modes) or "no entries"
        return [Check(True, f"journal opened with its key; its index (in memory) holds {counts}")]
    except Exception as exc:
        return [Check(False, f"rebuilding failed: {first_line(exc)}", f"run `mindpane doctor`, then `{REPAIR}` again")]
    finally:
        journal.close()
