"""What kind a stored turn is: an *entry* (something the person wrote) or a *question to the journal*
about their own past ("what did I write about Sam?", "when did I last…", "remind me what…").

A question is kept, shown and found by search, but is not a memory: recalling "what did I write
about Sam?" as something the person wrote about Sam is how a journal starts quoting its own
questions back. ``recallable`` says which records recall may hand to a prompt.

The kind lives in an entry's metadata (``kind = "question"``; absent or ``"entry"`` is an entry), so
entries stored before kinds existed are entries, with no migration. Only a mode with
``mark_questions`` (the journal) tells the two apart when a turn is sent; the person can flip it.

``classify`` decides from the text alone, locally, with no model call. It is deliberately shy:
a reflective question inside an entry ("Why do I always feel tired on Mondays?") is an entry, and
so is anything it cannot read (empty, very long, not English). A question needs all of:

- an asking form: a question word or request first ("what", "did", "remind me", "show me",
  "summarize"…), or a "?" at the end, or "I can't remember / I wonder what…";
- not a reflective form: "why…", "what if…", "should/would/will/do/am I…";
- something that points at the record or the person's own past: a word about what was written
  ("wrote", "mentioned", "talked about", "entries", "journal"), a memory-seeking phrase ("ever",
  "the last time", "how often", "remind me what", "remember", "again", "before") with I/we, or a
  past action of the person's ("did I", "I went") together with a past time ("last week",
  "on Tuesday", "two days ago"); "when did I…" and "where did I…" are questions by themselves.

and the text must be short (at most ``MAX_WORDS`` words), with every other sentence either also a
question or a few words ("I can't remember."): a long entry that asks one such question on the way
is an entry.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tui.domain.modes import Mode
    from tui.domain.records import MemoryRecord

KIND_KEY = "kind"
ENTRY = "entry"
QUESTION = "question"
KINDS = (ENTRY, QUESTION)

QUESTION_LABEL = "Question to the journal"
"""What a question is called where the person sees it (the sent turn, the prompt, the history)."""
QUESTION_GLYPH = "?"
"""Marks a question's row in the history: one cell wide, like the pin glyph."""

MAX_CHARS = 600
"""Longer texts are entries without reading them (a question to the journal is a line or two)."""
MAX_WORDS = 60
SHORT_WORDS = 5
"""A sentence this short may stand beside a question ("I can't remember.") without making it an entry."""


def kind_of(metadata: Mapping) -> str:
    """The kind an entry's metadata gives: a question only when it says so."""
    return QUESTION if metadata.get(KIND_KEY) == QUESTION else ENTRY


def is_question(record: MemoryRecord) -> bool:
    return kind_of(record.metadata) == QUESTION


def flipped(kind: str) -> str:
    return ENTRY if kind == QUESTION else QUESTION


def recallable(record: MemoryRecord, mode: Mode) -> bool:
    """Whether recall in ``mode`` may put ``record`` into a prompt: entries always; questions to the
    journal only when the mode's ``recall_questions`` says so."""
    return mode.recall_questions or not is_question(record)


def stamp(mode: Mode, kind: str | None) -> dict:
    """The metadata a new turn of ``mode`` is stored with for its kind: ``{"kind": "question"}``
    for a question in a mode that tells them apart, else nothing (an entry needs no mark)."""
    return {KIND_KEY: QUESTION} if mode.mark_questions and kind == QUESTION else {}


def decide(mode: Mode, text: str, chosen: str | None = None) -> str | None:
    """The kind a turn of ``mode`` is sent with: the person's ``chosen`` one, else what the text
    says; None in a mode that does not tell questions from entries."""
    if not mode.mark_questions:
        return None
    return chosen if chosen in KINDS else classify(text)


# -- reading the text --------------------------------------------------------------------------

_DAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTHS = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_COUNT = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|a couple of|couple of|\d+)"
_FILLERS = (r"^(?:(?:hey|hi|hello|ok|okay|so|um+|uh+|hm+|well|oh|and|but|also|quick question|question|"
            r"one more thing|journal|mindpane|please|can you|could you|would you|will you)\b[\s,:;!.-]*)+")
_LEAD = (r"^(?:what|when|where|who|whom|which|how|did|do|does|have|has|had|was|were|is|are|can|could|any|"
         r"anything|remember|remind|tell|show|list|find|search|look|pull|summari[sz]e|recap|give)\b")
_REQUEST = r"^(?:remind me|tell me|show me|list|find|search|look up|pull up|summari[sz]e|recap|give me)\b"
_WONDER = (r"^(?:i|we) (?:wonder|can't remember|cannot remember|can not remember|don't remember|forget|forgot)"
           r" (?:what|when|where|who|if|whether|how|which)\b")
_REFLECTIVE = (r"^(?:why|what if)\b|\b(?:should|shall|would|will|must|might|do|does|am) (?:i|we)\b"
               r"|^how (?:do|can|could|should|would|will) (?:i|we)\b")
