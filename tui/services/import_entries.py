"""Entries into mindpane: from its own JSON export, jrnl's JSON export, or a jrnl text journal.

An import reads the file once, into memory, checking that nothing wrote to it meanwhile
(``import_snapshot``); then it goes over that copy twice, decoding and parsing an entry at a time
(the entries of a 100k-entry file are never all held at once):

1. :func:`scan` checks every entry the way the record and the index will take it
   (``import_checks``) and, for a dry run, counts which are already there. A malformed entry, a
   line that is not valid JSON, an unknown mode: the import is refused, naming where, and nothing
   is written — unless ``skip_bad``, which sets the bad entries aside (a break in the JSON ends
   the file there: the entries before it are kept).
2. :func:`apply` reads the same copy again and stores the new entries through the store's batched
   ``import_entries`` (embedding a batch at a time), all under one ``import_id`` in the change log.

Original dates are kept (local time when the file has none). Nothing is imported twice: an entry
whose content key (mode + moment + text, ``records.content_key``) an entry already has is
skipped, and so is one of our own export whose id is already in use in that mode. Our own export
keeps its ids when they are free, so exporting, importing into an empty data dir and exporting
again gives the same bytes.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from tui.domain.entry_kind import ENTRY, KIND_KEY, KINDS, QUESTION
from tui.domain.errors import MindpaneError
from tui.domain.flags import REPLY_WRONG_KEY
from tui.domain.modes import Mode
from tui.domain.records import ImportedEntry, content_key
from tui.services import jrnl_format
from tui.services.export import EXPORT_VERSION
from tui.services.import_checks import BadEntry, ImportRefused, check_metadata, checked_moment, checked_text
from tui.services.import_json import Broken, JsonReader
from tui.services.import_snapshot import read_snapshot
from tui.text import one_line

if TYPE_CHECKING:
    from tui.services.journal import Journal

FORMATS = ("auto", "json", "jrnl", "jrnl-txt")
DEFAULT_MODE = "journal"
WINDOW = 4096
"""Entries checked for duplicates (and then stored) together: each mode's share is one call of the
store's pipelined ``import_entries``, which overlaps a batch's embedding with the last one's writes."""
WINDOW_BYTES = 8 << 20
"""…or fewer, when their text adds up to this much (a file of very long entries stays in bounds)."""
EMBED_BATCH = 256


class ImportStopped(MindpaneError):
    """The store failed part way; ``imported`` entries were stored before it stopped."""

    def __init__(self, message: str, hint: str, imported: int) -> None:
        super().__init__(message, hint)
        self.imported = imported


class KnownEntries(Protocol):
    """What an import asks the record: which entries are already there."""

    def known_keys(self, keys: Sequence[str]) -> set[str]: ...

    def entry_modes(self, ids: Sequence[str]) -> dict[str, str | None]: ...


class NothingKnown:
    """The answer of a data dir that holds nothing yet."""

    def known_keys(self, keys: Sequence[str]) -> set[str]:
        return set()

    def entry_modes(self, ids: Sequence[str]) -> dict[str, str | None]:
        return {}


@dataclass(frozen=True)
class Item:
    """One entry read from the file, or (``problem`` set) a part of it that is not a good entry.
    ``fatal``: the reader cannot go past it (broken JSON), so the rest of the file is lost."""

    where: str
    entry: ImportedEntry | None = None
    mode: str | None = None
    problem: str | None = None
    fatal: bool = False

    @property
    def described(self) -> str:
        rest = "; the rest of the file was not read" if self.fatal else ""
        return f"{self.where}: {self.problem}{rest}"


@dataclass
class Plan:
    """What :func:`scan` found, for :func:`apply` (or a dry run's report)."""

    path: Path
    fmt: str
    mode: str | None
    modes: Mapping[str, Mode]
    data: bytes = field(repr=False, default=b"")
    """The file as it was read once (``import_snapshot``): both passes read these bytes."""
    per_mode: dict[str, int] = field(default_factory=dict)
    fresh: dict[str, int] = field(default_factory=dict)
    """Per mode, the entries not there yet (counted only when scanned with ``known``)."""
    duplicates: int = 0
    problems: list[Item] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.per_mode.values())


@dataclass(frozen=True)
class ImportReport:
    imported: dict[str, int]
    duplicates: int
    problems: list[Item]
    dry_run: bool = False
    import_id: str | None = None

    @property
    def total(self) -> int:
        return sum(self.imported.values())


# -- the two passes ------------------------------------------------------------------------------


