"""Temporal cues in what the person wrote ("last Tuesday", "November 10", "since Monday", "the
latest"), read locally and without a model call, so recall can look at the right days.

Recall ranks by similarity, which knows nothing of dates: "what did I write yesterday?" is worded
like any entry about writing. A cue turns into a window of local days (``since`` inclusive,
``until`` exclusive) on an entry's own ``created_at``, or into a wish for the newest relevant entry
(``recency``). Absolute dates ("10th of November", "10/11", "Nov. 10, 2025") and "N weeks ago"
are read by ``dateparser``; the small layer here finds the phrase, the kind of window (a day, a
week, a month, a year, a range) and the words dateparser has no window for ("this week",
"since", "between … and …", "latest"). Numeric dates are day first: 10/11 is 10 November.

A cheap regular expression decides whether a text can hold a cue at all: plain text never pays
dateparser's import (~0.1 s). The expressions are compiled when first used, not at import: the app
imports this module for its turn types before the first frame, which needs none of them.

Recall follows a cue only when the text asks about the past (``cue_for_recall``): a journal entry
that says "another foggy walk this morning" is about today, not a question about this morning's
entries, and "how do I get last month's rows in pandas?" is about code. Missing a cue costs
little (recall ranks by similarity, as without cues); a wrong window hides what matters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache


@dataclass(frozen=True)
class TimeCue:
    """What a text says about time: a window [since, until) of local days (either end open), a
    ``label`` naming it for the person ("last Tuesday (Nov 17)"), and whether it asks for the
    most recent entry (``recency``)."""

    since: datetime | None
    until: datetime | None
    label: str
    recency: bool = False

    @property
    def windowed(self) -> bool:
        return self.since is not None or self.until is not None

    @property
    def window(self) -> str:
        """The window as a phrase: "from last Tuesday (Nov 17)", "since Monday (Nov 16)"; empty
        for a recency cue alone. It is each recalled memory's reason and the prompt's words."""
        if not self.windowed:
            return ""
        return self.label if self.label.startswith(_RANGE_LABELS) else f"from {self.label}"


_RANGE_LABELS = ("since ", "between ", "from ", "before ", "after ", "until ", "till ")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MONTH_WORDS = {name: number for number, name in enumerate(_MONTHS, start=1)} | {
    name[:3]: number for number, name in enumerate(_MONTHS, start=1)} | {"sept": 9}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a few": 3, "few": 3,
            "a couple of": 2, "a couple": 2, "couple of": 2}

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAY = "(?:" + "|".join(_WEEKDAYS) + ")"
_COUNT = r"(?:\d{1,3}|a couple of|a couple|couple of|a few|few|an?|one|two|three|four|five|six|seven|eight|nine" \
         r"|ten|eleven|twelve)"
_UNIT = r"(?:day|week|month|year)s?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled (case-insensitive), once, on first use."""
    return re.compile(pattern, re.IGNORECASE)


_GATE = (
    r"\b(?:today|tonight|yesterday|morning|afternoon|evening|night|ago|last|latest|recent|recently|lately|"
    r"again|other day|since|between|before|after|from|past|(?:day|week|weekend|month|year)s?|newest|"
    + _WEEKDAY[3:-1] + r"|" + _MONTH[3:-4] + r"|(?:19|20)\d\d)\b|\d{1,2}/\d{1,2}|\d{4}-\d\d-\d\d")

_RECENCY = (r"\b(?:latest|newest|most recent(?:ly)?|(?:the\s+)?last\s+time|"
            r"(?:(?:did|have|has|had|was|were)\s+(?:\w+\s+){1,2}?|(?<!\bat )the\s+)last"
            r"(?!\s+(?:night|week|weekend|month|year|summer|winter|spring|autumn|fall|season|few|couple|two|three|"
            r"four|five|six|seven|\d+|" + _WEEKDAY[3:-1] + r")\b))\b")
"""Asks for the latest: "latest", "most recently", "the last time", "when did I last see…", "the
last colour we talked about". Not "again" or "recently" in passing ("what was that recipe again?"
asks for the recipe, not for the newest line that names one)."""

