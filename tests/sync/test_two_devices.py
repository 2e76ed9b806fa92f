"""One journal on two devices through a hub: what one writes, edits, deletes, undoes, pins or
forgets shows on the other after each syncs; edits of one entry on both keep both texts."""

from __future__ import annotations

import pytest

from tests.sync.devices import Device, two_devices
from tui.domain.errors import HubError
from tui.domain.modes import JOURNAL
from tui.services.sync.conflicts import conflict_copies, resolve

RIVER = "Walked by the river with Ana, the herons were back."
BREAD = "Baked bread for the first time; the crust cracked."


@pytest.fixture
def devices(settings, clock, tmp_path):
    with two_devices(settings, clock, tmp_path) as pair:
        yield pair


def test_a_new_entry_reaches_the_other_device_with_its_vector(devices):
    laptop, desktop = devices
    entry = laptop.journal.add_entry(JOURNAL, RIVER, reply="Herons return each spring.")
    assert laptop.sync().pushed == 1
    report = desktop.sync()
    assert report.pulled == 1 and report.pushed == 0
    assert desktop.view() == laptop.view()
    found = desktop.journal.recall("herons by the river", JOURNAL, k=1)
    assert [memory.record.id for memory in found] == [entry.id]
    assert desktop.journal.record.without_vector(desktop.journal.index.embedder_name, "journal") == []


def test_a_change_pulled_is_not_pushed_back(devices):
    laptop, desktop = devices
    laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync()
    desktop.sync()
    assert desktop.sync().pushed == 0 and laptop.sync().pulled == 0
    assert len(laptop.hub.pull(0)) == 1


def test_edit_delete_undo_and_pins_sync(devices):
    laptop, desktop = devices
    entry = laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync(), desktop.sync()
    desktop.journal.update_text(entry.id, RIVER + " Cold wind.")
    desktop.journal.pin(entry.id)
    desktop.sync(), laptop.sync()
    assert laptop.alive() == {entry.id: RIVER + " Cold wind."}
    assert laptop.journal.record.pinned_ids("journal") == {entry.id}
    assert laptop.view() == desktop.view()
    laptop.journal.delete(entry.id)
    laptop.sync(), desktop.sync()
    assert desktop.alive() == {}
    desktop.journal.undo()  # the delete, as it came from the laptop, is undone on the desktop
    desktop.sync(), laptop.sync()
    assert laptop.alive() == {entry.id: RIVER + " Cold wind."}
    laptop.journal.unpin(entry.id)
    laptop.sync(), desktop.sync()
    assert desktop.journal.record.pinned_ids() == set()
    assert laptop.view() == desktop.view()


def test_the_same_entry_edited_on_both_keeps_both_texts(devices):
    laptop, desktop = devices
    entry = laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync(), desktop.sync()
    laptop.journal.update_text(entry.id, "Laptop: " + RIVER)
    desktop.journal.update_text(entry.id, "Desktop: " + RIVER)
    laptop.sync()
    report = desktop.sync()
    assert len(report.conflicts) == 1
    laptop.sync()
    for device in (laptop, desktop):
        assert sorted(device.alive().values()) == ["Desktop: " + RIVER, "Laptop: " + RIVER]
        assert device.alive()[entry.id] == "Desktop: " + RIVER  # the edit re-based on top is current
        copies = conflict_copies(device.journal)
        assert [(copy.text, copy.metadata["conflict_of"]) for copy in copies] == [("Laptop: " + RIVER, entry.id)]
    assert laptop.view() == desktop.view()
    resolve(laptop.journal, conflict_copies(laptop.journal)[0].id, keep="copy")
    laptop.sync(), desktop.sync()
    for device in (laptop, desktop):
        assert device.alive() == {entry.id: "Laptop: " + RIVER}
        assert conflict_copies(device.journal) == []


def test_a_forgotten_entry_is_erased_everywhere_and_the_hub_keeps_no_ciphertext(devices):
    laptop, desktop = devices
    entry = laptop.journal.add_entry(JOURNAL, RIVER)
    kept = laptop.journal.add_entry(JOURNAL, BREAD)
    laptop.sync(), desktop.sync()
    desktop.journal.update_text(entry.id, RIVER + " again")
    desktop.sync()
    laptop.journal.forget([entry.id])
    laptop.sync()
    assert [row.sealed for row in laptop.hub.pull(0) if row.entry_id == entry.id and row.kind == "put"] == [None, None]
    desktop.sync()
    assert desktop.alive() == {kept.id: BREAD}
    assert desktop.journal.record.get(entry.id, include_deleted=True) is None
    assert all(change.entry_id != entry.id for change in desktop.journal.record.changes())


def test_erase_reaches_the_hub_even_when_the_app_stops_right_after_forget(devices, settings, clock, tmp_path):
    from tests.sync.devices import open_device

    laptop, desktop = devices
    entry = laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync(), desktop.sync()
    laptop.journal.forget([entry.id])
    laptop.journal.close()  # no sync before it stops
    laptop.journal = open_device(settings, clock, tmp_path / "laptop")  # the fixture closes it
    laptop.sync()
    desktop.sync()
    assert desktop.alive() == {}


