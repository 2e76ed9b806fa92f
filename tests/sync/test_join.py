"""A device joining a journal takes every entry with its vector: nothing is embedded again, and
a kill in the middle of the join (a re-run) ends with the same record, nothing twice."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.sync.devices import two_devices
from tui.domain.modes import JOURNAL
from tui.domain.records import ImportedEntry
from tui.services.sync import apply

START = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


class Counted:
    """The index's embedder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self._inner, self.texts = inner, 0
        self.name, self.dimension = inner.name, inner.dimension

    def embed(self, texts):
        self.texts += len(texts)
        return self._inner.embed(texts)


def test_a_new_device_takes_every_entry_without_embedding_any(settings, clock, tmp_path, monkeypatch):
    with two_devices(settings, clock, tmp_path) as (laptop, desktop):
        laptop.journal.import_entries(JOURNAL, [ImportedEntry(f"day {i}: walked, read, cooked #{i % 7}",
                                                              START + timedelta(hours=i)) for i in range(300)])
        assert laptop.sync().pushed == 300
        counted = Counted(desktop.journal.index._tables.embedder)
        desktop.journal.index._tables.embedder = counted
        monkeypatch.setattr(apply, "BATCH", 64)
        began = time.monotonic()
        report = desktop.sync()
        assert report.pulled == 300 and counted.texts == 0
        assert time.monotonic() - began < 20
        assert desktop.view() == laptop.view()
        assert [m.record.text for m in desktop.journal.recall("day 17: walked", JOURNAL, k=1)] == [
            "day 17: walked, read, cooked #3"]


def test_a_join_killed_midway_and_run_again_has_every_entry_once(settings, clock, tmp_path, monkeypatch):
    with two_devices(settings, clock, tmp_path) as (laptop, desktop):
        laptop.journal.import_entries(JOURNAL, [ImportedEntry(f"entry {i}", START + timedelta(hours=i))
                                                for i in range(50)])
        laptop.sync()
        monkeypatch.setattr(apply, "BATCH", 8)
        applied = desktop.journal.apply_synced
        calls = []

        def killed_at_the_third(decide):
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt  # the process stops here: nothing after this runs
            return applied(decide)

        desktop.journal.apply_synced = killed_at_the_third
        with pytest.raises(KeyboardInterrupt):
            desktop.sync()
        del desktop.journal.apply_synced
        assert len(desktop.alive()) == 16
        desktop.sync()
        assert desktop.view() == laptop.view()
        assert desktop.sync().pushed == 0 and laptop.sync().pulled == 0
