"""One reply, streamed token by token into its own Markdown widget (code fences highlighted).

One widget per reply keeps each append cheap however long the transcript grows.
"""

from __future__ import annotations

import re

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

from tui.text import for_display

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n(.*?)(?:^ {0,3}\1[`~]*[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)


def code_blocks(markdown: str) -> list[str]:
    """The contents of the fenced code blocks in ``markdown``, in order (an unclosed last one too)."""
    return [match.group(2).rstrip("\n") for match in _FENCE.finditer(markdown)]


class ReplyView(Markdown):
    """The model's reply to one turn."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.text = ""
        self._stream: MarkdownStream | None = None

    async def write(self, chunk: str) -> None:
        chunk = for_display(chunk)
        if not chunk:
            return
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        self.text += chunk
        await self._stream.write(chunk)

    async def finish(self) -> None:
        """Flush what is still buffered; the reply is complete (or cut off)."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    async def clear(self) -> None:
        await self.finish()
        self.text = ""
        await self.update("")

    def copy_text(self) -> str:
        """The last code block, else the whole reply: what a person most likely wants to paste."""
        blocks = code_blocks(self.text)
        return blocks[-1] if blocks else self.text