_MONTH_CONTEXT = r"(?:in|during|of|last|this|early|late|mid|around|back in)"
_AFTER_DAY_WORD = "(?:" + "|".join(rf"(?<=\b{word}\s)" for word in (
    "on", "since", "from", "and", "to", "until", "till", "before", "after", "between")) + ")"
"""A day written 10/11 (no year) only counts after such a word: "1/2 cup" is not a date."""
_JOINT = r"\s+(and|to|until|till|through)\s+"
_RANGE_WORDS = r"\b(since|between|from|before|after|until|till)\s+"
_SPAN_BESIDE = rf"\b(?:the\s+)?(?:(?P<count>{_COUNT})\s+)?(?P<unit>day|week|weekend|month)s?\s+$"
"""What stands before "before"/"after" in "the week before X", "two days after X"."""


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day).astimezone()


def _short(day: date) -> str:
    return f"{day:%b} {day.day}"


def _days(first: date, last: date) -> str:
    """"Nov 9–15", or "Nov 30–Dec 6" across months."""
    end = str(last.day) if (first.year, first.month) == (last.year, last.month) else _short(last)
    return f"{_short(first)}–{end}"


def _month_start(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def _month_name(year: int, month: int, today: date) -> str:
    name = _MONTHS[month - 1].title()
    return name if year == today.year else f"{name} {year}"


@dataclass(frozen=True)
class _Span:
    """A window of whole local days [first, end) and how to name it."""

    first: date
    end: date
    label: str


def _day_span(day: date, said: str) -> _Span:
    return _Span(day, day + timedelta(days=1), f"{said} ({_short(day)})")


def _week_span(monday: date, said: str) -> _Span:
    return _Span(monday, monday + timedelta(days=7), f"{said} ({_days(monday, monday + timedelta(days=6))})")


def _month_span(year: int, month: int, said: str, today: date) -> _Span:
    name = _month_name(year, month, today)
    label = name if said.lower() in (name.lower(), "") else f"{said} ({name})"
    return _Span(_month_start(year, month), _month_start(year, month + 1), label)


def _year_span(year: int, said: str) -> _Span:
    label = str(year) if said == str(year) else f"{said} ({year})"
    return _Span(date(year, 1, 1), date(year + 1, 1, 1), label)


# -- the point cues: each a pattern and what its match means ---------------------------------------

def _relative_day(found: re.Match, today: date) -> _Span:
    said = " ".join(found.group(0).lower().split())
    back = 2 if "before" in said else 1 if said.startswith(("yesterday", "last night")) else 0
    return _day_span(today - timedelta(days=back), said)


def _ago(found: re.Match, today: date) -> _Span | None:
    said = " ".join(found.group(0).lower().split())
    count_word = found.group("count").lower()
    count = int(count_word) if count_word.isdigit() else _NUMBERS.get(" ".join(count_word.split()), 1)
    unit = found.group("unit").lower().rstrip("s")
    moment = _dateparser_day(f"{count} {unit}s ago", today)
    if moment is None:
        return None
    if unit == "day":
        return _day_span(moment, said)
    if unit == "week":
        return _week_span(moment - timedelta(days=moment.weekday()), said)
    if unit == "month":
        return _month_span(moment.year, moment.month, said, today)
    return _year_span(moment.year, said)


def _this_or_last(found: re.Match, today: date) -> _Span:
    which, unit = found.group("which").lower(), found.group("unit").lower()
    said = f"{which} {unit}"
    back = 0 if which == "this" else 1
    if unit == "week":
        return _week_span(today - timedelta(days=today.weekday() + 7 * back), said)
    if unit == "weekend":
        saturday = today - timedelta(days=today.weekday()) + timedelta(days=5 - 7 * back)
        return _Span(saturday, saturday + timedelta(days=2), f"{said} ({_days(saturday, saturday + timedelta(1))})")
    if unit == "month":
        return _month_span(today.year, today.month - back, said, today)
    return _year_span(today.year - back, said)


def _past_n(found: re.Match, today: date) -> _Span:
    count_word = " ".join(found.group("count").lower().split())
    count = int(count_word) if count_word.isdigit() else _NUMBERS.get(count_word, 3)
    unit = found.group("unit").lower().rstrip("s")
    first = {"day": today - timedelta(days=count - 1), "week": today - timedelta(weeks=count),
             "month": _month_start(today.year, today.month - count) + timedelta(days=today.day - 1)}[unit]
    said = " ".join(found.group(0).lower().split())
    return _Span(first, today + timedelta(days=1), f"{said} ({_days(first, today)})")


def _weekday(found: re.Match, today: date) -> _Span:
    which = (found.group("which") or "").lower()
    name = found.group("day").lower()
    wanted = _WEEKDAYS.index(name)
    if which == "this":
        day = today - timedelta(days=today.weekday() - wanted)
    else:
        back = (today.weekday() - wanted) % 7
        day = today - timedelta(days=back or (7 if which == "last" else 0))
    said = f"{which} {name.title()}" if which in ("last", "this") else name.title()
    return _day_span(day, said)


def _absolute_day(found: re.Match, today: date) -> _Span | None:
    phrase = found.group(0)
    numbers = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/\d{2,4})?", phrase)
    if numbers and not (1 <= int(numbers[1]) <= 31 and 1 <= int(numbers[2]) <= 12):
        return None  # "45/13": dateparser would guess another date from it
    day = _dateparser_day(phrase, today)
    return None if day is None else _absolute_day_span(day, today)


