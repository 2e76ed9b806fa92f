"""A locked journal opened (#20): an encrypted record and an index in memory only."""

from __future__ import annotations

import os

from tests.byte_scan import files_holding
from tui.domain.modes import builtin_modes
from tui.services.engine import embedder_factory, open_journal

JOURNAL = builtin_modes()["journal"]
SECRET = "Marker-9d41: the diagnosis I have not told my family about"


_hits = files_holding


def test_a_locked_journal_recalls_and_keeps_no_entry_text_anywhere_under_its_data_dir(settings, clock):
    key = os.urandom(32)
    journal = open_journal(settings.data_dir, embedder_factory(settings), clock, key=key)
    try:
        entry = journal.add_entry(JOURNAL, SECRET, "That is a lot to carry alone.")
        journal.add_entry(JOURNAL, "Planted tulip bulbs along the fence.")
        assert journal.recall("telling my family about my health", JOURNAL, k=1)[0].record.id == entry.id
        assert _hits(settings.data_dir, "Marker-9d41") == [] and _hits(settings.data_dir, "tulip") == []
    finally:
        journal.close()

    assert _hits(settings.data_dir, "Marker-9d41") == [] and _hits(settings.data_dir, "tulip") == []
    assert not (settings.data_dir / "chroma").exists() and not (settings.data_dir / "history.db").exists()
    again = open_journal(settings.data_dir, embedder_factory(settings), clock, key=key)
    try:  # the index is rebuilt from the vectors the encrypted record keeps
        found = again.recall("bulbs in the garden", JOURNAL, k=1)
        assert found[0].record.text == "Planted tulip bulbs along the fence."
    finally:
        again.close()
