"""Wires settings to adapters: the one place that knows which store, embedder and chat client
mindpane uses. Adapter modules are imported lazily so the UI's first frame stays fast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from tui.domain.errors import EmbedderError, MindpaneError
from tui.domain.modes import Mode
from tui.services.config import load_modes
from tui.services.settings import BUNDLED_EMBEDDER, Settings

if TYPE_CHECKING:
    from tui.services.ports import ChatModel, Embedder, MemoryStore, Outbox
    from tui.services.turn import TurnService

OLLAMA_EMBEDDER_PREFIX = "ollama:"


def embedder_factory(settings: Settings) -> Callable[[], Embedder]:
    spec = settings.embedder.strip()
    if spec == BUNDLED_EMBEDDER:
        def bundled() -> Embedder:
            from tui.adapters.bundled_embedder import BundledEmbedder
            from tui.adapters.model_cache import MODELS_DIR

            return BundledEmbedder(cache_dir=settings.data_dir / MODELS_DIR)

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


def open_store(settings: Settings, clock: Callable[[], datetime] | None = None,
               outbox: Outbox | None = None, index_later: bool = False) -> MemoryStore:
    """Slow (imports mem0/Chroma, loads the embedder): call it from a worker thread. ``outbox``
    is the record already opened by :func:`open_outbox`, shared rather than opened twice.
    ``index_later`` (one turn from the shell): mem0 and Chroma are not loaded unless needed;
    what is written is indexed by the next full open."""
    from tui.adapters.mem0_store import Mem0Store

    extra = {"clock": clock} if clock else {}
    return Mem0Store.open(settings.data_dir, embedder_factory(settings), ollama_host=settings.ollama_host,
                          records=outbox, index_later=index_later, **extra)


def open_outbox(settings: Settings) -> Outbox:
    """Fast (SQLite only): the canonical record's outbox, usable before the store has loaded."""
    from tui.adapters.outbox_file import open_record

    return open_record(settings.data_dir)


def outbox_error(exc: BaseException, settings: Settings) -> MindpaneError:
    """A failed outbox write (full disk, unwritable file) as a message that names the file."""
    if isinstance(exc, MindpaneError):
        return exc
    from tui.adapters.outbox_file import record_error
    from tui.adapters.record_db import FILE_NAME

    return record_error(exc, settings.data_dir / FILE_NAME)


def make_chat(settings: Settings) -> ChatModel:
    from tui.adapters.ollama_chat import OllamaChat

    return OllamaChat(
        host=settings.ollama_host,
        connect_timeout=settings.connect_timeout,
        stall_timeout=settings.stall_timeout,
    )


def make_turns(store: MemoryStore, chat: ChatModel, settings: Settings,
               modes: dict[str, Mode] | None = None, clock: Callable[[], datetime] | None = None) -> TurnService:
    """``clock`` is today for the turns (what "yesterday" means); None: the system clock. Recall and
    prompt building are imported here, once the store is open: the app's first frame needs neither."""
    from tui.services.turn import TurnService

    return TurnService(store, chat, settings, modes or load_modes(None), clock)


def explain_open_failure(exc: BaseException, settings: Settings) -> MindpaneError:
    """An unexpected failure while opening the store, as a message naming the file at fault."""
    if isinstance(exc, MindpaneError):
        return exc
    from tui.adapters.open_errors import explain_open_failure as explain

    return explain(exc, settings.data_dir)


def privacy_notice() -> str | None:
    """Once per process: what opening the data dir made private (it was readable by others)."""
    from tui.adapters.data_dir import take_notice

    return take_notice()
