"""Recall by meaning and by words (issue #17): what LoCoMo showed dense-only recall getting wrong,
each as a case a person would hit, against the real store and the bundled embedder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.domain.modes import CODE, JOURNAL
from tui.domain.records import ImportedEntry
from tui.services.engine import make_chat, make_turns
from tui.services.turn import Recalled


def texts(memories) -> list[str]:
    return [memory.record.text for memory in memories]


def at(day: int, hour: int = 20, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def test_short_chit_chat_naming_a_person_does_not_crowd_out_the_answer(store):
    """"Caroline: Cool! What did it look like?" scored 0.66 for "What is Caroline's identity?"."""
    store.import_entries(JOURNAL, [
        ImportedEntry("Caroline: Cool! What did it look like?", at(1)),
        ImportedEntry("Caroline: Thanks, Caroline here!", at(2)),
        ImportedEntry("Caroline: Haha yes, Caroline loves that.", at(3)),
        ImportedEntry("Caroline: I'm a transgender woman and I'm proud of who I am.", at(4)),
        ImportedEntry("Melanie: The kids painted a sunset at the lake.", at(5)),
    ])

    recalled = store.recall("What is Caroline's identity? Is she transgender?", JOURNAL, 5)

    assert texts(recalled)[0] == "Caroline: I'm a transgender woman and I'm proud of who I am."


def test_a_rare_word_finds_its_entry_that_meaning_alone_ranks_low(store):
    store.import_entries(JOURNAL, [
        ImportedEntry(f"Walked by the river and thought about work, day {n}.", at(1 + n % 20)) for n in range(40)
    ] + [ImportedEntry("Booked the Kilimanjaro trek for March, nervous but excited.", at(21))])

    assert texts(store.recall("When is the Kilimanjaro trip?", JOURNAL, 3))[0] == (
        "Booked the Kilimanjaro trek for March, nervous but excited.")


def test_words_are_matched_by_their_stem(store):
    store.import_entries(JOURNAL, [
        ImportedEntry("Spent the whole afternoon painting the garden fence blue.", at(1)),
        ImportedEntry("Long walk, then soup and an early night.", at(2)),
        ImportedEntry("Read about fences and borders in a history book.", at(3)),
    ])

    assert texts(store.recall("what did I paint?", JOURNAL, 1)) == [
        "Spent the whole afternoon painting the garden fence blue."]


def test_an_entry_is_found_through_what_was_written_in_the_same_sitting(store):
    """A sitting's entries share a subject each names only in part."""
    store.import_entries(JOURNAL, [
        ImportedEntry("Went to the adoption agency open evening with Sam.", at(1, 19, 0)),
        ImportedEntry("Met two couples there; one said the wait took three years.", at(1, 19, 3)),
        *(ImportedEntry(f"Ordinary day number {n}, nothing much happened at work.", at(2 + n)) for n in range(12)),
        ImportedEntry("Three years of waiting is what my cousin said about her visa.", at(20)),
    ])

    recalled = texts(store.recall("How long did the adoption wait take, according to the couples?", JOURNAL, 2))

    assert "Met two couples there; one said the wait took three years." in recalled


@pytest.mark.parametrize("query", [
    "", "   ", "what did I do?", "the and of a", "¿Qué escribí sobre mi hermana?", "妹妹的婚礼怎么样？",
    "🙂🙂🙂", "x" * 200_000, "Caroline " * 20_000,
])
def test_odd_queries_never_crash_and_recall_when_they_hold_anything(store, query):
    store.import_entries(JOURNAL, [ImportedEntry("Caroline went to her sister's wedding in Madrid.", at(1)),
                                   ImportedEntry("Mi hermana se casó en Madrid.", at(2))])

    recalled = store.recall(query, JOURNAL, 5)

    assert recalled == [] if not query.strip() else len(recalled) <= 2


def test_a_question_of_stop_words_alone_still_recalls_by_meaning(store):
    store.import_entries(JOURNAL, [ImportedEntry("Had a lovely day at the beach with the kids.", at(1))])

    assert texts(store.recall("what did I do?", JOURNAL, 5, 0.0)) == ["Had a lovely day at the beach with the kids."]


