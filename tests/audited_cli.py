"""Runs ``mindpane`` under a Python audit hook that records every connection, spawned process and
write outside the allowed directories. Used by test_cli.py in a subprocess:

    python tests/audited_cli.py REPORT_JSON ALLOWED_ROOT[:ALLOWED_ROOT…] -- mindpane args…
"""

from __future__ import annotations

import json
import os
import sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def main() -> int:
    report_path, roots = sys.argv[1], sys.argv[2].split(os.pathsep)
    cli_args = sys.argv[sys.argv.index("--") + 1 :]
    allowed = (*(os.path.realpath(root) for root in roots), "/dev/null", "/dev/tty")
    seen: dict[str, list] = {"connect": [], "write": [], "spawn": [], "sqlite": []}

    def outside(path: object) -> bool:
        if not isinstance(path, str | bytes | os.PathLike):
            return False  # a file descriptor
        real = os.path.realpath(os.fsdecode(path))
        return not any(real == root or real.startswith(root + os.sep) for root in allowed)

    recording = True

    def hook(event: str, args: tuple) -> None:
        if not recording:
            return
        if event == "socket.connect":
            seen["connect"].append(repr(args[1]))
        elif event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(flags & WRITE_FLAGS)
            if writing and outside(path):
                seen["write"].append(os.fsdecode(path))
        elif event in ("os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.symlink"):
            if outside(args[0]):
                seen["write"].append(f"{event} {os.fsdecode(args[0])}")
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.fork"):
            seen["spawn"].append(f"{event} {args[:2]!r}")
        elif event == "sqlite3.connect":
            seen["sqlite"].append(os.fsdecode(args[0]))

    sys.addaudithook(hook)  # audit hooks cannot be removed; `recording` switches this one off
    from tui.cli import main as cli_main

    try:
        code = cli_main(cli_args)
    finally:
        recording = False
        with open(report_path, "w", encoding="utf-8") as handle:
            json.dump(seen, handle)
    return code


if __name__ == "__main__":
    sys.exit(main())
