"""A Python audit hook that records what a mindpane process does outside its data dir: every socket
connection, every spawned process, every file opened for writing (or made, renamed, removed) outside
the allowed roots, and every SQLite database opened. Shared by audited_cli.py and audited_tui.py,
which run in a subprocess of the test so the hook sees the whole process from its first import.

What it cannot see: writes made by native code (Chroma's Rust bindings, SQLite's own files,
onnxruntime). The tests check those by looking at HOME and TMPDIR afterwards, and the SQLite opens
are listed so a test can check every database lives in the data dir.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
PATH_EVENTS = ("os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.symlink", "os.truncate",
               "os.chmod", "os.chown", "os.link", "shutil.copyfile", "shutil.rmtree")
SPAWN_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                "os.forkpty", "pty.spawn", "os.startfile")


class Audit:
    """Install once with :meth:`install` (audit hooks cannot be removed); :meth:`stop` ends the
    recording and :meth:`dump` writes what was seen as JSON."""

    def __init__(self, allowed_roots: list[str]) -> None:
        # Only what the caller allows: no device, config or temp dir (neither run needs one, measured).
        self.allowed = tuple(os.path.realpath(root) for root in allowed_roots)
        self.seen: dict[str, list[str]] = {"connect": [], "write": [], "spawn": [], "sqlite": []}
        self.recording = False

    def outside(self, path: object) -> bool:
        if not isinstance(path, str | bytes | os.PathLike):
            return False  # a file descriptor: its opening was seen already
        real = os.path.realpath(os.fsdecode(path))
        return not any(real == root or real.startswith(root + os.sep) for root in self.allowed)

    def hook(self, event: str, args: tuple) -> None:
        if not self.recording:
            return
        if event == "socket.connect":
            self.seen["connect"].append(repr(args[1]))
        elif event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(flags & WRITE_FLAGS)
            if writing and self.outside(path):
                self.seen["write"].append(os.fsdecode(path))
        elif event in PATH_EVENTS:  # (path, …) or (source, destination, …): both count
            for path in args[1:2] if event == "shutil.copyfile" else args[:2]:  # copyfile only reads its source
                if isinstance(path, str | bytes | os.PathLike) and self.outside(path):
                    self.seen["write"].append(f"{event} {os.fsdecode(path)}")
        elif event in SPAWN_EVENTS:
            self.seen["spawn"].append(f"{event} {args[:2]!r}")
        elif event == "sqlite3.connect":
            self.seen["sqlite"].append(os.fsdecode(args[0]))

    def install(self) -> Audit:
        self.recording = True
        sys.addaudithook(self.hook)
        return self

    def stop(self) -> None:
        self.recording = False

    def dump(self, report: str | Path) -> None:
        self.stop()
        with open(report, "w", encoding="utf-8") as handle:
            json.dump(self.seen, handle)


def the_model_rewrite(spawned: str) -> bool:
    """Whether a recorded spawn is the one process mindpane starts: on a first start, the same
    interpreter rewriting the bundled model (``tui.adapters.model_rewrite``), with nothing of the
    current directory on its path (``-P``). Its own writes are not audited: HOME and TMPDIR staying
    empty is the check for them."""
    from tui.adapters.bundled_embedder import bundled_model_path

    event, _, executable_and_args = spawned.partition(" ")
    executable, args = ast.literal_eval(executable_and_args)  # the hook's repr of (str, list[str])
    return (event == "subprocess.Popen" and executable == sys.executable and "-P" in args
            and "from tui.adapters.model_rewrite import main" in args[args.index("-c") + 1]
            and args[-1] == str(bundled_model_path()))


def parse_argv(argv: list[str]) -> tuple[str, list[str], list[str]]:
    """``REPORT_JSON ALLOWED_ROOT[:ALLOWED_ROOT…] -- args…`` → (report, roots, args)."""
    return argv[1], argv[2].split(os.pathsep), argv[argv.index("--") + 1 :]
