"""The journal is private: the data dir is 0700 and every file in it 0600, whatever the umask of
the shell that started mindpane, including the files Chroma's Rust side and SQLite make later."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.adapters.data_dir import prepare_data_dir, secure_data_dir, take_notice, use_private_umask
from tui.adapters.environment import chroma_settings
from tui.domain.modes import builtin_modes


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual shell umask; whatever the code under test sets, the next test gets the old one back."""
    old = os.umask(0o022)
    take_notice()  # start with nothing unreported
    yield
    os.umask(old)
    take_notice()  # and leave nothing unreported for the next test's command to print


def modes(root: Path) -> dict[str, int]:
    return {str(path.relative_to(root.parent)): stat.S_IMODE(path.lstat().st_mode)
            for path in [root, *sorted(root.rglob("*"))] if not path.is_symlink()}


def not_private(root: Path) -> dict[str, str]:
    """Everything under ``root`` that is not a 0700 directory or a 0600 file."""
    return {name: oct(mode) for name, mode in modes(root).items()
            if mode != (0o700 if (root.parent / name).is_dir() else 0o600)}


def write_with_chroma_and_sqlite(data_dir: Path) -> None:
    """What a store does to a data dir: a Chroma collection that has flushed its HNSW segment
    (thresholds of 2 instead of 1,000 so four records are enough) and an SQLite file in WAL mode."""
    import chromadb

    data_dir.mkdir(exist_ok=True)
    chroma = data_dir / "chroma"
    client = chromadb.PersistentClient(path=str(chroma), settings=chroma_settings(chroma))
    collection = client.get_or_create_collection(
        "permissions-probe", embedding_function=None,
        configuration={"hnsw": {"space": "cosine", "batch_size": 2, "sync_threshold": 2}})
    collection.add(ids=[str(i) for i in range(4)], embeddings=[[float(i), 1.0, 2.0] for i in range(4)])
    db = sqlite3.connect(data_dir / "history.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS history (text)")
    db.execute("INSERT INTO history VALUES ('a private thought')")
    db.commit()  # the -wal and -shm files exist while the connection is open
    assert list(chroma.rglob("header.bin")), "the HNSW segment should have been flushed to disk"
    assert (data_dir / "history.db-wal").exists() and (data_dir / "history.db-shm").exists()
    db.close()


def test_under_a_022_umask_chroma_and_sqlite_make_everything_world_readable(umask_022, tmp_path):
    """Why a umask is needed at all, measured: Chroma's Rust bindings create the segment dir 0755 and
    the HNSW files 0644; SQLite creates its files 0644 and gives -wal/-shm the database file's mode."""
    data_dir = tmp_path / "data"
    write_with_chroma_and_sqlite(data_dir)

    found = modes(data_dir)
    segment = next(p for p in (data_dir / "chroma").iterdir() if p.is_dir())
    assert found[f"data/chroma/{segment.name}"] == 0o755
    assert {found[f"data/chroma/{segment.name}/{p.name}"] for p in segment.iterdir()} == {0o644}
    assert {p.name for p in segment.iterdir()} >= {"header.bin", "data_level0.bin", "length.bin", "link_lists.bin"}
    assert found["data/chroma/chroma.sqlite3"] == 0o644
    assert found["data/history.db"] == 0o644


def test_sqlite_gives_wal_and_shm_files_the_mode_of_their_database(umask_022, tmp_path):
    path = tmp_path / "history.db"
    sqlite3.connect(path).close()
    path.chmod(0o600)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    assert stat.S_IMODE(os.stat(f"{path}-wal").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(f"{path}-shm").st_mode) == 0o600
    db.close()


def test_with_mindpanes_umask_everything_chroma_and_sqlite_make_is_private(umask_022, tmp_path):
    data_dir = tmp_path / "data"
    prepare_data_dir(data_dir)  # sets the umask for the rest of the process (umask_022 restores it)

    write_with_chroma_and_sqlite(data_dir)

    assert use_private_umask() == 0o077  # already set by secure_data_dir, and kept
    assert not_private(data_dir) == {}