def _absolute_day_span(day: date, today: date) -> _Span:
    return _Span(day, day + timedelta(days=1), f"{_MONTHS[day.month - 1].title()} {day.day}"
                 + ("" if day.year == today.year else f", {day.year}"))


def _month(found: re.Match, today: date, bare: bool = False) -> _Span | None:
    context = (found.group("ctx") or "").lower()
    year = found.group("year")
    word = found.group("month").lower().rstrip(".")
    if not (context or year or bare):
        return None
    if word == "may" and not (year or bare or context in ("in", "during", "last", "this", "early", "late", "mid")):
        return None
    month = _MONTH_WORDS[word[:4] if word.startswith("sept") else word[:3]]
    if year:
        chosen = int(year)
    elif context == "last":
        chosen = today.year - 1 if month >= today.month else today.year
    elif context == "this":
        chosen = today.year
    else:
        chosen = today.year if month <= today.month else today.year - 1
    said = f"{context} {_MONTHS[month - 1].title()}" if context in ("last", "this") else ""
    return _month_span(chosen, month, said, today)


def _year(found: re.Match, today: date) -> _Span:
    year = found.group("year")
    return _year_span(int(year), year)


_Reader = Callable[[re.Match, date], "_Span | None"]

_POINT_PATTERNS: tuple[tuple[str, _Reader], ...] = (
    (r"\b(?:the\s+)?day\s+before\s+yesterday\b|\byesterday(?:\s+(?:morning|afternoon|evening))?\b|\blast\s+night\b"
     r"|\btoday\b|\btonight\b|\bthis\s+(?:morning|afternoon|evening)\b", _relative_day),
    (rf"\b(?P<count>{_COUNT})\s+(?P<unit>{_UNIT})\s+ago\b", _ago),
    (rf"\b(?:the\s+)?(?:past|last)\s+(?P<count>{_COUNT})\s+(?P<unit>(?:day|week|month)s?)\b", _past_n),
    (r"\b(?P<which>this|last)\s+(?P<unit>week|weekend|month|year)\b", _this_or_last),
    (rf"\b\d{{4}}-\d\d-\d\d\b|\b\d{{1,2}}/\d{{1,2}}/(?:\d\d)?\d\d\b|{_AFTER_DAY_WORD}\d{{1,2}}/\d{{1,2}}\b"
     rf"|\b{_MONTH}\s+\d{{1,2}}{_ORDINAL}\b(?:,?\s+{_YEAR}\b)?"
     rf"|\b\d{{1,2}}{_ORDINAL}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR}\b)?", _absolute_day),
    (rf"\b(?:(?P<which>last|this|on)\s+)?(?P<day>{_WEEKDAY})\b", _weekday),
    (rf"\b(?:(?P<ctx>{_MONTH_CONTEXT})\s+)?(?P<month>{_MONTH})(?![\w'])(?:\s+(?P<year>{_YEAR})\b)?", _month),
    (rf"\b(?:in|during|of|since|from|before|after|until)\s+(?P<year>{_YEAR})\b", _year),
)
_ABSOLUTE = 4
"""The place of the absolute-day pattern in ``_POINT_PATTERNS``."""
_BARE_YEAR = rf"(?P<year>{_YEAR})\b"


