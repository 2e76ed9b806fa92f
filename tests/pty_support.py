"""Driving the full-screen app in a pseudo-terminal (tests and the crash campaign)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.paths import REPO


def read_for(fd: int, seconds: float, needle: bytes | None = None, start: bytes = b"") -> bytes:
    """Keep reading the app's output (so it never blocks on a full pty) for ``seconds``, or until
    ``needle`` shows up (``start``: output already read, searched too)."""
    seen = start
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (needle and needle in seen):
        ready, _, _ = select.select([fd], [], [], min(0.05, max(0.0, deadline - time.monotonic())))
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


TERMINAL_CHILD = (
    "import os, sys\n"
    "terminal = os.open(sys.argv[1], os.O_RDWR)  # a session leader's first tty: its controlling terminal\n"
    "sys.argv = sys.argv[2:]\n"
    "exec(compile(sys.argv[0], '<child>', 'exec'))\n"
)
"""Starts a child in its own session with a pseudo-terminal as its controlling terminal (what
``/dev/tty`` opens) while its stdin, stdout and stderr stay pipes: a command that reads an entry
from stdin and a passphrase from the terminal, as a person runs it."""


def run_on_terminal(code: str, *args: str, typed: list[tuple[bytes, bytes]] = (), stdin: bytes = b"",
                    env: dict[str, str] | None = None, cwd: object = None, seconds: float = 60.0):
    """Run ``code`` (Python; ``sys.argv`` is ``[code, *args]``) on a fresh pseudo-terminal. For each
    ``(prompt, answer)`` of ``typed``, wait until ``prompt`` shows on the terminal, then type
    ``answer``. Returns ``(returncode, stdout, stderr, what the terminal showed)``."""
    import pty
    import subprocess
    import sys
    import threading

    master, slave = pty.openpty()
    name = os.ttyname(slave)
    child = subprocess.Popen([sys.executable, "-c", TERMINAL_CHILD, name, code, *args], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                             start_new_session=True)
    os.close(slave)
    shown = b""
    piped: dict[str, bytes] = {}

    def talk() -> None:  # stdin written and stdout/stderr read meanwhile: a pipe never fills up
        piped["out"], piped["err"] = child.communicate(stdin)

    talking = threading.Thread(target=talk, daemon=True)
    talking.start()
    try:
        position = 0
        for prompt, answer in typed:  # each prompt waited for after the previous one
            deadline = time.monotonic() + seconds
            while shown.find(prompt, position) < 0 and time.monotonic() < deadline and child.poll() is None:
                shown = read_for(master, 0.1, None, shown)
            if shown.find(prompt, position) < 0:
                break
            position = shown.find(prompt, position) + len(prompt)
            os.write(master, answer)
        talking.join(seconds)
        shown = read_for(master, 0.2, None, shown)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        os.close(master)
    talking.join(10)
    return child.returncode, piped.get("out", b""), piped.get("err", b""), shown


def spawn_app(env: dict[str, str], data_dir: Path) -> tuple[subprocess.Popen, int]:
    """``python -m tui`` on a fresh pseudo-terminal, in a session of its own; returns it and the
    terminal's master side (read it with :func:`read_for`, type into it with ``os.write``)."""
    import pty

    master, slave = pty.openpty()
    app = subprocess.Popen([sys.executable, "-m", "tui"], stdin=slave, stdout=slave, stderr=slave,
                           env=dict(env, MINDPANE_DATA_DIR=str(data_dir)), cwd=REPO, start_new_session=True)
    os.close(slave)
    return app, master


def app_env(isolated_home: Path, ollama_stub, model_cache: Path) -> dict[str, str]:
    """The environment a terminal gives the app: our HOME, the stand-in Ollama, the model cache."""
    from tests.tui_support import SIZE

    env = {key: value for key, value in os.environ.items() if not key.startswith(("OLLAMA", "MINDPANE"))}
    env.update(HOME=str(isolated_home), OLLAMA_HOST=ollama_stub.host_port, TERM="xterm-256color",
               COLUMNS=str(SIZE[0]), LINES=str(SIZE[1]), PYTHONDONTWRITEBYTECODE="1",
               MINDPANE_CACHE_DIR=str(model_cache))
    return env


def kill_app(app: subprocess.Popen, master: int) -> None:
    """SIGKILL, as a crash would, and close the terminal."""
    try:
        app.send_signal(signal.SIGKILL)
        app.wait(30)
    finally:
        if app.poll() is None:
            app.kill()
        os.close(master)
