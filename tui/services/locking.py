"""Turning a plain journal into a locked one and back, making a new locked one, and changing the
passphrase (``mindpane lock``, ``unlock --permanently``, ``init --locked``, ``passphrase``).

Each switch holds the store lock (no app, no second switch), refuses before writing when the disk
has no room for a copy, holds other writers off the record while it copies it, checks the copy row
by row and commits with one rename; a kill at any step leaves either the old journal or the new one
whole, and the next open finishes or undoes the switch (``store_switch``). Changing the passphrase
re-wraps the data key: seconds, the record's bytes untouched.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from tui.domain.errors import MindpaneError, StoreError

if TYPE_CHECKING:
    from tui.adapters.key_file import KdfParams
    from tui.services.settings import Settings

def lock_store(data_dir: Path, passphrase: str, params: KdfParams | None = None) -> None:
    """Make the plain journal in ``data_dir`` a locked one under ``passphrase``."""
    from tui.adapters import record_copy, store_switch
    from tui.adapters.key_file import create_key
    from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD, is_locked, key_path

    data_dir = Path(data_dir)
    with _holding_store(data_dir):
        if is_locked(data_dir):
            raise StoreError(f"The journal in {data_dir} is already locked",
                             "change its passphrase with `mindpane passphrase`")
        plain = data_dir / PLAIN_RECORD
        if not plain.is_file():
            raise StoreError(f"There is no journal in {data_dir} to lock",
                             "make a new locked one with `mindpane init --locked`")
        _refuse_stray_key(data_dir)
        _ensure_room_for_copy(data_dir, plain)
        _upgrade_record(plain)
        store_switch.begin(data_dir, store_switch.TO_LOCKED)
        partial = data_dir / store_switch.LOCKED_PARTIAL
        holder = None
        try:
            key = create_key(key_path(data_dir), passphrase, params)
            store_switch.stop_point("key")
            holder = record_copy.hold_writers_off(plain, None)
            record_copy.export(plain, None, partial, key)
            store_switch.stop_point("copied")
            record_copy.verify(plain, None, partial, key)
            store_switch.stop_point("verified")
            os.replace(partial, data_dir / LOCKED_RECORD)
            record_copy.fsync_path(data_dir)
            store_switch.stop_point("committed")
            store_switch.finish_locking(data_dir)
        except BaseException as exc:
            _fail(exc, data_dir, holder, "lock the journal")
        _seal_draft(data_dir, key)
        holder.close()


def unlock_permanently(data_dir: Path, passphrase: str) -> None:
    """Make the locked journal in ``data_dir`` a plain one again (the search index is rebuilt from
    the record at the next open). A wrong passphrase changes nothing."""
    from tui.adapters import record_copy, store_switch
    from tui.adapters.key_file import unlock_key
    from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD, is_locked, require_key_file

    data_dir = Path(data_dir)
    with _holding_store(data_dir):
        if not is_locked(data_dir):
            raise StoreError(f"The journal in {data_dir} is not locked", "there is nothing to unlock")
        key = unlock_key(require_key_file(data_dir), passphrase)
        locked = data_dir / LOCKED_RECORD
        _ensure_room_for_copy(data_dir, locked)
        store_switch.begin(data_dir, store_switch.TO_PLAIN)
        partial = data_dir / store_switch.PLAIN_PARTIAL
        holder = None
        try:
            _open_draft(data_dir, key)  # before the commit: after it, a kill would leave it sealed keyless
            holder = record_copy.hold_writers_off(locked, key)
            record_copy.export(locked, key, partial, None)
            store_switch.stop_point("copied")
            record_copy.verify(locked, key, partial, None)
            store_switch.stop_point("verified")
            os.replace(locked, data_dir / store_switch.RETIRED)
            record_copy.fsync_path(data_dir)
            store_switch.stop_point("retired")
            os.replace(partial, data_dir / PLAIN_RECORD)
            record_copy.fsync_path(data_dir)
            store_switch.stop_point("committed")
            holder.close()
            store_switch.finish_unlocking(data_dir)
        except BaseException as exc:
            _fail(exc, data_dir, holder, "unlock the journal")


def change_passphrase(data_dir: Path, old: str, new: str, params: KdfParams | None = None) -> None:
    """Wrap the locked journal's data key with ``new`` (the record is not touched). A wrong ``old``
    raises ``WrongPassphrase`` and changes nothing."""
    from tui.adapters import key_file
    from tui.adapters.locked_layout import is_locked, require_key_file

    data_dir = Path(data_dir)
    if not is_locked(data_dir):
        raise StoreError(f"The journal in {data_dir} is not locked", "lock it first with `mindpane lock`")
    key_file.change_passphrase(require_key_file(data_dir), old, new, params)


def check_passphrase(data_dir: Path, passphrase: str) -> None:
    """``WrongPassphrase`` unless ``passphrase`` unlocks the locked journal in ``data_dir`` (asked
    before a new one is typed, so a typo is said at once). Nothing is written."""
    from tui.adapters.key_file import unlock_key
    from tui.adapters.locked_layout import is_locked, require_key_file

    data_dir = Path(data_dir)
    if not is_locked(data_dir):
        raise StoreError(f"The journal in {data_dir} is not locked", "lock it first with `mindpane lock`")
    unlock_key(require_key_file(data_dir), passphrase)


def init_locked(data_dir: Path, passphrase: str, params: KdfParams | None = None) -> bytes:
    """A new, empty locked journal in ``data_dir``; returns its data key. Refuses a data dir that
    holds a journal (plain or locked)."""
    from tui.adapters import record_copy, store_switch
    from tui.adapters.key_file import create_key
    from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD, is_locked, key_path
    from tui.adapters.record_db import RecordDB

    data_dir = Path(data_dir)
    with _holding_store(data_dir):
        if is_locked(data_dir):
            raise StoreError(f"There is a locked journal in {data_dir} already", "open it with its passphrase")
        if (data_dir / PLAIN_RECORD).exists():
            raise StoreError(f"There is a journal in {data_dir} already",
                             "lock it with `mindpane lock`, or choose another --data-dir")
        _refuse_stray_key(data_dir)
        store_switch.begin(data_dir, store_switch.TO_LOCKED)
        partial = data_dir / store_switch.LOCKED_PARTIAL
        try:
            key = create_key(key_path(data_dir), passphrase, params)
            RecordDB(partial, key=key).close()
            record_copy.fsync_path(partial)
            os.replace(partial, data_dir / LOCKED_RECORD)
            record_copy.fsync_path(data_dir)
            store_switch.finish_locking(data_dir)
        except BaseException as exc:
            _fail(exc, data_dir, None, "make the locked journal")
    return key


def refuse_if_in_use(data_dir: Path) -> None:
    """``StoreLocked`` when another mindpane has the journal open: said before a passphrase is
    asked, not after it was typed twice for nothing (the switch checks again, holding the lock)."""
    from tui.adapters.store_lock import StoreLock

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return
    lock = StoreLock(data_dir)
    lock.acquire()
    lock.release()


def wants_new_locked_journal(settings: Settings) -> bool:
    """Whether the first open should make a locked journal: ``create_locked = true`` in the config
    and no journal in the data dir yet (the app then asks for a new passphrase, twice)."""
    from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD

    data_dir = settings.data_dir
    return settings.create_locked and not (data_dir / PLAIN_RECORD).exists() \
        and not (data_dir / LOCKED_RECORD).exists()


def create_locked_journal(settings: Settings, passphrase: str, params: KdfParams | None = None) -> bytes:
    """For the app's first open under ``create_locked``: a new empty locked journal in the settings'
    data dir, its data key returned for ``open_store(..., key=)``. Blocking (Argon2id, about half a
    second with the default cost): call it from a worker. Raises like :func:`init_locked`."""
    return init_locked(settings.data_dir, passphrase, params)


def _seal_draft(data_dir: Path, key: bytes) -> None:
    """What was typed and not sent is sealed too (a kill before this: the next unlock seals it)."""
    from tui.adapters.draft_file import seal_plain_draft

    seal_plain_draft(data_dir, key)


def _open_draft(data_dir: Path, key: bytes) -> None:
    """Unlocking for good: the sealed draft in clear again, readable without the key."""
    from tui.adapters.draft_file import open_sealed_draft

    open_sealed_draft(data_dir, key)


def new_passphrase(settings: Settings) -> str:
    """A new journal's passphrase: from ``passphrase_command`` if the config names one (its store
    holds it already), else typed twice on the terminal (``WrongPassphrase`` when they differ)."""
    from tui.adapters import passphrase_source

    if settings.passphrase_command:
        return passphrase_source.from_command(settings.passphrase_command)
    return typed_new_passphrase()


def typed_new_passphrase() -> str:
    """A new passphrase typed twice on the terminal, echo off."""
    from tui.adapters import passphrase_source

    return passphrase_source.new_from_terminal()


# -- helpers ---------------------------------------------------------------------------------------


class _holding_store:
    """The data dir prepared, its store lock held (no app, no second switch) and any earlier
    interrupted switch settled, for the ``with`` block."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def __enter__(self) -> None:
        from tui.adapters import store_switch
        from tui.adapters.data_dir import prepare_data_dir
        from tui.adapters.store_lock import StoreLock

        prepare_data_dir(self.data_dir)
        self.lock = StoreLock(self.data_dir)
        self.lock.acquire()
        try:
            store_switch.settle(self.data_dir)
        except BaseException:
            self.lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def _upgrade_record(plain: Path) -> None:
    """Bring a record an older mindpane wrote up to this schema first: the copy is checked against
    it, and opening the copy as a record would upgrade only the copy."""
    from tui.adapters.outbox_file import record_error
    from tui.adapters.record_db import RecordDB

    try:
        RecordDB(plain).close()
    except Exception as exc:  # damaged, or a newer mindpane's: said, nothing changed
        raise record_error(exc, plain) from None


