"""A locked journal's key for the commands run from the shell (``ask``, ``search``, ``export``, …):
the passphrase from ``passphrase_command`` if the config names one, else asked on the terminal —
three tries there, as ``sudo`` gives (a wrong try changes nothing and locks nothing out).

A command asks only once it knows it will open the journal (a usage error or a refused export
never costs a passphrase), and carries the key in ``Settings.data_key`` from then on."""

from __future__ import annotations

from dataclasses import replace

from tui.domain.errors import WrongPassphrase
from tui.services import engine
from tui.services.settings import Settings

TRIES = 3
_LAST_HINT = ("nothing was changed; run the command again (if the right passphrase fails too, journal.key "
              "was changed: restore it from a backup)")


def is_locked(settings: Settings) -> bool:
    """Whether the data dir holds a locked journal (fast: no passphrase asked)."""
    return engine.is_locked(settings)


def passphrase(settings: Settings, prompt: str | None = None) -> str:
    """The passphrase, from the configured command or the terminal (``PassphraseUnavailable``)."""
    from tui.adapters import passphrase_source

    if settings.passphrase_command:
        return passphrase_source.from_command(settings.passphrase_command)
    return passphrase_source.from_terminal(prompt or f"Passphrase for the journal in {settings.data_dir}: ")


def key_for(settings: Settings) -> bytes | None:
    """The data key when the data dir holds a locked journal, None when it is plain. Raises
    ``WrongPassphrase`` (after three wrong tries on the terminal, or one from the command),
    ``PassphraseUnavailable`` or ``KeyFileError``."""
    if not engine.is_locked(settings):
        return None
    tries = 1 if settings.passphrase_command else TRIES
    for attempt in range(1, tries + 1):
        try:
            given = passphrase(settings)
            if not given:
                raise WrongPassphrase("No passphrase was given", "type the journal's passphrase")
            return engine.unlock(settings, given)
        except WrongPassphrase as wrong:
            if type(wrong) is not WrongPassphrase:
                raise
            if attempt == tries:
                raise WrongPassphrase(wrong.message, _LAST_HINT) from None
            _say(f"{wrong.message}; try again ({tries - attempt} left)")
    raise AssertionError("unreachable")


def unlocked(settings: Settings) -> Settings:
    """``settings`` carrying the journal's key (asked for now, if locked and not yet known); the
    same settings for a plain journal. Raises as :func:`key_for`."""
    if settings.data_key is not None:
        return settings
    key = key_for(settings)
    return settings if key is None else replace(settings, data_key=key)


def unlocked_or_made(settings: Settings) -> Settings:
    """:func:`unlocked`, and under ``create_locked`` on a data dir with no journal yet: the new
    journal made locked first (its passphrase from the command, or typed twice on the terminal), so
    what is stored next is never in clear on the disk. Raises as :func:`key_for`, and
    ``WrongPassphrase`` when the two typed passphrases differ (nothing made)."""
    from tui.services.locking import create_locked_journal, wants_new_locked_journal

    if settings.data_key is not None or not wants_new_locked_journal(settings):
        return unlocked(settings)
    return replace(settings, data_key=create_locked_journal(settings, _new_passphrase(settings)))


def _new_passphrase(settings: Settings) -> str:
    from tui.adapters import passphrase_source

    if settings.passphrase_command:
        given = passphrase_source.from_command(settings.passphrase_command)
    else:
        given = passphrase_source.new_from_terminal(
            f"A new locked journal in {settings.data_dir} (create_locked in the config). A lost passphrase "
            "cannot be recovered: without it nothing can open this journal.\nNew passphrase: ")
    if not given:
        raise WrongPassphrase("An empty passphrase cannot lock a journal", "type a passphrase")
    return given


def confirm(question: str) -> bool | None:
    """A yes/no question on the terminal: True for yes, False for anything else, None without one."""
    from tui.adapters import passphrase_source

    return passphrase_source.confirm_on_terminal(question)


def _say(text: str) -> None:
    import sys

    print(text, file=sys.stderr)
