"""A hub that edits, swaps, replays or empties rows: the device reading them refuses each one,
reports it (seq, entry, why) and applies nothing of it; the honest rows around it still apply."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from tests.sync.devices import two_devices
from tui.adapters import sync_envelope
from tui.domain.modes import JOURNAL
from tui.domain.sync import PUT, HubRow

RIVER = "Walked by the river with Ana, the herons were back."
BREAD = "Baked bread for the first time; the crust cracked."
LAKE = "Swam in the lake; the water was cold and clear."


@pytest.fixture
def devices(settings, clock, tmp_path):
    with two_devices(settings, clock, tmp_path) as pair:
        yield pair


def rows_of(hub, entry_id: str) -> list[HubRow]:
    return [row for row in hub.pull(0) if row.entry_id == entry_id]


def test_a_changed_byte_is_refused_and_the_other_rows_still_apply(devices):
    laptop, desktop = devices
    river = laptop.journal.add_entry(JOURNAL, RIVER)
    bread = laptop.journal.add_entry(JOURNAL, BREAD)
    laptop.sync()
    row = rows_of(laptop.hub, river.id)[0]
    laptop.hub.write_raw(replace(row, sealed=row.sealed[:30] + bytes([row.sealed[30] ^ 0x40]) + row.sealed[31:]))
    report = desktop.sync()
    assert [(r.seq, r.entry_id) for r in report.refused] == [(row.seq, river.id)]
    assert "does not authenticate" in report.refused[0].reason and RIVER not in report.refused[0].reason
    assert desktop.alive() == {bread.id: BREAD}
    assert desktop.sync().refused == []  # reported once; the next sync goes on from there


def test_two_rows_with_their_entry_ids_swapped_are_both_refused(devices):
    laptop, desktop = devices
    river = laptop.journal.add_entry(JOURNAL, RIVER)
    bread = laptop.journal.add_entry(JOURNAL, BREAD)
    laptop.sync()
    first, second = rows_of(laptop.hub, river.id)[0], rows_of(laptop.hub, bread.id)[0]
    laptop.hub.write_raw(replace(first, entry_id=bread.id))
    laptop.hub.write_raw(replace(second, entry_id=river.id))
    report = desktop.sync()
    assert sorted(r.seq for r in report.refused) == [first.seq, second.seq]
    assert desktop.alive() == {}


def test_an_old_row_replayed_with_a_new_seq_is_refused(devices):
    laptop, desktop = devices
    river = laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync()
    laptop.journal.update_text(river.id, RIVER + " Then rain.")
    laptop.sync()
    desktop.sync()
    old = rows_of(laptop.hub, river.id)[0]
    laptop.hub.write_raw(replace(old, seq=0))  # appended again, after the edit
    report = desktop.sync()
    assert [r.entry_id for r in report.refused] == [river.id] and "replayed" in report.refused[0].reason
    assert desktop.alive() == {river.id: RIVER + " Then rain."}


def test_a_replay_within_one_pull_is_refused_too(devices):
    laptop, desktop = devices
    river = laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync()
    laptop.journal.update_text(river.id, RIVER + " Then rain.")
    laptop.sync()
    laptop.hub.write_raw(replace(rows_of(laptop.hub, river.id)[0], seq=0))
    report = desktop.sync()  # a new device: all three rows in one pull
    assert len(report.refused) == 1
    assert desktop.alive() == {river.id: RIVER + " Then rain."}


def test_a_dropped_ciphertext_without_an_erase_is_refused(devices):
    laptop, desktop = devices
    river = laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync()
    laptop.hub.write_raw(replace(rows_of(laptop.hub, river.id)[0], sealed=None))
    report = desktop.sync()
    assert [r.entry_id for r in report.refused] == [river.id] and "no erase" in report.refused[0].reason
    assert desktop.alive() == {}


def test_a_row_sealed_with_another_journals_key_is_refused(devices):
    laptop, desktop = devices
    state = {"id": "e-foreign", "mode": "journal", "text": LAKE, "reply": "", "metadata": {},
             "created_at": "2026-11-20T09:30:00+00:00", "updated_at": "2026-11-20T09:30:00+00:00",
             "deleted_at": None, "pinned_since": None, "vector": None}
    sealed = sync_envelope.seal(os.urandom(32), "journal-1", "e-foreign", 1, PUT, laptop.device, state)
    laptop.hub.push([HubRow("e-foreign", 1, laptop.device, PUT, sealed)], {})
    report = desktop.sync()
    assert [r.entry_id for r in report.refused] == ["e-foreign"]
    assert desktop.alive() == {}


def test_an_authentic_row_holding_another_entrys_state_is_refused(devices):
    laptop, desktop = devices
    state = {"id": "e-other", "mode": "journal", "text": LAKE, "reply": "", "metadata": {},
             "created_at": "2026-11-20T09:30:00+00:00", "updated_at": "2026-11-20T09:30:00+00:00",
             "deleted_at": None, "pinned_since": None, "vector": None}
    sealed = sync_envelope.seal(laptop.key, "journal-1", "e-1", 1, PUT, laptop.device, state)
    laptop.hub.push([HubRow("e-1", 1, laptop.device, PUT, sealed)], {})
    assert [r.entry_id for r in desktop.sync().refused] == ["e-1"]
    assert desktop.alive() == {}