def _dateparser_day(phrase: str, today: date) -> date | None:
    import dateparser  # only a text with a cue pays for it

    base = datetime(today.year, today.month, today.day, 12)
    parsed = dateparser.parse(phrase, languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "DATE_ORDER": "DMY"})
    return parsed.date() if parsed else None


def _point_at(text: str, start: int, today: date) -> tuple[int, _Span] | None:
    """The point cue that begins exactly at ``start`` (after a range word): a bare month counts."""
    for pattern, reader in _POINT_PATTERNS:
        found = _regex(pattern).match(text, start)
        if found:
            span = _month(found, today, bare=True) if reader is _month else reader(found, today)
            if span is not None:
                return found.end(), span
    found = _regex(_BARE_YEAR).match(text, start)
    return (found.end(), _year_span(int(found.group("year")), found.group("year"))) if found else None


def _first_point(text: str, today: date) -> tuple[int, int, _Span] | None:
    """The leftmost point cue anywhere in ``text`` (the longest when two start together)."""
    best: tuple[int, int, _Span] | None = None
    for pattern, reader in _POINT_PATTERNS:
        for found in _regex(pattern).finditer(text):
            span = reader(found, today)
            if span is None:
                continue
            if best is None or (found.start(), -found.end()) < (best[0], -best[1]):
                best = (found.start(), found.end(), span)
            break
    return best


def _range(text: str, today: date) -> tuple[int, int, _Span] | None:
    """"since X", "between X and Y", "from X to Y", "before X", "after X", "until X", and "the week
    before X", "two days after X" (a span that long, next to X)."""
    for found in _regex(_RANGE_WORDS).finditer(text):
        word = found.group(1).lower()
        first = _point_at(text, found.end(), today)
        if first is None:
            continue
        end, span = first
        if word in ("before", "after"):
            beside = _regex(_SPAN_BESIDE).search(text, 0, found.start())
            if beside is not None:
                return beside.start(), end, _span_beside(beside, word, span)
        if word in ("between", "from"):
            joint = _regex(_JOINT).match(text, end)
            second = _point_at(text, joint.end(), today) if joint else None
            if second is not None:
                end, last = second
                said = f"{word} {span.label} {joint.group(1).lower()} {last.label}"
                return found.start(), end, _Span(span.first, last.end, said)
            if word == "between":
                continue
            if word == "from":  # "notes from last Friday": that day, not a range
                return found.start(), end, span
        if word in ("since", "after"):
            first_day = span.end if word == "after" else span.first
            return found.start(), end, _Span(first_day, today + timedelta(days=1), f"{word} {span.label}")
        return found.start(), end, _Span(date.min, span.first if word == "before" else span.end,
                                         f"{word} {span.label}")
    return None


def _span_beside(found: re.Match, word: str, point: _Span) -> _Span:
    """"the week before X": the 7 days up to X's first day; "two days after X": the 2 days after X."""
    count_word = " ".join((found.group("count") or "one").lower().split())
    count = int(count_word) if count_word.isdigit() else _NUMBERS.get(count_word, 1)
    unit = found.group("unit").lower()
    days = count * {"day": 1, "week": 7, "weekend": 2, "month": 30}[unit]
    said = f"{' '.join(found.group(0).lower().split())} {word} {point.label}"
    if word == "before":
        return _Span(point.first - timedelta(days=days), point.first, said)
    return _Span(point.end, point.end + timedelta(days=days), said)


