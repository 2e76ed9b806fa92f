"""``mindpane lock``, ``unlock --permanently``, ``passphrase`` and ``init --locked``: a journal
encrypted with a passphrase, made, undone and re-keyed from the shell.

    mindpane lock [--yes]             a plain journal becomes a locked one (asks the new passphrase twice)
    mindpane unlock --permanently     a locked journal becomes plain again (asks its passphrase)
    mindpane passphrase               a new passphrase (the old one, then the new one twice)
    mindpane init --locked            a new, empty locked journal

Passphrases are asked on the terminal with echo off, or come from ``passphrase_command`` (never
from an argument). A problem is one line on stderr and exit status 1; nothing is half done.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from tui.cli.exits import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE
from tui.domain.errors import MindpaneError
from tui.services.settings import Settings

COMMANDS = ("lock", "unlock", "passphrase", "init")
WARNING = ("Locking encrypts the journal in {dir} with a passphrase.\n"
           "If you lose the passphrase, the journal is lost: nobody can recover it, not even with mindpane.\n"
           "Keep a copy first if you have none: mindpane export -o journal-backup.json\n")


def add_parser(commands: Any) -> None:
    """Add the four commands to ``commands`` (the result of ``add_subparsers``)."""
    lock = commands.add_parser("lock", help="encrypt the journal with a passphrase (a locked journal)",
                               description="Make the plain journal a locked one: the record is encrypted under "
                               "a key only the passphrase unlocks; the search index then lives in memory only.")
    lock.add_argument("--yes", action="store_true", help="do not ask to go on (the passphrase is still asked)")
    unlock = commands.add_parser("unlock", help="make a locked journal plain again (--permanently)",
                                 description="With --permanently: decrypt the journal for good. (The app and the "
                                 "other commands unlock a locked journal for one session by asking its passphrase.)")
    unlock.add_argument("--permanently", action="store_true", help="decrypt the journal for good")
    change = commands.add_parser("passphrase", help="change a locked journal's passphrase",
                        description="Asks the current passphrase, then the new one twice. The journal is not "
                        "re-encrypted: only its key is wrapped again.")
    init = commands.add_parser("init", help="make a new, empty journal (--locked: a locked one)",
                               description="With --locked: a new, empty locked journal in the data dir.")
    init.add_argument("--locked", action="store_true", help="make it locked (asks the new passphrase twice)")
    for parser in (lock, unlock, change, init):
        parser.add_argument("--data-dir", dest="lock_data_dir", metavar="DIR", help="where memories live")


def run(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO,
        confirm_in: TextIO | None = None) -> int:
    chosen = getattr(args, "lock_data_dir", None)
    if chosen:
        settings = replace(settings, data_dir=Path(chosen).expanduser().resolve())
    try:
        if args.command == "lock":
            return _lock(settings, args.yes, out, err, confirm_in or sys.stdin)
        if args.command == "unlock":
            return _unlock(settings, args.permanently, out, err)
        if args.command == "passphrase":
            return _passphrase(settings, out)
        return _init(settings, args.locked, out, err)
    except MindpaneError as error:
        print(f"mindpane: {error}", file=err)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("\nmindpane: interrupted", file=err)
        return EXIT_INTERRUPTED


def _lock(settings: Settings, yes: bool, out: TextIO, err: TextIO, confirm_in: TextIO) -> int:
    from tui.services import engine, locking

    if engine.is_locked(settings):
        print(f"mindpane: the journal in {settings.data_dir} is already locked — change its passphrase "
              "with `mindpane passphrase`", file=err)
        return EXIT_FAILURE
    out.write(WARNING.format(dir=settings.data_dir))
    out.flush()
    if not yes and not _go_on(out, err, confirm_in):
        return EXIT_FAILURE
    locking.refuse_if_in_use(settings.data_dir)
    locking.lock_store(settings.data_dir, locking.new_passphrase(settings))
    out.write(f"The journal in {settings.data_dir} is locked: mindpane asks for its passphrase when it opens it.\n")
    return 0


def _unlock(settings: Settings, permanently: bool, out: TextIO, err: TextIO) -> int:
    from tui.services import locking, unlocking

    if not permanently:
        print("mindpane: unlock: the app and the other commands unlock a locked journal for one session by "
              "asking its passphrase — to decrypt it for good, use `mindpane unlock --permanently`", file=err)
        return EXIT_USAGE
    locking.refuse_if_in_use(settings.data_dir)
    locking.unlock_permanently(settings.data_dir, unlocking.passphrase(settings))
    out.write(f"The journal in {settings.data_dir} is plain again (not encrypted); the search index is rebuilt "
              "the next time it opens.\n")
    return 0


def _passphrase(settings: Settings, out: TextIO) -> int:
    from tui.services import locking, unlocking

    old = unlocking.passphrase(settings, "Current passphrase: ")
    locking.check_passphrase(settings.data_dir, old)
    locking.change_passphrase(settings.data_dir, old, locking.typed_new_passphrase())
    note = " Update passphrase_command's store to the new one." if settings.passphrase_command else ""
    out.write(f"The passphrase of the journal in {settings.data_dir} is changed.{note}\n")
    return 0


def _init(settings: Settings, locked: bool, out: TextIO, err: TextIO) -> int:
    from tui.services import locking

    if not locked:
        print("mindpane: init: a plain journal is made the first time mindpane opens it — `mindpane init "
              "--locked` makes a locked one", file=err)
        return EXIT_USAGE
    out.write(WARNING.format(dir=settings.data_dir).replace("Locking encrypts", "A locked journal keeps", 1))
    locking.init_locked(settings.data_dir, locking.new_passphrase(settings))
    out.write(f"A new locked journal is in {settings.data_dir}.\n")
    return 0


def _go_on(out: TextIO, err: TextIO, confirm_in: TextIO) -> bool:
    if not getattr(confirm_in, "isatty", lambda: False)():
        print("mindpane: lock: not asked on a terminal — run it again with --yes to go on (nothing was changed)",
              file=err)
        return False
    out.write("Go on? [y/N] ")
    out.flush()
    answer = confirm_in.readline().strip().lower()
    if answer not in ("y", "yes"):
        print("mindpane: nothing was changed", file=err)
        return False
    return True
