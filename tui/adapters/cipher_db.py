"""A locked journal's SQLite files: SQLCipher 4 under the raw 256-bit data key.

The data key comes from the key file (``key_file``), already stretched by Argon2id, so SQLCipher is
given it raw (``x'…'``): no second key derivation (opening then costs ~0.1 ms, not SQLCipher's own
256k-round PBKDF2, ~240 ms). The file header is random and pages are authenticated; a wrong key
fails at the first statement ("file is not a database"), said here as a ``KeyFileError``. SQLCipher
logs "hmac check failed" to stderr, which would tear a Textual screen: its log is switched off
before the key is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.domain.errors import KeyFileError

KEY_BYTES = 32


def connect_locked(path: Path, data_key: bytes, **connect_args: Any) -> Any:
    """A DB-API connection to ``path`` encrypted with ``data_key`` (made if it does not exist)."""
    from sqlcipher3 import dbapi2

    if len(data_key) != KEY_BYTES:
        raise ValueError("a data key is 32 bytes")
    db = dbapi2.connect(str(path), **connect_args)
    try:
        db.execute("PRAGMA cipher_log_level = NONE")
        db.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi2.DatabaseError:
        db.close()
        raise KeyFileError(f"{path} does not open with this journal's key",
                           "it belongs to another journal, or journal.key was replaced: restore the pair from "
                           "one backup") from None
    return db


def is_locked_file(path: Path) -> bool:
    """Whether ``path`` is an encrypted SQLite file rather than a plain one (its first 16 bytes are
    not SQLite's header): what ``doctor`` can tell without the passphrase."""
    with open(path, "rb") as handle:
        return handle.read(16) != b"SQLite format 3\x00"
