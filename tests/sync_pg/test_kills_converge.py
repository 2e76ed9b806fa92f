"""Goal: two devices, 500 interleaved writes, edits, deletes, pins, undos and forgets on both,
synced in random order through a real Postgres hub, some syncs killed (SIGKILL, in a child
process) mid-push or mid-apply and run again: both end with the same record, no text lost, every
conflict a copy on both, no forgotten entry back. Seeded (the seed is in the test's id).

A bigger run: ``MINDPANE_SYNC_PG_STEPS=3000 MINDPANE_SYNC_PG_KILLS=60 MINDPANE_SYNC_PG_SEEDS=5``
(``MINDPANE_SYNC_PG_FIRST_SEED``: the first seed); with Chroma: ``MINDPANE_SYNC_PG_CHROMA_STEPS``,
``MINDPANE_SYNC_PG_CHROMA_KILLS``.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.sync_person import LOCAL, Person
from tests.sync_pg.pg_devices import PgDevice, make_devices, start_hub
from tui.domain.errors import MindpaneError
from tui.domain.modes import JOURNAL
from tui.services.sync.apply import CONFLICT_OF
from tui.services.sync.conflicts import KEEP_COPY, KEEP_CURRENT, conflict_copies, resolve

STEPS = int(os.environ.get("MINDPANE_SYNC_PG_STEPS", "500"))
KILLS = int(os.environ.get("MINDPANE_SYNC_PG_KILLS", "10"))
SEEDS = int(os.environ.get("MINDPANE_SYNC_PG_SEEDS", "1"))
FIRST_SEED = int(os.environ.get("MINDPANE_SYNC_PG_FIRST_SEED", "0"))
CHROMA_STEPS = int(os.environ.get("MINDPANE_SYNC_PG_CHROMA_STEPS", "80"))
CHROMA_KILLS = int(os.environ.get("MINDPANE_SYNC_PG_CHROMA_KILLS", "3"))
KILL_POINTS = ["push:1:before", "push:1:after", "push:2:after", "apply:1:before", "apply:1:inside",
               "apply:1:after", "apply:2:inside", "index:1:before", "index:2:before", "timer"]


class Run(Person):
    """The person's side (``Person``), and the syncs killed."""

    def __init__(self, devices: list[PgDevice], seed: int, kills: int, steps: int) -> None:
        super().__init__(seed)
        self.devices = devices
        self.kill_steps = set(self.rng.sample(range(steps), kills))
        self.killed: list[str] = []

    def step(self, number: int) -> None:
        device = self.devices[self.rng.randrange(2)]
        if number in self.kill_steps:
            self.killed_together() if self.rng.random() < 0.3 else self.killed_sync(device)
            return
        op = self.rng.choices(["add", "edit", "delete", "undo", "pin", "unpin", "forget", "sync", "restart",
                               "reply", "resolve"], [14, 24, 6, 5, 5, 4, 3, 30, 2, 3, 4])[0]
        device.clock.advance(minutes=self.rng.randrange(1, 90))
        if op in LOCAL:
            self.local(op, device)
        elif op == "resolve":
            self.resolve(device)
        elif op == "sync":
            self.conflicts |= set(device.sync().conflicts)
        else:
            device.close()
            device.open()

    def resolve(self, device: PgDevice) -> None:
        """Settle the oldest conflict copy here, keeping the copy's text or the current one."""
        copies = conflict_copies(device.j)
        if not copies:
            return
        copy, keep = copies[0], self.rng.choice([KEEP_COPY, KEEP_CURRENT])
        entry = device.j.record.get(str(copy.metadata[CONFLICT_OF]))
        try:
            resolve(device.j, copy.id, keep)
        except MindpaneError:
            return  # its entry is gone (deleted here, or forgotten): the copy stays as it is
        if keep == KEEP_COPY and entry is not None:
            self.superseded.add(entry.text)

    def killed_sync(self, device: PgDevice) -> None:
        """A sync in a child killed at a point the seed picks, then (half the time) run again there."""
        point = self.rng.choice(KILL_POINTS)
        before = {record.id for record in conflict_copies(device.j)}
        if point == "timer":
            done = device.sync_in_child(kill_after=self.rng.uniform(0.3, 3.0))
        else:
            done = device.sync_in_child(kill_at=point)
        assert done.returncode in (0, -9), done.stderr
        self.killed.append(f"{device.name}:{point}:{done.returncode}")
        if done.returncode == 0:
            self.conflicts |= set(json.loads(done.stdout)["conflicts"])
        if self.rng.random() < 0.5:
            again = device.sync_in_child()
            assert again.returncode == 0, again.stderr
            assert json.loads(again.stdout)["refused"] == []
        self.conflicts |= {record.id for record in conflict_copies(device.j)} - before

    def killed_together(self) -> None:
        """Both devices sync at once, each in its child (pushes racing on the hub's lock); one is
        killed at a point the seed picks."""
        point = self.rng.choice(KILL_POINTS[:-1])
        victim = self.rng.randrange(2)
        before = {device.name: {record.id for record in conflict_copies(device.j)} for device in self.devices}
        children = [device.start_child(point if n == victim else "") for n, device in enumerate(self.devices)]
        for device, child in zip(self.devices, children, strict=True):
            done = device.finish_child(child)
            assert done.returncode in (0, -9), done.stderr
            assert done.returncode == 0 or device is self.devices[victim], done.stderr
            self.killed.append(f"{device.name}:{point if device is self.devices[victim] else 'together'}:"
                               f"{done.returncode}")
            if done.returncode == 0:
                self.conflicts |= set(json.loads(done.stdout)["conflicts"])
            self.conflicts |= {record.id for record in conflict_copies(device.j)} - before[device.name]

    def settle(self) -> None:
        for _ in range(3):
            for device in self.devices:
                report = device.sync()
                assert report.refused == [] and not report.unsettled
                self.conflicts |= set(report.conflicts)


