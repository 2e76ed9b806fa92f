"""A locked journal's key: a random data key, wrapped by a key derived from the passphrase.

The data key (256 random bits) encrypts the record; it never changes, so changing the passphrase
re-wraps 32 bytes instead of re-encrypting the journal. The wrapping key comes from the passphrase
(NFC-normalised, so the same words typed on two keyboards unlock alike) through Argon2id with a
random salt; its parameters are stored beside the wrapped key so a later mindpane can raise them
for new files and still open old ones. The wrap is AES-256-GCM with the file's header as associated
data: a wrong passphrase, a changed parameter or a damaged file all fail the tag check, and none is
mistaken for another. The file is written whole (temporary file, fsync, rename) and owner-only.
jrnl's early schemes (a bare SHA-256, then PBKDF2 with a fixed salt) are what this avoids.
"""

from __future__ import annotations

import base64
import json
import os
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from tui.adapters.durable_file import write_whole
from tui.domain.errors import KeyFileError, WrongPassphrase

KEY_FILE = "journal.key"
FORMAT = 1
MAX_PASSPHRASE_BYTES = 64 * 1024


@dataclass(frozen=True)
class KdfParams:
    """Argon2id's cost: about 0.45 s on a 2-core machine with the defaults (256 MiB, 3 passes)."""

    time_cost: int = 3
    memory_kib: int = 256 * 1024
    parallelism: int = 2


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str, hint: str = "restore journal.key from a backup") -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError:
        raise KeyFileError(f"The wrapped key's {what} is damaged", hint) from None


def _passphrase_bytes(passphrase: str) -> bytes:
    if not passphrase:
        raise WrongPassphrase("An empty passphrase cannot lock a journal", "type a passphrase")
    data = unicodedata.normalize("NFC", passphrase).encode("utf-8", "surrogatepass")
    if len(data) > MAX_PASSPHRASE_BYTES:
        raise WrongPassphrase("That passphrase is longer than 64 KiB", "use a shorter one")
    return data


def _wrapping_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(_passphrase_bytes(passphrase), salt, time_cost=params.time_cost,
                           memory_cost=params.memory_kib, parallelism=params.parallelism, hash_len=32,
                           type=Type.ID)


def _header(salt: bytes, params: KdfParams) -> dict:
    return {"format": FORMAT, "kdf": "argon2id", **asdict(params), "salt": _b64(salt), "cipher": "aes-256-gcm"}


def _associated(header: dict) -> bytes:
    """What the tag also vouches for: every field but the wrapped key itself."""
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")


def wrap(data_key: bytes, passphrase: str, params: KdfParams | None = None) -> bytes:
    """``data_key`` wrapped with ``passphrase``: the key file's bytes (a sync hub keeps the same)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    params = params or KdfParams()
    salt, nonce = os.urandom(16), os.urandom(12)
    header = _header(salt, params)
    wrapped = AESGCM(_wrapping_key(passphrase, salt, params)).encrypt(nonce, data_key, _associated(header))
    return json.dumps({**header, "nonce": _b64(nonce), "wrapped_key": _b64(wrapped)}, indent=1).encode()


def write_key(path: Path, data_key: bytes, passphrase: str, params: KdfParams | None = None) -> None:
    """Wrap ``data_key`` with ``passphrase`` into ``path`` (replacing it whole)."""
    write_whole(path, wrap(data_key, passphrase, params))


def create_key(path: Path, passphrase: str, params: KdfParams | None = None) -> bytes:
    """A new random data key, wrapped with ``passphrase`` into ``path``; returns the data key.
    Refuses to replace a key file that is there (its journal would be lost with it)."""
    if path.exists():
        raise KeyFileError(f"{path} already exists", "a journal is locked with it; unlock that one instead")
    data_key = os.urandom(32)
    write_key(path, data_key, passphrase, params)
    return data_key


FILE_HINT = "restore journal.key from a backup"


def read_header(path: Path) -> dict:
    """The key file's fields, checked for shape (no passphrase needed: what doctor can say)."""
    return parse_header(_read(path), f"The key file {path}", FILE_HINT)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"The key file {path} is missing",
                           "restore journal.key from a backup; without it the journal cannot be read") from None
    except OSError as exc:
        raise KeyFileError(f"Cannot read {path}: {exc.strerror or exc}", "check its permissions") from None


def parse_header(raw: bytes, what: str, hint: str) -> dict:
    """Wrapped-key bytes' fields, checked for shape; ``what`` names them in a message ("The key
    file …", "The hub's key"), ``hint`` says where a good copy is."""
    try:
        fields = json.loads(raw)
        if not isinstance(fields, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        raise KeyFileError(f"{what} is damaged", hint) from None
    if fields.get("format") != FORMAT or fields.get("kdf") != "argon2id" or fields.get("cipher") != "aes-256-gcm":
        raise KeyFileError(f"{what} is of a kind this mindpane does not know",
                           "a newer mindpane made it: upgrade mindpane")
    return fields


def unlock_key(path: Path, passphrase: str) -> bytes:
    """The data key, if ``passphrase`` is the one it was wrapped with; ``WrongPassphrase`` if not.
    Nothing is written: a wrong try changes nothing."""
    return unwrap(_read(path), passphrase, f"The key file {path}", FILE_HINT,
                  "journal.key was changed: restore it from a backup")


def unwrap(raw: bytes, passphrase: str, what: str = "The wrapped key", hint: str = FILE_HINT,
           changed: str = "the wrapped key was changed") -> bytes:
    """The data key inside wrapped-key bytes (:func:`wrap`); ``WrongPassphrase`` or ``KeyFileError``."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    fields = parse_header(raw, what, hint)
    try:
        params = KdfParams(int(fields["time_cost"]), int(fields["memory_kib"]), int(fields["parallelism"]))
        salt = _unb64(fields["salt"], "salt", hint)
        nonce, wrapped = _unb64(fields["nonce"], "nonce", hint), _unb64(fields["wrapped_key"], "wrapped key", hint)
    except (KeyError, TypeError, ValueError):
        raise KeyFileError(f"{what} is damaged", hint) from None
    if not (1 <= params.time_cost <= 64 and 8 * 1024 <= params.memory_kib <= 4 * 1024 * 1024
            and 1 <= params.parallelism <= 16):  # a changed file must not make the unlock hang or exhaust memory
        raise KeyFileError(f"{what} asks for an unreasonable key derivation", hint)
    try:
        wrapping = AESGCM(_wrapping_key(passphrase, salt, params))
        return wrapping.decrypt(nonce, wrapped, _associated(_header(salt, params)))
    except InvalidTag:
        raise WrongPassphrase("That passphrase does not unlock this journal",
                              f"try again; if the right one fails too, {changed}") from None


def change_passphrase(path: Path, old: str, new: str, params: KdfParams | None = None) -> None:
    """Re-wrap the same data key with ``new`` (the journal is not re-encrypted)."""
    write_key(path, unlock_key(path, old), new, params)
