"""A data dir, or a file in it, that belongs to another user is refused before anything is written,
as ssh refuses such keys: the message names the path and its owner and says what to do, and the
text of an `ask` is shown so nothing is lost.

Only root can make a file owned by someone else: the tests that need one run as root (``id -u`` is 0
here) and are skipped otherwise; the rest pass the "current user" in, which works for anyone."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO
from tests.store.test_doctor import doctor
from tui import cli
from tui.adapters import ownership
from tui.adapters.data_dir import prepare_data_dir, take_notice
from tui.domain.errors import StoreError
from tui.services.doctor_checks import check_data_dir
from tui.services.settings import Settings

NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")

pytestmark = pytest.mark.usefixtures("keep_umask")


def planted(data_dir: Path) -> Path:
    """What the other user leaves: a 0777 data dir holding a 0666, empty entries.db."""
    data_dir.mkdir()
    data_dir.chmod(0o777)
    record = data_dir / "entries.db"
    record.touch()
    record.chmod(0o666)
    return record


def state(root: Path) -> dict[str, tuple[int, int, int]]:
    return {str(p): (stat.S_IMODE(p.lstat().st_mode), p.lstat().st_uid, p.lstat().st_size)
            for p in [root, *sorted(root.rglob("*"))]}


def test_a_data_dir_of_another_user_is_refused_and_left_as_it_was(tmp_path):
    data_dir = tmp_path / "data"
    planted(data_dir)
    before = state(data_dir)
    someone_else = os.geteuid() + 1

    with pytest.raises(StoreError) as caught:
        prepare_data_dir(data_dir, uid=someone_else)

    error = caught.value
    mine = ownership.owner_name(os.geteuid())
    assert error.message.startswith(f"The data directory {data_dir} belongs to {mine}, "
                                    f"{ownership.not_you(someone_else)}: mindpane refuses it")
    assert f"chown -R {ownership.pwd_name(someone_else)} {data_dir}" in error.hint
    assert "--data-dir" in error.hint
    assert state(data_dir) == before  # nothing made private, no probe, no user-id


def test_doctor_says_whose_the_data_dir_is(tmp_path):
    data_dir = tmp_path / "data"
    planted(data_dir)
    someone_else = os.geteuid() + 1

    check = check_data_dir(data_dir, uid=someone_else)

    assert not check.ok
    assert check.label.startswith(f"data dir {data_dir} belongs to {ownership.owner_name(os.geteuid())}, not to you")
    assert "chown -R" in check.fix


def test_an_ask_into_a_refused_data_dir_shows_its_text(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    planted(data_dir)
    monkeypatch.setattr(ownership, "current_uid", lambda: os.geteuid() + 1)
    out, err = io.StringIO(), io.StringIO()

    code = cli.ask(Settings(data_dir=data_dir), "journal", "My private thought about the move.", out, err)

    assert code == 1
    lines = err.getvalue().splitlines()
    assert lines[0].startswith(f"mindpane: The data directory {data_dir} belongs to ")
    assert lines[1:] == ["mindpane: your text was not stored; here it is:", "My private thought about the move."]
    assert (data_dir / "entries.db").stat().st_size == 0


def test_what_could_not_be_made_private_is_told_once(tmp_path, monkeypatch):
    """`ask` prepares the data dir twice (the outbox, then the store): one notice, not the same twice."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    stuck = data_dir / "history.db"
    stuck.write_text("x")
    stuck.chmod(0o644)
    real_chmod = os.chmod

    def chmod(path, mode, **kwargs):
        if Path(path) == stuck:
            raise PermissionError(1, "Operation not permitted", str(path))
        return real_chmod(path, mode, **kwargs)

    monkeypatch.setattr(os, "chmod", chmod)
    take_notice()
    prepare_data_dir(data_dir)
    prepare_data_dir(data_dir)

    notice = take_notice()
    assert notice is not None and notice.count(f"could not make {stuck} private") == 1


# -- with a file genuinely owned by another user (root only) -------------------------------------------


@as_root
def test_ask_refuses_a_data_dir_another_user_planted(cli_env, data_dir):
    record = planted(data_dir)
    os.chown(data_dir, NOBODY, NOBODY)
    os.chown(record, NOBODY, NOBODY)
    before = state(data_dir)

    result = subprocess.run([sys.executable, "-m", "tui", "ask", "-"], env=cli_env, cwd=REPO, input="Dear diary,\n"
                            "nobody else should read this.\n", capture_output=True, text=True, timeout=120)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"mindpane: The data directory {data_dir} belongs to "
                                    f"{ownership.owner_name(NOBODY)}, not to you (root, uid 0): mindpane refuses")
    assert result.stderr.endswith("mindpane: your text was not stored; here it is:\n"
                                  "Dear diary,\nnobody else should read this.\n")
    assert result.stderr.count("mindpane:") == 2
    assert state(data_dir) == before


@as_root
def test_a_file_of_another_user_inside_ones_own_data_dir_is_refused(settings, clock):
    from tui.services.engine import open_store

    open_store(settings, clock).close()
    theirs = settings.data_dir / "entries.db"
    os.chown(theirs, NOBODY, NOBODY)

    with pytest.raises(StoreError) as caught:
        open_store(settings, clock)
    assert caught.value.message.startswith(f"{theirs} in the data directory {settings.data_dir} belongs to "
                                           f"{ownership.owner_name(NOBODY)}, not to you")

    code, out, _ = doctor(settings)
    assert code == 1
    assert f"✗ data dir {settings.data_dir}: {theirs} belongs to {ownership.owner_name(NOBODY)}, not to you" in out

    code, out, _ = doctor(settings, "--repair")
    assert code == 1
    assert out.startswith(f"✗ data dir {settings.data_dir}: {theirs} belongs to")
    assert theirs.stat().st_uid == NOBODY


@as_root
def test_a_link_in_the_data_dir_to_a_file_of_another_user_is_refused(settings, clock, tmp_path):
    from tui.services.engine import open_store

    open_store(settings, clock).close()
    theirs = tmp_path / "their-log.txt"
    theirs.write_text("")
    os.chown(theirs, NOBODY, NOBODY)
    (settings.data_dir / "mindpane.log").unlink(missing_ok=True)
    (settings.data_dir / "mindpane.log").symlink_to(theirs)

    with pytest.raises(StoreError) as caught:
        open_store(settings, clock)
    assert caught.value.message.startswith(f"{theirs} (where {settings.data_dir / 'mindpane.log'} leads) in the "
                                           f"data directory {settings.data_dir} belongs to")
