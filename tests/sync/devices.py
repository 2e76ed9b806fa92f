"""Two devices of one journal: two data dirs, each its own record and in-memory index, one hub."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tui.adapters.key_file import KdfParams, wrap
from tui.adapters.memory_hub import MemoryHub
from tui.adapters.memory_index import MemoryIndex
from tui.domain.sync import HubJournal
from tui.services.engine import embedder_factory, open_journal
from tui.services.journal import Journal
from tui.services.settings import Settings
from tui.services.sync.engine import SyncReport, sync_once
from tui.services.sync.state import device_id

FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


@dataclass
class Device:
    journal: Journal
    device: str
    hub: MemoryHub
    key: bytes

    def sync(self) -> SyncReport:
        return sync_once(self.journal, self.hub, self.key, self.device)

    def alive(self) -> dict[str, str]:
        """Alive entries' texts, by id."""
        return {state.id: state.record.text for state in self.states() if state.deleted_at is None}

    def states(self):
        return list(self.journal.record.entry_states())

    def view(self) -> dict[str, tuple]:
        """What a person sees of every entry: text, reply, deleted or not, pinned or not, metadata."""
        return {s.id: (s.record.text, s.record.reply, s.deleted_at is not None, s.pinned_since is not None,
                       s.record.metadata) for s in self.states()}


def open_device(settings: Settings, clock, data_dir: Path) -> Journal:
    return open_journal(data_dir, embedder_factory(settings), clock, open_index=MemoryIndex.open)


@contextmanager
def two_devices(settings: Settings, clock, tmp_path: Path) -> Iterator[tuple[Device, Device]]:
    key = os.urandom(32)
    hub = MemoryHub()
    hub.create(HubJournal("journal-1", wrap(key, "correct horse", FAST)))
    devices = []
    try:
        for name in ("laptop", "desktop"):
            journal = open_device(settings, clock, tmp_path / name)
            devices.append(Device(journal, device_id(journal), hub, key))
        yield tuple(devices)
    finally:
        for device in devices:  # as they are then: a test may have reopened one
            device.journal.close()
