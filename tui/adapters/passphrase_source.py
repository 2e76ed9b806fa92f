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
import signal
import subprocess
from contextlib import suppress

from tui.domain.errors import WrongPassphrase

COMMAND_SECONDS = 30.0
"""How long a passphrase command may take (a hardware token may wait for a touch)."""


class PassphraseUnavailable(WrongPassphrase):
    """No passphrase could be had: no terminal to ask on, or the command failed."""


def from_command(command: str, timeout: float = COMMAND_SECONDS) -> str:
    """The first line ``command`` prints. Raises ``PassphraseUnavailable`` naming what went wrong.
    At the time limit the command is killed with everything it started (its own session)."""
    hint = "fix passphrase_command in the config file (`mindpane config path`), or remove it to be asked"
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise PassphraseUnavailable(f"The passphrase command is not a command line: {exc}", hint) from None
    if not words:
        raise PassphraseUnavailable("The passphrase command names no command", hint)
    try:
        child = subprocess.Popen(words, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        raise PassphraseUnavailable(f"The passphrase command {words[0]!r} could not run: {exc.strerror or exc}",
                                    hint) from None
    try:
        output, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_session(child)
        raise PassphraseUnavailable(f"The passphrase command {words[0]!r} gave nothing in {timeout:g} s",
                                    hint) from None
    if child.returncode != 0:
        raise PassphraseUnavailable(f"The passphrase command {words[0]!r} failed (exit {child.returncode})", hint)
    line = output.decode("utf-8", "surrogateescape").splitlines()
    if not line or not line[0]:
        raise PassphraseUnavailable(f"The passphrase command {words[0]!r} printed no passphrase", hint)
    return line[0]


def _end_session(child: subprocess.Popen) -> None:
    """Kill a command past its time with all it started (``sleep 60 &``): its whole process group,
    whose id stays its own while it is not yet reaped."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    child.communicate()


def from_terminal(prompt: str) -> str:
    """Ask on the controlling terminal, echo off. Raises ``PassphraseUnavailable`` without one.

    The terminal's own line editing is off too (it holds 4 KB a line and would cut a long pasted
    passphrase short, and erases bytes, not letters): :func:`_read_line` does the editing."""
    import termios

    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise PassphraseUnavailable("This journal is locked and there is no terminal to ask for its passphrase on",
                                    "run it from a terminal, or set passphrase_command in the config file") from None
    with os.fdopen(fd, "r+b", buffering=0) as tty:
        old = termios.tcgetattr(fd)
        new = list(old)
        new[3] &= ~(termios.ECHO | termios.ICANON)
        new[6] = list(old[6])
        new[6][termios.VMIN], new[6][termios.VTIME] = 1, 0
        try:
            termios.tcsetattr(fd, termios.TCSAFLUSH, new)  # echo off before the prompt: nothing typed shows
            tty.write(prompt.encode())
            line = _read_line(tty, old[6][termios.VERASE], old[6][termios.VKILL], old[6][termios.VEOF])
        except KeyboardInterrupt:
            raise PassphraseUnavailable("No passphrase was given", "nothing was changed") from None
        finally:
            with suppress(termios.error):
                termios.tcsetattr(fd, termios.TCSAFLUSH, old)
            with suppress(OSError):
                tty.write(b"\n")
    return line


def _read_line(tty, erase: bytes = b"\x7f", kill: bytes = b"\x15", eof: bytes = b"\x04") -> str:
    """One line typed with the terminal's editing off: any length (a 10 KB paste too); backspace
    erases a letter (all of its UTF-8 bytes), ctrl+u the line; ctrl+d on an empty line is no answer."""
    data = bytearray()
    while True:
        chunk = tty.read(1)
        if not chunk or chunk in (b"\n", b"\r"):
            break
        if chunk in (erase, b"\x7f", b"\x08"):
            while data and 0x80 <= data[-1] < 0xC0:  # a UTF-8 continuation byte
                data.pop()
            if data:
                data.pop()
        elif chunk == kill:
            data.clear()
        elif chunk == eof:
            if not data:
                raise KeyboardInterrupt
            break
        else:
            data += chunk
    return data.decode("utf-8", "surrogateescape")


def confirm_on_terminal(question: str) -> bool | None:
    """A yes/no question on the controlling terminal (not stdin: it may be the data, or a pipe):
    True only for an answer starting with y; None when there is no terminal to ask on."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    with os.fdopen(fd, "r+b", buffering=0) as tty:
        try:
            tty.write(question.encode())
            answer = tty.readline(256)
        except KeyboardInterrupt:
            with suppress(OSError):
                tty.write(b"\n")
            return False
    return answer.strip().lower().startswith(b"y")


def new_from_terminal(prompt: str = "New passphrase: ", again: str = "The same passphrase again: ") -> str:
    """A new passphrase, typed twice; ``WrongPassphrase`` when they differ or it is empty."""
    first = from_terminal(prompt)
    if not first:
        raise WrongPassphrase("An empty passphrase cannot lock a journal", "type a passphrase")
    if from_terminal(again) != first:
        raise WrongPassphrase("The two passphrases differ", "nothing was changed: try again")
    return first
