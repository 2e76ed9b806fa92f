"""Faults met while syncing through a real Postgres hub: a disk that fills during a pull, a kill
in the middle of applying (the re-run applies each row once), a row the hub's owner cut short
(refused, reported, never applied), and a hub that relays another journal."""

from __future__ import annotations

import json

import pytest

from tests.sync_pg.pg_devices import make_devices, start_hub
from tui.adapters.pg_hub import PgHub
from tui.domain.errors import HubError
from tui.domain.modes import JOURNAL
from tui.services.sync.engine import sync_once


@pytest.fixture
def pair(settings, clock, tmp_path, hub_db):
    devices = make_devices(["laptop", "desktop"], settings, clock, tmp_path, hub_db, start_hub(hub_db))
    yield devices
    for device in devices:
        device.close()


def test_a_disk_that_fills_during_a_pull_stops_it_cleanly_and_the_next_sync_takes_everything(pair):
    laptop, desktop = pair
    desktop.sync()  # the desktop's record exists: the limit falls on what the pull writes
    for n in range(60):
        laptop.j.add_entry(JOURNAL, f"long day {n}: " + "walked to the harbour and back " * 60)
    laptop.sync()
    biggest = max(path.stat().st_size for path in desktop.data_dir.rglob("*") if path.is_file())

    full = desktop.sync_in_child(fsize_limit=biggest + 64 * 1024)  # a real limit on file size

    assert full.returncode == 1, full.stdout + full.stderr
    assert "Traceback" not in full.stderr and "disk" in full.stderr.lower()
    done = desktop.sync_in_child()
    assert done.returncode == 0, done.stderr
    assert desktop.view() == laptop.view()
    assert desktop.sync().pushed == 0 and laptop.sync().pulled == 0


@pytest.mark.parametrize("kill_at", ["apply:1:inside", "apply:1:after", "apply:2:inside"])
def test_a_kill_mid_apply_and_a_rerun_apply_each_row_once(pair, kill_at):
    laptop, desktop = pair
    ids = [laptop.j.add_entry(JOURNAL, f"entry {n}").id for n in range(30)]
    laptop.sync()
    for entry_id in ids[:10]:  # a second row of ten entries: the pull applies in two transactions
        laptop.j.update_text(entry_id, laptop.alive()[entry_id] + ", edited")
    laptop.sync()

    killed = desktop.sync_in_child(kill_at=kill_at)
    assert killed.returncode == -9, killed.stderr
    again = desktop.sync_in_child()

    assert again.returncode == 0, again.stderr
    applied_before = {"apply:1:inside": 0, "apply:1:after": 30, "apply:2:inside": 30}[kill_at]
    assert json.loads(again.stdout)["pulled"] == 40 - applied_before
    assert desktop.view() == laptop.view()
    assert desktop.sync().pulled == 0 and desktop.sync().pushed == 0


def test_a_row_cut_short_on_the_hub_is_refused_and_reported_never_applied(pair, hub_server, hub_db):
    laptop, desktop = pair
    kept = laptop.j.add_entry(JOURNAL, "The harbour at dawn.")
    cut = laptop.j.add_entry(JOURNAL, "The lighthouse keeper waved.")
    laptop.sync()
    with hub_server.admin(hub_db.name) as admin:
        admin.execute("UPDATE mindpane_change SET sealed = substring(sealed FROM 1 FOR length(sealed) - 7) "
                      "WHERE entry_id = %s", (cut.id,))

    report = desktop.sync()

    assert [(refused.entry_id, "sync hub" in refused.reason) for refused in report.refused] == [(cut.id, True)]
    assert desktop.alive() == {kept.id: "The harbour at dawn."}
    assert desktop.sync().refused == []  # reported once; the row stays refused, nothing applied later
    assert desktop.alive() == {kept.id: "The harbour at dawn."}
    assert laptop.alive()[cut.id] == "The lighthouse keeper waved."  # the writer still has it


def test_a_hub_of_another_journal_is_refused_and_nothing_moves(pair, hub_server):
    laptop, _ = pair
    laptop.j.add_entry(JOURNAL, "Only for the first hub.")
    laptop.sync()
    other_db = hub_server.fresh_database()
    other_key = start_hub(other_db, journal_id="journal-2")
    other = PgHub(other_db.dsn, other_db.password)
    try:
        with pytest.raises(HubError) as raised:
            sync_once(laptop.j, other, other_key, laptop.device)
        assert "another journal" in raised.value.message
        assert other.pull(0) == []
    finally:
        other.close()
    laptop.j.add_entry(JOURNAL, "Still syncing with the first hub.")
    assert laptop.sync().pushed == 1
