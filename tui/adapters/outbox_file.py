"""Opens the canonical record for the outbox, with errors a person can act on.

Kept apart from the store so sending a turn needs only ``sqlite3``: the text is on the disk
before mem0, Chroma or the embedder have loaded.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.adapters.data_dir import prepare_data_dir
from tui.adapters.disk_space import disk_full_error, is_disk_full
from tui.adapters.record_db import RecordDB
from tui.domain.errors import JournalLocked, StoreError


def open_record(data_dir: Path, key: bytes | None = None) -> RecordDB:
    """The record (``key``: a locked journal's data key, its encrypted record). A locked journal
    opened without its key is refused as ``JournalLocked``, never taken for a damaged record."""
    from tui.adapters.locked_layout import is_locked, record_path
    from tui.adapters.store_switch import settle_interrupted_switch

    prepare_data_dir(data_dir)
    settle_interrupted_switch(data_dir)  # a `mindpane lock` a kill stopped: finished or undone first
    if key is None and is_locked(data_dir):
        raise locked_error(data_dir)
    path = record_path(data_dir, key is not None)
    try:
        return RecordDB(path, key=key)
    except sqlite3.Error as exc:
        raise record_error(exc, path) from exc


def locked_error(data_dir: Path) -> JournalLocked:
    return JournalLocked(f"The journal in {data_dir} is locked", "unlock it with its passphrase")


def record_error(exc: BaseException, path: Path) -> StoreError:
    """What went wrong with ``entries.db``, naming the file and the next step."""
    if is_disk_full(exc, path.parent):
        return disk_full_error(path.parent)
    return StoreError(f"{path} could not be opened: {exc}",
                      "run `mindpane doctor`; if it says the file is damaged, `mindpane doctor --repair` "
                      "moves it aside and rebuilds it")