def test_the_data_dir_is_created_private_and_its_parents_as_usual(umask_022, tmp_path):
    data_dir = tmp_path / "share" / "mindpane"
    prepare_data_dir(data_dir)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(data_dir.parent.stat().st_mode) == 0o755


def test_an_existing_open_data_dir_is_tightened_and_reported_once(umask_022, tmp_path):
    data_dir = tmp_path / "data"
    (data_dir / "chroma" / "segment").mkdir(parents=True)
    for name in ("entries.db", "history.db", "chroma/chroma.sqlite3", "chroma/segment/header.bin"):
        (data_dir / name).write_text("x")
    (data_dir / "user-id").write_text("id")
    (data_dir / "user-id").chmod(0o600)  # already private: not reported
    for path in [data_dir, *data_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else (0o600 if path.name == "user-id" else 0o644))

    secured = prepare_data_dir(data_dir)  # what every opener calls first

    assert not_private(data_dir) == {}
    assert sorted(str(p.relative_to(tmp_path)) for p in secured.tightened) == [
        "data", "data/chroma", "data/chroma/chroma.sqlite3", "data/chroma/segment",
        "data/chroma/segment/header.bin", "data/entries.db", "data/history.db"]
    assert secured.untouched == ()
    assert secured.notice() == f"Made 7 items in {data_dir} private (they were readable by other users)"

    again = prepare_data_dir(data_dir)
    assert again.tightened == () and again.notice() is None
    assert take_notice() == secured.notice()  # for the app, which shows it once
    assert take_notice() is None


def test_tightening_keeps_owner_bits_and_never_follows_a_link_out_of_the_data_dir(umask_022, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not mindpane's")
    outside.chmod(0o644)
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "link").symlink_to(outside)
    (data_dir / "tool.sh").write_text("#!/bin/sh\n")
    (data_dir / "tool.sh").chmod(0o755)

    secured = secure_data_dir(data_dir)

    assert stat.S_IMODE(outside.stat().st_mode) == 0o644
    assert stat.S_IMODE((data_dir / "tool.sh").stat().st_mode) == 0o700
    assert [p.name for p in secured.tightened] == ["tool.sh"]


# -- the real store ------------------------------------------------------------------------------------


def open_real_store(settings, clock):
    from tui.services.engine import open_store

    return open_store(settings, clock)


def test_a_store_opened_under_a_022_umask_is_private(umask_022, settings, clock):
    store = open_real_store(settings, clock)
    try:
        journal = builtin_modes()["journal"]
        store.add_entry(journal, "Nobody else on this machine should read this.")
        store.add_entry(journal, "Nor this.")
    finally:
        store.close()

    assert not_private(settings.data_dir) == {}


def test_a_store_left_readable_by_an_older_version_is_tightened_on_open(umask_022, settings, clock):
    open_real_store(settings, clock).close()
    for path in [settings.data_dir, *settings.data_dir.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)

    take_notice()
    open_real_store(settings, clock).close()

    assert not_private(settings.data_dir) == {}
    notice = take_notice()
    assert notice is not None and notice.startswith("Made ") and f"in {settings.data_dir} private" in notice


def test_what_cannot_be_tightened_is_reported_not_raised(umask_022, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    theirs = data_dir / "history.db"
    theirs.write_text("x")
    theirs.chmod(0o644)
    real_chmod = os.chmod

    def chmod(path, mode, **kwargs):
        if Path(path) == theirs:
            raise PermissionError(1, "Operation not permitted", str(path))
        return real_chmod(path, mode, **kwargs)

    monkeypatch.setattr(os, "chmod", chmod)
    secured = prepare_data_dir(data_dir)

    assert secured.tightened == () and secured.untouched == (theirs,)
    assert secured.notice() == (f"could not make {theirs} private (owned by another user?): run "
                                f"`sudo chown -R $USER {data_dir} && chmod -R go-rwx {data_dir}`")
