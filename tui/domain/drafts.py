"""What the person has written and not sent yet, as one value: the one-line prompt's text, the
composer's draft of each mode, and the sends on their way to the outbox (held, see
``tui.services.drafts``). The draft file on the disk holds exactly this."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from tui.domain.records import PendingEntry


@dataclass(frozen=True)
class Draft:
    prompt: str = ""
    """The one-line prompt's text (not an entry ↑ brought back unchanged: that is stored already)."""
    composer: dict[str, str] = field(default_factory=dict)
    """Each mode's composer draft: kept with Esc, or being written in an open composer."""
    held: tuple[PendingEntry, ...] = ()
    """Sent, but not in the outbox yet: the next open of the store takes them (by turn id, once)."""

    @property
    def empty(self) -> bool:
        return not (self.prompt.strip() or any(text.strip() for text in self.composer.values()) or self.held)

    def without(self, texts: Iterable[str]) -> Draft:
        """This draft with every part that holds one of ``texts`` left out (forgetting an entry
        erases it from the draft too)."""
        texts = [text for text in texts if text]

        def holds(value: str) -> bool:
            return any(text in value for text in texts)

        return Draft("" if holds(self.prompt) else self.prompt,
                     {mode: text for mode, text in self.composer.items() if not holds(text)},
                     tuple(send for send in self.held if not holds(send.text)))

    def sent(self, mode: str, text: str, send: PendingEntry, from_prompt: bool = False) -> Draft:
        """This draft once ``text`` is sent from the prompt (``from_prompt``: whatever of it the draft
        has caught up with so far) or ``mode``'s composer: it is held, and no longer a draft there."""
        text = text.strip()
        composer = {name: kept for name, kept in self.composer.items() if not (name == mode and kept.strip() == text)}
        prompt = "" if from_prompt or self.prompt.strip() == text else self.prompt
        return Draft(prompt, composer, (*self.held, send))

    def released(self, turn_ids: Iterable[str]) -> Draft:
        """Without the held sends ``turn_ids``: the outbox (or the record) has them now."""
        gone = set(turn_ids)
        return replace(self, held=tuple(send for send in self.held if send.turn_id not in gone))
