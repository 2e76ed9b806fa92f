"""Looking for a journal's words on the disk, byte for byte (a locked journal's promise, #20).

A text can reach a file as UTF-8, as UTF-16 (little or big endian: SQLite can store text so,
Windows tools write it), JSON-escaped (``\\u00e9`` for é, what ``json.dumps`` writes by default),
or Python-escaped; every form is looked for. Only files changed since ``since`` are read (a file
that holds a marker made during the test was written after it), so a whole ``/tmp`` is scanned in
seconds; files that cannot be read (another user's, a socket) are skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

BIG = 512 * 1024 * 1024
"""Larger files are read in pieces, with an overlap so a form split across two is found."""


def forms(text: str) -> list[bytes]:
    """Every byte form ``text`` may take in a file."""
    found = {text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be"),
             json.dumps(text)[1:-1].encode("ascii"), text.encode("unicode_escape")}
    return sorted(found, key=len)


def hits(roots: Iterable[Path], texts: Iterable[str], since: float = 0.0) -> list[str]:
    """``path: text`` for each file under ``roots`` changed at or after ``since`` (epoch seconds)
    that holds one of ``texts`` in one of its forms."""
    needles = [(text, form) for text in texts for form in forms(text)]
    longest = max((len(form) for _, form in needles), default=0)
    found: list[str] = []
    seen: set[tuple[int, int]] = set()
    for root in roots:
        for folder, dirs, files in os.walk(root, onerror=lambda error: None):
            dirs[:] = [name for name in dirs if not os.path.islink(os.path.join(folder, name))]
            for name in files:
                path = os.path.join(folder, name)
                try:
                    status = os.lstat(path)
                except OSError:
                    continue
                identity = (status.st_dev, status.st_ino)
                if not _regular(status.st_mode) or status.st_mtime < since - 1 or identity in seen:
                    continue
                seen.add(identity)
                for text in _texts_in(path, needles, longest):
                    found.append(f"{path}: {text!r}")
    return found


def _regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def _texts_in(path: str, needles: list[tuple[str, bytes]], longest: int) -> set[str]:
    found: set[str] = set()
    try:
        with open(path, "rb") as file:
            tail = b""
            while chunk := file.read(BIG):
                window = tail + chunk
                found.update(text for text, form in needles if form in window)
                tail = window[-longest:] if longest else b""
    except OSError:
        pass
    return found


def files_holding(directory: Path, *texts: str) -> list[str]:
    """The files under ``directory`` (whatever their age) that hold one of ``texts`` in any form."""
    return sorted({hit.rsplit(": ", 1)[0] for hit in hits([directory], texts)})
