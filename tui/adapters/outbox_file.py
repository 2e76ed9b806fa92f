"""Opens the canonical record for the outbox, with errors a person can act on.

Kept apart from the store so sending a turn needs only ``sqlite3``: the text is on the disk
before mem0, Chroma or the embedder have loaded.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.adapters.data_dir import prepare_data_dir
from tui.adapters.disk_space import disk_full_error, is_disk_full
from tui.adapters.record_db import FILE_NAME, RecordDB
from tui.domain.errors import StoreError


def open_record(data_dir: Path) -> RecordDB:
    prepare_data_dir(data_dir)
    path = data_dir / FILE_NAME
    try:
        return RecordDB(path)
    except sqlite3.Error as exc:
        raise record_error(exc, path) from exc


def record_error(exc: BaseException, path: Path) -> StoreError:
    """What went wrong with ``entries.db``, naming the file and the next step."""
    if is_disk_full(exc, path.parent):
        return disk_full_error(path.parent)
    return StoreError(f"{path} could not be opened: {exc}",
                      "run `mindpane doctor`; if it says the file is damaged, `mindpane doctor --repair` "
                      "moves it aside and rebuilds it")
