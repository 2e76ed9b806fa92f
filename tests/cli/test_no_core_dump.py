"""No core dump of a mindpane process (#20): a crash must not write the journal's text (or a locked
journal's key) to a core file. Every command — the app and each subcommand — runs with RLIMIT_CORE
0, soft and hard, whatever the shell allowed."""

from __future__ import annotations

import os
import pty
import resource
import signal
import subprocess
import sys

from tests.paths import REPO
from tests.pty_support import read_for


def core_limit(pid: int) -> str:
    with open(f"/proc/{pid}/limits", encoding="ascii") as limits:
        return next(line for line in limits if line.startswith("Max core file size"))


def allow_core_dumps() -> None:
    """The shell this runs from allows core files (the test must be able to fail)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def spawn(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    master, slave = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "tui", *args], stdin=slave, stdout=slave, stderr=slave,
                             env=env, cwd=REPO, start_new_session=True, preexec_fn=allow_core_dumps)
    os.close(slave)
    return child, master


def stop(child: subprocess.Popen, master: int) -> None:
    try:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        os.close(master)


def test_the_full_screen_app_runs_with_no_core_dumps(cli_env):
    child, master = spawn([], dict(cli_env, TERM="xterm-256color"))
    try:
        assert b"Journal" in read_for(master, 60, b"Journal"), "the app never drew its first frame"
        assert core_limit(child.pid).split()[4:6] == ["0", "0"]
    finally:
        stop(child, master)


def test_a_subcommand_runs_with_no_core_dumps(cli_env):
    """``ask -`` waits for its text on standard input: its limits are read meanwhile."""
    child, master = spawn(["ask", "-"], cli_env)
    try:
        read_for(master, 3)
        assert child.poll() is None, "ask did not wait for its text"
        assert core_limit(child.pid).split()[4:6] == ["0", "0"]
    finally:
        stop(child, master)
