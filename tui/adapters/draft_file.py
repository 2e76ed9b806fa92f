"""The draft file (``draft.json`` in the data dir): what the person wrote and has not sent, and sends
not in the outbox yet (``tui.domain.drafts.Draft``), so that neither ctrl+q nor a kill loses them.

Private (``0600``, in a data dir that must be the person's own) and written whole: a temporary file,
``fsync``, a rename over the old one, an ``fsync`` of the directory — a crash leaves the old draft or
the new one, never half of one. That costs about a millisecond, so Enter can write it on the event
loop while the store is still opening. Only ``json`` and ``os``: nothing here waits for a library
(a locked journal's sealed draft, ``draft.locked``, imports its cipher when first used, after unlock).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from tui.adapters.durable_file import fsync_path, shred, write_whole
from tui.domain.drafts import Draft
from tui.domain.errors import StoreError
from tui.domain.records import PendingEntry

DRAFT_FILE = "draft.json"
"""Its name in the data dir (forget erases from it; doctor and the tests look for it by this name)."""
LOCKED_DRAFT_FILE = "draft.locked"
"""A locked journal's draft file: the same content, sealed (``tui.adapters.draft_seal``)."""
_TEMPORARY = f"{DRAFT_FILE}.tmp-"
_VERSION = 1

log = logging.getLogger(__name__)
_keys: dict[Path, bytes] = {}
"""Draft keys of the journals unlocked in this process, per data dir (see :func:`erase_texts`)."""
_forgotten: dict[Path, set[str]] = {}
"""Texts forgotten in this process, per data dir: a draft still on screen that holds one is not
written again (the app's drafts live in memory too)."""


def read_draft(data_dir: Path) -> Draft:
    """The draft file's content; an empty ``Draft`` when there is none or it cannot be read, or is
    not this user's own file (said in the log: a damaged draft must not stop the app, and text
    someone else put there is not shown as the person's)."""
    path = data_dir / DRAFT_FILE
    raw = _read_own(path)
    if raw is None:
        return Draft()
    try:
        return _from_json(json.loads(raw.decode("utf-8")))
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("the draft file %s is damaged; it is left as it is until a new draft replaces it", path)
        return Draft()


def write_draft(data_dir: Path, draft: Draft) -> None:
    """Make the draft file hold ``draft`` (no file when it is empty), durably. Raises ``StoreError``
    when the data dir is not the person's own, or the disk refuses."""
    draft = draft.without(_forgotten.get(data_dir.resolve(), ()))
    data = json.dumps(_to_json(draft), ensure_ascii=False).encode("utf-8")
    _write_whole(data_dir, data_dir / DRAFT_FILE, None if draft.empty else data)


def read_locked_draft(data_dir: Path, data_key: bytes) -> Draft:
    """A locked journal's draft (``LOCKED_DRAFT_FILE``, sealed under a key derived from ``data_key``);
    an empty ``Draft`` when there is none or it cannot be opened (said in the log, the file left as
    it is). A plain ``draft.json`` written before the journal was locked is taken in: sealed, and
    its clear copy overwritten and removed. Remembers the key until :func:`drop_key`, so forget can
    rewrite the sealed draft."""
    from tui.adapters.draft_seal import NotSealed, draft_key, unseal

    key = draft_key(data_key)
    _keys[data_dir.resolve()] = key
    path = data_dir / LOCKED_DRAFT_FILE
    raw = _read_own(path)
    if raw is None:
        plain = read_draft(data_dir) if (data_dir / DRAFT_FILE).exists() else Draft()
        if not plain.empty:
            try:
                _write_sealed(data_dir, plain, key)
            except StoreError:  # the clear copy stays until a sealed one can be written
                log.warning("the plain draft could not be sealed yet", exc_info=True)
                return plain
            _shred(data_dir / DRAFT_FILE)
        return plain
    try:
        return _from_json(json.loads(unseal(key, raw).decode("utf-8")))
    except (NotSealed, ValueError, TypeError, KeyError, AttributeError):
        log.warning("the sealed draft %s cannot be opened; it is left as it is until a new draft replaces it", path)
        return Draft()


def write_locked_draft(data_dir: Path, draft: Draft, data_key: bytes) -> None:
    """:func:`write_draft` for a locked journal: the same file discipline, the content sealed."""
    from tui.adapters.draft_seal import draft_key

    key = draft_key(data_key)
    _keys[data_dir.resolve()] = key
    _write_sealed(data_dir, draft, key)


def seal_plain_draft(data_dir: Path, data_key: bytes) -> None:
    """``mindpane lock``: a plain ``draft.json`` becomes the sealed draft (its clear copy erased)."""
    read_locked_draft(data_dir, data_key)
    drop_key(data_dir)


