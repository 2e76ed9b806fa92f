"""A device offline for a month, and devices whose clocks disagree, on a real Postgres hub: the
order of changes is the hub's change numbers, never a device's clock; nothing comes twice and
nothing forgotten comes back."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from tests.conftest import FixedClock
from tests.sync_pg.pg_devices import PgDevice, start_hub
from tui.domain.modes import JOURNAL
from tui.services.sync.conflicts import conflict_copies


def device(name, settings, tmp_path, hub_db, key, clock) -> PgDevice:
    return PgDevice(name, tmp_path / name, settings, clock, hub_db, key).open()


def test_a_device_offline_for_a_month_gets_no_duplicate_and_no_forgotten_entry_back(settings, tmp_path, hub_db):
    key, clock = start_hub(hub_db), FixedClock()
    laptop, desktop = (device(name, settings, tmp_path, hub_db, key, clock) for name in ("laptop", "desktop"))
    try:
        ids = [laptop.j.add_entry(JOURNAL, f"day {n}: rain, bread, river").id for n in range(40)]
        laptop.sync(), desktop.sync()
        for entry_id in ids[:10]:  # offline, the desktop edits ten entries, writes five, deletes and pins
            desktop.j.update_text(entry_id, desktop.alive()[entry_id] + " (seen offline)")
        offline_new = [desktop.j.add_entry(JOURNAL, f"offline note {n}").id for n in range(5)]
        desktop.j.delete(ids[12])
        desktop.j.pin(ids[13])
        clock.advance(days=30)
        rng, forgotten = random.Random(21), set(ids[:5])  # the laptop forgets five the desktop edited
        laptop.j.forget(sorted(forgotten))
        for n in range(195):
            alive = sorted(set(laptop.alive()) - forgotten)
            op = rng.choice(["add", "edit", "delete", "pin"]) if alive else "add"
            target = rng.choice(alive) if alive else ""
            if op == "add":
                laptop.j.add_entry(JOURNAL, f"month note {n}")
            elif op == "edit":
                laptop.j.update_text(target, f"month edit {n}")
            elif op == "delete":
                laptop.j.delete(target)
            else:
                laptop.j.pin(target)
            if n % 40 == 0:
                laptop.sync()
            clock.advance(hours=3)
        laptop.sync()

        report = desktop.sync()
        laptop.sync()

        assert report.refused == [] and not report.unsettled
        assert desktop.view() == laptop.view()
        held = {state.id for state in desktop.states()}
        assert held & forgotten == set() and {state.id for state in laptop.states()} & forgotten == set()
        texts = Counter(desktop.alive().values())
        assert [text for text, times in texts.items() if times > 1] == []
        assert set(offline_new) <= set(desktop.alive()) and set(offline_new) <= set(laptop.alive())
        copies = conflict_copies(desktop.j)
        assert {copy.metadata["conflict_of"] for copy in copies} <= set(ids[5:10])
        kept = {state.record.text for state in desktop.states()}  # deleted there meanwhile: still in the bin
        for n in range(5, 10):  # the offline edits of entries not forgotten: current, or beside a copy
            assert f"day {n}: rain, bread, river (seen offline)" in kept
        assert desktop.sync().pushed == 0 and laptop.sync().pulled == 0
    finally:
        laptop.close(), desktop.close()


def test_a_later_push_wins_even_from_a_clock_three_hours_behind(settings, tmp_path, hub_db):
    key, ahead = start_hub(hub_db), FixedClock()
    behind = FixedClock(ahead.now - timedelta(hours=3))
    a = device("a", settings, tmp_path, hub_db, key, ahead)
    b = device("b", settings, tmp_path, hub_db, key, behind)
    try:
        entry = a.j.add_entry(JOURNAL, "Planted tomatoes.")
        a.sync(), b.sync()
        ahead.advance(minutes=10), behind.advance(minutes=10)
        a.j.update_text(entry.id, "Planted tomatoes, then rain.")  # 10:10 on a
        a.sync(), b.sync()
        ahead.advance(minutes=5), behind.advance(minutes=5)
        b.j.update_text(entry.id, "Planted tomatoes, then rain, then hail.")  # 07:15 on b: earlier clock, later edit
        assert b.j.record.get(entry.id).updated_at < a.j.record.get(entry.id).updated_at
        b.sync()
        report = a.sync()

        assert report.conflicts == []
        assert a.alive() == b.alive() == {entry.id: "Planted tomatoes, then rain, then hail."}

        ahead.advance(minutes=5), behind.advance(minutes=5)  # both edit it: a's clock later, b pushes later
        a.j.update_text(entry.id, "A: hail stopped.")
        ahead.advance(hours=1)
        b.j.update_text(entry.id, "B: hail stopped, tomatoes fine.")
        a.sync()
        b_report = b.sync()
        a.sync()

        assert len(b_report.conflicts) == 1
        for side in (a, b):
            assert side.alive()[entry.id] == "B: hail stopped, tomatoes fine."
            assert [copy.text for copy in conflict_copies(side.j)] == ["A: hail stopped."]
        assert a.view() == b.view()
    finally:
        a.close(), b.close()
