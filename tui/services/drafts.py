"""Keeps what the person writes on the disk as it is written, so nothing typed is lost to ctrl+q or
a kill: the prompt's text and the composer drafts (a quarter of a second after the last key, by a
writer thread), and a send from the moment Enter is pressed (at once, on the caller's thread:
about a millisecond, while the outbox may still be waiting for the store to open).

A send is *held* in the draft file until the outbox has it: ``Workspace`` puts it there (now, or
when the outbox opens) and releases it. What an earlier run held goes into the outbox at the next
open, keyed by turn id, so it is stored once whatever moment the kill came.

In a locked journal the draft file is sealed under a key derived from the journal's data key
(``key``); before the journal is unlocked there is no draft to show and none is written
(:meth:`Drafts.locked_away`).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

from tui.domain.drafts import Draft
from tui.domain.errors import JournalLocked, MindpaneError
from tui.domain.records import PendingEntry

log = logging.getLogger(__name__)

SAVE_AFTER = 0.25
"""Seconds the writer waits after a change, so a burst of keys is one write: a kill loses at most
about this much of the typing."""


class Drafts:
    def __init__(self, data_dir: Path, clock: Callable[[], datetime], *, read: Callable[[Path], Draft] | None = None,
                 write: Callable[[Path, Draft], None] | None = None, save_after: float = SAVE_AFTER,
                 key: bytes | None = None) -> None:
        """``key``: a locked journal's data key (the draft file is sealed under a key made from it)."""
        if read is None or write is None:
            from tui.adapters import draft_file

            if key is not None:
                read = read or partial(draft_file.read_locked_draft, data_key=key)
                write = write or partial(draft_file.write_locked_draft, data_key=key)
            read, write = read or draft_file.read_draft, write or draft_file.write_draft
        self._sealed = key is not None
        self._data_dir = data_dir
        self._clock = clock
        self._write = write
        self._save_after = save_after
        self.restored = read(data_dir)
        """What an earlier run left: shown again at start (its held sends go to the outbox)."""
        self._draft = self.restored
        self._written = self.restored
        self._own: set[str] = set()
        """Turn ids of the sends this process held (the rest came from an earlier run)."""
        self._changed = threading.Condition()
        self._writing = threading.Lock()
        self._writer: threading.Thread | None = None
        self._closed = False
        self._failing = False

    @classmethod
    def locked_away(cls, data_dir: Path, clock: Callable[[], datetime]) -> Drafts:
        """A locked journal's drafts before it is unlocked: none to show, and none can be kept (a
        send is refused, so its text stays with the person)."""
        return cls(data_dir, clock, read=lambda _dir: Draft(), write=_refuse_while_locked)

    # -- what the person writes (any thread; cheap) --------------------------------------------

    def set_prompt(self, text: str) -> None:
        self._change(lambda draft: replace(draft, prompt=text))

    def set_composer(self, mode: str, text: str) -> None:
        def change(draft: Draft) -> Draft:
            composer = dict(draft.composer)
            if text.strip():
                composer[mode] = text
            else:
                composer.pop(mode, None)
            return replace(draft, composer=composer)

        self._change(change)

    # -- sends ----------------------------------------------------------------------------------

    def hold(self, mode: str, text: str, from_prompt: bool = False) -> str | None:
        """Keep ``text``, being sent in ``mode``, on the disk now (it leaves the prompt's or the
        composer's draft in the same write); its turn id, or None if the draft file could not
        take it (the caller keeps it another way). Enter calls it in its key's handler
        (``from_prompt``: the prompt's draft may not have caught up with the last keys yet)."""
        send = PendingEntry(str(uuid.uuid4()), mode, text, self._clock())
        with self._changed:
            self._draft = self._draft.sent(mode, text, send, from_prompt)
            self._own.add(send.turn_id)
        try:
            self.flush(raise_errors=True)
        except (MindpaneError, OSError):
            log.warning("a send could not be held in the draft file", exc_info=True)
            self.release([send.turn_id])
            return None
        return send.turn_id

    def held(self) -> list[PendingEntry]:
        """The sends not in the outbox yet, this run's and an earlier one's."""
        with self._changed:
            return list(self._draft.held)

    def own(self) -> frozenset[str]:
        """The turn ids this process held (an earlier run's are not among them)."""
        with self._changed:
            return frozenset(self._own)

    def release(self, turn_ids: Iterable[str]) -> None:
        """The outbox (or the record) has these sends now: the draft file need not keep them."""
        turn_ids = list(turn_ids)
        if turn_ids:
            self._change(lambda draft: draft.released(turn_ids))

    # -- writing --------------------------------------------------------------------------------

    def flush(self, raise_errors: bool = False) -> None:
        """Write the latest draft now if it changed since the last write (one write at a time)."""
        with self._writing:
            with self._changed:
                draft = self._draft
            if draft == self._written:
                return
            try:
                self._write(self._data_dir, draft)
            except (MindpaneError, OSError):
                if raise_errors:
                    raise
                if not self._failing:
                    log.warning("the draft could not be written; trying again at the next change", exc_info=True)
                self._failing = True
                return
            self._written, self._failing = draft, False

    def close(self) -> None:
        """Quitting: the draft as it is now goes to the disk (ctrl+q never loses it)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self.flush()
        if self._sealed:
            from tui.adapters import draft_file

            draft_file.drop_key(self._data_dir)

    def _change(self, change: Callable[[Draft], Draft]) -> None:
        with self._changed:
            draft = change(self._draft)
            if draft == self._draft:
                return
            self._draft = draft
            if self._closed:
                return
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_later, name="mindpane-drafts", daemon=True)
                self._writer.start()
            self._changed.notify_all()

    def _write_later(self) -> None:
        while True:
            with self._changed:
                while self._draft == self._written and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
            time.sleep(self._save_after)  # the keys that follow go into the same write
            self.flush()


def _refuse_while_locked(_data_dir: Path, _draft: Draft) -> None:
    raise JournalLocked("The journal is locked", "unlock it first: nothing is kept before that")
