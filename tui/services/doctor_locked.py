"""What ``mindpane doctor`` checks of a locked journal (#20) before, or without, its passphrase.

Without the passphrase only the structure can be judged: the key file is readable and of a known
kind (its header: no secret needed), the encrypted record is there and is no plain SQLite file,
``entries.db`` is the marker an older mindpane refuses, and nothing of the journal is left in clear
beside it (a search index, mem0's history, a plain record's write-ahead log). What needs the key
(the record's pages, schema, entries, outbox) is said as not checked, never as passed.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from tui.services.doctor_checks import Check, first_line

PLAIN_LEFTOVERS = ("chroma", "history.db", "entries.db-wal", "entries.db-shm", "entries.db-journal")
NOT_CHECKED = Check(True, "not checked without the passphrase: the record's integrity, schema, entries, outbox and "
                    "entries the index cannot take (run `mindpane doctor` on a terminal, or set passphrase_command)",
                    skipped=True)


def check_locked_structure(data_dir: Path) -> list[Check]:
    """The lines that need no passphrase."""
    return [Check(True, f"{data_dir} holds a locked journal (encrypted with a passphrase)"),
            check_key_file(data_dir), check_encrypted_record(data_dir), check_marker(data_dir),
            check_plain_leftovers(data_dir)]


def check_key_file(data_dir: Path) -> Check:
    from tui.adapters.key_file import read_header
    from tui.adapters.locked_layout import require_key_file
    from tui.domain.errors import KeyFileError

    try:
        header = read_header(require_key_file(data_dir))
    except KeyFileError as error:
        return Check(False, error.message, error.hint)
    try:
        passes, mib, lanes = int(header["time_cost"]), int(header["memory_kib"]) // 1024, int(header["parallelism"])
    except (KeyError, TypeError, ValueError):
        return Check(False, f"The key file {data_dir / 'journal.key'} is damaged (its Argon2id parameters)",
                     "restore journal.key from a backup")
    return Check(True, f"{data_dir / 'journal.key'}: readable and well-formed (Argon2id, {passes} "
                 f"{'pass' if passes == 1 else 'passes'}, {mib} MiB, {lanes} {'lane' if lanes == 1 else 'lanes'})")


def check_encrypted_record(data_dir: Path) -> Check:
    from tui.adapters.cipher_db import is_locked_file
    from tui.adapters.locked_layout import LOCKED_RECORD

    path = data_dir / LOCKED_RECORD
    if not path.is_file():
        return Check(False, f"{path} (the encrypted record) is missing",
                     f"restore {LOCKED_RECORD} and journal.key from one backup of {shlex.quote(str(data_dir))}")
    try:
        size, encrypted = path.stat().st_size, is_locked_file(path)
    except OSError as exc:
        return Check(False, f"{path} cannot be read ({first_line(exc)})",
                     f"chmod -R u+rwX,go-rwx {shlex.quote(str(data_dir))}")
    if not encrypted:
        return Check(False, f"{path} is a plain SQLite file, not an encrypted one",
                     "it holds entries in clear: lock the journal again with `mindpane lock`")
    wal = path.with_name(path.name + "-wal")
    pending = wal.stat().st_size if wal.is_file() else 0
    pending_note = f" (and {pending} bytes in its write-ahead log)" if pending else ""
    return Check(True, f"{path}: encrypted, {size} bytes{pending_note}")


def check_marker(data_dir: Path) -> Check:
    from tui.adapters.locked_layout import PLAIN_RECORD, is_marker

    path = data_dir / PLAIN_RECORD
    what = "the marker that makes an older mindpane refuse this dir"
    if not path.exists():
        return Check(False, f"{path} ({what}) is missing",
                     "open the journal once (`mindpane`, or `mindpane doctor --repair`): it is written again")
    if not is_marker(path):
        return Check(False, f"{path} is a plain record beside the locked one, not {what}",
                     f"it may hold entries in clear: `mindpane export` from it if you need them, then delete "
                     f"{shlex.quote(str(path))}")
    return Check(True, f"{path}: {what}")


def check_plain_leftovers(data_dir: Path) -> Check:
    found = [data_dir / name for name in PLAIN_LEFTOVERS if (data_dir / name).exists()]
    if found:
        return Check(False, f"plain files beside a locked journal: {', '.join(map(str, found))}",
                     "they may hold entries in clear and a locked journal never uses them: delete them "
                     f"(`rm -r {' '.join(shlex.quote(str(p)) for p in found)}`)")
    return Check(True, "no plain leftovers (chroma/, history.db, entries.db-wal)")
