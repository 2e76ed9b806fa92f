"""Several `mindpane ask` at once on one data dir: each one's text ends up in the record or its
outbox, never nowhere. And an `ask` that cannot keep its text on the disk shows it."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.paths import REPO
from tui import cli
from tui.domain.errors import MindpaneError
from tui.services.engine import open_outbox
from tui.services.settings import Settings

ROUNDS = 40
AT_ONCE = 6

pytestmark = pytest.mark.usefixtures("keep_umask")


def texts_kept(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / "entries.db") as db:
        return {text for (text,) in db.execute("SELECT text FROM entry UNION ALL SELECT text FROM outbox")}


def test_first_turns_sent_at_once_into_a_new_data_dir_are_all_kept(tmp_path):
    """What `ask` does before anything slow (make the data dir private, open the record, put the text
    in its outbox), by several threads at once into a data dir none of them has made yet: the race
    on a fixed-name write probe, and two schema creations at once, lost a text about 1 run in 15."""
    failures: list[str] = []

    def send(data_dir: Path, text: str, start: threading.Barrier) -> None:
        start.wait()
        try:
            outbox = open_outbox(Settings(data_dir=data_dir))
            try:
                outbox.put_pending(text, "journal", text, __import__("datetime").datetime.now())
            finally:
                outbox.close()
        except MindpaneError as error:
            failures.append(f"{text}: {error}")

    for round_ in range(ROUNDS):
        data_dir = tmp_path / f"data-{round_}"
        start = threading.Barrier(AT_ONCE)
        texts = [f"round {round_} thought {n}" for n in range(AT_ONCE)]
        threads = [threading.Thread(target=send, args=(data_dir, text, start)) for text in texts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert texts_kept(data_dir) == set(texts)


def test_six_asks_at_once_from_the_shell_keep_every_text(cli_env, data_dir, ollama_stub):
    ollama_stub.script("Noted.")
    texts = [f"Parallel thought number {n} about the rain." for n in range(AT_ONCE)]
    runs = [subprocess.Popen([sys.executable, "-m", "tui", "ask", text], env=cli_env, cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for text in texts]
    results = [(run.wait(timeout=120), run.stderr.read()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()

    assert texts_kept(data_dir) == set(texts), results
    for code, err in results:
        assert code == 0 or "your text is kept" in err, err


def test_an_ask_that_cannot_keep_its_text_on_the_disk_shows_it(tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data dir should be")
    out, err = io.StringIO(), io.StringIO()
    text = "A long thought\nover two lines that must not vanish."

    code = cli.ask(Settings(data_dir=blocked), "journal", text, out, err)

    assert code == 1
    assert f"The data directory {blocked} is a file" in err.getvalue()
    assert "your text was not stored; here it is:" in err.getvalue()
    assert err.getvalue().endswith(f"{text}\n")