def _refuse_stray_key(data_dir: Path) -> None:
    from tui.adapters.locked_layout import key_path

    path = key_path(data_dir)
    if path.exists():
        raise StoreError(f"{path} is there but no locked journal uses it",
                         f"move it away (`mv {path} {path}.old`) if it is no longer needed, then try again")


def _ensure_room_for_copy(data_dir: Path, record: Path) -> None:
    from tui.adapters.disk_space import ensure_free_space

    sizes = [record.with_name(record.name + suffix) for suffix in ("", "-wal")]
    ensure_free_space(data_dir, sum(path.stat().st_size for path in sizes if path.exists()))


def _fail(exc: BaseException, data_dir: Path, holder: object, doing: str) -> NoReturn:
    """After a failure: writers let back in, the switch finished or undone (what cannot be done now
    the next open does: it sees the switch's flag), and the error raised as the person is shown it
    (a full disk as "disk full"), saying which journal is there now."""
    from tui.adapters import store_switch
    from tui.adapters.locked_layout import is_locked

    if holder is not None:
        with suppress(Exception):
            holder.close()  # type: ignore[attr-defined]
    with suppress(Exception):
        store_switch.settle(data_dir)
    if not isinstance(exc, Exception):
        raise exc
    error = exc
    if not isinstance(exc, MindpaneError):
        from tui.adapters.disk_space import disk_full_error, is_disk_full

        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        error = disk_full_error(data_dir) if is_disk_full(exc, data_dir) else \
            StoreError(f"Could not {doing}: {reason}", "")
        error.hint = error.hint.split(";")[0]
    if (data_dir / store_switch.SWITCH_FILE).exists():
        state = "the switch is finished or undone the next time mindpane opens the journal"
    else:
        state = f"the journal in {data_dir} is {'locked' if is_locked(data_dir) else 'plain'}, whole"
    error.hint = f"{error.hint}; {state}" if error.hint else state
    raise error from None if error is exc else exc
