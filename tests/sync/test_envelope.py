"""A sealed row: the hub carries it, only a device holding the journal's key reads it, and any
change a hub makes to it (a byte, the entry, version, kind or device it claims) is refused."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from tui.adapters import sync_envelope
from tui.domain.errors import HubTampered
from tui.domain.sync import ERASE, PUT, HubRow

KEY = os.urandom(32)
JOURNAL = "journal-1"
STATE = {"id": "e1", "mode": "journal", "text": "Walked by the river with Ana", "reply": "",
         "created_at": "2026-11-20T09:30:00+00:00", "updated_at": "2026-11-20T09:30:00+00:00",
         "metadata": {"mode": "journal"}, "deleted_at": None, "pinned_since": None,
         "vector": {"embedder": "bundled", "data": bytes(range(16))}}


def sealed_row(entry_id: str = "e1", version: int = 1, kind: str = PUT, device: str = "laptop",
               state: dict | None = None) -> HubRow:
    state = STATE if state is None else state
    return HubRow(entry_id, version, device, kind, sync_envelope.seal(KEY, JOURNAL, entry_id, version, kind, device,
                                                                      state), seq=7)


def test_a_sealed_row_opens_to_the_same_state_with_its_vector_bytes():
    assert sync_envelope.open(KEY, JOURNAL, sealed_row()) == STATE


def test_the_hub_never_sees_the_text_nor_the_vector():
    row = sealed_row()
    assert b"river" not in row.sealed and bytes(range(16)) not in row.sealed
    assert sealed_row().sealed != row.sealed  # a fresh nonce each time


def test_an_erase_seals_an_empty_state():
    assert sync_envelope.open(KEY, JOURNAL, sealed_row(kind=ERASE, state={})) == {}


@pytest.mark.parametrize("change", [
    lambda row: replace(row, sealed=row.sealed[:20] + bytes([row.sealed[20] ^ 1]) + row.sealed[21:]),
    lambda row: replace(row, sealed=row.sealed[:-5]),
    lambda row: replace(row, sealed=row.sealed[:3]),
    lambda row: replace(row, sealed=b""),
    lambda row: replace(row, entry_id="e2"),
    lambda row: replace(row, version=2),
    lambda row: replace(row, kind=ERASE),
    lambda row: replace(row, device="desktop"),
], ids=["byte", "truncated", "header-only", "empty", "entry", "version", "kind", "device"])
def test_a_row_the_hub_changed_is_refused(change):
    with pytest.raises(HubTampered) as caught:
        sync_envelope.open(KEY, JOURNAL, change(sealed_row()))
    assert "river" not in str(caught.value) and caught.value.hint


def test_another_journals_key_or_id_is_refused():
    with pytest.raises(HubTampered):
        sync_envelope.open(os.urandom(32), JOURNAL, sealed_row())
    with pytest.raises(HubTampered):
        sync_envelope.open(KEY, "journal-2", sealed_row())


def test_a_row_without_ciphertext_is_refused():
    with pytest.raises(HubTampered):
        sync_envelope.open(KEY, JOURNAL, replace(sealed_row(), sealed=None))
