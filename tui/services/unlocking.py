"""A locked journal's key for the commands run from the shell (``ask``, ``search``, ``export``, …):
the passphrase from ``passphrase_command`` if the config names one, else asked on the terminal —
three tries there, as ``sudo`` gives (a wrong try changes nothing and locks nothing out)."""

from __future__ import annotations

from tui.domain.errors import WrongPassphrase
from tui.services import engine
from tui.services.settings import Settings

TRIES = 3


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
            return engine.unlock(settings, passphrase(settings))
        except WrongPassphrase as wrong:
            if attempt == tries or type(wrong) is not WrongPassphrase:
                raise
            _say(f"{wrong.message}; try again ({tries - attempt} left)")
    raise AssertionError("unreachable")


def _say(text: str) -> None:
    import sys

    print(text, file=sys.stderr)
