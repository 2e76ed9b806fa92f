"""Wires settings to adapters: the one place that knows which store, embedder and chat client
mindpane uses. Adapter modules are imported lazily so the UI's first frame stays fast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tui.domain.errors import EmbedderError, MindpaneError
from tui.domain.modes import Mode
from tui.services.config import load_modes
from tui.services.settings import OLLAMA_EMBEDDER_PREFIX as OLLAMA_EMBEDDER_PREFIX  # doctor reads it here
from tui.services.settings import Settings, parse_embedder

if TYPE_CHECKING:
    from tui.ports import ChatModel, Embedder, Index, Outbox, Record
    from tui.services.journal import Journal
    from tui.services.turn import TurnService


def embedder_factory(settings: Settings) -> Callable[[], Embedder]:
    """How to load the embedder the settings name (``settings.parse_embedder``, the parse the
    config check makes too); raises ``EmbedderError`` for a spec that names none."""
    try:
        model = parse_embedder(settings.embedder).ollama_model
    except ValueError:
        raise EmbedderError(
            f"Unknown embedder {settings.embedder.strip()!r}",
            "set MINDPANE_EMBEDDER to 'bundled' or 'ollama:<model>' (e.g. ollama:all-minilm)",
        ) from None
    if model is None:
        def bundled() -> Embedder:
            from tui.adapters.bundled_embedder import BundledEmbedder
            from tui.adapters.model_cache import MODELS_DIR

            return BundledEmbedder(cache_dir=settings.data_dir / MODELS_DIR)

        return bundled

    def ollama() -> Embedder:
        from tui.adapters.ollama_embedder import OllamaEmbedder

        return OllamaEmbedder(host=settings.ollama_host, model=model, timeout=settings.stall_timeout)

    return ollama


def open_store(settings: Settings, clock: Callable[[], datetime] | None = None,
               outbox: Outbox | None = None, index_later: bool = False,
               open_index: Callable[..., Index] | None = None, key: bytes | None = None) -> Journal:
    """Slow (imports mem0/Chroma, loads the embedder): call it from a worker thread. ``outbox``
    is the record already opened by :func:`open_outbox`, shared rather than opened twice.
    ``index_later`` (one turn from the shell): mem0 and Chroma are not loaded unless needed;
    what is written is indexed by the next full open. ``open_index``, ``key``: see :func:`open_journal`
    (no ``key``: the one the settings carry, ``Settings.data_key``)."""
    return open_journal(settings.data_dir, embedder_factory(settings), clock, settings.ollama_host,
                        outbox, index_later, open_index, key if key is not None else settings.data_key)


def is_locked(settings: Settings) -> bool:
    """Whether the data dir holds a locked journal: its key comes first (:func:`unlock`). Fast."""
    from tui.adapters.locked_layout import is_locked as locked

    return locked(settings.data_dir)


def unlock(settings: Settings, passphrase: str) -> bytes:
    """The locked journal's data key (Argon2id: about half a second; call it from a worker).
    Raises ``WrongPassphrase`` (nothing changes: try again) or ``KeyFileError``."""
    from tui.adapters.key_file import unlock_key
    from tui.adapters.locked_layout import require_key_file

    return unlock_key(require_key_file(settings.data_dir), passphrase)


def open_journal(data_dir: Path, embedder: Callable[[], Embedder], clock: Callable[[], datetime] | None = None,
                 ollama_host: str = "http://127.0.0.1:11434", record: Outbox | None = None,
                 index_later: bool = False, open_index: Callable[..., Index] | None = None,
                 key: bytes | None = None) -> Journal:
    """The data dir made private and locked for this process, its record and the Chroma index that
    follows it (healed from the record at open), and the journal's rules over both. ``open_index``
    replaces the Chroma index (``ChromaIndex.open``'s arguments). ``key``: a locked journal's data
    key: the record is encrypted (SQLCipher) and the index lives in memory only (nothing of Chroma
    or mem0's history on disk), rebuilt from the vectors the record keeps."""
    import logging

    from tui.adapters.chroma_index import ChromaIndex
    from tui.adapters.data_dir import install_user_id, prepare_data_dir
    from tui.adapters.environment import contain_environment, route_logs_to_file
    from tui.adapters.locked_layout import PLAIN_RECORD, is_locked, record_path, write_marker
    from tui.adapters.open_errors import explain_open_failure
    from tui.adapters.outbox_file import locked_error
    from tui.adapters.record_db import RecordDB
    from tui.adapters.store_disk import StoreDisk
    from tui.adapters.store_lock import StoreLock
    from tui.adapters.store_switch import settle_interrupted_switch
    from tui.services.journal import Journal

    data_dir = Path(data_dir)
    prepare_data_dir(data_dir)
    settle_interrupted_switch(data_dir)  # a `mindpane lock` a kill stopped: finished or undone first
    if key is None and record is None and is_locked(data_dir):
        raise locked_error(data_dir)
    lock = StoreLock(data_dir)
    lock.acquire()
    opened = None
    try:
        contain_environment(data_dir)
        route_logs_to_file(data_dir / "mindpane.log")
        model = embedder()
        try:
            opened = record or RecordDB(record_path(data_dir, key is not None), key=key)
            if key is not None and not (data_dir / PLAIN_RECORD).exists():
                write_marker(data_dir)  # an older mindpane refuses the dir rather than start afresh
            if key is not None and open_index is None:
                from tui.adapters.memory_index import MemoryIndex

                open_index = MemoryIndex.open
            index = (open_index or ChromaIndex.open)(data_dir, model, opened, install_user_id(data_dir),
                                                     ollama_host=ollama_host, index_later=index_later)
        except MindpaneError:
            raise
        except Exception as exc:  # chromadb/sqlite raise many untyped errors on a broken dir
            logging.getLogger(__name__).error("opening the store failed: %s", type(exc).__name__)
            raise explain_open_failure(exc, data_dir) from exc
        extra = {"clock": clock} if clock else {}
        return Journal(cast("Record", opened), index, StoreDisk(data_dir, key), on_close=lock.release, **extra)
    except BaseException:
        if opened is not None and record is None:
            opened.close()
        lock.release()
        raise


def open_outbox(settings: Settings, key: bytes | None = None) -> Outbox:
    """Fast (SQLite only): the canonical record's outbox, usable before the store has loaded.
    ``key``: a locked journal's data key, else the settings' (without one a locked journal raises
    ``JournalLocked``)."""
    from tui.adapters.outbox_file import open_record

    return open_record(settings.data_dir, key if key is not None else settings.data_key)


def outbox_error(exc: BaseException, settings: Settings) -> MindpaneError:
    """A failed outbox write (full disk, unwritable file) as a message that names the file."""
    if isinstance(exc, MindpaneError):
        return exc
    from tui.adapters.locked_layout import is_locked, record_path
    from tui.adapters.outbox_file import record_error

    return record_error(exc, record_path(settings.data_dir, is_locked(settings.data_dir)))


def make_chat(settings: Settings) -> ChatModel:
    from tui.adapters.ollama_chat import OllamaChat

    return OllamaChat(
        host=settings.ollama_host,
        connect_timeout=settings.connect_timeout,
        stall_timeout=settings.stall_timeout,
    )


def make_turns(store: Journal, chat: ChatModel, settings: Settings,
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
