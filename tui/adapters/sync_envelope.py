"""A sealed hub row: the whole state of an entry, readable only with the journal's sync key.

AES-256-GCM with a random 96-bit nonce, under a key derived from the journal's data key by
HKDF-SHA256 (info ``mindpane sync v1``), so the sync key is never the key of a local file. The
associated data binds the journal id, entry id, version, kind and device: a hub that edits a byte,
moves a ciphertext to another entry or version, turns a put into an erase, claims another device
or serves another journal's row fails the tag check and the row is refused (``HubTampered``).
The state is JSON; bytes (the vector) travel as base64 inside it. An erase seals ``{}``, so an
erase too is authenticated: a hub cannot forge one.
"""

from __future__ import annotations

import base64
import json
import os

from tui.domain.errors import HubTampered
from tui.domain.sync import HubRow

FORMAT = b"\x01"
NONCE_BYTES = 12
TAG_BYTES = 16
INFO = b"mindpane sync v1"
_HINT = "the hub's rows were changed, or it relays another journal: nothing of this row was applied"


def _cipher(key: bytes):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(key))


def _associated(journal_id: str, entry_id: str, version: int, kind: str, device: str) -> bytes:
    """Canonical: a JSON array (lengths are explicit, so no field can bleed into the next)."""
    return INFO + b"\x00" + json.dumps([journal_id, entry_id, int(version), kind, device],
                                       separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _encode(value: object) -> object:
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(value: object) -> object:
    if isinstance(value, dict):
        if set(value) == {"$b64"}:
            return base64.b64decode(str(value["$b64"]), validate=True)
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def seal(key: bytes, journal_id: str, entry_id: str, version: int, kind: str, device: str, state: dict) -> bytes:
    """The row's ciphertext: format byte, nonce, AES-GCM(state JSON) bound to the row's fields."""
    plain = json.dumps(_encode(state), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key).encrypt(nonce, plain.encode("utf-8", "surrogatepass"),
                                  _associated(journal_id, entry_id, version, kind, device))
    return FORMAT + nonce + sealed


def open(key: bytes, journal_id: str, row: HubRow) -> dict:
    """The state ``row`` seals, or ``HubTampered`` when it does not authenticate as exactly this
    journal's row for this entry, version, kind and device."""
    from cryptography.exceptions import InvalidTag

    where = f"entry {row.entry_id}, version {row.version}"
    raw = row.sealed
    if raw is None or len(raw) < 1 + NONCE_BYTES + TAG_BYTES or raw[:1] != FORMAT:
        raise HubTampered(f"A row from the sync hub is cut short or of an unknown kind ({where})", _HINT)
    try:
        plain = _cipher(key).decrypt(raw[1:1 + NONCE_BYTES], raw[1 + NONCE_BYTES:],
                                     _associated(journal_id, row.entry_id, row.version, row.kind, row.device))
    except InvalidTag:
        raise HubTampered(f"A row from the sync hub does not authenticate ({where})", _HINT) from None
    try:
        state = _decode(json.loads(plain.decode("utf-8", "surrogatepass")))
    except ValueError:  # authenticated, yet not ours: a device of another mindpane wrote it
        raise HubTampered(f"A row from the sync hub holds no entry state ({where})", _HINT) from None
    if not isinstance(state, dict):
        raise HubTampered(f"A row from the sync hub holds no entry state ({where})", _HINT)
    return state
