"""What the chat server says about its models: the ones it has, and the progress of a pull.

Plain data, filled by the chat adapter (Ollama's ``/api/tags`` and ``/api/pull``) and shown by the
CLI and the TUI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tui.domain.errors import ChatError


@dataclass(frozen=True)
class ModelInfo:
    """A model the server has: its full name (``name:tag``), size on disk and last change."""

    name: str
    size: int
    """Bytes on disk (0 when the server did not say)."""
    modified: datetime | None = None
    embedding_only: bool = False
    """An embedding model (all-minilm, nomic-embed-text…): listed by Ollama with the rest, cannot chat."""


EMBEDDING_FAMILIES = frozenset({"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "xlm-roberta", "roberta",
                                "t5encoder"})
"""Encoder-only architectures, as Ollama's /api/tags names them (``details.families``): they embed, never chat."""


def is_embedding_only(name: str, families: Iterable[str]) -> bool:
    """Whether a model Ollama lists can only embed: an encoder family (all-minilm and mxbai-embed-large
    are ``bert``, nomic-embed-text ``nomic-bert``), or a name made for embedding whatever its family
    (qwen3-embedding, embeddinggemma, granite-embedding)."""
    base = name.rsplit("/", 1)[-1].split(":", 1)[0].casefold()
    return bool({family.casefold() for family in families if family} & EMBEDDING_FAMILIES) or "embed" in base


@dataclass(frozen=True)
class ContextWindow:
    """How many tokens a model can see at once, as the server reports it (either may be unknown).

    ``trained`` is the most the model was made for (Ollama's model_info ``<arch>.context_length``,
    often 128k: asking for all of it costs gigabytes of memory); ``num_ctx`` is the size its
    Modelfile chose, when it chose one."""

    trained: int | None = None
    num_ctx: int | None = None


@dataclass(frozen=True)
class PullProgress:
    """One progress line of a pull, as the server sent it.

    ``status`` is the server's words ("pulling manifest", "pulling 3f2a…", "verifying sha256
    digest", "success"); ``completed``/``total`` are bytes of the layer ``digest`` when known.
    """

    status: str
    completed: int | None = None
    total: int | None = None
    digest: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "success"


class PullFailed(ChatError):
    """A pull did not finish: the server's reason is in the message."""


class UnknownModel(PullFailed):
    """The registry has no model of that name (a typo, or a tag that does not exist)."""


def model_key(name: str) -> str:
    """Ollama treats ``name`` and ``name:latest`` as the same model (and ignores case)."""
    name = name.strip().casefold()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"
