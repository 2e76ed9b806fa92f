"""An embedder that remembers the vectors of the last few texts it embedded one at a time.

A turn embeds its entry twice: once to recall what is like it, once more to store it (and a turn
that also recalls from another mode, or the on-this-day panel, asks for it again). On these 2
cores each costs 3–4 ms of both cores, taken from the event loop while a reply streams.
Texts are remembered by a digest, not kept: a forgotten entry's text stays nowhere.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from tui.ports import Embedder

REMEMBERED = 16
SINGLE = 2
"""Only calls with this many texts or fewer are remembered: queries and single entries, not
imports or re-indexing (which never ask twice)."""


class RecentVectors:
    def __init__(self, embedder: Embedder, remembered: int = REMEMBERED) -> None:
        self.inner = embedder
        self._remembered = remembered
        self._vectors: OrderedDict[bytes, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        keys = [_digest(text) for text in texts]
        with self._lock:
            known = {key: self._vectors[key] for key in keys if key in self._vectors}
            for key in known:
                self._vectors.move_to_end(key)
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in known}
        if missing:
            fresh = self.inner.embed(list(missing.values()))
            known.update(zip(missing, fresh, strict=True))
            if len(missing) <= SINGLE:
                with self._lock:
                    self._vectors.update(zip(missing, fresh, strict=True))
                    while len(self._vectors) > self._remembered:
                        self._vectors.popitem(last=False)
        return [known[key] for key in keys]


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
