"""A locked journal's encrypted record decrypted page by page, in memory, for what SQLCipher itself
cannot do: read back a damaged record (``doctor --repair``, forget in a copy repair moved aside).

SQLCipher stops at the first page whose authentication code fails; the other pages of the file are
intact. This reads SQLCipher 4's page format (sqlcipher.net/design, with its defaults: 4096-byte
pages, each ending in a 16-byte IV and a 64-byte HMAC-SHA512 over the ciphertext, the IV and the
page number; AES-256-CBC under the raw data key; the HMAC key derived from it with two rounds of
PBKDF2-HMAC-SHA512 over the file's salt XOR 0x3a; page 1 starts with that 16-byte salt in place of
SQLite's header). A page whose code fails is left as zeros (never guessed); the result is a plain
SQLite image for ``sqlite_pages.PageFile`` that is **never written anywhere**: it holds entries in clear.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

PAGE_SIZE = 4096
SALT = 16
IV = 16
MAC = 64
RESERVE = IV + MAC
_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Decrypted:
    image: bytes
    """A plain SQLite image (in memory only), damaged pages zeroed."""
    bad_pages: tuple[int, ...]


def decrypt_pages(path: Path, data_key: bytes) -> Decrypted:
    """Every page of the encrypted file at ``path`` that passes its authentication check, decrypted."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    data = Path(path).read_bytes()
    salt = data[:SALT]
    mac_key = hashlib.pbkdf2_hmac("sha512", data_key, bytes(b ^ 0x3A for b in salt), 2, 32)
    pages, bad = [], []
    for number in range(1, len(data) // PAGE_SIZE + 1):
        page = data[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        start = SALT if number == 1 else 0
        sealed, iv, code = page[start:PAGE_SIZE - RESERVE], page[PAGE_SIZE - RESERVE:PAGE_SIZE - MAC], page[-MAC:]
        expected = hmac.new(mac_key, sealed + iv + number.to_bytes(4, "little"), hashlib.sha512).digest()
        if not hmac.compare_digest(expected, code):
            bad.append(number)
            pages.append(bytes(PAGE_SIZE))
            continue
        opened = Cipher(algorithms.AES(data_key), modes.CBC(iv)).decryptor()
        plain = opened.update(sealed) + opened.finalize()
        pages.append((_HEADER if number == 1 else b"") + plain + bytes(RESERVE))
    return Decrypted(b"".join(pages), tuple(bad))
