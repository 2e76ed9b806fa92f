"""jrnl's two formats (https://jrnl.sh): the JSON of ``jrnl --format json`` and the plain-text journal
file, read and written the way jrnl itself does.

- An entry's *title* is its first line, or its first sentence when it has one line; the *body* is
  the rest (jrnl's ``split_title``). Tags are the words starting with ``@`` or ``#``, lowercased.
- The text file: a line ``[YYYY-MM-DD HH:MM] title`` (seconds and AM/PM allowed, as jrnl's
  ``timeformat`` ``%F %r`` writes) starts an entry; the lines up to the next such line are its
  body; a ``*`` ending the title line stars it. Dates are local times.
- jrnl has no place for a reply: mindpane writes it at the end of the body after a line
  ``--- reply ---`` (``--- reply (model) ---`` when the model is known), and reads it back from there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from tui.domain.records import MemoryRecord

_SENTENCE_END = re.compile(
    r"""
    [.!?\u2026\u203C\u203D\u2047\u2048\u2049\u22EF\uFE52\uFE57]  # a sentence terminal,
    ['\u2019"\u201D]?                                           # an optional right quote,
    [\])]*                                                      # optional closing brackets
    \s+                                                         # and spaces
    | [\uFF01\uFF0E\uFF1F\uFF61\u3002]                          # CJK terminals need no space
    """,
    re.VERBOSE,
)
_TAG = re.compile(r"(?<!\S)([#@][-+*#/\w]+)")
_REPLY_LINE = re.compile(r"^--- reply(?: \((?P<model>[^\n]*)\))? ---[ \t]*$", re.MULTILINE)
_HEADER = re.compile(r"\[(?P<stamp>\d{4}-\d{2}-\d{2}(?:[ T][^\]\n]*)?)\](?: (?P<title>.*)|$)")
_STAMP_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %I:%M %p", "%Y-%m-%d %I:%M:%S %p",
                  "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
DEFAULT_HOUR = 9
"""jrnl's ``default_hour``: the time of an entry dated by a day only."""


def split_title(text: str) -> tuple[str, str]:
    """The first line (or, in a one-line text, the first sentence) and the rest, as jrnl splits."""
    text = text.strip()
    newline = text.find("\n")
    if newline >= 0:
        return text[:newline].strip(), text[newline + 1:].strip()
    end = _SENTENCE_END.search(text)
    if not end:
        return text, ""
    return text[:end.end()].strip(), text[end.end():].strip()


def tags(text: str) -> list[str]:
    """The ``@tags`` and ``#tags`` in ``text``, lowercased, each once, in order of appearance."""
    return list(dict.fromkeys(tag.lower() for tag in _TAG.findall(text)))


def reply_separator(model: str | None) -> str:
    return f"--- reply ({model}) ---" if model else "--- reply ---"


def entry_dict(record: MemoryRecord) -> dict:
    """An entry as jrnl's JSON exporter writes one (date and time local), the reply in the body."""
    local = record.created_at.astimezone()
    title, body = split_title(record.text)
    if record.reply:
        model = record.metadata.get("model")
        separated = f"{reply_separator(model if isinstance(model, str) else None)}\n{record.reply}"
        body = f"{body}\n\n{separated}" if body else separated
    return {"title": title, "body": body, "date": local.strftime("%Y-%m-%d"), "time": local.strftime("%H:%M"),
            "tags": tags(record.text), "starred": bool(record.metadata.get("starred", False))}


@dataclass(frozen=True)
class Parts:
    """An entry read from jrnl: mindpane's text, the reply it carried (if any) and its model."""

    text: str
    reply: str = ""
    model: str | None = None


def from_title_body(title: str, body: str) -> Parts:
    """mindpane's text from jrnl's title and body: the title line, then the body, then the reply
    that mindpane's jrnl export put after ``--- reply ---`` (if any)."""
    reply, model = "", None
    found = _REPLY_LINE.search(body)
    if found:
        reply, model = body[found.end():].strip("\n"), found.group("model") or None
        body = body[:found.start()]
    title, body = title.strip(), body.strip()
    return Parts(f"{title}\n{body}" if title and body else title or body, reply, model)


def parse_stamp(stamp: str) -> datetime | None:
    """A jrnl date stamp as a naive local time; None if it is not a date jrnl writes."""
    stamp = " ".join(stamp.split())
    for layout in _STAMP_FORMATS:
        try:
            return datetime.strptime(stamp, layout)
        except ValueError:
            continue
    try:
        return datetime.strptime(stamp, "%Y-%m-%d").replace(hour=DEFAULT_HOUR)
    except ValueError:
        return None


@dataclass(frozen=True)
class TextEntry:
    """One entry of a jrnl text journal, or (``problem`` set) a part of the file that is not one."""

    line: int
    when: datetime | None
    parts: Parts | None
    starred: bool = False
    problem: str | None = None


def read_text_journal(lines: Iterable[str]) -> Iterator[TextEntry]:
    """The entries of a jrnl text journal, streamed line by line, with the line each starts on."""
    start, when, title, body = 0, None, "", []
    stray: int | None = None  # the first line of text before any entry
    problem: str | None = None
    number = 0

    def finish() -> TextEntry | None:
        if start == 0:
            return TextEntry(stray, None, None, problem="text before the first [YYYY-MM-DD HH:MM] line") \
                if stray is not None else None
        if problem is not None:
            return TextEntry(start, None, None, problem=problem)
        first, starred = title.rstrip(), False
        if first.endswith("*"):
            first, starred = first.strip("\n *"), True
        parts = from_title_body(first, "\n".join(body))
        if not parts.text.strip():
            return TextEntry(start, when, None, problem="the entry is empty")
        return TextEntry(start, when, parts, starred)

    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        header = _HEADER.match(line)
        if header is None:
            if start:
                body.append(line)
            elif line.strip() and stray is None:
                stray = number
            continue
        done = finish()
        if done is not None:
            yield done
        start, title, body, stray = number, header.group("title") or "", [], None
        when = parse_stamp(header.group("stamp"))
        problem = None if when else f"not a valid date: [{header.group('stamp')}]"
    if number:
        done = finish()
        if done is not None:
            yield done
