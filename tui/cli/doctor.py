"""``mindpane doctor [--repair] [--data-dir DIR]``: check a data dir (read-only), or repair it."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from tui.services.settings import Settings


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``doctor`` command to ``commands`` (the result of ``add_subparsers``)."""
    doctor = commands.add_parser(
        "doctor", help="check the data dir, the memory store and Ollama; --repair fixes what it can",
        description="One line per check: ✓, or ✗ with the exact fix. Only reads, unless --repair is given. "
        "Exit status 0 when every check passes, 1 otherwise.")
    doctor.add_argument("--repair", action="store_true",
                        help="move damaged files aside (renamed *.corrupt-<date>, never deleted) and rebuild them "
                        "from the others; refuses while another mindpane uses the data dir")
    doctor.add_argument("--no-passphrase", action="store_true",
                        help="a locked journal: check only what needs no passphrase (the key file, the encrypted "
                        "record's size, no plain leftovers); what runs without a terminal or passphrase_command")
    doctor.add_argument("--data-dir", dest="doctor_data_dir", metavar="DIR",
                        help="the data dir to check (default: MINDPANE_DATA_DIR or the user data dir)")
    return doctor


def run(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    chosen = getattr(args, "doctor_data_dir", None)
    if chosen:
        settings = replace(settings, data_dir=Path(chosen).expanduser().resolve())
    from tui.services.doctor_unlock import key_for_doctor

    key, failure = key_for_doctor(settings, ask=not getattr(args, "no_passphrase", False))
    if getattr(args, "repair", False):
        from tui.services.doctor_repair import run_repair

        return run_repair(settings, out, err, key=key, unlock_failure=failure)
    from tui.services.doctor import run_doctor

    return run_doctor(settings, out, key, failure)
