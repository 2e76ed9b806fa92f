"""A locked journal's key file (#20): the data key wrapped by an Argon2id-derived key."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tui.adapters.key_file import KdfParams, change_passphrase, create_key, read_header, unlock_key
from tui.domain.errors import KeyFileError, WrongPassphrase

FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
"""The cheapest parameters the file accepts: the tests check the scheme, not its cost."""


@pytest.fixture
def key_path(tmp_path):
    return tmp_path / "journal.key"


def test_the_right_passphrase_gives_back_the_data_key_and_a_wrong_one_is_said_and_changes_nothing(key_path):
    data_key = create_key(key_path, "correct horse battery staple", FAST)
    before = key_path.read_bytes()

    assert len(data_key) == 32 and unlock_key(key_path, "correct horse battery staple") == data_key
    for wrong in ("correct horse battery stapl", "Correct horse battery staple", "x" * 10_000):
        with pytest.raises(WrongPassphrase):
            unlock_key(key_path, wrong)
    assert key_path.read_bytes() == before  # three wrong tries lock nothing out


def test_the_file_is_owner_only_and_holds_neither_the_passphrase_nor_the_data_key(key_path):
    data_key = create_key(key_path, "a long and private passphrase", FAST)
    raw = key_path.read_bytes()

    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    assert b"a long and private passphrase" not in raw and data_key not in raw
    assert read_header(key_path)["kdf"] == "argon2id"


def test_the_same_passphrase_typed_composed_or_decomposed_unlocks_alike(key_path):
    composed, decomposed = "caf\u00e9 \u00fcber", "cafe\u0301 u\u0308ber"
    data_key = create_key(key_path, composed, FAST)
    assert unlock_key(key_path, decomposed) == data_key


def test_changing_the_passphrase_rewraps_the_same_data_key(key_path):
    data_key = create_key(key_path, "old passphrase", FAST)
    change_passphrase(key_path, "old passphrase", "new passphrase", FAST)

    assert unlock_key(key_path, "new passphrase") == data_key
    with pytest.raises(WrongPassphrase):
        unlock_key(key_path, "old passphrase")
    with pytest.raises(WrongPassphrase):
        change_passphrase(key_path, "not the passphrase", "another", FAST)
    assert unlock_key(key_path, "new passphrase") == data_key


def test_an_empty_passphrase_is_refused_and_an_existing_key_is_never_replaced(key_path):
    with pytest.raises(WrongPassphrase):
        create_key(key_path, "", FAST)
    assert not key_path.exists()
    create_key(key_path, "first", FAST)
    with pytest.raises(KeyFileError):
        create_key(key_path, "second", FAST)
    assert unlock_key(key_path, "first")


@pytest.mark.parametrize("damage", ["missing", "not json", "changed cost", "absurd cost", "changed salt",
                                    "unknown format"])
def test_a_missing_damaged_or_tampered_key_file_is_named_never_a_traceback(key_path, damage):
    create_key(key_path, "passphrase", FAST)
    fields = json.loads(key_path.read_text())
    if damage == "missing":
        key_path.unlink()
    elif damage == "not json":
        key_path.write_bytes(b"\x00\xff garbage")
    elif damage == "changed cost":
        fields["time_cost"] = 2
    elif damage == "absurd cost":
        fields["memory_kib"] = 10**12
    elif damage == "changed salt":
        fields["salt"] = "AAAAAAAAAAAAAAAAAAAAAA=="
    elif damage == "unknown format":
        fields["format"] = 99
    if damage not in ("missing", "not json"):
        key_path.write_text(json.dumps(fields))

    expected = WrongPassphrase if damage in ("changed cost", "changed salt") else KeyFileError
    with pytest.raises(expected) as caught:  # a changed header fails the tag: it cannot be told from a wrong passphrase
        unlock_key(key_path, "passphrase")
    assert caught.value.message and "journal.key" in (caught.value.message + caught.value.hint)
