"""The metadata check agrees with the real index: what ``metadata_problem`` accepts, embedded Chroma
keeps exactly as given (and goes on working); what Chroma refuses, drops, converts or breaks on, the
check refuses first."""

from __future__ import annotations

import itertools

import pytest

from tui.adapters.chroma_recovery import close_chroma, open_chroma
from tui.adapters.environment import chroma_settings
from tui.domain.index_metadata import MAX_KEYS, MAX_LIST_ITEMS, metadata_problem

NAN, INF = float("nan"), float("inf")

CASES = {
    # kept as given
    "text, numbers, true/false": {"mood": "calm", "n": 3, "x": 1.5, "ok": True},
    "lists of one kind": {"tags": ["a", ""], "ns": [1, -2], "xs": [0.5, 2.5], "bs": [True, False]},
    "odd but plain keys": {"a.b": 1, "a#b": 2, "a$b": 3, " ": 4, "ключ": 5, "a:b": 6},
    "the largest 64-bit integers": {"big": 2 ** 63 - 1, "small": -(2 ** 63), "list": [2 ** 63 - 1]},
    "null (the index leaves the key out)": {"gone": None, "kept": 1},
    "as many keys and list items as allowed": {**{f"k{n}": n for n in range(MAX_KEYS - 1)},
                                               "tags": ["t"] * MAX_LIST_ITEMS},
    # refused by Chroma
    "an empty list": {"tags": []},
    "a nested object": {"where": {"city": "Oslo"}},
    "an empty key": {"": 1},
    "a key starting with #": {"#x": 1},
    "a key starting with $": {"$and": 1},
    "Chroma's document key": {"chroma:document": "a"},
    "a mixed list": {"tags": ["a", 1]},
    "ints and floats in one list": {"ns": [1, 2.5]},
    "a list holding null": {"tags": [None]},
    "a list of lists": {"tags": [[1]]},
    "a lone surrogate in a value": {"a": "\ud800"},
    "a lone surrogate in a key": {"\udc00": 1},
    "a lone surrogate in a list": {"a": ["\ud800"]},
    "a huge integer": {"a": 10 ** 400},
    # silently dropped or changed by Chroma
    "NaN": {"a": NAN},
    "Infinity": {"a": -INF},
    "an integer past 64 bits": {"a": 2 ** 63},
    "a list item past 64 bits": {"a": [2 ** 64]},
    "a key starting with chroma:": {"chroma:x": 1},
    # accepted by Chroma, then every later call on the collection fails
    "NaN in a list": {"a": [1.5, NAN]},
    "Infinity in a list": {"a": [INF]},
    "too many keys": {f"k{n}": n for n in range(5462)},
    "too many list items": {"a": list(range(3000)), "b": list(range(3000))},
}

_paths = itertools.count()


def chroma_keeps(tmp_path, metadata: dict) -> bool:
    """Whether a fresh embedded Chroma stores ``metadata`` exactly (a None value: left out) and still
    works afterwards."""
    path = tmp_path / f"chroma-{next(_paths)}"
    client = open_chroma(path, chroma_settings(path))
    try:
        collection = client.get_or_create_collection("mindpane-check", embedding_function=None)
        payload = {"data": "an entry", **metadata}
        try:
            collection.upsert(ids=["entry"], embeddings=[[0.1, 0.2, 0.3]], metadatas=[payload])
            kept = collection.get(ids=["entry"], include=["metadatas"])["metadatas"][0]
        except Exception:
            kept = None
        try:  # a later, ordinary write and read
            collection.upsert(ids=["later"], embeddings=[[0.3, 0.2, 0.1]], metadatas=[{"data": "later"}])
            works = collection.get(ids=["later"])["ids"] == ["later"]
        except Exception:
            works = False
    finally:
        client.close()
        close_chroma(path)
    expected = {key: value for key, value in payload.items() if value is not None}
    return works and kept is not None and typed(kept) == typed(expected)


def typed(value: object) -> object:
    """``value`` with the type of every item beside it: 2 ** 64 and 1.8446744073709552e+19 differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return type(value).__name__, value


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_check_accepts_exactly_what_chroma_keeps(tmp_path, case):
    metadata = CASES[case]

    accepted = metadata_problem(metadata) is None

    assert accepted == chroma_keeps(tmp_path, metadata)


def test_each_refusal_names_the_key_at_fault():
    assert '"metadata.tags"' in metadata_problem({"mood": "ok", "tags": []})
    assert '"metadata.where"' in metadata_problem({"where": {"city": "Oslo"}})
    assert "empty key" in metadata_problem({"": 1})
    assert '"metadata.scores"' in metadata_problem({"scores": [1.5, NAN]})
