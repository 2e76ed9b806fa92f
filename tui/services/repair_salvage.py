"""``doctor --repair`` and a damaged ``entries.db``: read back what the moved copy still holds into a
new record before the store opens (it then adopts from ``chroma/`` what is still missing), and
report both halves honestly: what came back, and which entries (how many, from when) did not.

A repair never says ✓ for a journal that came out emptier than it went in: an entry the damaged
record is known to have held (its id is in one of the record's indexes) and that is in neither the
new record nor Chroma is reported as lost, with the moved copy to keep.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tui.services.doctor_checks import Check, first_line, read_record
from tui.services.settings import Settings
from tui.text import local_day

RECORD_FILE = "entries.db"


def salvage_record(moved: Path, record: Path, key: bytes | None = None) -> RecordSalvage:
    """Read the moved, damaged record and write what it holds to a new ``record`` (both encrypted
    under ``key`` when it is a locked journal's: what is read is decrypted in memory only)."""
    from tui.adapters.record_salvage import read_record_rows, write_record

    try:
        found = read_record_rows(moved, key)
        write_record(found, record, key=key)
    except Exception as exc:  # the reader skips what it cannot decode; this is the file itself failing
        for leftover in (record, *(record.with_name(record.name + s) for s in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)  # the store makes a fresh record (and adopts from chroma/)
        return RecordSalvage(moved, error=first_line(exc))
    alive: dict[str, int] = {}
    for row in found.entries.values():
        if row[8] is None:
            alive[str(row[1])] = alive.get(str(row[1]), 0) + 1
    return RecordSalvage(moved, found.size, len(found.entries), found.held, alive, len(found.outbox),
                         len(found.changes), found.lost)


@dataclass
class RecordSalvage:
    moved: Path
    size: int = 0
    read: int = 0
    held: int = 0
    alive: dict[str, int] | None = None
    outbox: int = 0
    changes: int = 0
    lost: dict[str, datetime | None] | None = None
    error: str | None = None

    def read_back(self) -> list[Check]:
        """What the salvage found, said before the store opens."""
        if self.error:
            return [Check(False, f"{self.moved} could not be read back ({self.error})", self._keep())]
        if not self.read and not self.outbox:
            return []  # said after the rebuild, once it is known whether chroma/ had the entries
        modes = ", ".join(f"{mode} {n}" for mode, n in sorted((self.alive or {}).items()))
        parts = [f"{self.changes} changes", f"{self.outbox} outbox {'turn' if self.outbox == 1 else 'turns'}"]
        return [Check(True, f"read back {self.read} of {max(self.held, self.read)} entries from {self.moved}"
                      f"{f' ({modes} alive)' if modes else ''}, {', '.join(parts)}")]

    def losses(self, settings: Settings, key: bytes | None = None) -> list[Check]:
        """After the store opened (and adopted from Chroma what it had): what is still missing."""
        now = read_record(settings.data_dir, key)
        if self.error:
            return []
        missing = {i: at for i, at in (self.lost or {}).items() if i not in now.ids}
        found_elsewhere = len(self.lost or {}) - len(missing)
        from_chroma = f"; {found_elsewhere} more came back from chroma/" if found_elsewhere else ""
        if missing:
            days = sorted({local_day(at) for at in missing.values() if at is not None})
            span = f", dated {days[0]} … {days[-1]}" if len(days) > 1 else f", dated {days[0]}" if days else ""
            return [Check(False, f"{len(missing)} of {self.held} entries could not be read back from {self.moved}"
                          f"{span}{from_chroma}", self._keep())]
        if not self.read and not self.outbox:
            alive = sum(now.alive.values())
            if alive:
                return [Check(True, f"nothing could be read back from {self.moved}; {alive} entries were rebuilt "
                              "from chroma/")]
            return [Check(False, f"nothing could be read back from {self.moved} ({self.size} bytes); "
                          "there was no search index to rebuild the entries from", self._keep())]
        if found_elsewhere:
            return [Check(True, f"the {found_elsewhere} entries {self.moved} could not give back came back "
                          "from chroma/")]
        return []

    def _keep(self) -> str:
        where = shlex.quote(str(self.moved))
        return (f"keep {where}: a backup of your data dir, or a specialist SQLite recovery tool "
                f"(`sqlite3 {where} .recover`), may get more of it back")
