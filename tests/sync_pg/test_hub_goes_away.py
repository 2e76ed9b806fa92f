"""The hub's server goes away in the middle of a sync (between the pull and the push, or before
the sync) and comes back: the sync says so, nothing is lost, the next sync carries everything."""

from __future__ import annotations

import pytest

from tests.sync_pg.pg_devices import make_devices, start_hub
from tui.domain.errors import HubError
from tui.domain.modes import JOURNAL


def test_a_hub_stopped_mid_sync_loses_nothing_and_the_next_sync_carries_it(own_server, settings, clock, tmp_path):
    database = own_server.fresh_database()
    laptop, desktop = make_devices(["laptop", "desktop"], settings, clock, tmp_path, database, start_hub(database))
    try:
        first = laptop.j.add_entry(JOURNAL, "Before the hub went away.")
        laptop.sync(), desktop.sync()
        desktop.j.update_text(first.id, "Edited on the desktop while the hub was up.")
        desktop.sync()
        written = [laptop.j.add_entry(JOURNAL, f"Written while the hub restarts {n}.").id for n in range(25)]
        push = laptop.hub.push

        def hub_stops_first(rows, bases):
            own_server.stop()  # after the pull applied the desktop's edit, before anything is pushed
            return push(rows, bases)

        laptop.hub.push = hub_stops_first
        with pytest.raises(HubError) as raised:
            laptop.sync()
        assert raised.value.hint and "Traceback" not in raised.value.message
        assert laptop.alive()[first.id] == "Edited on the desktop while the hub was up."
        del laptop.hub.push
        with pytest.raises(HubError):
            laptop.sync()  # still down: said again, nothing changes

        own_server.start()
        report = laptop.sync()

        assert report.pushed == 25 and report.pulled == 0
        assert desktop.sync().pulled == 25
        assert set(written) <= set(desktop.alive())
        assert desktop.view() == laptop.view()
    finally:
        laptop.close(), desktop.close()
