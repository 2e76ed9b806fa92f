"""Two devices joining at once, and two devices pushing the same entries at once, on a real
Postgres hub (each its own connection, in threads): every entry on every device, nothing lost."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.sync_pg.pg_devices import make_devices, start_hub
from tui.domain.modes import JOURNAL
from tui.services.sync.conflicts import conflict_copies


def at_once(*calls):
    """Each call in its own thread, started together; their results."""
    ready = threading.Barrier(len(calls))

    def run(call):
        ready.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(run, call) for call in calls]]


def test_two_devices_joining_at_once_both_take_every_entry(settings, clock, tmp_path, hub_db):
    laptop, desktop, phone = make_devices(["laptop", "desktop", "phone"], settings, clock, tmp_path, hub_db,
                                          start_hub(hub_db))
    try:
        for n in range(120):
            laptop.j.add_entry(JOURNAL, f"evening {n}: tea and a walk")
        laptop.sync()

        reports = at_once(desktop.sync, phone.sync)

        assert [report.pulled for report in reports] == [120, 120]
        assert desktop.view() == phone.view() == laptop.view()
        assert laptop.sync().pulled == 0
    finally:
        for device in (laptop, desktop, phone):
            device.close()


def test_two_devices_pushing_the_same_entries_at_once_lose_no_text(settings, clock, tmp_path, hub_db):
    laptop, desktop = make_devices(["laptop", "desktop"], settings, clock, tmp_path, hub_db, start_hub(hub_db))
    try:
        ids = [laptop.j.add_entry(JOURNAL, f"list {n}").id for n in range(20)]
        laptop.sync(), desktop.sync()
        written = set()
        for round_ in range(5):
            for device in (laptop, desktop):
                for entry_id in ids:
                    text = f"{device.name} round {round_} list {entry_id[:8]}"
                    device.j.update_text(entry_id, text)
                    written.add(text)
                written.add(device.j.add_entry(JOURNAL, f"{device.name} new {round_}").text)
            reports = at_once(laptop.sync, desktop.sync)
            assert all(report.refused == [] for report in reports)
        for _ in range(2):
            laptop.sync(), desktop.sync()

        assert laptop.view() == desktop.view()
        kept = {state.record.text for state in laptop.states()}
        last_round = {text for text in written if " round 4 " in text or " new 4" in text}
        assert last_round <= kept  # the last edits of both: one current, the other its conflict copy
        assert {text for text in written if " new " in text} <= kept
        copies = conflict_copies(laptop.j)
        assert {copy.metadata["conflict_of"] for copy in copies} == set(ids)
    finally:
        laptop.close(), desktop.close()
