"""A sync hub held in memory: the ``tui.ports.Hub`` contract exactly, thread-safe.

What ``MemoryIndex`` is for the index: a real hub (the sync tests and the app's tests run two
devices through it) without a Postgres. One lock makes each push one transaction. Like a
Postgres owner, whoever holds it can also write rows as they like (``write_raw``): what the
devices' checks are tested against.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace

from tui.domain.errors import HubError
from tui.domain.sync import ERASE, PUT, HubJournal, HubRow, PushResult


class MemoryHub:
    """The ``Hub`` in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._journal: HubJournal | None = None
        self._rows: list[HubRow] = []
        self._latest: dict[str, int] = {}
        self._erased: set[str] = set()
        self._devices: dict[str, str] = {}

    def create(self, journal: HubJournal) -> None:
        with self._lock:
            if self._journal is not None:
                raise HubError("This hub already relays a mindpane journal",
                               "join it with `mindpane sync join`, or use an empty database")
            self._journal = journal

    def journal(self) -> HubJournal:
        with self._lock:
            if self._journal is None:
                raise HubError("This hub relays no mindpane journal yet", "start one with `mindpane sync init`")
            return self._journal

    def register(self, device: str, name: str) -> None:
        with self._lock:
            self._devices[device] = name

    def devices(self) -> dict[str, str]:
        """The devices noted, by id: their names."""
        with self._lock:
            return dict(self._devices)

    def push(self, rows: Sequence[HubRow], bases: Mapping[str, int]) -> PushResult:
        accepted: dict[str, int] = {}
        conflicts: set[str] = set()
        erased: set[str] = set()
        with self._lock:
            for row in rows:
                if row.kind == ERASE:
                    self._rows = [replace(kept, sealed=None) if kept.entry_id == row.entry_id else kept
                                  for kept in self._rows]
                    self._erased.add(row.entry_id)
                elif row.kind != PUT:
                    raise HubError(f"A hub row of an unknown kind: {row.kind!r}", "update mindpane on this device")
                elif row.entry_id in self._erased:
                    erased.add(row.entry_id)
                    continue
                elif self._latest.get(row.entry_id, 0) != bases.get(row.entry_id, 0) \
                        or row.version <= self._latest.get(row.entry_id, 0):
                    conflicts.add(row.entry_id)
                    continue
                else:
                    self._latest[row.entry_id] = row.version
                kept = replace(row, seq=len(self._rows) + 1)
                self._rows.append(kept)
                accepted[row.entry_id] = kept.seq
        return PushResult(accepted, frozenset(conflicts), frozenset(erased))

    def pull(self, after: int, limit: int = 1000) -> list[HubRow]:
        with self._lock:
            return list(self._rows[max(after, 0):max(after, 0) + limit])

    def write_raw(self, row: HubRow) -> None:
        """Put ``row`` in the hub's table as it is: at its ``seq`` (replacing the row there), or
        after the last one when ``seq`` is 0. No check: what a hub's owner can do to its rows."""
        with self._lock:
            if row.seq == 0:
                self._rows.append(replace(row, seq=len(self._rows) + 1))
            else:
                self._rows[row.seq - 1] = row

    def close(self) -> None:
        """Nothing to close: the rows live as long as this object."""
