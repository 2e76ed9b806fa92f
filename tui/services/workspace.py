"""What the full-screen app holds: settings, modes, and — once opened in a worker — the store,
the chat client and the turn service. The UI talks to this and to the ports, never to adapters."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.domain.errors import MindpaneError, StoreError
from tui.domain.modes import Mode
from tui.domain.records import Change, Page, RecalledMemory
from tui.domain.search import SearchQuery, SearchResult
from tui.services import engine
from tui.services.config import ConfigProblem, LoadedConfig, load_modes
from tui.services.drafts import Drafts
from tui.services.outbox import Replayed, replay_pending
from tui.services.screen_access import EntryMarks
from tui.services.settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from tui.adapters.key_file import KdfParams
    from tui.ports import ChatModel, Outbox
    from tui.services.journal import Journal
    from tui.services.turn import TurnService  # made when the store opens (``engine.make_turns``)


class Workspace:
    def __init__(
        self,
        settings: Settings,
        modes: dict[str, Mode] | None = None,
        clock: Callable[[], datetime] | None = None,
        open_store: Callable[[Settings], Journal] | None = None,
        make_chat: Callable[[Settings], ChatModel] = engine.make_chat,
        open_outbox: Callable[[Settings], Outbox] = engine.open_outbox,
        config: LoadedConfig | None = None,
        kdf_params: KdfParams | None = None,
    ) -> None:
        """``kdf_params``: the cost of a new journal's key (``create_locked``); None: the default."""
        self.settings = settings
        self._kdf_params = kdf_params
        self.modes = modes or load_modes(config)
        self.config_problems: list[ConfigProblem] = list(config.problems) if config else []
        """What is wrong in the config file (the defaults are used for those parts): shown once."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self._open_store = open_store or (lambda s, outbox=None, key=None: engine.open_store(s, clock, outbox, key=key))
        self._open_outbox = open_outbox
        self._make_chat = make_chat
        self._chat: ChatModel | None = None
        self._chat_lock = threading.Lock()
        self._outbox: Outbox | None = None
        self._outbox_lock = threading.Lock()
        self._issued: set[str] = set()
        self._store: Journal | None = None
        self._turns: TurnService | None = None
        self._ready = threading.Event()
        self._key: bytes | None = None
        """A locked journal's data key, from :meth:`unlock` until :meth:`lock` (or quit) drops it."""
        self.replayed = Replayed()
        """What the last open found in the outbox from an earlier run."""
        self.drafts = self._new_drafts()
        """What the person wrote and has not sent, and sends not in the outbox yet: on the disk
        (sealed in a locked journal; none at all until it is unlocked)."""

    # -- lifecycle (blocking: call from a worker thread) ----------------------------------------

    @property
    def locked_journal(self) -> bool:
        """Whether the data dir holds a locked journal (fast: a few ``stat`` calls)."""
        return engine.is_locked(self.settings)

    @property
    def wants_new_journal(self) -> bool:
        """``create_locked = true`` and no journal in the data dir yet: a new passphrase first, then
        :meth:`create_locked` (fast: a few ``stat`` calls)."""
        from tui.services.locking import wants_new_locked_journal

        return self._key is None and wants_new_locked_journal(self.settings)

    @property
    def needs_passphrase(self) -> bool:
        """A locked journal whose key this session does not hold, or one still to be made under
        ``create_locked``: a passphrase before opening."""
        return self._key is None and (self.locked_journal or self.wants_new_journal)

    def create_locked(self, passphrase: str) -> None:
        """Make the new locked journal under ``passphrase`` and hold its key (Argon2id: call it from
        a worker). Raises a ``MindpaneError`` (a journal appeared meanwhile, the disk refused)."""
        from tui.services.locking import create_locked_journal

        key = create_locked_journal(self.settings, passphrase, self._kdf_params)
        self.drafts.close()
        self._key = key
        self.drafts = self._new_drafts()

    def unlock(self, passphrase: str) -> None:
        """Take the locked journal's key from ``passphrase`` (Argon2id, about half a second: call it
        from a worker) and read its sealed drafts. Raises ``WrongPassphrase`` (nothing changed) or
        ``KeyFileError``."""
        key = engine.unlock(self.settings, passphrase)
        self.drafts.close()
        self._key = key
        self.drafts = self._new_drafts()

    def lock(self) -> None:
        """Close the store (the drafts written, sealed) and drop the key: the journal needs the
        passphrase again. What this session sent and is not answered is in the outbox: the next open
        brings it back as an earlier run's."""
        self.close()
        self._key = None
        with self._outbox_lock:
            self._issued.clear()
        if self.locked_journal:
            self.drafts = self._new_drafts()

    def _new_drafts(self) -> Drafts:
        if self.needs_passphrase:
            return Drafts.locked_away(self.settings.data_dir, self._clock)
        return Drafts(self.settings.data_dir, self._clock, key=self._key)

    def _keyed(self) -> dict:
        return {"key": self._key} if self._key is not None else {}

    def open(self) -> None:
        """Open the memory store and replay what an earlier run left in the outbox (not the turns
        this session sent meanwhile: they are queued). Raises a ``MindpaneError`` to show."""
        store = self._open_store(self.settings, self._outbox_opened(), **self._keyed())
        try:
            with self._outbox_lock:
                mine = frozenset(self._issued) | self.drafts.own()
            self.replayed = replay_pending(store, self.modes, mine)
        except BaseException:
            store.close()  # it closes the outbox it shares: the next send or open makes a new one
            with self._outbox_lock:
                self._outbox = None
            raise
        self._store = store
        self._turns = engine.make_turns(store, self.chat, self.settings, self.modes, self._clock)
        self._ready.set()

    def close(self) -> None:
        self.drafts.close()
        with self._outbox_lock:
            if self._store is not None:
                self._store.close()  # it shares the outbox's connection and closes it
            elif self._outbox is not None:
                self._outbox.close()
            self._outbox = None
            self._store = None
            self._turns = None
            self._ready.clear()

    # -- the outbox: durable from the moment a turn is sent -------------------------------------

    def _outbox_opened(self) -> Outbox:
        with self._outbox_lock:
            if self._outbox is None:
                self._outbox = self._open_outbox(self.settings, **self._keyed())
                self._take_held(self._outbox)
            return self._outbox

    def _take_held(self, outbox: Outbox) -> None:
        """The sends the draft file holds (this run's, and any an earlier run left) go into the
        outbox, unless their entry is stored already; then the draft file lets them go."""
        taken = []
        for send in self.drafts.held():
            try:
                if outbox.by_turn(send.turn_id) is None:
                    outbox.put_pending(send.turn_id, send.mode, send.text, send.created_at)
            except Exception:  # kept in the draft file: the next open tries again
                log.warning("a held send could not go into the outbox", exc_info=True)
                continue
            taken.append(send.turn_id)
        self.drafts.release(taken)

    def keep(self, mode: Mode, text: str, turn_id: str | None = None) -> str:
        """Keep a turn's text on the disk before anything else happens to it; returns its turn id.
        ``turn_id``: ``drafts.hold`` kept it already (Enter: in about a millisecond, whatever the
        store is doing). A held send goes into the outbox now if the outbox is
        open (else ``open`` takes it), so this never waits for the store to open. Without one it is
        held here, or (the draft file refusing) written to the outbox, waiting for it to open.
        Safe on the event loop, which must not acknowledge the send until the text is on the disk.
        Raises a ``MindpaneError``."""
        turn_id = turn_id or self.drafts.hold(mode.name, text)
        if turn_id is not None:
            with self._outbox_lock:
                self._issued.add(turn_id)
                outbox = self._outbox
            if outbox is None:
                return turn_id  # held: the outbox takes it when it opens (``_take_held``)
        outbox = self._outbox_opened()
        turn_id = turn_id or str(uuid.uuid4())
        with self._outbox_lock:
            try:
                outbox.put_pending(turn_id, mode.name, text, self._clock())
            except Exception as exc:
                self.drafts.release([turn_id])  # the text goes back to the person instead
                raise engine.outbox_error(exc, self.settings) from exc
            self._issued.add(turn_id)
        self.drafts.release([turn_id])
        return turn_id

    # -- access --------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def chat(self) -> ChatModel:
        """The Ollama client, made on first use (from a worker: it imports the client library, which
        must not delay the first frame)."""
        if self._chat is None:
            with self._chat_lock:
                if self._chat is None:
                    self._chat = self._make_chat(self.settings)
        return self._chat

    @property
    def journal(self) -> Journal:
        if self._store is None:
            raise StoreError("The memory store is not open yet", "wait for it to finish loading")
        return self._store

    @property
    def turns(self) -> TurnService:
        if self._turns is None:
            raise StoreError("The memory store is not open yet", "wait for it to finish loading")
        return self._turns

    def model_for(self, mode: Mode) -> str:
        return self.settings.model_for(mode.model)

    def check_model(self, mode: Mode) -> str:
        """Blocking reachability + model check; returns the model name or raises a ChatError."""
        model = self.model_for(mode)
        self.chat.ensure_model(model)
        return model


