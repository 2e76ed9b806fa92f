"""What an imported entry must be before anything is written: everything the record (SQLite, UTF-8)
and the index (Chroma) will be asked to keep is checked here, so a bad entry is named while the
file is checked — never found half-way through storing it.

- Text (the entry, its reply, its model, its id, metadata keys and values) must be valid Unicode:
  JSON's ``\\ud83d`` escapes can make a lone surrogate, which no UTF-8 file can hold.
- Dates must convert to UTC and to any local time: from 0001-01-02 to 9999-12-30 (UTC).
- Metadata must be what the index keeps (``tui.domain.index_metadata``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tui.domain.errors import MindpaneError
from tui.domain.index_metadata import lone_surrogate, metadata_problem
from tui.text import one_line

EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
"""A day short of what ``datetime`` holds at each end, so that every time zone can show the date."""


class ImportRefused(MindpaneError):
    """The file cannot be imported as it is; nothing was written."""


class BadEntry(Exception):
    """An entry that cannot be imported as it is (the message says which field, and why)."""


def checked_text(value: str, field: str) -> str:
    surrogate = lone_surrogate(value)
    if surrogate is not None:
        raise BadEntry(f'"{field}" holds a lone surrogate ({surrogate}), which is not valid Unicode')
    return value


def checked_moment(moment: datetime, field: str, raw: Any) -> datetime:
    """``moment`` with a time zone (local when it has none), or :class:`BadEntry` when it is out of range."""
    try:
        aware = moment if moment.tzinfo else moment.astimezone()
        inside = EARLIEST <= aware.astimezone(UTC) <= LATEST
    except (OverflowError, ValueError):
        inside = False
    if not inside:
        raise BadEntry(f'"{field}" is out of range: {one_line(str(raw), 40)!r} (mindpane keeps dates from '
                       f"{EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}, UTC)")
    return aware


def check_metadata(metadata: dict) -> None:
    problem = metadata_problem(metadata)
    if problem is not None:
        raise BadEntry(problem)
