"""Wires settings to adapters: the one place that knows which store, embedder and chat client
mindpane uses. Adapter modules are imported lazily so the UI's first frame stays fast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tui.domain.errors import EmbedderError
from tui.domain.modes import Mode, builtin_modes
from tui.services.ports import ChatModel, Embedder, MemoryStore
from tui.services.settings import BUNDLED_EMBEDDER, Settings
from tui.services.turn import TurnService

OLLAMA_EMBEDDER_PREFIX = "ollama:"


def embedder_factory(settings: Settings) -> Callable[[], Embedder]:
    spec = settings.embedder.strip()
    if spec == BUNDLED_EMBEDDER:
        def bundled() -> Embedder:
            from tui.adapters.bundled_embedder import BundledEmbedder

            return BundledEmbedder()

        return bundled
    if spec.startswith(OLLAMA_EMBEDDER_PREFIX) and spec[len(OLLAMA_EMBEDDER_PREFIX):]:
        def ollama() -> Embedder:
            from tui.adapters.ollama_embedder import OllamaEmbedder

            return OllamaEmbedder(
                host=settings.ollama_host,
                model=spec[len(OLLAMA_EMBEDDER_PREFIX):],
                timeout=settings.stall_timeout,
            )

        return ollama
    raise EmbedderError(
        f"Unknown embedder {spec!r}",
        "set MINDPANE_EMBEDDER to 'bundled' or 'ollama:<model>' (e.g. ollama:all-minilm)",
    )


def open_store(settings: Settings, clock: Callable[[], datetime] | None = None) -> MemoryStore:
    """Slow (imports mem0/Chroma, loads the embedder): call it from a worker thread."""
    from tui.adapters.mem0_store import Mem0Store

    extra = {"clock": clock} if clock else {}
    return Mem0Store.open(settings.data_dir, embedder_factory(settings),
                          ollama_host=settings.ollama_host, **extra)


def make_chat(settings: Settings) -> ChatModel:
    from tui.adapters.ollama_chat import OllamaChat

    return OllamaChat(
        host=settings.ollama_host,
        connect_timeout=settings.connect_timeout,
        stall_timeout=settings.stall_timeout,
    )


def make_turns(store: MemoryStore, chat: ChatModel, settings: Settings,
               modes: dict[str, Mode] | None = None) -> TurnService:
    return TurnService(store, chat, settings, modes or builtin_modes())
