"""Devices of one journal syncing through a real Postgres hub (``PgHub``): each its own data dir,
record and index, and its own connection to the hub; a sync may run in a child process that a
test kills (``sync_child.py``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.hub_server import HubDatabase
from tests.paths import REPO
from tui.adapters.key_file import KdfParams, unwrap, wrap
from tui.adapters.memory_index import MemoryIndex
from tui.adapters.pg_hub import PgHub
from tui.domain.sync import HubJournal
from tui.services.engine import embedder_factory, open_journal
from tui.services.journal import Journal
from tui.services.settings import Settings
from tui.services.sync.engine import SyncReport, sync_once
from tui.services.sync.state import device_id

FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
PASSPHRASE = "correct horse battery"
CHILD = Path(__file__).with_name("sync_child.py")


def start_hub(database: HubDatabase, journal_id: str = "journal-1") -> bytes:
    """Make the hub's tables in ``database`` with a new data key wrapped by ``PASSPHRASE``; the key."""
    key = os.urandom(32)
    hub = PgHub(database.dsn, database.password)
    try:
        hub.create(HubJournal(journal_id, wrap(key, PASSPHRASE, FAST)))
    finally:
        hub.close()
    return key


def joined_key(hub: PgHub) -> bytes:
    """The data key a device joining with the passphrase reads from the hub."""
    return unwrap(hub.journal().wrapped_key, PASSPHRASE)


@dataclass
class PgDevice:
    """One device: its journal (None while a child process syncs it), data dir, id, hub, key."""

    name: str
    data_dir: Path
    settings: Settings
    clock: Callable
    database: HubDatabase
    key: bytes
    open_index: Callable | None = MemoryIndex.open
    """None: the Chroma index a plain journal has."""
    journal: Journal | None = None
    device: str = ""
    hub: PgHub | None = None

    def open(self) -> PgDevice:
        self.journal = open_journal(self.data_dir, embedder_factory(self.settings), self.clock,
                                    open_index=self.open_index)
        self.device = device_id(self.journal)
        if self.hub is None:
            self.hub = PgHub(self.database.dsn, self.database.password)
        return self

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()
            self.journal = None
        if self.hub is not None:
            self.hub.close()
            self.hub = None

    @property
    def j(self) -> Journal:
        assert self.journal is not None, f"{self.name} is closed"
        return self.journal

    def sync(self) -> SyncReport:
        assert self.hub is not None
        return sync_once(self.j, self.hub, self.key, self.device)

    def sync_in_child(self, kill_at: str = "", fsize_limit: int = 0,
                      kill_after: float | None = None) -> subprocess.CompletedProcess:
        """One sync in a child process (this device's journal closed meanwhile, opened again after):
        ``kill_at`` (``push:2:after``, ``apply:1:inside``...) makes the child SIGKILL itself there;
        ``kill_after`` seconds, this process kills it wherever it then is."""
        return self.finish_child(self.start_child(kill_at, fsize_limit), kill_after)

    def start_child(self, kill_at: str = "", fsize_limit: int = 0) -> subprocess.Popen:
        """``sync_in_child``'s first half: the journal closed, the child started (two devices' at once)."""
        if self.journal is not None:
            self.journal.close()
            self.journal = None
        env = {**os.environ, "PYTHONPATH": str(REPO), "MINDPANE_TEST_HUB_PASSWORD": self.database.password,
               "MINDPANE_TEST_SYNC_KEY": self.key.hex(), "MINDPANE_TEST_KILL_AT": kill_at}
        index = "memory" if self.open_index == MemoryIndex.open else "chroma"
        args = [sys.executable, str(CHILD), str(self.data_dir), str(self.settings.data_dir), self.database.dsn,
                str(fsize_limit), index]
        try:
            return subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
        except BaseException:
            self.open()
            raise

    def finish_child(self, child: subprocess.Popen, kill_after: float | None = None) -> subprocess.CompletedProcess:
        """The child's end (killed after ``kill_after`` s if given), and the journal opened again."""
        try:
            with child:
                try:
                    out, err = child.communicate(timeout=kill_after if kill_after is not None else 120)
                except subprocess.TimeoutExpired:
                    child.send_signal(signal.SIGKILL)
                    out, err = child.communicate()
            return subprocess.CompletedProcess(child.args, child.returncode, out, err)
        finally:
            self.open()

    def states(self) -> list:
        return list(self.j.record.entry_states())

    def alive(self) -> dict[str, str]:
        return {state.id: state.record.text for state in self.states() if state.deleted_at is None}

    def view(self) -> dict[str, tuple]:
        """What a person sees of every entry: text, reply, deleted or not, pinned or not, metadata."""
        return {s.id: (s.record.text, s.record.reply, s.deleted_at is not None, s.pinned_since is not None,
                       json.dumps(s.record.metadata, sort_keys=True)) for s in self.states()}


def make_devices(names: list[str], settings: Settings, clock, tmp_path: Path, database: HubDatabase,
                 key: bytes, **options) -> list[PgDevice]:
    return [PgDevice(name, tmp_path / name, settings, clock, database, key, **options).open() for name in names]
