"""Entries out of mindpane: lossless JSON, Markdown to read, or jrnl's JSON.

The entries stream from the record oldest first, a page at a time, and each is written as it
comes: exporting 100k entries holds one page in memory, never the whole journal.

- ``json``: ``{"mindpane_export": 1, "entries": [...]}``, one entry per line with its id, mode,
  text, reply, ``created_at``/``updated_at`` (ISO 8601, local time with its offset), ``model`` (or
  null), the rest of its ``metadata`` (``kind: "question"`` for a question to the journal,
  ``reply_wrong: true`` for a reply marked wrong) and, for a pinned entry only, ``"pinned": true``.
  ``mindpane import`` reads it back exactly. Always strict JSON: a NaN or Infinity an older
  mindpane let into the metadata is written as the string "NaN", "Infinity" or "-Infinity".
- ``md``: a ``## YYYY-MM-DD`` section per local day, an entry per ``###`` heading (local time and
  mode; "question to the journal" for one), its text, then its reply as a blockquote ("marked
  wrong" when it was). The text is rendered literally, the reply as the Markdown it is, with
  nothing left that could act on a viewer (``export_markdown``).
- ``jrnl``: jrnl's JSON export (``title``, ``body``, ``date``, ``time``, ``tags``, ``starred``); the
  reply goes at the end of the body after a ``--- reply ---`` line (see ``jrnl_format``).

``export_to_file`` is how ``mindpane export -o`` and the app's export both write a file.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol, TextIO

from tui.domain.modes import Mode
from tui.domain.records import MemoryRecord
from tui.services import jrnl_format

FORMATS = ("json", "md", "jrnl")
EXPORT_VERSION = 1
PAGE = 500

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_C1 = re.compile("[\x7f-\x9f]")
"""Characters ``json.dumps(ensure_ascii=False)`` leaves raw that a terminal acts on (8-bit CSI…)."""


class EntrySource(Protocol):
    """Where entries stream from: the record (``RecordDB``) or the journal's record."""

    def iter_entries(self, mode_name: str | None = None, since: datetime | None = None,
                     until: datetime | None = None, batch: int = 500) -> Iterator[MemoryRecord]: ...

    def pinned_ids(self, mode_name: str | None = None) -> set[str]: ...


class NoEntries:
    """The source of a data dir that holds nothing yet (so exporting it creates nothing)."""

    def iter_entries(self, mode_name: str | None = None, since: datetime | None = None,
                     until: datetime | None = None, batch: int = 500) -> Iterator[MemoryRecord]:
        return iter(())

    def pinned_ids(self, mode_name: str | None = None) -> set[str]:
        return set()


def parse_bound(value: str, *, end: bool) -> datetime:
    """``--since``/``--until`` as a bound: a day ``YYYY-MM-DD`` is the whole local day, an ISO 8601
    moment is exact (local when it has no offset); both inclusive. Returned as ``since``
    (inclusive) or, with ``end``, as an exclusive upper bound. Raises ``ValueError`` saying why."""
    text = value.strip()
    if _DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD)") from None
        if end:
            day += timedelta(days=1)
        return datetime(day.year, day.month, day.day).astimezone()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD or an ISO 8601 time like "
                         "2026-11-20T09:30 or 2026-11-20T09:30:00+01:00") from None
    moment = moment if moment.tzinfo else moment.astimezone()
    return moment + timedelta(microseconds=1) if end else moment


