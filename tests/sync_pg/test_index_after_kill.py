"""A sync killed after the pulled changes were written to the record but before the Chroma index
followed: the next open brings the index in step, so recall finds what was pulled and the next
sync applies the entry's next change (it once failed: "Memory with id … not found")."""

from __future__ import annotations

from tests.sync_pg.pg_devices import make_devices, start_hub
from tui.domain.modes import JOURNAL


def test_a_kill_before_the_index_follows_a_pull_is_healed_at_the_next_open(settings, clock, tmp_path, hub_db):
    laptop, desktop = make_devices(["laptop", "desktop"], settings, clock, tmp_path, hub_db, start_hub(hub_db),
                                   open_index=None)
    try:
        old = laptop.j.add_entry(JOURNAL, "The old boat shed by the pier.")
        laptop.sync(), desktop.sync()
        new = laptop.j.add_entry(JOURNAL, "Lanterns on the quokka island ferry.")
        laptop.j.delete(old.id)  # one in, one out: the index holds as many entries as the record
        laptop.sync()

        killed = desktop.sync_in_child(kill_at="index:1:before")

        assert killed.returncode == -9, killed.stderr
        assert desktop.alive() == {new.id: "Lanterns on the quokka island ferry."}
        found = desktop.j.recall("lanterns on the ferry", JOURNAL, k=5)
        assert [memory.record.id for memory in found] == [new.id]
        laptop.j.update_text(new.id, "Lanterns on the quokka island ferry, and rain.")
        laptop.sync()
        report = desktop.sync()
        assert report.pulled == 1
        assert desktop.view() == laptop.view()
    finally:
        laptop.close(), desktop.close()