class SearchError(MindpaneError):
    """A search names something that is not there (a mode)."""


class WorkspaceHistory(EntryMarks):
    """What the history pane may do with the workspace — list, search, undo, pin and flag one mode's entries —
    handed to it by the screen, so the pane never reaches into the app. Blocking: call from a worker.
    The screens' own are in ``tui.services.screen_access``."""

    @property
    def ready(self) -> bool:
        return self._workspace.ready

    def page(self, mode_name: str, offset: int, limit: int) -> Page:
        return self._journal.record.page(mode_name, offset, limit)

    def count(self, mode_name: str) -> int:
        return self._journal.record.count(mode_name)

    def search(self, query: SearchQuery, mode: Mode, offset: int, limit: int, k: int) -> SearchResult:
        """Entries matching ``query`` exactly, in ``mode`` unless it names another, a page of them
        newest first; when none does and it has words, the ``k`` closest by meaning (any score)."""
        store = self._journal
        query = query.with_mode(mode.name)
        searched = self._workspace.modes.get(query.mode or mode.name)
        if searched is None:
            raise SearchError(f"No mode named {query.mode!r}", f"known modes: {', '.join(self._workspace.modes)}")
        records, total = store.record.search(query, offset, limit)
        recalled: list[RecalledMemory] = []
        if total == 0 and offset == 0 and query.words:
            recalled = store.recall(query.meaning, searched, k=k, min_score=0)
        return SearchResult(query, records, total, offset, recalled, store.record.count(searched.name))

    def undo(self, mode_name: str) -> Change | None:
        return self._journal.undo(mode_name=mode_name)

    def pinned_ids(self, mode_name: str) -> set[str]:
        return self._journal.record.pinned_ids(mode_name)