def export_entries(source: EntrySource, out: TextIO, fmt: str = "json", mode: str | None = None,
                   since: datetime | None = None, until: datetime | None = None,
                   modes: Mapping[str, Mode] | None = None, page: int = PAGE) -> int:
    """Write the entries (of ``mode``, created in [``since``, ``until``)) to ``out`` in ``fmt``,
    oldest first, as they stream from ``source``. Returns how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: one of {', '.join(FORMATS)}")
    if fmt == "json":
        pinned = source.pinned_ids(mode)  # read before the entries stream: a handful of ids
        return _write_json(source.iter_entries(mode, since, until, page), out, pinned)
    from tui.services.export_markdown import write_markdown

    writers: dict[str, Callable[[Iterator[MemoryRecord], TextIO, str | None, Mapping[str, Mode]], int]] = {
        "md": write_markdown, "jrnl": _write_jrnl}
    return writers[fmt](source.iter_entries(mode, since, until, page), out, mode, modes or {})


def export_to_file(path: Path, write: Callable[[TextIO], int], replace: bool = False) -> int:
    """Write an export to ``path`` with ``write`` (``export_entries`` bound to a source), the one way
    the command line and the app both write one: into a new owner-only file beside ``path``
    (``O_EXCL``), flushed to the disk, then moved into place. A failure or a crash leaves no half
    file, and without ``replace`` no file already at ``path`` is ever overwritten (the move is a hard
    link, which refuses a name that appeared meanwhile). Blocking: a worker's or the command's job.
    Raises ``FileExistsError`` when ``path`` exists (without ``replace``), ``OSError`` for the disk,
    and whatever ``write`` raises; nothing is left behind. Returns what ``write`` returns."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(handle, "w", encoding="utf-8", newline="\n") as stream:
            count = write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        _move_into_place(partial, path, replace)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def _move_into_place(partial: Path, path: Path, replace: bool) -> None:
    if replace:
        os.replace(partial, path)
        return
    try:
        os.link(partial, path)  # never replaces: FileExistsError when path is there
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename
        if path.exists() or path.is_symlink():
            raise FileExistsError(path) from None
        os.replace(partial, path)
    else:
        partial.unlink()


# -- json ----------------------------------------------------------------------------------------


def entry_json(record: MemoryRecord, pinned: bool = False) -> dict:
    """One entry of mindpane's own export: everything needed to bring it back exactly (``pinned``
    only when it is, so an export without pins reads as it always did)."""
    metadata = {key: _finite(value) for key, value in record.metadata.items()}
    model = metadata.pop("model", None)
    entry = {"id": record.id, "mode": record.mode, "text": record.text, "reply": record.reply,
             "created_at": record.created_at.astimezone().isoformat(),
             "updated_at": record.updated_at.astimezone().isoformat(),
             "model": model, "metadata": dict(sorted(metadata.items()))}
    return {**entry, "pinned": True} if pinned else entry


def _finite(value: object) -> object:
    """NaN and ±Infinity as the words JSON has no number for ("NaN", "Infinity", "-Infinity"): an
    older mindpane let them into the record, and a bare ``NaN`` is not JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return value


def _dumps(value: object, indent: int | None = None) -> str:
    """JSON as UTF-8 text, with no character a terminal would act on left raw."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)
    return _C1.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _write_json(records: Iterator[MemoryRecord], out: TextIO, pinned: set[str]) -> int:
    out.write(f'{{"mindpane_export": {EXPORT_VERSION}, "entries": [')
    count = 0
    for record in records:
        out.write(("\n  " if count == 0 else ",\n  ") + _dumps(entry_json(record, record.id in pinned)))
        count += 1
    out.write("\n]}\n" if count else "]}\n")
    return count


# -- jrnl ----------------------------------------------------------------------------------------


def _write_jrnl(records: Iterator[MemoryRecord], out: TextIO, mode: str | None, modes: Mapping[str, Mode]) -> int:
    """jrnl's shape; its ``tags`` (entries per tag) come after the entries, counted as they pass."""
    out.write('{\n  "entries": [')
    count, tag_counts = 0, {}
    for record in records:
        entry = jrnl_format.entry_dict(record)
        for tag in entry["tags"]:
            tag_counts[tag] = tag_counts.get(tag, 0) + 1
        body = _dumps(entry, indent=2).replace("\n", "\n    ")
        out.write(("\n    " if count == 0 else ",\n    ") + body)
        count += 1
    ordered = dict(sorted(tag_counts.items(), key=lambda item: (item[1], item[0])))
    out.write(("\n  ],\n" if count else "],\n") + f'  "tags": {_dumps(ordered)}\n}}\n')
    return count
