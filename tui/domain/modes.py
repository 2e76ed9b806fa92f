"""Modes are data: a prompt, recall settings and what they stamp on stored entries.

The engine only ever reads a ``Mode``; adding a mode (built-in, or a ``[modes.<id>]`` table in the
config file: see ``tui/services/config.py``) never touches the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MODE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
"""What a mode id may be: entries are stored under it, so it is a plain, stable name."""


def valid_mode_id(name: str) -> bool:
    return MODE_ID.fullmatch(name) is not None


@dataclass(frozen=True)
class Mode:
    name: str
    title: str
    system_prompt: str
    recall_size: int = 5
    min_relevance: float = 0.25
    pin_limit: int = 5
    """How many of the mode's pinned memories (the oldest pins) go into each prompt."""
    context_length: int | None = None
    """Tokens the model is asked to see at once (Ollama's ``num_ctx``), prompt and reply together;
    None: what the model reports (``tui.services.context_window``)."""
    model: str | None = None
    keep_unanswered: bool = False
    """Store the person's text even when the model fails (journal: an entry is an entry)."""
    metadata: dict = field(default_factory=dict)
    """Extra metadata stamped on every entry this mode stores (``mode`` is always added)."""
    entry_label: str = "Entry"
    reply_label: str = "Reply"
    placeholder: str = ""
    """What the empty prompt says in this mode."""
    intro: str = ""
    """What an empty transcript of this mode says."""
    recall_from: tuple[str, ...] = ()
    """Ids of *other* modes whose entries this mode always recalls too; empty: only its own."""
    may_read: tuple[str, ...] | None = None
    """Ids of other modes that "also recall from other modes" (a one-turn toggle) reads; None:
    every other mode; empty: none, the toggle is refused. Without the toggle the wall holds."""
    traceback_recall: bool = False
    """A pasted Python traceback recalls earlier exchanges with the same exception (and library)
    first (see ``tui.domain.tracebacks``); other text is recalled by similarity alone."""
    on_this_day: bool = False
    """Opening the mode shows its entries from this day a week, a month and years ago (a journal
    is reread by date; a code mode's old questions are not)."""
    mark_questions: bool = False
    """Tell a question to the journal about the person's own past ("what did I write about Sam?")
    from an entry when a turn is sent (see ``tui.domain.entry_kind``); the person can flip it. Off:
    every turn is stored as it always was (a code mode's turns are all questions, and all memories)."""
    recall_questions: bool = False
    """Recall questions to the journal as memories too; by default they are kept, shown and
    searchable, but never put into a prompt as something the person wrote."""

    def stamp(self) -> dict:
        return {**self.metadata, "mode": self.name}


def readable_modes(mode: Mode, modes: Mapping[str, Mode]) -> list[str]:
    """The other modes "also recall from other modes" reads for ``mode``: its ``may_read``, or
    every other mode when it names none."""
    wanted = mode.may_read if mode.may_read is not None else tuple(modes)
    return [name for name in wanted if name in modes and name != mode.name]


JOURNAL = Mode(
    name="journal",
    title="Journal",
    system_prompt=(
        "You are a warm, thoughtful journaling companion. The person writes about their day, "
        "their thoughts and feelings. Reflect back what you hear in a few sentences, notice "
        "links with what they wrote before when it helps, and end with one gentle, open "
        "follow-up question. Never lecture, diagnose or give unasked-for advice."
    ),
    recall_size=5,
    min_relevance=0.25,
    keep_unanswered=True,
    entry_label="Entry",
    reply_label="Reflection",
    on_this_day=True,
    mark_questions=True,
    placeholder="Write about your day, a thought, a feeling… (Enter sends)",
    intro="Journal — write an entry and press Enter. Each reflection draws on earlier entries it recalls; "
    "they are listed as receipts beside the reply.",
)

CODE = Mode(
    name="code",
    title="Code",
    system_prompt=(
        "You are a concise Python code advisor. Answer with idiomatic, modern Python (3.11+, "
        "type hints, standard library first), show code in fenced ```python blocks, and keep "
        "prose short. Build on the person's earlier questions when they are relevant."
    ),
    recall_size=5,
    min_relevance=0.25,
    keep_unanswered=False,
    traceback_recall=True,
    entry_label="Question",
    reply_label="Answer",
    placeholder="Ask a Python question… (Enter sends)",
    intro="Code — ask a Python question and press Enter. Earlier questions that relate are recalled and "
    "listed as receipts; the journal is never searched here.",
)

BUILTIN_MODES: tuple[Mode, ...] = (JOURNAL, CODE)


def builtin_modes() -> dict[str, Mode]:
    return {mode.name: mode for mode in BUILTIN_MODES}