def test_the_words_table_follows_edits_deletes_undo_and_forget(store):
    store.import_entries(JOURNAL, [ImportedEntry("Planted tulips along the path.", at(1)),
                                   ImportedEntry("Quiet evening with a book.", at(2))])
    tulips = store.recall("tulips", JOURNAL, 1)[0].record

    store.update_text(tulips.id, "Planted daffodils along the path.")
    assert "tulips" not in texts(store.recall("tulips daffodils", JOURNAL, 2))[0]
    assert texts(store.recall("daffodils", JOURNAL, 1)) == ["Planted daffodils along the path."]

    store.delete(tulips.id)
    assert "Planted daffodils along the path." not in texts(store.recall("daffodils", JOURNAL, 5))
    store.undo()
    assert texts(store.recall("daffodils", JOURNAL, 1)) == ["Planted daffodils along the path."]

    store.forget([tulips.id])
    assert "Planted daffodils along the path." not in texts(store.recall("daffodils", JOURNAL, 5))


def test_the_wall_between_modes_holds_for_words_too(store):
    store.import_entries(CODE, [ImportedEntry("How do I sort a dict of tulips by value?", at(1))])
    store.import_entries(JOURNAL, [ImportedEntry("Quiet evening with a book.", at(2))])

    assert "tulips" not in " ".join(texts(store.recall("tulips", JOURNAL, 5)))


def test_a_new_entry_is_found_by_its_words_in_the_next_turn(store, settings, clock, ollama_stub):
    store.import_entries(JOURNAL, [ImportedEntry(f"Ordinary day {n}.", clock.now - timedelta(days=n + 1))
                                   for n in range(20)])
    turns = make_turns(store, make_chat(settings), settings, clock=clock)
    list(turns.run(JOURNAL, "Zanzibar is where Priya wants to go for her birthday."))

    recalled = next(event for event in turns.run(JOURNAL, "Where does Priya want to go?")
                    if isinstance(event, Recalled))

    assert texts(recalled.memories)[0] == "Zanzibar is where Priya wants to go for her birthday."


def test_a_third_person_question_naming_a_date_puts_that_days_entries_first(store, settings, clock, ollama_stub):
    """"What painting did Melanie show on October 13, 2023?" got no window before."""
    start = datetime(2023, 10, 1, 18, tzinfo=UTC)
    store.import_entries(JOURNAL, [
        *(ImportedEntry(f"Melanie: I showed Caroline my painting number {n} today.", start + timedelta(days=n))
          for n in range(20) if n not in (12, 13)),
        ImportedEntry("Melanie: Here's the lake sunset I finished, my favourite yet.", start + timedelta(days=12)),
    ])
    turns = make_turns(store, make_chat(settings), settings, clock=lambda: datetime(2023, 11, 1, tzinfo=UTC))

    recalled = next(event for event in turns.run(JOURNAL, "What painting did Melanie show on October 13, 2023?")
                    if isinstance(event, Recalled))

    assert texts(recalled.memories)[0] == "Melanie: Here's the lake sunset I finished, my favourite yet."
    assert recalled.memories[0].reason == "from October 13"


def test_again_in_passing_does_not_put_the_newest_entry_first(store, settings, clock, ollama_stub):
    """"again" triggered newest-first and put "Nate: Bye Joanna!" first."""
    store.import_entries(JOURNAL, [
        ImportedEntry("The lentil soup recipe: onions, cumin, red lentils, lemon at the end.",
                      clock.now - timedelta(days=30)),
        ImportedEntry("Bye for now, talk tomorrow!", clock.now - timedelta(days=1)),
    ])
    turns = make_turns(store, make_chat(settings), settings, clock=clock)

    recalled = next(event for event in turns.run(JOURNAL, "What was in that lentil soup recipe again?")
                    if isinstance(event, Recalled))

    assert texts(recalled.memories)[0].startswith("The lentil soup recipe")
    assert recalled.memories[0].reason == ""
