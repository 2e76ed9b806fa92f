"""The search syntax of the history filter and ``mindpane search``: text in, a ``SearchQuery`` out.

    garden            a word: entries whose text or reply has it (accents ignored: cafe finds café)
    "a phrase"        these words in this order
    #tag              entries whose text has the tag written in it (#garden)
    on:2026-11-10     written that local day
    since:2026-11-01  from that local day on (inclusive)
    until:2026-11-30  up to that local day (inclusive)
    mode:journal      that mode's entries (the history pane: its own mode unless this says otherwise)

Every part must hold (AND). Pure: no I/O, so the UI, the CLI and the record all use it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from tui.domain.records import MemoryRecord, RecalledMemory

SYNTAX_HELP = 'words · "a phrase" · #tag · on:/since:/until:YYYY-MM-DD · mode:NAME'

_TOKEN = re.compile(r'(?P<key>on|since|until|mode):(?P<value>"[^"]*"?|\S*)|"(?P<phrase>[^"]*)"?|(?P<word>\S+)',
                    re.IGNORECASE)
_TAG = re.compile(r"(?<![\w&#/])#(\w[\w-]*)")
_WORD_CHAR = re.compile(r"\w")


class SearchQueryError(ValueError):
    """The query cannot be read (a date that is not one); the message says what to write."""


def fold(text: str) -> str:
    """Lower case without diacritics: how tags are compared (#Café is #cafe)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def entry_tags(text: str) -> set[str]:
    """The ``#tags`` written in an entry's text, folded (``fold``), without the ``#``."""
    return {fold(found.rstrip("-")) for found in _TAG.findall(text)}


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    on: date | None = None
    since: date | None = None
    until: date | None = None
    mode: str | None = None
    text: str = field(default="", compare=False)
    """What was typed, for saying what was searched."""

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.tags or self.on or self.since or self.until or self.mode)

    @property
    def meaning(self) -> str:
        """The words and phrases, for a semantic match when nothing matches exactly."""
        return " ".join((*self.words, *self.phrases))

    def with_mode(self, mode: str) -> SearchQuery:
        """This query in ``mode`` unless it names its own."""
        return self if self.mode else replace(self, mode=mode)

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """[since, until) as local-time moments (each day is the whole local day)."""
        first = max((d for d in (self.on, self.since) if d is not None), default=None)
        last = min((d for d in (self.on, self.until) if d is not None), default=None)
        since = _local_midnight(first) if first is not None else None
        until = _local_midnight(last + timedelta(days=1)) if last is not None else None
        return since, until


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day).astimezone()


def _day(key: str, value: str) -> date:
    try:
        return date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else _bad(key, value)
    except ValueError:
        return _bad(key, value)


def _bad(key: str, value: str) -> date:
    shown = f"{key}:{value}" if value else f"{key}:"
    raise SearchQueryError(f"{shown} is not a date — write {key}:YYYY-MM-DD, e.g. {key}:2026-11-10")


def parse_query(text: str) -> SearchQuery:
    """Read ``text`` in the search syntax (module docstring). Raises ``SearchQueryError``."""
    words: list[str] = []
    phrases: list[str] = []
    tags: list[str] = []
    days: dict[str, date] = {}
    mode: str | None = None
    for found in _TOKEN.finditer(text):
        key, word, phrase = found.group("key"), found.group("word"), found.group("phrase")
        if key:
            key, value = key.lower(), found.group("value").strip('"')
            if key == "mode":
                if not value:
                    raise SearchQueryError("mode: needs a mode's name, e.g. mode:journal")
                mode = value.lower()
            else:
                days[key] = _day(key, value)
        elif phrase is not None:
            if _WORD_CHAR.search(phrase):
                phrases.append(" ".join(phrase.split()))
        elif word.startswith("#") and len(word) > 1 and entry_tags(word):
            tags.extend(sorted(entry_tags(word)))
        elif _WORD_CHAR.search(word):
            words.append(word)
    return SearchQuery(tuple(words), tuple(phrases), tuple(dict.fromkeys(tags)), days.get("on"), days.get("since"),
                       days.get("until"), mode, " ".join(text.split()))


def fts_match(query: SearchQuery) -> str:
    """The FTS5 MATCH expression for the words and phrases (each one quoted: all must be there);
    empty when the query has none."""
    return " ".join('"' + part.replace('"', '""') + '"' for part in (*query.words, *query.phrases))


@dataclass(frozen=True)
class SearchResult:
    """What a search found: exact matches (a page of them, newest first, and how many in all), or
    — when none matched and the query had words — the closest entries by meaning."""

    query: SearchQuery
    records: list[MemoryRecord]
    total: int
    offset: int = 0
    recalled: list[RecalledMemory] = field(default_factory=list)
    mode_total: int = 0
    """How many entries the searched mode holds (for the semantic fallback's title)."""

    @property
    def exact(self) -> bool:
        return self.total > 0 or not self.recalled

    def title(self) -> str:
        if self.recalled:
            return f"no exact match — {len(self.recalled)} closest by meaning"
        noun = "match" if self.total == 1 else "matches"
        return f"{self.total:,} {noun} for {self.query.text}"