def open_sealed_draft(data_dir: Path, data_key: bytes) -> None:
    """``mindpane unlock --permanently``: the sealed draft becomes ``draft.json`` again (written
    before the sealed one is removed, so a kill in between leaves one or both, never neither)."""
    draft = read_locked_draft(data_dir, data_key)
    drop_key(data_dir)
    if not draft.empty:
        write_draft(data_dir, draft)
    _write_whole(data_dir, data_dir / LOCKED_DRAFT_FILE, None)


def drop_key(data_dir: Path) -> None:
    """The journal is locked again: this process no longer keeps its draft key."""
    _keys.pop(data_dir.resolve(), None)


def _write_sealed(data_dir: Path, draft: Draft, key: bytes) -> None:
    from tui.adapters.draft_seal import seal

    draft = draft.without(_forgotten.get(data_dir.resolve(), ()))
    data = None if draft.empty else seal(key, json.dumps(_to_json(draft), ensure_ascii=False).encode("utf-8"))
    _write_whole(data_dir, data_dir / LOCKED_DRAFT_FILE, data)


def _read_own(path: Path) -> bytes | None:
    """The file's bytes; None when there is none, it cannot be read, or another user owns it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError:
        log.warning("the draft file %s could not be read", path, exc_info=True)
        return None
    with os.fdopen(fd, "rb") as file:
        if hasattr(os, "getuid") and os.fstat(file.fileno()).st_uid != os.getuid():
            log.warning("the draft file %s belongs to another user; it is not used", path)
            return None
        return file.read()


def _write_whole(data_dir: Path, path: Path, data: bytes | None) -> None:
    """``path`` holds ``data`` (None: no file), through a private temporary file and a rename."""
    try:
        _own_private_dir(data_dir)
        if data is None:
            if path.exists():
                path.unlink()
                fsync_path(data_dir)
            return
        write_whole(path, data, data_dir / f"{_TEMPORARY}{os.getpid()}")
    except OSError as exc:
        raise StoreError(f"The draft could not be kept in {path}: {exc.strerror or exc}",
                         "free some space or fix the data directory's permissions") from exc


def _shred(path: Path) -> None:
    """Overwrite a clear copy with zeros, on the disk, before removing it."""
    try:
        shred(path)
    except OSError:
        log.warning("the clear draft file %s could not be erased", path, exc_info=True)


def erase_texts(data_dir: Path, texts: Iterable[str]) -> None:
    """Forget: the draft file keeps no part that holds one of ``texts``, and no unfinished
    temporary copy of it is left (one may hold anything). A locked journal's sealed draft is
    rewritten too while this process holds its key (else it is sealed, and the app's next write
    leaves the text out)."""
    texts = [text for text in texts if text]
    _forgotten.setdefault(data_dir.resolve(), set()).update(texts)
    for temporary in data_dir.glob(f"{_TEMPORARY}*"):
        temporary.unlink(missing_ok=True)
    draft = read_draft(data_dir)
    kept = draft.without(texts)
    if kept != draft:
        write_draft(data_dir, kept)
    key = _keys.get(data_dir.resolve())
    raw = _read_own(data_dir / LOCKED_DRAFT_FILE) if key is not None else None
    if raw is not None:
        from tui.adapters.draft_seal import NotSealed, unseal

        try:
            sealed = _from_json(json.loads(unseal(key, raw).decode("utf-8")))
        except (NotSealed, ValueError, TypeError, KeyError, AttributeError):
            return
        if sealed.without(texts) != sealed:
            _write_sealed(data_dir, sealed, key)


def _own_private_dir(data_dir: Path) -> None:
    """The data dir exists, is a directory and is this user's: a draft never goes anywhere else."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = data_dir.stat()
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        raise PermissionError(f"{data_dir} belongs to another user")


def _to_json(draft: Draft) -> dict:
    return {"version": _VERSION, "prompt": draft.prompt, "composer": dict(draft.composer),
            "held": [{"turn_id": send.turn_id, "mode": send.mode, "text": send.text,
                      "created_at": send.created_at.isoformat()} for send in draft.held]}


def _from_json(data: dict) -> Draft:
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        raise ValueError("not a draft file this version knows")
    composer = data.get("composer") or {}
    held = tuple(PendingEntry(str(send["turn_id"]), str(send["mode"]), str(send["text"]),
                              datetime.fromisoformat(send["created_at"])) for send in data.get("held") or [])
    return Draft(str(data.get("prompt") or ""), {str(mode): str(text) for mode, text in composer.items()}, held)
