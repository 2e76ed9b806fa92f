"""Sealing a locked journal's draft file: AES-256-GCM under a key derived (HKDF-SHA256) from the
journal's data key, so the draft needs no key of its own and no passphrase run of its own, and is
readable exactly when the journal is unlocked. A fresh random nonce per write; the plaintext is
padded to a multiple of ``PAD`` bytes so the file's size says little about what is being typed."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"mindpane sealed draft\x00v1"
"""The file's first bytes, also its GCM associated data: another kind of file is not mistaken for one."""
_INFO = b"mindpane draft file v1"
_NONCE = 12
PAD = 256


class NotSealed(ValueError):
    """Not a sealed draft, or sealed under another key, or changed since it was written."""


def draft_key(data_key: bytes) -> bytes:
    """The draft file's key: the journal's data key put through HKDF (a key used for one purpose only)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(data_key)


def seal(key: bytes, plaintext: bytes) -> bytes:
    padded = plaintext + b" " * (-len(plaintext) % PAD)  # JSON allows trailing white space
    nonce = os.urandom(_NONCE)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, padded, MAGIC)


def unseal(key: bytes, sealed: bytes) -> bytes:
    """The plaintext (with its padding). Raises ``NotSealed``."""
    if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + _NONCE + 16:
        raise NotSealed("not a sealed draft")
    nonce = sealed[len(MAGIC):len(MAGIC) + _NONCE]
    try:
        return AESGCM(key).decrypt(nonce, sealed[len(MAGIC) + _NONCE:], MAGIC)
    except InvalidTag as exc:
        raise NotSealed("sealed under another key, or damaged") from exc
