"""Two devices, 200 random operations on both (write, edit, delete, undo, pin, unpin, forget,
restart, sync — some syncs losing the hub's answer after it committed): once both have synced,
their records are the same, no text is lost, every conflict copy is on both and was reported."""

from __future__ import annotations

import os

import pytest

from tests.sync.devices import Device, open_device, two_devices
from tests.sync_person import LOCAL, Person
from tui.domain.errors import HubError
from tui.services.sync.apply import CONFLICT_OF
from tui.services.sync.conflicts import conflict_copies


class AnswerLost:
    """A hub whose next push commits and then loses its answer (the network dropped it)."""

    def __init__(self, hub) -> None:
        self._hub = hub

    def push(self, rows, bases):
        self._hub.push(rows, bases)
        raise HubError("The sync hub did not answer", "try again")

    def __getattr__(self, name):
        return getattr(self._hub, name)


class Run(Person):
    def __init__(self, devices: list[Device], seed: int, settings, clock, tmp_path) -> None:
        super().__init__(seed)
        self.devices = devices
        self.settings, self.clock, self.tmp_path = settings, clock, tmp_path

    def step(self) -> None:
        index = self.rng.randrange(2)
        device = self.devices[index]
        journal = device.journal
        op = self.rng.choices(["add", "edit", "delete", "undo", "pin", "unpin", "forget", "sync", "lost", "restart"],
                              [14, 22, 6, 5, 5, 4, 3, 30, 4, 2])[0]
        self.clock.advance(minutes=self.rng.randrange(1, 90))
        if op in LOCAL:
            self.local(op, device)
        elif op == "sync":
            self.conflicts |= set(device.sync().conflicts)
        elif op == "lost":
            copies = {record.id for record in conflict_copies(journal)}
            flaky = Device(journal, device.device, AnswerLost(device.hub), device.key)
            try:  # nothing to push: nothing lost either
                self.conflicts |= set(flaky.sync().conflicts)
            except HubError:  # the sync stopped: the copies its pull made are in the journal, listed
                self.conflicts |= {record.id for record in conflict_copies(journal)} - copies
        else:
            journal.close()
            name = "laptop" if index == 0 else "desktop"
            device.journal = open_device(self.settings, self.clock, self.tmp_path / name)

    def settle(self) -> None:
        for _ in range(3):
            for device in self.devices:
                report = device.sync()
                assert report.refused == [] and not report.unsettled
                self.conflicts |= set(report.conflicts)


@pytest.mark.parametrize("seed", range(int(os.environ.get("MINDPANE_SYNC_SEEDS", "3"))))
def test_two_devices_converge_and_lose_nothing(settings, clock, tmp_path, seed):
    with two_devices(settings, clock, tmp_path) as pair:
        laptop, desktop = pair
        run = Run([laptop, desktop], seed, settings, clock, tmp_path)
        for _ in range(200):
            run.step()
        run.settle()
        assert laptop.view() == desktop.view()
        assert laptop.sync().pushed == 0 and desktop.sync().pushed == 0
        kept = {state.record.text for state in laptop.states()}
        assert run.lost(kept) == []
        copies = {state.id for state in laptop.states() if CONFLICT_OF in state.record.metadata}
        assert copies - run.forgotten == run.conflicts - run.forgotten
        assert run.conflicts, "the run made no conflict: the seed tests too little"
