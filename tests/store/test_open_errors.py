"""A store that will not open says which file is at fault and what to do next: the one damaged
SQLite file by name (moving it aside recovers the rest), a data dir that is a file, a path that is
not ours. Hints never send the person to a log that is not there."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tui.adapters.data_dir import prepare_data_dir
from tui.adapters.open_errors import explain_open_failure, sqlite_problem
from tui.domain.errors import StoreError, StoreLocked
from tui.domain.modes import builtin_modes
from tui.services.engine import open_store

REPAIR_HINT = "move it aside (mindpane doctor --repair does this and rebuilds it)"


@pytest.fixture
def written_store(settings, clock) -> Path:
    """A real data dir with entries in it, closed again (the `store` fixture would stay open)."""
    store = open_store(settings, clock)
    try:
        journal = builtin_modes()["journal"]
        store.add_entry(journal, "The first entry, to keep.")
        store.add_entry(journal, "The second entry, to keep.")
    finally:
        store.close()
    return settings.data_dir


def opening_fails(settings, clock) -> Exception:
    """What opening raises, as the library raised it (unwrapped if the store already translated it)."""
    with pytest.raises(Exception) as caught:
        open_store(settings, clock).close()
    return caught.value.__cause__ or caught.value


def log_is_readable(data_dir: Path) -> bool:
    log = data_dir / "mindpane.log"
    return log.is_file() and log.stat().st_size > 0


def test_garbage_in_history_db_names_that_file_and_how_to_recover(written_store, settings, clock):
    history = written_store / "history.db"
    history.write_bytes(os.urandom(4096))

    raw = opening_fails(settings, clock)
    error = explain_open_failure(raw, written_store)

    assert type(error) is StoreError
    assert error.message.startswith(f"{history} is damaged (file is not a database)")
    assert f"your entries are safe in {written_store / 'entries.db'}" in error.message
    assert error.hint == REPAIR_HINT
    assert "mindpane.log" not in error.hint or log_is_readable(written_store)


def test_a_truncated_chroma_database_names_that_file(written_store, settings, clock):
    chroma_db = written_store / "chroma" / "chroma.sqlite3"
    with chroma_db.open("r+b") as handle:
        handle.truncate(chroma_db.stat().st_size // 2)

    raw = opening_fails(settings, clock)
    error = explain_open_failure(raw, written_store)

    assert error.message.startswith(f"{chroma_db} is damaged (")
    assert error.hint == f"move {chroma_db.parent} aside (mindpane doctor --repair does this and rebuilds it)"
    assert "mindpane.log" not in error.hint


def test_what_opening_raises_already_names_the_file(written_store, settings, clock):
    """The store wires explain_open_failure in: the person sees the same explanation."""
    (written_store / "history.db").write_bytes(b"\x00garbage" * 512)
    with pytest.raises(StoreError) as caught:
        open_store(settings, clock).close()
    assert str(written_store / "history.db") in caught.value.message
    assert caught.value.hint == REPAIR_HINT


def test_a_garbled_record_is_named_and_the_moved_copy_kept(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "entries.db").write_bytes(b"not sqlite" * 100)
    error = explain_open_failure(sqlite3.DatabaseError("file is not a database"), data_dir)
    assert error.message == f"{data_dir / 'entries.db'} is damaged (file is not a database); it holds your entries"
    assert "keep the moved copy" in error.hint and "mindpane doctor --repair" in error.hint


def test_a_data_dir_that_is_a_file_says_so_and_how_to_get_out(tmp_path):
    data_dir = tmp_path / "mindpane"
    data_dir.write_text("I am a file")

    with pytest.raises(StoreError) as prepared:
        prepare_data_dir(data_dir)
    explained = explain_open_failure(NotADirectoryError(20, "Not a directory", str(data_dir)), data_dir)

    for error in (prepared.value, explained):
        assert error.message == f"The data directory {data_dir} is a file, not a directory"
        assert error.hint == "move it away, or choose another with --data-dir or MINDPANE_DATA_DIR"
        assert "permission" not in str(error)


def test_a_data_dir_under_a_file_is_not_called_a_permission_problem(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as caught:
        prepare_data_dir(blocker / "data")
    assert caught.value.message.startswith(f"Cannot write to the data directory {blocker / 'data'}")
    assert f"{blocker} is a file, not a directory" in caught.value.message
    assert caught.value.hint.startswith("move it away")


def test_permission_denied_names_the_path_and_the_commands(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    locked = data_dir / "history.db"
    locked.write_bytes(b"")

    error = explain_open_failure(PermissionError(13, "Permission denied", str(locked)), data_dir)

    assert error.message.endswith(f"permission denied on {locked}")
    assert f"ls -ld {locked}" in error.hint
    assert f"chown -R $USER {data_dir}" in error.hint and f"chmod -R u+rwX,go-rwx {data_dir}" in error.hint


def test_errors_that_already_explain_themselves_pass_through(tmp_path):
    locked = StoreLocked("Another mindpane is using the memory store", "close the other mindpane first")
    assert explain_open_failure(locked, tmp_path) is locked


def test_an_unknown_failure_points_to_the_log_only_when_there_is_one(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    failure = RuntimeError("segment reader exploded\nwith a second line")

    without_log = explain_open_failure(failure, data_dir)
    (data_dir / "mindpane.log").write_text("")
    empty_log = explain_open_failure(failure, data_dir)
    (data_dir / "mindpane.log").write_text("2026-11-20 ERROR chromadb: traceback…\n")
    with_log = explain_open_failure(failure, data_dir)
    stale = explain_open_failure(StoreError("The memory store failed: x", "see mindpane.log in the data directory"),
                                 tmp_path / "elsewhere")

    assert without_log.message == f"The memory store in {data_dir} could not be opened: segment reader exploded"
    assert "mindpane.log" not in without_log.hint and "mindpane.log" not in empty_log.hint
    assert "mindpane doctor" in without_log.hint
    assert with_log.hint.endswith(f"details are in {data_dir / 'mindpane.log'}")
    assert "mindpane.log" not in stale.hint


def test_a_malformed_chroma_option_in_a_dotenv_names_the_file(tmp_path, monkeypatch):
    from chromadb.config import Settings

    (tmp_path / ".env").write_text("CHROMA_SERVER_HTTP_PORT=not-a-port\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Exception) as caught:  # what `import chromadb` raises from such a directory
        Settings()

    error = explain_open_failure(caught.value, tmp_path / "data")

    assert error.message.startswith(f"Chroma could not start: {tmp_path / '.env'} sets Chroma options")
    assert "chroma_server_http_port" in error.message
    assert "start mindpane from another directory" in error.hint


def test_the_probe_reads_without_changing_anything(tmp_path):
    path = tmp_path / "good.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.execute("INSERT INTO t VALUES (1)")
    db.commit()
    db.close()
    before = (path.read_bytes(), sorted(p.name for p in tmp_path.iterdir()))

    assert sqlite_problem(path) is None
    assert sqlite_problem(tmp_path / "missing.db") is None
    assert (path.read_bytes(), sorted(p.name for p in tmp_path.iterdir())) == before
    (tmp_path / "bad.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    assert sqlite_problem(tmp_path / "bad.db") is not None
