"""A locked journal's draft file (#20): what is typed and not sent is kept on the disk, sealed under
a key derived from the journal's data key (AES-256-GCM), so not one byte of it is there in clear."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime

from tests.byte_scan import files_holding
from tui.adapters import draft_file
from tui.adapters.draft_file import DRAFT_FILE, LOCKED_DRAFT_FILE, read_locked_draft, write_draft, write_locked_draft
from tui.domain.drafts import Draft
from tui.domain.records import PendingEntry

MARKER = "Marker-ü7c2 what I could not say to her"


clear_hits = files_holding


def a_draft() -> Draft:
    send = PendingEntry("turn-1", "journal", f"sent: {MARKER}", datetime(2026, 3, 1, tzinfo=UTC))
    return Draft(f"prompt: {MARKER}", {"code": f"composer: {MARKER}"}, (send,))


def test_a_sealed_draft_comes_back_whole_and_is_nowhere_in_clear(tmp_path):
    key = os.urandom(32)
    write_locked_draft(tmp_path, a_draft(), key)

    assert read_locked_draft(tmp_path, key) == a_draft()
    assert clear_hits(tmp_path, MARKER) == [] and clear_hits(tmp_path, "Marker-") == []
    assert not (tmp_path / DRAFT_FILE).exists()
    assert stat.S_IMODE((tmp_path / LOCKED_DRAFT_FILE).stat().st_mode) == 0o600
    draft_file.drop_key(tmp_path)


def test_an_empty_draft_leaves_no_file(tmp_path):
    key = os.urandom(32)
    write_locked_draft(tmp_path, a_draft(), key)
    write_locked_draft(tmp_path, Draft(), key)
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("draft")) == []
    draft_file.drop_key(tmp_path)


def test_another_key_reads_nothing_and_leaves_the_file_as_it_was(tmp_path):
    key = os.urandom(32)
    write_locked_draft(tmp_path, a_draft(), key)
    before = (tmp_path / LOCKED_DRAFT_FILE).read_bytes()

    assert read_locked_draft(tmp_path, os.urandom(32)) == Draft()
    assert (tmp_path / LOCKED_DRAFT_FILE).read_bytes() == before
    draft_file.drop_key(tmp_path)


def test_two_writes_of_the_same_draft_differ_on_the_disk(tmp_path):
    """A fresh nonce each time: the same text twice is not the same bytes twice."""
    key = os.urandom(32)
    write_locked_draft(tmp_path, a_draft(), key)
    first = (tmp_path / LOCKED_DRAFT_FILE).read_bytes()
    write_locked_draft(tmp_path, Draft(), key)
    write_locked_draft(tmp_path, a_draft(), key)
    assert (tmp_path / LOCKED_DRAFT_FILE).read_bytes() != first
    draft_file.drop_key(tmp_path)


def test_a_plain_draft_left_in_a_locked_journal_is_taken_in_and_its_clear_copy_erased(tmp_path):
    """A draft written before the journal was locked: it comes back, sealed, and draft.json is gone."""
    write_draft(tmp_path, a_draft())
    key = os.urandom(32)

    assert read_locked_draft(tmp_path, key) == a_draft()
    assert not (tmp_path / DRAFT_FILE).exists()
    assert clear_hits(tmp_path, MARKER) == []
    assert read_locked_draft(tmp_path, key) == a_draft()
    draft_file.drop_key(tmp_path)


def test_forget_erases_a_text_from_the_sealed_draft_while_the_journal_is_unlocked(tmp_path):
    key = os.urandom(32)
    write_locked_draft(tmp_path, Draft(f"prompt: {MARKER}", {"code": "kept composer"}), key)

    draft_file.erase_texts(tmp_path, [f"prompt: {MARKER}"])

    assert read_locked_draft(tmp_path, key) == Draft("", {"code": "kept composer"})
    draft_file.drop_key(tmp_path)
