"""Pins: memories the person marked as always true for a mode. Every prompt of that mode carries
them (the oldest ``Mode.pin_limit`` of them), above whatever recall found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.domain.records import PINNED_REASON, MemoryRecord, RecalledMemory

PIN_GLYPH = "▲"
"""Marks a pinned entry in the history and the receipts: one cell wide, so columns stay aligned."""
PINNED_SCORE = 1.0


@dataclass(frozen=True)
class PinState:
    """An entry's pin after it was toggled, how many pins its mode has now and how many fit a prompt."""

    memory_id: str
    mode: str
    pinned: bool
    count: int
    mode_title: str
    limit: int

    @property
    def notice(self) -> str:
        """What the person is told: where the pin goes, and when the mode has more pins than fit."""
        if not self.pinned:
            return "Unpinned"
        if self.count > self.limit:
            return (f"Pinned — but only the {self.limit} oldest pins go into {self.mode_title} prompts "
                    f"(this is pin {self.count}; unpin one, or raise pin_limit in the config file)")
        return f"Pinned — goes into every {self.mode_title} prompt"


def as_recalled(pinned: Sequence[MemoryRecord], limit: int) -> list[RecalledMemory]:
    """The pins that go into a prompt: the oldest ``limit``, each as a memory recalled because pinned."""
    return [RecalledMemory(record, PINNED_SCORE, PINNED_REASON) for record in pinned[:max(0, limit)]]
