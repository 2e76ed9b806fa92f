"""The data key ``mindpane doctor`` checks a locked journal with, if it can have one.

The doctor must run where nobody can type (a cron job, a support script), so it asks for the
passphrase only where asking can work: the configured ``passphrase_command``, or a terminal on
stdin. Anywhere else, or when unlocking fails, it checks what needs no key and says so; a failed
unlock is a line of the report, never a traceback.
"""

from __future__ import annotations

import sys

from tui.domain.errors import KeyFileError, WrongPassphrase
from tui.services.doctor_checks import Check
from tui.services.settings import Settings


def key_for_doctor(settings: Settings, ask: bool = True) -> tuple[bytes | None, Check | None]:
    """The key (None for a plain journal, or when it cannot be had) and the failed line if unlocking failed."""
    from tui.services import engine, unlocking

    if not ask or not settings.data_dir.is_dir() or not engine.is_locked(settings):
        return None, None
    if not settings.passphrase_command and not _terminal():
        return None, None
    try:
        return unlocking.key_for(settings), None
    except KeyFileError:
        return None, None  # the key file's own line says what is wrong with it
    except WrongPassphrase as error:  # PassphraseUnavailable too
        return None, Check(False, f"the journal could not be unlocked: {error.message}",
                           error.hint or "run `mindpane doctor` again with the right passphrase")


def _terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False
