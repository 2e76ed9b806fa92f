"""A one-line ``Input`` that never drops part of a paste.

Textual's ``Input._on_paste`` keeps only ``text.splitlines()[0]``: the rest of a multi-line paste
is lost without a word. Here a paste that still has a line break once trailing line ends are
removed goes to :meth:`PasteSafeInput.paste_lines`, which by default joins its lines with single
spaces (right for a one-line filter); subclasses may do something else with it (the chat prompt
opens the composer). ``\\r\\n`` and lone ``\\r`` count as line ends.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


def normalise_line_ends(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_multi_line(text: str) -> bool:
    """True if ``text`` (line ends normalised) has a line break before its trailing ones."""
    return "\n" in text.rstrip("\n")


class PasteSafeInput(Input):
    def _on_paste(self, event: events.Paste) -> None:
        text = normalise_line_ends(event.text)
        if not is_multi_line(text):
            # One line (maybe with a trailing line end): Textual's own handling keeps all of it.
            return
        event.prevent_default()  # skip Input._on_paste, which would keep the first line only
        event.stop()
        self.paste_lines(text)

    def paste_lines(self, text: str) -> None:
        """Handle a multi-line paste (line ends are ``\\n``): insert it as one line, joined with spaces."""
        self.insert_pasted(" ".join(line.strip() for line in text.splitlines() if line.strip()))

    def insert_pasted(self, text: str) -> None:
        """Insert ``text`` at the cursor, replacing the selection, as a paste does."""
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)

    def value_with(self, text: str) -> str:
        """The value this input would have with ``text`` pasted at the cursor (over the selection)."""
        start, end = sorted(self.selection)
        return self.value[:start] + text + self.value[end:]
