"""The crash campaign (bench/crash_campaign.py) still runs end to end: a few killed runs, nothing
lost, nothing duplicated. Slow (real processes, real store), so opt-in:

    MINDPANE_CAMPAIGN=1 pytest -m campaign tests/properties/test_crash_campaign_smoke.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.paths import REPO

pytestmark = [
    pytest.mark.campaign,
    pytest.mark.skipif(os.environ.get("MINDPANE_CAMPAIGN") != "1",
                       reason="crash campaign smoke test: slow, set MINDPANE_CAMPAIGN=1 to run it"),
    pytest.mark.timeout(900),
]

def parse_table(output: str) -> dict[str, dict[str, int]]:
    """The campaign's table as {kind: {column: value}}; its header line starts with ``kind``."""
    lines = output.splitlines()
    header = next(line.split()[1:] for line in lines if line.startswith("kind "))
    return {cells[0]: dict(zip(header, map(int, cells[1:]), strict=True))
            for cells in (line.split() for line in lines) if cells and cells[0] in ("ask", "tui", "all")}


def test_a_small_crash_campaign_loses_and_duplicates_nothing():
    result = subprocess.run([sys.executable, str(REPO / "bench" / "crash_campaign.py"), "--ask", "3", "--tui", "1"],
                            cwd=REPO, capture_output=True, text=True, timeout=840)
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    table = parse_table(result.stdout)
    assert set(table) == {"ask", "tui", "all"}, output
    total = table["all"]
    assert (total["runs"], table["ask"]["runs"], table["tui"]["runs"]) == (4, 3, 1), output
    assert (total["lost"], total["duplicated"]) == (0, 0), output
    assert total["recovered"] == total["acknowledged"], output
    assert re.search(r"^lost=0 duplicated=0 ", result.stdout, re.MULTILINE), output