def test_a_month_offline_editing_what_the_other_forgot_neither_resurrects_nor_duplicates(devices, clock):
    laptop, desktop = devices
    entry = laptop.journal.add_entry(JOURNAL, RIVER)
    other = laptop.journal.add_entry(JOURNAL, BREAD)
    laptop.sync(), desktop.sync()
    laptop.journal.forget([entry.id])
    laptop.sync()
    for day in range(30):  # the desktop is offline, and edits the entry the laptop forgot
        clock.advance(days=1)
        desktop.journal.update_text(entry.id, f"{RIVER} day {day}")
    desktop.journal.update_text(other.id, BREAD + " Better now.")
    report = desktop.sync()
    laptop.sync()
    assert report.conflicts == []
    for device in (laptop, desktop):
        assert device.alive() == {other.id: BREAD + " Better now."}
    assert all(row.sealed is None for row in laptop.hub.pull(0) if row.entry_id == entry.id and row.kind == "put")
    assert desktop.sync().pushed == 0 and laptop.sync().pushed == 0


def test_keeping_the_current_version_drops_the_copy_on_both(devices):
    laptop, desktop = devices
    entry = laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync(), desktop.sync()
    laptop.journal.update_text(entry.id, "Laptop: " + RIVER)
    desktop.journal.update_text(entry.id, "Desktop: " + RIVER)
    laptop.sync(), desktop.sync(), laptop.sync()
    resolve(desktop.journal, conflict_copies(desktop.journal)[0].id, keep="current")
    desktop.sync(), laptop.sync()
    for device in (laptop, desktop):
        assert device.alive() == {entry.id: "Desktop: " + RIVER}
    assert laptop.view() == desktop.view()


class AnswerLost:
    """A hub whose pushes commit, and whose answers never arrive."""

    def __init__(self, hub) -> None:
        self._hub = hub

    def push(self, rows, bases):
        self._hub.push(rows, bases)
        raise HubError("The sync hub did not answer", "try again")

    def __getattr__(self, name):
        return getattr(self._hub, name)


def test_a_push_whose_answer_was_lost_is_not_pushed_twice(devices):
    laptop, desktop = devices
    entry = laptop.journal.add_entry(JOURNAL, RIVER)
    with pytest.raises(HubError):
        Device(laptop.journal, laptop.device, AnswerLost(laptop.hub), laptop.key).sync()
    laptop.journal.update_text(entry.id, RIVER + " Then rain.")
    report = laptop.sync()
    assert report.conflicts == [] and report.pushed == 1
    assert [(row.entry_id, row.version) for row in laptop.hub.pull(0)] == [(entry.id, 1), (entry.id, 2)]
    desktop.sync()
    assert desktop.alive() == {entry.id: RIVER + " Then rain."}


class PullsLate:
    """A hub whose first pull misses the newest rows (they landed just after it was read)."""

    def __init__(self, hub) -> None:
        self._hub, self._late = hub, True

    def pull(self, after, limit=1000):
        if self._late:
            self._late = False
            return []
        return self._hub.pull(after, limit)

    def __getattr__(self, name):
        return getattr(self._hub, name)


def test_a_push_of_an_entry_erased_on_the_hub_forgets_it_here(devices):
    laptop, desktop = devices
    entry = laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync(), desktop.sync()
    desktop.journal.update_text(entry.id, RIVER + " Edited offline.")
    laptop.journal.forget([entry.id])
    laptop.sync()
    report = Device(desktop.journal, desktop.device, PullsLate(desktop.hub), desktop.key).sync()
    assert report.erased == 1 and report.pushed == 0
    assert desktop.journal.record.get(entry.id, include_deleted=True) is None
    assert all(row.sealed is None for row in laptop.hub.pull(0) if row.kind == "put")
    assert desktop.sync().pushed == 0


def test_another_key_or_another_hubs_journal_is_refused_before_anything_moves(devices):
    import os

    from tui.adapters.memory_hub import MemoryHub
    from tui.domain.sync import HubJournal

    laptop, _ = devices
    laptop.journal.add_entry(JOURNAL, RIVER)
    laptop.sync()
    with pytest.raises(HubError) as caught:
        Device(laptop.journal, laptop.device, laptop.hub, os.urandom(32)).sync()
    assert caught.value.hint
    other = MemoryHub()
    other.create(HubJournal("journal-2", b"wrapped"))
    with pytest.raises(HubError):
        Device(laptop.journal, laptop.device, other, laptop.key).sync()
    assert len(laptop.hub.pull(0)) == 1 and other.pull(0) == []


def test_an_entry_forgotten_on_the_other_device_leaves_no_byte_of_its_text_here(devices, tmp_path):
    from tests.byte_scan import hits

    laptop, desktop = devices
    secret = "Told nobody about the zinnia-marmalade plan."
    entry = laptop.journal.add_entry(JOURNAL, secret, reply="The zinnia-marmalade reply.")
    laptop.sync(), desktop.sync()
    desktop.journal.pin(entry.id)
    desktop.journal.update_text(entry.id, secret + " Still nobody.")
    desktop.sync(), laptop.sync()
    laptop.journal.forget([entry.id])
    laptop.sync(), desktop.sync()
    assert hits([tmp_path / "desktop", tmp_path / "laptop"], ["zinnia-marmalade"]) == []
