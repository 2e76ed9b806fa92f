"""Search terms: lower-cased words, stop words out, each reduced to its stem ("painted", "painting"
→ "paint"), so a question finds an entry worded another way.

Snowball's English stemmer (Porter 2) does the reducing; a word is stemmed once per process (a
journal repeats its words: the cache makes a 100k-entry load cost the stemming of its vocabulary).
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*", re.UNICODE)

STOP_WORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't
she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then
there there's these they they'd they'll they're they've this those through to too under until up very was
wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who who's whom
why why's with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves also just
yes yeah oh ok okay really so well will shall may might must us s t d ll m o re ve y
""".split())  # noqa: SIM905 - a word list reads better as text
"""Function words that say nothing of what an entry is about (a common English list)."""

ASKING_WORDS = frozenset("""
write wrote written writing journal journaled journaling entry entries note notes noted mention mentioned
remember remind recall tell say said told ask asked question questions anything something thing things ever
kind sort
""".split())  # noqa: SIM905 - a word list reads better as text
"""Words that frame a question to the journal ("what did I write about Sam?"): only Sam is sought.
They are dropped from a question's terms, never from an entry's."""


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer  # here: plain text pays nothing at import

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """``word`` (lower-case) reduced to its stem; a possessive loses its "'s" first."""
    if word.endswith("'s"):
        word = word[:-2]
    return _stemmer().stemWord(word) if word.isascii() else word


def words(text: str) -> list[str]:
    """Every word of ``text``, lower-cased (letters and digits; "don't" stays one word)."""
    return _WORD.findall(text.lower().replace("’", "'"))


def terms(text: str) -> list[str]:
    """An entry's search terms: its words without stop words, stemmed (repeats kept: they count)."""
    return [stem(word) for word in words(text) if word not in STOP_WORDS]


def query_terms(text: str) -> list[str]:
    """A question's search terms: like an entry's, without the words that frame a question to the
    journal; a question of framing words alone ("what did I write?") keeps them rather than none."""
    found = terms(text)
    sought = [term for term in found if term not in _asking_stems()]
    return sought or found


@lru_cache(maxsize=1)
def _asking_stems() -> frozenset[str]:
    """``ASKING_WORDS`` stemmed, as query terms are (once: the stemmer loads on first use)."""
    return frozenset(stem(word) for word in ASKING_WORDS)
