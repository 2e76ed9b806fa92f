"""What the hub keeps (#21): ids, versions, devices, kinds, times and sealed bytes — no column can
hold an entry's text, and the hub's whole data dir (tables, indexes, WAL) holds none of it when the
devices push only ciphertexts."""

from __future__ import annotations

import os
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.byte_scan import hits
from tui.domain.sync import ERASE, PUT, HubRow

WHAT_THE_HUB_HOLDS = {
    ("mindpane_meta", "singleton", "boolean"), ("mindpane_meta", "schema", "integer"),
    ("mindpane_meta", "journal_id", "text"), ("mindpane_meta", "wrapped_key", "bytea"),
    ("mindpane_meta", "created", "timestamp with time zone"),
    ("mindpane_device", "id", "text"), ("mindpane_device", "name", "text"),
    ("mindpane_device", "first_seen", "timestamp with time zone"),
    ("mindpane_device", "last_seen", "timestamp with time zone"),
    ("mindpane_change", "seq", "bigint"), ("mindpane_change", "entry_id", "text"),
    ("mindpane_change", "version", "integer"), ("mindpane_change", "device", "text"),
    ("mindpane_change", "kind", "text"), ("mindpane_change", "sealed", "bytea"),
    ("mindpane_change", "at", "timestamp with time zone"),
}


def test_the_hubs_tables_have_no_column_for_text(hub_server, hub_db, open_hub, journal):
    open_hub(hub_db).create(journal)

    with hub_server.admin(hub_db.name) as admin:
        columns = set(admin.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')").fetchall())

    assert columns == WHAT_THE_HUB_HOLDS


def test_the_hubs_data_dir_holds_no_entry_text_in_any_encoding(own_server, open_hub, journal):
    began = time.time()
    database = own_server.fresh_database()
    hub = open_hub(database)
    hub.create(journal)
    hub.register("dev-a", "kitchen-laptop-7f3a")
    sealer = AESGCM(AESGCM.generate_key(bit_length=256))
    markers = [f"zephyr-quokka-{n}-marker ü" for n in range(3)]
    rows = []
    for n, marker in enumerate(markers):
        nonce = os.urandom(12)
        rows.append(HubRow(f"e{n}", 1, "dev-a", PUT, nonce + sealer.encrypt(nonce, marker.encode(), None)))
    hub.push(rows, {})
    hub.push([HubRow("e0", 2, "dev-a", ERASE, os.urandom(28))], {"e0": 1})
    own_server.checkpoint()
    hub.close()
    own_server.stop()

    found = hits([own_server.data], [*markers, "kitchen-laptop-7f3a"], since=began)

    assert [hit for hit in found if "marker" in hit] == []
    assert any("kitchen-laptop-7f3a" in hit for hit in found), "the scan reads the hub's files (device names are kept)"
