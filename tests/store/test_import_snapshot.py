"""A file that changes while it is imported is never imported in part: import works on one
consistent copy of the file (read once, checked unchanged while it was read), or refuses."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.store.test_export_import import cli, records_of
from tui.cli import transfer as cli_transfer
from tui.services import import_entries

pytestmark = pytest.mark.usefixtures("keep_umask")


def export_of(texts: list[str]) -> str:
    entries = [{"mode": "journal", "text": text, "created_at": f"2024-01-01T{n // 60:02d}:{n % 60:02d}:00+00:00"}
               for n, text in enumerate(texts)]
    return json.dumps({"mindpane_export": 1, "entries": entries}, indent=1)


def test_a_file_rewritten_while_its_entries_are_stored_is_imported_whole_as_it_was(settings, tmp_path,
                                                                                  monkeypatch):
    originals = [f"Original entry number {n}. " + "A long day, written out at length. " * 120 for n in range(60)]
    path = tmp_path / "journal.json"
    path.write_text(export_of(originals), encoding="utf-8")
    monkeypatch.setattr(import_entries, "WINDOW", 20)  # stored 20 at a time: the file is rewritten after the first
    rewritten = []

    def rewrite_once(bar, done, total):
        if not rewritten:
            path.write_text(export_of([f"Rewritten {n}." for n in range(5)]) + "\n", encoding="utf-8")
            rewritten.append(done)

    monkeypatch.setattr(cli_transfer.ProgressBar, "update", rewrite_once)

    code, out, err = cli(settings, "import", str(path))

    assert rewritten, "the file was never rewritten mid-import"
    assert code == 0, err
    assert "imported 60 entries" in out
    assert sorted(row[1] for row in records_of(settings.data_dir)) == sorted(originals)


def test_a_file_that_grows_while_it_is_read_is_refused_whole(settings, tmp_path):
    path = tmp_path / "journal.txt"
    lines = "".join(f"[2024-01-{1 + n % 28:02d} 09:{n % 60:02d}] Entry {n} of a long journal.\n\n"
                    for n in range(120_000))
    path.write_text(lines, encoding="utf-8")
    size = path.stat().st_size
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "with open(sys.argv[1], 'a', encoding='utf-8') as f:\n"
        "    while True:\n"
        "        f.write('[2024-02-01 10:00] Written while importing.\\n\\n'); f.flush(); time.sleep(0.0002)\n"),
        str(path)])
    try:
        deadline = time.monotonic() + 20
        while path.stat().st_size == size:  # the writer is writing
            assert time.monotonic() < deadline, "the writer never started"
            time.sleep(0.01)

        code, out, err = cli(settings, "import", "--dry-run", str(path))
    finally:
        writer.kill()
        writer.wait()

    assert code == 1 and out == "", out
    assert "changed while it was being read" in err and "nothing was imported" in err, err
