"""What kind a turn is: an entry (something the person wrote) or a question to the journal about
their own past ("what did I write about Sam?"). Decided from the text alone, locally; when in doubt,
an entry. Questions are kept and shown but not recalled as memories (unless the mode says so)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tui.domain.entry_kind import ENTRY, QUESTION, classify, flipped, kind_of, recallable
from tui.domain.modes import CODE, JOURNAL
from tui.domain.records import MemoryRecord

QUESTIONS_TO_THE_JOURNAL = [
    "What did I write about Sam last week?",
    "What did I write yesterday?",
    "what did i write about sam",
    "What did I write on Tuesday?",
    "What have I written about my dad?",
    "What did I say about the move?",
    "What did we talk about yesterday?",
    "When did I last see Sam?",
    "When did I start running?",
    "When was the last time I felt this calm?",
    "Did I ever write about my grandmother?",
    "Did I ever tell you about the trip to Porto?",
    "Did I mention Ana last month?",
    "Did I go to the gym on Monday?",
    "Have I ever mentioned the dentist?",
    "Have I written about work this week?",
    "Remind me what I said about the new flat.",
    "Remind me when I last called mom",
    "remind me of the book Ana recommended",
    "Can you remind me what I wrote about the garden?",
    "Tell me what I wrote on Sunday.",
    "Show me my entries about running.",
    "Summarize my week.",
    "Summarise last month",
    "List everything I wrote about Sam.",
    "What did I do last weekend?",
    "What did I eat on Friday?",
    "What was I worried about two weeks ago?",
    "What happened last Tuesday?",
    "What happened with Sam last week?",
    "How many times did I go running this month?",
    "How often have I written about sleep?",
    "Where did I put the spare keys?",
    "Any entries about Lisbon?",
    "Anything about Sam from last week?",
    "Is there anything in my journal about the wedding?",
    "Do you remember what I wrote about my sister?",
    "Remember when I went to Paris?",
    "What was the name of the restaurant I went to in March?",
    "I wrote about this before, didn't I?",
    "I can't remember what I wrote about the interview.",
    "Quick question: what did I write about Sam?",
    "Hey, what did I write about the lake?",
    "What did I write about Sam? I can't remember.",
    "What did I write about Sam last week? Was it about the trip?",
    "Sam again. What did I write about him last time?",
    "  What did I write yesterday?  ",
    "What did I write about the move…",
    "WHAT DID I WRITE ABOUT SAM?",
    "What did I write about Sam’s birthday?",
    "What did I have for dinner last night?",
    "Who did I meet at the conference last month?",
    "Did I take my meds this morning?",
    "Have I told you about Ana?",
    "Was I happy in 2023?",
    "Journal, what did I do on my birthday?",
    "Look up my entries from March.",
    "Recap the last 3 days.",
    "What's the last thing I wrote?",
    "How many entries did I write in October?",
]

ENTRIES = [
    "Why do I always feel tired on Mondays?",
    "Why did I say yes to that?",
    "Why was I so upset last Tuesday?",
    "What if I just quit my job?",
    "Should I call Sam tomorrow?",
    "Did I make the right choice moving here? I keep wondering.",
    "What was I thinking?",
    "What have I done?",
    "How do I stop overthinking everything?",
    "What do I really want from this year?",
    "Am I too hard on myself?",
    "Where did I go wrong with Ana?",
    "When did I become so cynical?",
    "When did I get so tired of everything?",
    "What happened to my motivation?",
    "Remind me to call mom tomorrow.",
    "Tell me what you think about my plan to move.",
    "Give me a prompt for today.",
    "Spent the day at the lake. Why does water calm me so much?",
    "I wrote a poem today, isn't that cool?",
    "Long day. The move is stressing me out.",
    "Sam called today and we talked for an hour about the trip.",
    "I wrote three pages about my dad this morning and cried a little.",
    "I mentioned the dentist to Ana yesterday, she laughed.",
    "Had a huge fight with Sam tonight. What did I write about him last week? I think it was kinder than what "
    "I feel now, and I need to sort out why I keep reacting like this.",
    "Did I ever tell you about my dad? He was a sailor and spent years at sea, and every time he came home "
    "the house smelled of salt and diesel for a week.",
    "I can't remember what happened last night, I was so tired.",
    "I wonder if I'll ever feel at home here.",
    "What should I write about today?",
    "Today I went running for the first time in months.",
    "Feeling grateful.",
    "?",
    "???",
    "What?",
    "Did I?",
    "ok",
    "Have I been too harsh on Sam?",
    "Is it ever going to get better?",
    "Tell me something nice.",
    "I keep thinking about what Sam said last week. Why does it bother me so much?",
    "I don't know what to write today.",
    "What am I grateful for today? My sister, coffee, the sun.",
    "How do I feel today? Honestly, tired.",
    "Have I told you about Ana? She is my new colleague and she is really funny and kind.",
    "Wrote a letter to grandma today.",
    "Another foggy walk this morning.",
    "How are you?",
    "Good night.",
]


@pytest.mark.parametrize("text", QUESTIONS_TO_THE_JOURNAL)
def test_a_question_to_the_journal_about_the_persons_own_past_is_a_question(text):
    assert classify(text) == QUESTION


@pytest.mark.parametrize("text", ENTRIES)
def test_a_journal_entry_stays_an_entry_even_when_it_asks_something(text):
    assert classify(text) == ENTRY


@pytest.mark.parametrize("text", [
    "", "   ", "\n\n", "\x00\x1b[31m", "é" * 10,
    "Qu'est-ce que j'ai écrit sur Sam la semaine dernière ?",
    "Was habe ich letzte Woche über Sam geschrieben?",
    "先週サムについて何を書いた？",
    "ما الذي كتبته عن سام الأسبوع الماضي؟",
    "🙂🙂🙂?",
])
def test_empty_or_non_english_text_classifies_without_crashing_as_an_entry(text):
    assert classify(text) == ENTRY


def test_a_huge_text_classifies_at_once_as_an_entry():
    huge = "What did I write about Sam last week? " + "word " * 400_000
    assert classify(huge) == ENTRY
    assert classify("What did I write? " * 50_000) == ENTRY


def test_flipping_a_kind_gives_the_other_one():
    assert flipped(ENTRY) == QUESTION and flipped(QUESTION) == ENTRY


def record(metadata: dict) -> MemoryRecord:
    moment = datetime(2026, 11, 20, tzinfo=UTC)
    return MemoryRecord("id", "text", "journal", moment, moment, metadata=metadata)


def test_an_entry_stored_before_kinds_existed_is_an_entry():
    assert kind_of({}) == ENTRY and kind_of({"kind": "entry"}) == ENTRY
    assert kind_of({"kind": "question"}) == QUESTION
    assert kind_of({"kind": "something else"}) == ENTRY


def test_a_question_is_not_recalled_unless_the_mode_recalls_questions():
    question, entry = record({"kind": "question"}), record({})
    assert recallable(entry, JOURNAL) and not recallable(question, JOURNAL)
    assert recallable(question, replace(JOURNAL, recall_questions=True))


def test_a_code_question_stays_recallable_as_it_always_was():
    assert recallable(record({"mode": "code"}), CODE)
    assert not CODE.mark_questions and JOURNAL.mark_questions


def test_a_reply_marked_wrong_does_not_keep_the_entry_from_being_recalled():
    assert recallable(record({"reply_wrong": True}), JOURNAL)