def _anchor(text: str, today: date) -> tuple[int, date] | None:
    """A day the text names outright, with its year ("on 23 January, 2022"), and where: relative
    phrases in the same text ("last Friday", "the week before") are read from it, not from today."""
    pattern, reader = _POINT_PATTERNS[_ABSOLUTE]
    for found in _regex(pattern).finditer(text):
        span = reader(found, today) if _regex(_YEAR).search(found.group(0)) else None
        if span is not None:
            return found.start(), span.first
    return None


def read_time_cue(text: str, now: datetime) -> TimeCue | None:
    """The time cue in ``text`` relative to ``now`` (the turn's clock), or None if there is none.

    A date cue gives a window of local days; a recency word ("latest", "the last …", "again",
    "the other day") sets ``recency``. When a text has both, both hold."""
    if not _regex(_GATE).search(text):
        return None
    real_today = now.astimezone().date()
    named = _anchor(text, real_today)
    anchor = named[1] if named else None
    today = anchor or real_today
    ranged, point = _range(text, today), _first_point(text, today)
    found = point if ranged is None or (point is not None and (point[0], -point[1]) <= (ranged[0], -ranged[1])) \
        else ranged
    rest = text if found is None else text[:found[0]] + " " + text[found[1]:]
    recency = bool(_regex(_RECENCY).search(rest))
    if found is None:
        return TimeCue(None, None, "most recent mention", True) if recency else None
    span = found[2]
    if named is not None:
        day = _absolute_day_span(named[1], real_today)  # named with its year when not this year's
        if found[0] <= named[0] < found[1]:  # the cue is the named day, or holds it ("the week before X")
            span = day if (span.first, span.end) == (day.first, day.end) else span
        else:  # "last week, as said on Nov 6": both
            span = _Span(min(span.first, day.first), max(span.end, day.end), f"{span.label} ({day.label})")
    since = None if span.first == date.min else _local_midnight(span.first)
    return TimeCue(since, _local_midnight(span.end), span.label, recency)


_QUESTION = (
    r"\?|^\W*(?:what|when|which|who|where|how|why|did|do|does|have|has|had|was|were|is|are|can|could|remind|"
    r"tell|show|find|list|recall|summari[sz]e|give|any|anything)\b")
_ABOUT_THE_PAST = (
    r"\b(?:did|have|had|has|was|were)\s+(?!to\b)\w+|\b(?:in|on|during|of)\s+(?:" + _MONTH[3:-4] + r")\b|"
    r"\b(?:in|on|during|of)\s+(?:19|20)\d\d\b|\bwhat\s+happened\b|\b(?:remind|tell|show)\s+me\b"
    r"|\b(?:entries|entry|wrote|written|journal|journaled|noted)\b"
    r"|\b(?:I|we)\s+(?:(?!need\b|feed\b|seed\b)\w+ed|wrote|said|did|had|was|were|went|felt|thought|saw|met|ate|"
    r"made|spoke|told|took|got|read|ran|bought|spent|left|came|heard|knew|began|sat|slept|drank|found|lost|paid|"
    r"sent|wore|chose|drove|kept|forgot|did)\b")


def cue_for_recall(text: str, now: datetime) -> TimeCue | None:
    """The cue recall should follow: a window only when ``text`` is a question or request about
    the past, whoever it is about ("what did I write last Tuesday?", "when did Sam move in
    June?", "what happened yesterday?"), and recency only in a question or request ("when did I
    last see Sam?"). See the module notes."""
    cue = read_time_cue(text, now)
    if cue is None or not _regex(_QUESTION).search(text):
        return None
    if cue.windowed and not _regex(_ABOUT_THE_PAST).search(text):
        return TimeCue(None, None, "most recent mention", True) if cue.recency else None
    return cue