def scan(path: Path, modes: Mapping[str, Mode], fmt: str = "auto", mode: str | None = None,
         skip_bad: bool = False, known: KnownEntries | None = None) -> Plan:
    """Read and check the whole file; with ``known`` also count what is already there (a dry run).
    Raises :class:`ImportRefused` on the first problem, unless ``skip_bad``."""
    if fmt not in FORMATS:
        raise ImportRefused(f"unknown format {fmt!r}", f"use one of {', '.join(FORMATS)}")
    if mode is not None and mode not in modes:
        raise ImportRefused(f"unknown mode {mode!r}", f"known modes: {', '.join(modes)}")
    path = Path(path)
    data = read_snapshot(path)
    plan = Plan(path, _format_of(path, data) if fmt == "auto" else _FLAVOURS[fmt], mode, modes, data)
    unknown: dict[str, list] = {}
    dedupe = _Dedupe(known) if known is not None else None
    window: list[tuple[str, ImportedEntry]] = []
    for item in _items(plan):
        if item.problem is not None:
            if not skip_bad:
                raise ImportRefused(item.described, "nothing was imported; --skip-bad imports the other entries")
            plan.problems.append(item)
            continue
        name = _mode_name(item, plan)
        if name not in modes:
            if skip_bad:
                plan.problems.append(Item(item.where, problem=f"unknown mode {_quoted(name)} (known modes: "
                                                              f"{', '.join(modes)}; --mode imports into one)"))
                continue
            seen = unknown.setdefault(name, [0, item.where])
            seen[0] += 1
            continue
        plan.per_mode[name] = plan.per_mode.get(name, 0) + 1
        if dedupe is not None:
            window.append((name, item.entry))
            if len(window) >= WINDOW:
                _count_fresh(plan, dedupe, window)
    if dedupe is not None and window:
        _count_fresh(plan, dedupe, window)
    if unknown:
        named = ", ".join(f"{_quoted(name)} ({count} {_entries(count)}, first at {where})"
                          for name, (count, where) in unknown.items())
        raise ImportRefused(f"unknown mode {named}",
                            f"known modes: {', '.join(modes)}; pass --mode to import them into one of these")
    return plan


def _count_fresh(plan: Plan, dedupe: _Dedupe, window: list[tuple[str, ImportedEntry]]) -> None:
    for (name, _), entry in zip(window, dedupe.sift(window), strict=True):
        if entry is None:
            plan.duplicates += 1
        else:
            plan.fresh[name] = plan.fresh.get(name, 0) + 1
    window.clear()


def dry_run_report(plan: Plan) -> ImportReport:
    """What importing a plan scanned with ``known`` would do."""
    would = {name: count for name in plan.modes if (count := plan.fresh.get(name, 0))}
    return ImportReport(would, plan.duplicates, plan.problems, dry_run=True)


