"""The person in the random sync runs (tests/sync/test_random_sync.py on the memory hub,
tests/sync_pg/test_kills_converge.py on Postgres): what they write, replace and forget on a device,
and what the run must then find — every text kept, replaced on purpose, or forgotten."""

from __future__ import annotations

import random

from tui.domain.errors import MindpaneError
from tui.domain.modes import JOURNAL

LOCAL = ("add", "edit", "delete", "undo", "pin", "unpin", "forget", "reply")
"""The steps a person takes on one device (the runs add syncs, restarts, kills and resolutions)."""


class Person:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.written: list[tuple[str, str]] = []  # (entry id, text) every text a person wrote
        self.superseded: set[str] = set()  # texts a person replaced on the device they saw them on
        self.forgotten: set[str] = set()
        self.forgotten_texts: set[str] = set()  # a conflict copy forgotten: its text goes with it
        self.conflicts: set[str] = set()
        self.count = 0

    def text(self) -> str:
        self.count += 1
        return f"note {self.count} " + " ".join(self.rng.choice(["river", "bread", "lake", "Ana", "rain", "code"])
                                               for _ in range(4))

    def local(self, op: str, device) -> None:
        """One of ``LOCAL`` on ``device`` (its ``journal``, ``alive()``, ``states()``), chosen among its
        entries in an order the seed decides (ids are random)."""
        journal = device.journal
        alive = [entry_id for _, entry_id in sorted((text, i) for i, text in device.alive().items())]
        everything = [s.id for s in sorted(device.states(), key=lambda s: (s.record.text, s.deleted_at is None))]
        if op == "add" or (op in ("edit", "delete", "pin", "unpin", "forget", "reply") and not alive):
            text = self.text()
            self.written.append((journal.add_entry(JOURNAL, text).id, text))
        elif op == "edit":
            entry_id = self.rng.choice(alive)
            self.superseded.add(device.alive()[entry_id])
            text = self.text()
            journal.update_text(entry_id, text)
            self.written.append((entry_id, text))
        elif op == "delete":
            journal.delete(self.rng.choice(alive))
        elif op == "undo":
            before = {state.id: state.record.text for state in device.states()}
            try:
                change = journal.undo()
            except MindpaneError:
                return
            if change is not None and change.entry_id in before:
                self.superseded.add(before[change.entry_id])
        elif op == "pin":
            journal.pin(self.rng.choice(alive))
        elif op == "unpin":
            journal.unpin(self.rng.choice(alive))
        elif op == "forget":
            entry_id = self.rng.choice(everything)
            self.forgotten_texts.add(journal.record.get(entry_id, include_deleted=True).text)
            journal.forget([entry_id])
            self.forgotten.add(entry_id)
        elif op == "reply":
            journal.attach_reply(self.rng.choice(alive), f"reply to {self.text()}")

    def lost(self, kept: set[str]) -> list[tuple[str, str]]:
        """What was written and is neither ``kept`` nor replaced nor forgotten on purpose."""
        return [(entry_id, text) for entry_id, text in self.written
                if text not in kept | self.superseded | self.forgotten_texts and entry_id not in self.forgotten]
