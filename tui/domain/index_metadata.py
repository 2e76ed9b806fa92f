"""Which entry metadata the index (Chroma 1.5) can keep, checked before the record takes an entry.

Chroma refuses some metadata outright (a nested object, an empty or mixed list, an empty key or one
starting with ``#`` or ``$``), drops some (a key starting with ``chroma:``) and, worse, *accepts*
some that then break its collection for good on the next read (a NaN inside a list, more than
5,461 keys or list items in one entry): every later call fails, so the store could no longer open.
An entry the record keeps must be one the index takes, so import checks with
:func:`metadata_problem` first, and the store checks again before it writes to Chroma (an entry
stored by an older mindpane may still break these rules).

Stricter than Chroma where Chroma would lose data silently: NaN and ±Infinity (Chroma drops the
key; JSON cannot carry them back out) and integers beyond 64 bits (Chroma turns them into floats).
tests/store/test_index_metadata.py holds each rule against a real Chroma.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

MAX_KEYS = 5000
"""Keys one entry's metadata may have (Chroma breaks past 5,461, and mindpane adds about ten)."""
MAX_LIST_ITEMS = 5000
"""List items one entry's metadata may hold in all (Chroma breaks past 5,461)."""
_RESERVED_STARTS = ("#", "$", "chroma:")
_INT64 = (-(2 ** 63), 2 ** 63 - 1)
_SCALARS = (str, int, float, bool)


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in ``text`` as ``\\udXXX`` (not valid Unicode: no file or database
    can store it as UTF-8), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"\\u{ord(text[error.start]):04x}"
    return None


def metadata_problem(metadata: Mapping) -> str | None:
    """Why the index cannot keep ``metadata`` (one line naming the key), or None when it can."""
    if len(metadata) > MAX_KEYS:
        return f"metadata has {len(metadata):,} keys; the index keeps at most {MAX_KEYS:,}"
    items, longest = 0, None
    for key, value in metadata.items():
        problem = _key_problem(key)
        if problem is None:
            problem = _value_problem(value)
        if problem is not None:
            return f"{_name(key)} {problem}" if isinstance(key, str) and key else problem
        if isinstance(value, list):
            items += len(value)
            longest = key if longest is None or len(value) > len(metadata[longest]) else longest
    if items > MAX_LIST_ITEMS:
        return (f"metadata lists hold {items:,} items in all ({_name(longest)} {len(metadata[longest]):,}); "
                f"the index keeps at most {MAX_LIST_ITEMS:,}")
    return None


def _name(key: str) -> str:
    shown = key if lone_surrogate(key) is None else key.encode("utf-8", "backslashreplace").decode("ascii")
    return f'"metadata.{shown[:60]}"'


def _key_problem(key: object) -> str | None:
    if not isinstance(key, str):
        return "metadata keys must be text"
    if not key:
        return "metadata has an empty key, which the index cannot keep"
    surrogate = lone_surrogate(key)
    if surrogate is not None:
        return f"(a key) holds a lone surrogate ({surrogate}), which is not valid Unicode"
    if key.startswith(_RESERVED_STARTS):
        return "is a key name the index keeps for itself (it may not start with #, $ or chroma:)"
    return None


def _value_problem(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return _list_problem(value)
    if isinstance(value, dict):
        return "is an object; a metadata value must be text, a number, true/false or a list of one of these"
    return _scalar_problem(value)


def _scalar_problem(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            return "is too large a number for the index (integers fit in 64 bits)"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "is not a finite number (NaN or Infinity cannot be kept)"
    if isinstance(value, str):
        surrogate = lone_surrogate(value)
        return None if surrogate is None else f"holds a lone surrogate ({surrogate}), which is not valid Unicode"
    return f"is a {type(value).__name__}, which the index cannot keep"


def _list_problem(values: list) -> str | None:
    if not values:
        return "is an empty list, which the index cannot keep"
    kinds = {_kind(item) for item in values}
    if None in kinds:
        held = next(item for item in values if _kind(item) is None)
        shown = "null" if held is None else "an object" if isinstance(held, dict) else "a list" \
            if isinstance(held, list) else type(held).__name__
        return f"holds {shown}; a metadata list may hold only text, numbers or true/false"
    if len(kinds) > 1:
        return "mixes kinds of values; a metadata list must hold one kind (all text, all numbers…)"
    for item in values:
        problem = _scalar_problem(item)
        if problem is not None:
            return f"holds a value that {problem}"
    return None


def _kind(item: object) -> type | None:
    """The kind Chroma groups a list item by (bool apart from int, int apart from float)."""
    if isinstance(item, bool):
        return bool
    return next((kind for kind in _SCALARS if type(item) is kind), None)
