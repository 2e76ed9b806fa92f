"""Goal: the hub's whole data dir (tables, indexes, WAL, after a checkpoint and a stop) holds no
entry text in any encoding when two devices sync through the real engine: writes, replies,
edits, pins, deletes, a conflict copy and a forget."""

from __future__ import annotations

import time

from tests.byte_scan import hits
from tests.sync_pg.pg_devices import make_devices, start_hub
from tui.domain.modes import JOURNAL

MARKERS = ["zephyr-quokka-entry ü", "zephyr-quokka-reply 雪", "zephyr-quokka-edit é", "zephyr-quokka-laptop ñ",
           "zephyr-quokka-desktop ß", "zephyr-quokka-forgotten ø"]
JOURNAL_ID = "journal-kitchen-7f3a"
"""Kept on the hub in clear (it names the journal, it is no text): the scan finds it, so it reads the hub's files."""


def test_the_hubs_data_dir_holds_no_entry_text_after_devices_sync(own_server, settings, clock, tmp_path):
    began = time.time()
    database = own_server.fresh_database()
    laptop, desktop = make_devices(["laptop", "desktop"], settings, clock, tmp_path, database,
                                   start_hub(database, JOURNAL_ID))
    try:
        entry = laptop.j.add_entry(JOURNAL, MARKERS[0], reply=MARKERS[1])
        gone = laptop.j.add_entry(JOURNAL, MARKERS[5])
        laptop.sync(), desktop.sync()
        desktop.j.update_text(entry.id, MARKERS[2])
        desktop.j.pin(entry.id)
        desktop.sync(), laptop.sync()
        laptop.j.update_text(entry.id, MARKERS[3])
        desktop.j.update_text(entry.id, MARKERS[4])
        laptop.j.forget([gone.id])
        laptop.sync(), desktop.sync(), laptop.sync()
        assert len(desktop.alive()) == 2  # the entry and its conflict copy
    finally:
        laptop.close(), desktop.close()
    own_server.checkpoint()
    own_server.stop()

    found = hits([own_server.data], [*MARKERS, JOURNAL_ID], since=began)

    assert [hit for hit in found if "zephyr" in hit] == []
    assert any(JOURNAL_ID in hit for hit in found), "the scan reads the hub's files"