_RECORD = (r"\b(?:did|have|had) (?:i|we) (?:ever |already |recently |once |last )?"
           r"(?:write|journal|mention|note|log|record|tell you|bring up)\b"
           r"|\b(?:wrote|written|mentioned|noted|logged|journall?ed|told you|brought up)\b"
           r"|\b(?:say|said|talk|talked|speak|spoke) (?:to you )?about\b"
           r"|\b(?:entries|entry|journal|diary|my notes)\b")
_SEEKING = (r"\bever\b|\b(?:the )?last time\b|\bhow (?:many times|often)\b|\bagain\b|\bbefore\b|\bremember\b"
            r"|\bremind me (?:what|when|where|who|why|how|which|of|about|if|whether)\b")
_OWN = r"\b(?:i|we|me|my|us|our)\b"
_OWN_PAST = (r"\b(?:did|have|had|was|were) (?:i|we)\b|\b(?:i|we) (?:have|had) been\b"
             r"|\bwhat happened\b(?! to (?:me|us|my|our)\b)|\bhow (?:was|were|did) (?:my|our|the|last|this)\b"
             r"|\b(?:i|we) (?:(?!need\b|feed\b|seed\b|bleed\b|speed\b)\w+ed|wrote|went|did|had|was|were|said|saw|"
             r"met|ate|made|spoke|told|took|got|read|ran|bought|spent|left|came|heard|felt|thought|slept|drank|"
             r"found|lost|paid|sent|wore|kept|put|began|sat)\b")
_PAST_PERIOD = (rf"\b(?:yesterday|last (?:night|week|weekend|month|year|{_DAYS}|spring|summer|autumn|fall|winter|"
                rf"christmas)|this (?:morning|afternoon|week|weekend|month|year)|{_COUNT} (?:days?|weeks?|months?|"
                rf"years?) ago|the other day|earlier this (?:week|month)|recently|lately|(?:the )?(?:past|last) "
                rf"(?:{_COUNT} )?(?:days|weeks|months|years)|in {_MONTHS}|in \d{{4}}|since)\b")
_TIME = (rf"{_PAST_PERIOD}|\b(?:today|tonight|{_DAYS}|{_MONTHS} \d{{1,2}}|\d{{1,2}} {_MONTHS}|(?:my|our) "
         rf"(?:birthday|anniversary|wedding|holiday|vacation|trip)|new year's(?: eve)?|christmas|easter)\b")
_MY_PERIOD = r"\bmy (?:week|day|month|year|weekend|entries|notes|journal|diary)\b|\beverything (?:i|we)\b|\ball my\b"
_ON_ITS_OWN = (r"^when did (?:i|we)\b(?! (?:become|get so|grow so|turn into|stop being|lose))"
               r"|^where did (?:i|we)\b(?! go wrong)")


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """Compiled when first used: the app imports this module before its first frame, which needs none."""
    return re.compile(pattern)


def _has(pattern: str, text: str) -> bool:
    return _regex(pattern).search(text) is not None


def classify(text: str) -> str:
    """``QUESTION`` when ``text`` is a question (or request) to the journal about the person's own
    past; ``ENTRY`` otherwise, and whenever in doubt (see the module notes)."""
    if len(text) > MAX_CHARS or not text.strip():
        return ENTRY
    plain = " ".join(text.replace("’", "'").replace("‘", "'").lower().split())
    if len(plain.split()) > MAX_WORDS:
        return ENTRY
    sentences = [part.strip() for part in _regex(r"(?<=[.?!…])\s+").split(plain) if part.strip()]
    asks = [_asks_the_journal(sentence) for sentence in sentences]
    if not any(asks):
        return ENTRY
    for sentence, asking in zip(sentences, asks, strict=True):
        if not asking and not sentence.endswith("?") and len(sentence.split()) > SHORT_WORDS:
            return ENTRY
    return QUESTION


def _asks_the_journal(sentence: str) -> bool:
    """One sentence (lower case) asks the journal about the person's own past."""
    text = _regex(_FILLERS).sub("", sentence)
    if not text or _has(_REFLECTIVE, text):
        return False
    record = _has(_RECORD, text)
    if _has(_WONDER, text):
        return record
    seeking = _has(_SEEKING, text) and _has(_OWN, text)
    own_past = _has(_OWN_PAST, text)
    if _has(_REQUEST, text):
        return record or seeking or own_past or _has(_PAST_PERIOD, text) or _has(_MY_PERIOD, text)
    if _has(r"^any(?:thing)?\b", text):
        return record or _has(_PAST_PERIOD, text)
    if _has(_LEAD, text):
        return record or seeking or (own_past and _has(_TIME, text)) or _has(_ON_ITS_OWN, text)
    if text.endswith("?"):  # "I wrote about this before, didn't I?"
        return seeking and (record or own_past)
    return False
