"""``mindpane.lock`` that is not a lock file (a directory, a link) is named with the fix, by `ask`,
the app's store, `doctor` and `doctor --repair`: never a traceback, and the entry is kept."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO
from tests.store.test_doctor import doctor
from tui.domain.errors import StoreError
from tui.services.engine import open_store

pytestmark = pytest.mark.usefixtures("keep_umask")


def lock_is_a_directory(data_dir: Path) -> Path:
    lock = data_dir / "mindpane.lock"
    lock.mkdir(parents=True)
    (lock / "something").write_text("x")  # not empty: rmdir would not do
    data_dir.chmod(0o700)
    lock.chmod(0o700)
    (lock / "something").chmod(0o600)
    return lock


def test_ask_names_a_lock_that_is_a_directory_and_keeps_the_entry(cli_env, data_dir):
    lock = lock_is_a_directory(data_dir)

    result = subprocess.run([sys.executable, "-m", "tui", "ask", "A thought about the tide."], env=cli_env,
                            cwd=REPO, capture_output=True, text=True, timeout=120)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{lock} is a directory, not mindpane's lock file" in result.stderr
    assert f"mv {lock} {lock}.old" in result.stderr
    with sqlite3.connect(data_dir / "entries.db") as db:
        assert db.execute("SELECT text FROM outbox").fetchall() == [("A thought about the tide.",)]


def test_the_store_refuses_a_lock_that_is_a_link(settings, clock, tmp_path):
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("not mindpane's")
    settings.data_dir.mkdir(mode=0o700)
    (settings.data_dir / "mindpane.lock").symlink_to(elsewhere)

    with pytest.raises(StoreError) as caught:
        open_store(settings, clock)

    assert f"{settings.data_dir / 'mindpane.lock'} is a symbolic link, not mindpane's lock file" in str(caught.value)
    assert elsewhere.read_text() == "not mindpane's"  # never truncated nor written through the link


def test_doctor_and_repair_name_a_lock_that_is_a_directory(settings):
    lock = lock_is_a_directory(settings.data_dir)

    code, out, _ = doctor(settings)
    assert code == 1
    assert f"✗ lock: {lock} is a directory, not mindpane's lock file — fix: move it away (`mv {lock} {lock}.old`)" \
        in out

    code, out, err = doctor(settings, "--repair")
    assert code == 1
    assert "Traceback" not in out + err
    assert f"✗ {lock} is a directory, not mindpane's lock file: nothing was changed" in out
