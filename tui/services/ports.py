"""The narrow interfaces the services talk to; adapters implement them, tests and UI use them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from tui.domain.modes import Mode
from tui.domain.records import HistoryEvent, ImportedEntry, MemoryRecord, Page, RecalledMemory


class MemoryStore(Protocol):
    """Entries of every mode, kept by one user id per install. All calls block: use a worker."""

    def add_entry(self, mode: Mode, text: str, reply: str = "", extra: dict | None = None) -> MemoryRecord: ...

    def import_entries(self, mode: Mode, entries: Sequence[ImportedEntry], batch: int = 256) -> int: ...

    def attach_reply(self, memory_id: str, reply: str, extra: dict | None = None) -> MemoryRecord: ...

    def recall(self, query: str, mode: Mode, k: int, min_score: float = 0.0) -> list[RecalledMemory]: ...

    def prepare(self, mode_name: str) -> None:
        """Load what recall in this mode needs now, so the first turn does not wait for it."""
        ...

    def page(self, mode_name: str, offset: int = 0, limit: int = 50) -> Page: ...

    def count(self, mode_name: str) -> int: ...

    def get(self, memory_id: str) -> MemoryRecord | None: ...

    def update_text(self, memory_id: str, text: str) -> MemoryRecord: ...

    def delete(self, memory_id: str) -> None: ...

    def history(self, memory_id: str) -> list[HistoryEvent]: ...

    def close(self) -> None: ...


class ChatModel(Protocol):
    """A chat LLM that streams. Every failure is raised as a ``tui.domain.errors.ChatError``."""

    def stream(self, model: str, messages: Sequence[dict[str, str]]) -> Iterator[str]:
        """Yield the reply's text chunks as they arrive."""
        ...

    def ensure_model(self, model: str) -> None:
        """Return if the server answers and has ``model``; raise OllamaUnreachable/ModelNotFound."""
        ...

    @property
    def host(self) -> str: ...


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors of a fixed dimension."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...
