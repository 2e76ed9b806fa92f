"""The words side of recall on its own: search terms, BM25 over a table that grows and shrinks, and
the sitting's context."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tui.recall import lexical
from tui.recall.lexical import Doc, LexicalIndex
from tui.recall.words import query_terms, terms

START = datetime(2026, 3, 1, 20, tzinfo=UTC)


def doc(memory_id: str, text: str, minutes: float = 0) -> Doc:
    return Doc(memory_id, text, START + timedelta(minutes=minutes))


def score_of(index: LexicalIndex, query: str) -> dict[str, float]:
    scores = index.scores(query_terms(query))
    return {memory_id: float(scores.raw[row]) for memory_id, row in scores.rows.items()}


def test_terms_are_stemmed_words_without_stop_words():
    assert terms("I painted the paintings, and she's painting!") == ["paint", "paint", "paint"]
    assert terms("Caroline's new job") == ["carolin", "new", "job"]


def test_a_question_to_the_journal_loses_its_framing_words_unless_they_are_all_it_has():
    assert query_terms("What did I write about Sam last week?") == ["sam", "last", "week"]
    assert query_terms("What did I write?") == ["write"]


def test_other_scripts_are_kept_as_words_and_not_stemmed():
    assert terms("Mi hermana se casó en Madrid") == ["mi", "hermana", "se", "casó", "en", "madrid"]
    assert terms("妹妹的婚礼") == ["妹妹的婚礼"]


def test_rare_words_weigh_more_than_common_ones():
    index = LexicalIndex()
    index.add([doc("a", "walked to work"), doc("b", "walked to the zoo", 100), doc("c", "walked home", 200)])

    scores = score_of(index, "walked zoo")

    assert scores["b"] > scores["a"] > 0 and scores["a"] == scores["c"]


def test_removed_and_replaced_entries_are_scored_by_what_they_hold_now():
    index = LexicalIndex()
    index.add([doc("a", "tulips by the gate"), doc("b", "a quiet book", 100)])
    index.remove("b")
    index.add([doc("a", "daffodils by the gate")])

    assert score_of(index, "tulips") == {"a": 0.0}
    assert score_of(index, "daffodils")["a"] > 0
    assert len(index) == 1 and "b" not in index


def test_many_single_adds_fold_into_the_table_and_score_the_same(monkeypatch):
    monkeypatch.setattr(lexical, "FOLD_AT", 50)
    monkeypatch.setattr(lexical, "SMALL_CHUNK", 8)
    one_by_one, at_once = LexicalIndex(), LexicalIndex()
    docs = [doc(f"e{n}", f"entry {n} about {'garden' if n % 3 else 'river'} and day {n % 7}", n * 60)
            for n in range(200)]
    for item in docs:
        one_by_one.add([item])
    at_once.add(docs)
    for gone in ("e5", "e50", "e150"):
        one_by_one.remove(gone)
        at_once.remove(gone)

    for query in ("garden", "river day 3", "entry 42"):
        assert score_of(one_by_one, query) == pytest.approx(score_of(at_once, query))


def test_a_neighbour_in_the_same_sitting_lends_its_words_and_one_an_hour_later_does_not():
    index = LexicalIndex()
    index.add([doc("a", "adoption agency evening"), doc("b", "met two couples there", 3),
               doc("c", "met my cousin", 90)])

    scores = index.scores(query_terms("adoption"))
    with_context = scores.with_context(0.4, gap_seconds=30 * 60)
    rows = scores.rows

    assert with_context[rows["b"]] == pytest.approx(0.4 * scores.raw[rows["a"]])
    assert with_context[rows["c"]] == 0.0


def test_the_ideal_counts_words_no_entry_holds_so_one_common_word_is_not_a_full_match():
    index = LexicalIndex()
    index.add([doc("a", "my manager praised my work"), doc("b", "morning run by the river", 10)])

    scores = index.scores(query_terms("jogging along the water before work"))

    assert 0 < scores.raw[scores.rows["a"]] < 0.5 * scores.ideal


def test_searches_while_entries_are_added_from_another_thread():
    index = LexicalIndex()
    index.add([doc("seed", "garden")])
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(300):
                index.add([doc(f"w{n}", f"garden bed {n}", n)])
                if n % 10 == 0:
                    index.remove(f"w{n - 5}")
        except BaseException as error:  # reported below
            failures.append(error)

    thread = threading.Thread(target=writer)
    thread.start()
    while thread.is_alive():
        scores = index.scores(["garden"])
        assert np.all(scores.raw >= 0)
    thread.join()

    assert not failures
    assert len(index) == 1 + 300 - 29  # w-5 was never there
