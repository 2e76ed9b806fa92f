"""What the full-screen app holds: settings, modes, and — once opened in a worker — the store,
the chat client and the turn service. The UI talks to this and to the ports, never to adapters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from tui.domain.errors import StoreError
from tui.domain.modes import Mode, builtin_modes
from tui.services import engine
from tui.services.ports import ChatModel, MemoryStore
from tui.services.settings import Settings
from tui.services.turn import TurnService


class Workspace:
    def __init__(
        self,
        settings: Settings,
        modes: dict[str, Mode] | None = None,
        clock: Callable[[], datetime] | None = None,
        open_store: Callable[[Settings], MemoryStore] | None = None,
        make_chat: Callable[[Settings], ChatModel] = engine.make_chat,
    ) -> None:
        self.settings = settings
        self.modes = modes or builtin_modes()
        self._open_store = open_store or (lambda s: engine.open_store(s, clock))
        self.chat = make_chat(settings)
        self._store: MemoryStore | None = None
        self._turns: TurnService | None = None
        self._ready = threading.Event()

    # -- lifecycle (blocking: call from a worker thread) ----------------------------------------

    def open(self) -> None:
        """Open the memory store. Raises a ``MindpaneError`` the UI can show."""
        store = self._open_store(self.settings)
        self._store = store
        self._turns = engine.make_turns(store, self.chat, self.settings, self.modes)
        self._ready.set()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
            self._turns = None
            self._ready.clear()

    # -- access --------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def store(self) -> MemoryStore:
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
