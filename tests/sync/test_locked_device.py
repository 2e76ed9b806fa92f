"""A locked journal syncs too: what it keeps for sync (the hub's key among it) is inside its
encrypted record, and nothing of an entry's text is in its data dir in clear."""

from __future__ import annotations

import os

from tests.byte_scan import hits
from tests.sync.devices import Device, two_devices
from tui.adapters.memory_index import MemoryIndex
from tui.domain.modes import JOURNAL
from tui.services.engine import embedder_factory, open_journal
from tui.services.sync.state import device_id


def test_a_locked_device_takes_the_journal_and_keeps_the_sync_key_sealed(settings, clock, tmp_path):
    with two_devices(settings, clock, tmp_path) as (laptop, _):
        entry = laptop.journal.add_entry(JOURNAL, "The quokka-lantern evening.")
        laptop.sync()
        locked = open_journal(tmp_path / "locked", embedder_factory(settings), clock, open_index=MemoryIndex.open,
                              key=os.urandom(32))
        try:
            device = Device(locked, device_id(locked), laptop.hub, laptop.key)
            assert device.sync().pulled == 1
            assert device.alive() == {entry.id: "The quokka-lantern evening."}
        finally:
            locked.close()
        assert hits([tmp_path / "locked"], ["quokka-lantern", laptop.key.hex()]) == []
