"""Plugs any mindpane ``Embedder`` into mem0, which has no public way to register one.

Imported only after ``contain_environment`` (importing mem0 has side effects).
"""

from __future__ import annotations

from mem0.embeddings.base import EmbeddingBase
from mem0.utils.factory import EmbedderFactory

PROVIDER = "mindpane"


class Mem0EmbeddingBridge(EmbeddingBase):
    """Created by mem0's factory without an embedder; ``bind`` gives it the real one."""

    def __init__(self, config=None) -> None:
        super().__init__(config)
        self._embedder = None

    def bind(self, embedder) -> None:
        self._embedder = embedder

    def embed(self, text, memory_action=None):
        return self._embedder.embed([text])[0]

    def embed_batch(self, texts, memory_action="add"):
        return self._embedder.embed(list(texts))


def register() -> None:
    EmbedderFactory.provider_to_class[PROVIDER] = f"{__name__}.Mem0EmbeddingBridge"
