"""The in-memory hub keeps the documented contract of ``tui.ports.Hub``: rows in seq order, a put
only on top of the hub's latest version, an erase always, dropping every earlier ciphertext."""

from __future__ import annotations

import threading

import pytest

from tui.adapters.memory_hub import MemoryHub
from tui.domain.errors import HubError
from tui.domain.sync import ERASE, PUT, HubJournal, HubRow


def put(entry: str, version: int, device: str = "a") -> HubRow:
    return HubRow(entry, version, device, PUT, f"{entry}-{version}".encode())


def test_a_hub_holds_one_journal():
    hub = MemoryHub()
    with pytest.raises(HubError) as caught:
        hub.journal()
    assert caught.value.hint
    hub.create(HubJournal("j1", b"wrapped"))
    assert hub.journal() == HubJournal("j1", b"wrapped")
    with pytest.raises(HubError):
        hub.create(HubJournal("j2", b"other"))


def test_puts_go_on_top_of_the_latest_version_only():
    hub = MemoryHub()
    first = hub.push([put("e1", 1), put("e2", 1)], {})
    assert first.accepted == {"e1": 1, "e2": 2} and not first.conflicts
    stale = hub.push([put("e1", 2, "b"), put("e2", 2, "b")], {"e1": 0, "e2": 1})
    assert stale.accepted == {"e2": 3} and stale.conflicts == {"e1"}
    again = hub.push([put("e2", 2, "b")], {"e2": 1})  # a retry after a lost ack: its own row is there
    assert again.conflicts == {"e2"} and not again.accepted
    assert [(r.entry_id, r.version, r.seq) for r in hub.pull(0)] == [("e1", 1, 1), ("e2", 1, 2), ("e2", 2, 3)]
    assert [r.seq for r in hub.pull(1, limit=1)] == [2]


def test_an_erase_is_always_taken_and_drops_every_ciphertext_of_its_entry():
    hub = MemoryHub()
    hub.push([put("e1", 1), put("e2", 1)], {})
    hub.push([put("e1", 2)], {"e1": 1})
    erased = hub.push([HubRow("e1", 9, "b", ERASE, b"sealed-empty")], {})
    assert erased.accepted == {"e1": 4}
    rows = hub.pull(0)
    assert [(r.entry_id, r.kind, r.sealed) for r in rows] == [
        ("e1", PUT, None), ("e2", PUT, b"e2-1"), ("e1", PUT, None), ("e1", ERASE, b"sealed-empty")]
    late = hub.push([put("e1", 3)], {"e1": 2})
    assert late.erased == {"e1"} and not late.accepted
    assert all(b"e1-" not in (row.sealed or b"") for row in hub.pull(0))


def test_pushes_from_many_threads_never_share_a_seq_or_a_version():
    hub = MemoryHub()

    def device(name: str) -> None:
        for version in range(1, 51):
            hub.push([put(f"{name}-{version}", 1, name), put("shared", version, name)], {"shared": version - 1})

    threads = [threading.Thread(target=device, args=(name,)) for name in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = hub.pull(0, limit=10_000)
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    shared = [row.version for row in rows if row.entry_id == "shared"]
    assert shared == list(range(1, len(shared) + 1))
    assert len(rows) == 200 + len(shared)


def test_devices_are_registered_by_id():
    hub = MemoryHub()
    hub.register("d1", "laptop")
    hub.register("d1", "work laptop")
    assert hub.devices() == {"d1": "work laptop"}
