"""The data dir as the journal needs it: room before a write, failures named, the log redacted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tui.adapters.locked_layout import LOCKED_RECORD, PLAIN_RECORD
from tui.domain.errors import StoreError

_COMPACTED = (PLAIN_RECORD, LOCKED_RECORD, "history.db", "chroma/chroma.sqlite3")


class StoreDisk:
    """``StoreDisk`` over a data dir."""

    def __init__(self, data_dir: Path, key: bytes | None = None) -> None:
        self.data_dir = data_dir
        self._key = key
        """A locked journal's data key: forget reaches its encrypted moved copies with it."""

    def ensure_room(self, text: str, compacting: bool = False) -> None:
        """Refuse a write before any library is entered when the disk is (nearly) full: Chroma can
        hang for good after a write that failed for lack of space. Compacting (forget) rewrites
        each SQLite file, so it needs room for the largest copy."""
        from tui.adapters.disk_space import ensure_free_space

        needed = len(text.encode("utf-8", "replace")) * 8
        if compacting:
            files = [self.data_dir / name for name in _COMPACTED]
            needed += max((f.stat().st_size for f in files if f.exists()), default=0)
        ensure_free_space(self.data_dir, needed)

    def explain(self, exc: BaseException) -> StoreError:
        from tui.adapters.disk_space import disk_full_error, is_disk_full

        if is_disk_full(exc, self.data_dir):
            return disk_full_error(self.data_dir)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        return StoreError(f"The memory store failed: {reason}",
                          "run `mindpane doctor` to see what is wrong; your text is kept")

    def redact_log(self, texts: Sequence[str]) -> None:
        """The log, and the draft file (a forgotten text may still be a draft)."""
        from tui.adapters import draft_file, eraser

        eraser.redact_log(self.data_dir / "mindpane.log", texts)
        draft_file.erase_texts(self.data_dir, texts)

    def erase_from_copies(self, memory_ids: Sequence[str], texts: Sequence[str]) -> tuple[str, ...]:
        """Forget reaches the copies ``doctor --repair`` moved aside; a note per copy changed."""
        from tui.adapters.moved_copies import erase_from_copies

        copies = erase_from_copies(self.data_dir, memory_ids, texts, self._key)
        return tuple(note for note in (copy.note() for copy in copies) if note)
