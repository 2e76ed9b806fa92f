"""The Postgres hub as devices use it (#21): made once, joined by others, rows pushed and pulled in
one order every device agrees on, concurrent pushes of one entry settled (one wins, one is told),
erase final. Against a real Postgres (``tests/hub_server.py``)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from tui.domain.errors import HubError
from tui.domain.sync import ERASE, PUT, HubJournal, HubRow


def put(entry: str, version: int, device: str = "dev-a") -> HubRow:
    return HubRow(entry, version, device, PUT, os.urandom(48))


def erase(entry: str, version: int, device: str = "dev-a") -> HubRow:
    return HubRow(entry, version, device, ERASE, os.urandom(28))


def test_a_second_device_finds_the_journal_the_first_made(hub_db, open_hub, journal):
    open_hub(hub_db).create(journal)

    assert open_hub(hub_db).journal() == journal


def test_making_a_hub_where_one_is_already_says_to_join_it(hub_db, open_hub, journal):
    open_hub(hub_db).create(journal)

    with pytest.raises(HubError, match="already holds a mindpane journal") as caught:
        open_hub(hub_db).create(HubJournal("another", b"key"))
    assert "mindpane sync join" in str(caught.value)
    assert open_hub(hub_db).journal() == journal


def test_two_devices_making_the_hub_at_once_one_makes_it_and_the_other_is_told_to_join(hub_db, open_hub):
    hubs = [open_hub(hub_db) for _ in range(2)]
    journals = [HubJournal(f"journal-{n}", os.urandom(60)) for n in range(2)]
    outcomes: list[object] = [None, None]
    start = threading.Barrier(2)

    def make(n: int) -> None:
        start.wait()
        try:
            hubs[n].create(journals[n])
            outcomes[n] = "made"
        except HubError as error:
            outcomes[n] = error

    threads = [threading.Thread(target=make, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(map(str, outcomes)).count("made") == 1
    refused = next(outcome for outcome in outcomes if isinstance(outcome, HubError))
    assert "mindpane sync join" in str(refused)
    assert open_hub(hub_db).journal() == journals[outcomes.index("made")]


def test_a_device_is_noted_with_its_name_and_when_it_was_first_and_last_seen(hub_server, hub_db, open_hub, journal):
    hub = open_hub(hub_db)
    hub.create(journal)
    hub.register("dev-a", "laptop")
    time.sleep(0.02)
    hub.register("dev-a", "work laptop")
    hub.register("dev-b", "desktop")

    with hub_server.admin(hub_db.name) as admin:
        rows = admin.execute("SELECT id, name, first_seen < last_seen FROM mindpane_device ORDER BY id").fetchall()
    assert rows == [("dev-a", "work laptop", True), ("dev-b", "desktop", False)]


def test_pushed_rows_come_back_in_change_order_with_everything_they_were_pushed_with(hub_db, open_hub, journal):
    hub = open_hub(hub_db)
    hub.create(journal)
    rows = [put("e1", 1), put("e2", 1, "dev-b"), put("e3", 1)]

    result = hub.push(rows, {})

    assert set(result.accepted) == {"e1", "e2", "e3"} and not result.conflicts and not result.erased
    pulled = open_hub(hub_db).pull(0)
    assert [(row.entry_id, row.version, row.device, row.kind, row.sealed) for row in pulled] == [
        (row.entry_id, row.version, row.device, row.kind, row.sealed) for row in rows]
    assert [row.seq for row in pulled] == sorted(result.accepted.values())
    assert [row.seq for row in pulled] == sorted({row.seq for row in pulled})


def test_pull_takes_what_came_after_a_change_number_a_page_at_a_time(hub_db, open_hub, journal):
    hub = open_hub(hub_db)
    hub.create(journal)
    hub.push([put(f"e{n}", 1) for n in range(5)], {})
    seqs = [row.seq for row in hub.pull(0)]

    page = hub.pull(seqs[1], limit=2)

    assert [row.seq for row in page] == seqs[2:4]
    assert hub.pull(seqs[-1]) == []


def test_a_put_from_a_base_the_hub_has_moved_past_is_a_conflict_and_changes_nothing(hub_db, open_hub, journal):
    hub = open_hub(hub_db)
    hub.create(journal)
    hub.push([put("e1", 1), put("e2", 1)], {})
    hub.push([put("e1", 2, "dev-b")], {"e1": 1})

    result = hub.push([put("e1", 2), put("e2", 2)], {"e1": 1, "e2": 1})

    assert result.conflicts == {"e1"} and set(result.accepted) == {"e2"}
    e1 = [(row.version, row.device) for row in hub.pull(0) if row.entry_id == "e1"]
    assert e1 == [(1, "dev-a"), (2, "dev-b")]


def test_a_put_of_an_entry_the_device_thinks_new_but_the_hub_has_is_a_conflict(hub_db, open_hub, journal):
    hub = open_hub(hub_db)
    hub.create(journal)
    hub.push([put("e1", 1)], {})

    assert hub.push([put("e1", 1, "dev-b")], {}).conflicts == {"e1"}


def test_two_versions_of_one_entry_in_one_push_follow_each_other(hub_db, open_hub, journal):
    hub = open_hub(hub_db)
    hub.create(journal)

    result = hub.push([put("e1", 1), put("e1", 2)], {})

    assert [(row.version, row.seq) for row in hub.pull(0)][-1] == (2, result.accepted["e1"])


def test_two_devices_pushing_the_same_new_entry_at_once_one_is_accepted_the_other_told(hub_db, open_hub, journal):
    open_hub(hub_db).create(journal)
    hubs = [open_hub(hub_db) for _ in range(2)]
    for hub in hubs:
        hub.journal()  # both connected before the race starts
    start = threading.Barrier(2)

    for round_ in range(5):
        entry = f"same-{round_}"
        results: list = [None, None]

        def push(n: int, entry: str = entry, results: list = results) -> None:
            start.wait()
            results[n] = hubs[n].push([put(entry, 1, f"dev-{n}")], {entry: 0})

        threads = [threading.Thread(target=push, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert sorted(len(result.accepted) for result in results) == [0, 1]
        assert sorted(result.conflicts for result in results) == [frozenset(), {entry}]
        assert [row.entry_id for row in hubs[0].pull(0)].count(entry) == 1


def test_an_erase_is_accepted_from_any_base_and_drops_every_ciphertext_of_its_entry(hub_db, open_hub, journal):
    hub = open_hub(hub_db)
    hub.create(journal)
    hub.push([put("e1", 1), put("keep", 1)], {})
    hub.push([put("e1", 2, "dev-b")], {"e1": 1})

    result = hub.push([erase("e1", 2)], {"e1": 1})

    assert "e1" in result.accepted and not result.conflicts
    rows = {(row.entry_id, row.version, row.kind): row.sealed for row in hub.pull(0)}
    assert rows[("e1", 1, PUT)] is None and rows[("e1", 2, PUT)] is None
    assert rows[("e1", 2, ERASE)] is not None and rows[("keep", 1, PUT)] is not None


def test_a_put_for_an_erased_entry_is_refused_as_erased(hub_db, open_hub, journal):
    hub = open_hub(hub_db)
    hub.create(journal)
    hub.push([put("e1", 1)], {})
    hub.push([erase("e1", 2)], {"e1": 1})

    result = hub.push([put("e1", 3, "dev-b")], {"e1": 2})

    assert result.erased == {"e1"} and not result.accepted and not result.conflicts
    assert [row.kind for row in hub.pull(0)] == [PUT, ERASE]


def test_an_erase_pushed_again_after_a_lost_answer_is_not_stored_twice(hub_db, open_hub, journal):
    hub = open_hub(hub_db)
    hub.create(journal)
    hub.push([put("e1", 1)], {})
    row = erase("e1", 2)
    first = hub.push([row], {"e1": 1})

    again = hub.push([row], {"e1": 1})

    assert again.accepted == first.accepted
    assert [r.kind for r in hub.pull(0)] == [PUT, ERASE]


def test_a_reader_never_skips_a_change_that_commits_after_a_later_numbered_one(hub_server, hub_db, open_hub, journal):
    """A push slow to commit (a slow link, a busy hub: here a trigger that sleeps inside its
    transaction) must not let a later push commit a higher change number first: a reader that saw the
    higher one would pull after it and never see the slow one."""
    open_hub(hub_db).create(journal)
    with hub_server.admin(hub_db.name) as admin:
        admin.execute("""
            CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.entry_id LIKE 'slow%' THEN PERFORM pg_sleep(1.0); END IF; RETURN NULL; END $$;
            CREATE TRIGGER slow_commit AFTER INSERT ON mindpane_change FOR EACH ROW EXECUTE FUNCTION slow_commit();
        """)
    slow, fast, reader = open_hub(hub_db), open_hub(hub_db), open_hub(hub_db)
    reader.journal()
    seen: list[str] = []
    after = 0
    pushes = [threading.Thread(target=slow.push, args=([put("slow-1", 1)], {}))]
    pushes[0].start()
    time.sleep(0.3)  # the slow push holds its change number, not committed yet
    pushes.append(threading.Thread(target=fast.push, args=([put("fast-1", 1)], {})))
    pushes[1].start()

    while any(push.is_alive() for push in pushes):
        for row in reader.pull(after):
            seen.append(row.entry_id)
            after = row.seq
        time.sleep(0.05)
    for row in reader.pull(after):
        seen.append(row.entry_id)

    assert sorted(seen) == ["fast-1", "slow-1"]


def test_a_device_that_vanishes_mid_push_holds_up_the_others_only_briefly(hub_db, open_hub, journal):
    """A laptop closed mid-push leaves its transaction open on the hub, holding the change table's
    lock, with no link to say it is gone: the hub ends that session, and the others' pushes go on."""
    vanishing = open_hub(hub_db, statement_timeout=1)
    vanishing.create(journal)
    link = vanishing._connection  # as a push starts: in a transaction, holding the lock, then silence
    link.execute("BEGIN")
    link.execute("LOCK TABLE mindpane_change IN SHARE ROW EXCLUSIVE MODE")
    began = time.monotonic()

    result = open_hub(hub_db, statement_timeout=10).push([put("e1", 1, "dev-b")], {})

    assert "e1" in result.accepted
    assert time.monotonic() - began < 8
