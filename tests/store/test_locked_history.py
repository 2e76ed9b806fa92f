"""A locked journal's memory history (#20): its index lives in memory, so each entry's story (the
history pane's "changes of this memory") is rebuilt from the encrypted record's change log at open,
and tells the same events as mem0's ``history.db`` tells for a plain journal."""

from __future__ import annotations

import os

from tui.domain.modes import builtin_modes
from tui.services.engine import embedder_factory, open_journal

JOURNAL = builtin_modes()["journal"]


def live_through(journal, clock) -> tuple[str, str]:
    """Add, edit, delete, undo: the same story for any journal."""
    first = journal.add_entry(JOURNAL, "Walked the dog along the river.")
    clock.advance(minutes=5)
    journal.update_text(first.id, "Walked the dog along the frozen river.")
    clock.advance(minutes=5)
    second = journal.add_entry(JOURNAL, "Bought seeds for the allotment.")
    clock.advance(minutes=5)
    journal.delete(second.id)
    clock.advance(minutes=5)
    journal.undo()  # the delete: the entry is back
    clock.advance(minutes=5)
    journal.update_text(first.id, "Walked the old dog along the frozen river.")
    clock.advance(minutes=5)
    journal.undo()  # that edit
    return first.id, second.id


def story(journal, memory_id):
    return [(event.event, event.old_text, event.new_text) for event in journal.history(memory_id)]


def test_a_reopened_locked_journal_tells_each_memory_s_story_as_a_plain_one_does(settings, clock, tmp_path):
    from dataclasses import replace

    from tests.conftest import FixedClock

    plain_settings = replace(settings, data_dir=tmp_path / "plain")
    plain = open_journal(plain_settings.data_dir, embedder_factory(plain_settings), clock)
    try:
        plain_ids = live_through(plain, clock)
        expected = [story(plain, memory_id) for memory_id in plain_ids]
    finally:
        plain.close()

    key, locked_clock = os.urandom(32), FixedClock()
    locked = open_journal(settings.data_dir, embedder_factory(settings), locked_clock, key=key)
    try:
        ids = live_through(locked, locked_clock)
        assert [story(locked, memory_id) for memory_id in ids] == expected
    finally:
        locked.close()

    again = open_journal(settings.data_dir, embedder_factory(settings), locked_clock, key=key)
    try:
        assert [story(again, memory_id) for memory_id in ids] == expected
        times = [event.at for event in again.history(ids[0])]
        assert times == sorted(times) and len(set(times)) == len(times)  # the log's times, in order
        assert [event.event for event in again.history(ids[1])] == ["ADD", "DELETE", "ADD"]
    finally:
        again.close()
    assert expected[0][0] == ("ADD", None, "Walked the dog along the river.")
