"""Where a locked journal's passphrase comes from outside the app: the terminal, or a command.

Never from an argument (``ps`` and the shell history would show it) and never from standard input,
which ``mindpane ask`` reads the entry from: the prompt goes to ``/dev/tty`` with echo off, as
``ssh`` and ``gpg`` do. A ``passphrase_command`` (``pass show mindpane``) runs without a shell,
with a time limit, and only its first line counts; what it prints on stderr is not echoed into
messages (it might hold the secret), only its exit status.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from contextlib import suppress

from tui.domain.errors import WrongPassphrase

COMMAND_SECONDS = 30.0
"""How long a passphrase command may take (a hardware token may wait for a touch)."""


class PassphraseUnavailable(WrongPassphrase):
    """No passphrase could be had: no terminal to ask on, or the command failed."""


def from_command(command: str, timeout: float = COMMAND_SECONDS) -> str:
    """The first line ``command`` prints. Raises ``PassphraseUnavailable`` naming what went wrong."""
    words = shlex.split(command)
    hint = "fix passphrase_command in the config file (`mindpane config path`), or remove it to be asked"
    try:
        done = subprocess.run(words, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              timeout=timeout, check=False, start_new_session=True)
    except subprocess.TimeoutExpired:
        raise PassphraseUnavailable(f"The passphrase command {words[0]!r} gave nothing in {timeout:g} s",
                                    hint) from None
    except OSError as exc:
        raise PassphraseUnavailable(f"The passphrase command {words[0]!r} could not run: {exc.strerror or exc}",
                                    hint) from None
    if done.returncode != 0:
        raise PassphraseUnavailable(f"The passphrase command {words[0]!r} failed (exit {done.returncode})", hint)
    line = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    if not line or not line[0]:
        raise PassphraseUnavailable(f"The passphrase command {words[0]!r} printed no passphrase", hint)
    return line[0]


def from_terminal(prompt: str) -> str:
    """Ask on the controlling terminal, echo off. Raises ``PassphraseUnavailable`` without one."""
    import termios

    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise PassphraseUnavailable("This journal is locked and there is no terminal to ask for its passphrase on",
                                    "run it from a terminal, or set passphrase_command in the config file") from None
    with os.fdopen(fd, "r+b", buffering=0) as tty:
        old = termios.tcgetattr(fd)
        new = list(old)
        new[3] &= ~termios.ECHO
        try:
            termios.tcsetattr(fd, termios.TCSAFLUSH, new)  # before the prompt: the flush drops only what came before it
            tty.write(prompt.encode())
            line = _read_line(tty)
        except KeyboardInterrupt:
            raise PassphraseUnavailable("No passphrase was given", "nothing was changed") from None
        finally:
            with suppress(termios.error):
                termios.tcsetattr(fd, termios.TCSAFLUSH, old)
            with suppress(OSError):
                tty.write(b"\n")
    return line


def _read_line(tty) -> str:
    """One line, as bytes until a newline (a 10 KB passphrase too), decoded as UTF-8."""
    data = bytearray()
    while True:
        chunk = tty.read(1)
        if not chunk or chunk in (b"\n", b"\r"):
            break
        data += chunk
    return data.decode("utf-8", "surrogateescape")


def new_from_terminal(prompt: str = "New passphrase: ", again: str = "The same passphrase again: ") -> str:
    """A new passphrase, typed twice; ``WrongPassphrase`` when they differ or it is empty."""
    first = from_terminal(prompt)
    if not first:
        raise WrongPassphrase("An empty passphrase cannot lock a journal", "type a passphrase")
    if from_terminal(again) != first:
        raise WrongPassphrase("The two passphrases differ", "nothing was changed: try again")
    return first