def apply(plan: Plan, store: Journal, progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Store the plan's new entries (a second read of the same copy of the file), in batches, as one import."""
    import_id = str(uuid.uuid4())
    dedupe = _Dedupe(store.record)
    imported: dict[str, int] = {}
    state = {"done": 0, "duplicates": 0, "in_call": 0}
    window: list[tuple[str, ImportedEntry]] = []
    held = {"bytes": 0}

    def flush() -> None:
        buckets: dict[str, list[ImportedEntry]] = {}
        for (name, _), entry in zip(window, dedupe.sift(window), strict=True):
            if entry is None:
                state["duplicates"] += 1
            else:
                buckets.setdefault(name, []).append(entry)
        state["done"] += len(window) - sum(len(b) for b in buckets.values())
        window.clear()
        for name, entries in buckets.items():
            base = state["done"]

            def step(done: int, _total: int, base: int = base) -> None:
                state["in_call"] = done
                if progress is not None:
                    progress(base + done, plan.total)

            state["in_call"] = 0
            try:
                stored = store.import_entries(plan.modes[name], entries, batch=EMBED_BATCH, progress=step,
                                              import_id=import_id)
            except MindpaneError as error:
                raise ImportStopped(error.message, error.hint, sum(imported.values()) + state["in_call"]) from error
            imported[name] = imported.get(name, 0) + stored
            state["done"] += stored
        if progress is not None:
            progress(state["done"], plan.total)

    for item in _items(plan):
        if item.problem is not None:
            continue
        name = _mode_name(item, plan)
        if name not in plan.modes:
            continue
        window.append((name, item.entry))
        held["bytes"] += len(item.entry.text) + len(item.entry.reply)
        if len(window) >= WINDOW or held["bytes"] >= WINDOW_BYTES:
            flush()
            held["bytes"] = 0
    if window:
        flush()
    ordered = {name: imported[name] for name in plan.modes if imported.get(name)}
    return ImportReport(ordered, state["duplicates"], plan.problems, import_id=import_id)


def summary(report: ImportReport, path: Path) -> str:
    """One line: what was (or would be) imported, per mode, and what was already there."""
    verb = "would import" if report.dry_run else "imported"
    line = f"{verb} {report.total} {_entries(report.total)}"
    if report.imported:
        line += " (" + ", ".join(f"{name} {count}" for name, count in report.imported.items()) + ")"
    line += f" from {path}"
    if report.duplicates:
        line += f"; {report.duplicates} already there, skipped"
    if report.dry_run:
        line += "; nothing was written (dry run)"
    return line


def problems_line(problems: Sequence[Item], path: Path, dry_run: bool = False, shown: int = 5) -> str:
    """One line saying which bad entries were (or would be) skipped, and where."""
    verb = "would skip" if dry_run else "skipped"
    where = "; ".join(item.described for item in problems[:shown])
    more = f"; and {len(problems) - shown} more" if len(problems) > shown else ""
    return f"{verb} {len(problems)} bad {_entries(len(problems))} in {path}: {where}{more}"


# -- duplicates ----------------------------------------------------------------------------------


class _Dedupe:
    """Sifts out entries already there (by content key, or by id in the same mode) or already seen
    in this file; an id already in use elsewhere is dropped so the entry gets a new one."""

    def __init__(self, known: KnownEntries) -> None:
        self._known = known
        self._seen_keys: set[bytes] = set()
        self._seen_ids: set[str] = set()

    def sift(self, window: Sequence[tuple[str, ImportedEntry]]) -> list[ImportedEntry | None]:
        keys = [content_key(name, entry.created_at, entry.text) for name, entry in window]
        known = self._known.known_keys(sorted(set(keys)))
        owners = self._known.entry_modes(sorted({entry.id for _, entry in window if entry.id}))
        kept: list[ImportedEntry | None] = []
        for (name, entry), key in zip(window, keys, strict=True):
            digest = bytes.fromhex(key)
            if key in known or digest in self._seen_keys or (entry.id and owners.get(entry.id) == name):
                kept.append(None)
                continue
            if entry.id:
                if entry.id in owners or entry.id in self._seen_ids:
                    entry = replace(entry, id=None)
                else:
                    self._seen_ids.add(entry.id)
            self._seen_keys.add(digest)
            kept.append(entry)
        return kept


# -- reading the file ----------------------------------------------------------------------------


def _text(data: bytes) -> TextIO:
    """The copy of the file as text (a BOM is skipped), decoded as it is read."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig")


_FLAVOURS = {"json": "mindpane", "jrnl": "jrnl", "jrnl-txt": "jrnl-txt"}
"""Formats as given on the command line, and as read (``auto-json``: ours or jrnl's, told apart
by the first key or entry)."""


def _format_of(path: Path, data: bytes) -> str:
    """``auto-json`` or ``jrnl-txt``, from the first text of the file."""
    with _text(data) as stream:
        try:
            head = stream.read(4096).lstrip()
        except UnicodeDecodeError:
            raise ImportRefused(f"{path} is not UTF-8 text", "give mindpane's or jrnl's export") from None
    if head.startswith("{"):
        return "auto-json"
    if not head or re.match(r"\[\d{4}-\d{2}-\d{2}", head):  # an empty jrnl journal holds no entries
        return "jrnl-txt"
    raise ImportRefused(f"cannot tell the format of {path}: it is neither JSON nor a jrnl journal",
                        "pass --format json, jrnl or jrnl-txt")


def _items(plan: Plan) -> Iterator[Item]:
    with _text(plan.data) as stream:
        try:
            if plan.fmt == "jrnl-txt":
                yield from _text_items(stream)
            else:
                yield from _json_items(stream, plan)
        except UnicodeDecodeError:
            yield Item("the file", problem="it is not UTF-8 text", fatal=True)


def _mode_name(item: Item, plan: Plan) -> str:
    if plan.mode is not None:
        return plan.mode
    if item.mode is not None:
        return item.mode
    return DEFAULT_MODE if DEFAULT_MODE in plan.modes else next(iter(plan.modes), DEFAULT_MODE)


def _text_items(stream: TextIO) -> Iterator[Item]:
    for found in jrnl_format.read_text_journal(stream):
        where = f"line {found.line}"
        if found.problem is not None:
            yield Item(where, problem=_clean(found.problem))
            continue
        try:
            local = checked_moment(found.when, "date", found.when.strftime("%Y-%m-%d %H:%M"))
        except BadEntry as bad:
            yield Item(where, problem=_clean(str(bad)))
            continue
        parts = found.parts
        extra = {"starred": True} if found.starred else {}
        if parts.model:
            extra["model"] = parts.model
        yield Item(where, ImportedEntry(parts.text, local, parts.reply, extra or None))


def _json_items(stream: TextIO, plan: Plan) -> Iterator[Item]:
    reader = JsonReader(stream)
    number = 0
    try:
        for kind, name, line, value in reader.events():
            if kind == "key":
                if name == "mindpane_export" and plan.fmt in ("auto-json", "mindpane"):
                    if not isinstance(value, int) or value > EXPORT_VERSION:
                        raise ImportRefused(f"{plan.path} is a format-{_quoted(str(value))} export, not one this "
                                            "mindpane reads", "upgrade mindpane: pip install --upgrade mindpane")
                    plan.fmt = "mindpane"
                continue
            number = name
            if plan.fmt == "auto-json":  # our export has "text", jrnl's "title"/"body"/"date"
                plan.fmt = "jrnl" if isinstance(value, dict) and "text" not in value and (
                    "title" in value or "body" in value or "date" in value) else "mindpane"
            where = f"entry {number} (line {line})"
            try:
                yield _jrnl_item(value, where) if plan.fmt == "jrnl" else _own_item(value, where)
            except BadEntry as bad:
                yield Item(where, problem=_clean(str(bad)))
    except Broken as broken:
        at = f"line {broken.line}, column {broken.column}"
        where = f"entry {number + 1}, {at}" if reader.in_entries else at
        yield Item(where, problem=_clean(broken.what), fatal=True)


def _own_item(value: object, where: str) -> Item:
    if not isinstance(value, dict):
        raise BadEntry("an entry must be a JSON object")
    text = value.get("text")
    if not isinstance(text, str):
        raise BadEntry('"text" is missing' if text is None else '"text" must be a string')
    if not checked_text(text, "text").strip():
        raise BadEntry('"text" is empty')
    created = _moment(value, "created_at", required=True)
    updated = _moment(value, "updated_at", required=False) or created
    reply = value.get("reply") or ""
    if not isinstance(reply, str):
        raise BadEntry('"reply" must be a string')
    checked_text(reply, "reply")
    mode = value.get("mode")
    if mode is not None and not isinstance(mode, str):
        raise BadEntry('"mode" must be a string')
    memory_id = value.get("id")
    if memory_id is not None and (not isinstance(memory_id, str) or not memory_id.strip()):
        raise BadEntry('"id" must be a string')
    checked_text(memory_id or "", "id")
    metadata = value.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise BadEntry('"metadata" must be an object')
    if metadata.get(KIND_KEY, ENTRY) not in KINDS:
        raise BadEntry(f'"metadata.{KIND_KEY}" must be "{ENTRY}" or "{QUESTION}"')
    if not isinstance(metadata.get(REPLY_WRONG_KEY, False), bool):
        raise BadEntry(f'"metadata.{REPLY_WRONG_KEY}" must be true or false')
    model = value.get("model")
    if model is not None and not isinstance(model, str):
        raise BadEntry('"model" must be a string or null')
    checked_text(model or "", "model")
    extra = {**metadata, "model": model} if model is not None else dict(metadata)
    check_metadata(extra)
    pinned = value.get("pinned", False)
    if not isinstance(pinned, bool):
        raise BadEntry('"pinned" must be true or false')
    return Item(where, ImportedEntry(text, created, reply, extra or None, id=memory_id, updated_at=updated,
                                     pinned=pinned), mode)


def _moment(value: dict, key: str, required: bool) -> datetime | None:
    raw = value.get(key)
    if raw is None:
        if required:
            raise BadEntry(f'"{key}" is missing')
        return None
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise BadEntry(f'"{key}" is not an ISO 8601 date: {_quoted(str(raw))}')
    return checked_moment(moment, key, raw)


def _jrnl_item(value: object, where: str) -> Item:
    if not isinstance(value, dict):
        raise BadEntry("an entry must be a JSON object")
    title, body = value.get("title") or "", value.get("body") or ""
    if not isinstance(title, str) or not isinstance(body, str):
        raise BadEntry('"title" and "body" must be strings')
    day, clock = value.get("date"), value.get("time") or f"{jrnl_format.DEFAULT_HOUR:02d}:00"
    if day is None:
        raise BadEntry('"date" is missing')
    when = jrnl_format.parse_stamp(f"{day} {clock}") if isinstance(day, str) and isinstance(clock, str) else None
    if when is None:
        raise BadEntry(f'"date"/"time" is not a date: {_quoted(f"{day} {clock}")}')
    when = checked_moment(when, "date", f"{day} {clock}")
    parts = jrnl_format.from_title_body(checked_text(title, "title"), checked_text(body, "body"))
    if not parts.text.strip():
        raise BadEntry("the entry is empty")
    extra = {"starred": True} if value.get("starred") is True else {}
    if parts.model:
        extra["model"] = parts.model
    return Item(where, ImportedEntry(parts.text, when, parts.reply, extra or None))


def _clean(text: str) -> str:
    return one_line(text, 200)


def _quoted(text: str) -> str:
    return repr(one_line(text, 60))


def _entries(count: int) -> str:
    return "entry" if count == 1 else "entries"