def check_converged(run: Run, laptop: PgDevice, desktop: PgDevice) -> None:
    assert laptop.view() == desktop.view()
    assert laptop.sync().pushed == 0 and desktop.sync().pushed == 0
    kept = {state.record.text for state in laptop.states()}
    assert run.lost(kept) == []
    ids = {state.id for device in (laptop, desktop) for state in device.states()}
    assert ids & run.forgotten == set(), "a forgotten entry came back"
    copies = {state.id for state in laptop.states() if CONFLICT_OF in state.record.metadata}
    assert copies - run.forgotten == run.conflicts - run.forgotten


@pytest.mark.timeout(300 + STEPS // 5 + KILLS * 5)
@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + SEEDS))
def test_two_devices_with_killed_syncs_converge_and_lose_nothing(settings, clock, tmp_path, hub_db, seed):
    devices = make_devices(["laptop", "desktop"], settings, clock, tmp_path, hub_db, start_hub(hub_db))
    try:
        run = Run(devices, seed, KILLS, STEPS)
        for number in range(STEPS):
            run.step(number)
        run.settle()
        check_converged(run, *devices)
        assert run.conflicts, "the run made no conflict: the seed tests too little"
        assert any(kill.endswith(":-9") for kill in run.killed), run.killed
    except BaseException:
        print(f"seed {seed}; kills {run.killed if 'run' in locals() else []}")
        raise
    finally:
        for device in devices:
            device.close()


@pytest.mark.timeout(300 + CHROMA_STEPS // 2 + CHROMA_KILLS * 10)
def test_devices_with_the_chroma_index_converge_through_killed_syncs(settings, clock, tmp_path, hub_db):
    """The same on the index a plain journal really has (Chroma): fewer steps, it is slower to open."""
    devices = make_devices(["laptop", "desktop"], settings, clock, tmp_path, hub_db, start_hub(hub_db),
                           open_index=None)
    seed = 7 + FIRST_SEED
    try:
        run = Run(devices, seed, CHROMA_KILLS, CHROMA_STEPS)
        for number in range(CHROMA_STEPS):
            run.step(number)
        run.settle()
        check_converged(run, *devices)
        assert any(kill.endswith(":-9") for kill in run.killed), run.killed
        for device in devices:  # recall finds what the other device wrote, through Chroma
            texts = sorted(device.alive().values())
            if texts:
                found = device.j.recall(texts[0], JOURNAL, k=3)
                assert texts[0] in [memory.record.text for memory in found]
    except BaseException:
        print(f"seed {seed}; kills {run.killed if 'run' in locals() else []}")
        raise
    finally:
        for device in devices:
            device.close()
