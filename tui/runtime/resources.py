"""Finds the app's stylesheets: packaged inside ``tui/styles`` in a wheel, ``styles/`` in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # tui/, beside styles/ in a checkout


def styles_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "styles", _PACKAGE_DIR.parent / "styles"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("mindpane's styles/ folder is missing: reinstall mindpane")


def stylesheet(name: str) -> Path:
    return styles_dir() / name
