"""Where the checkout is, for tests that run its scripts or read its files: said once here, so a test
module can move between the folders under tests/ without its paths breaking."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
