"""One reply, streamed token by token into its own Markdown widget (code fences highlighted).

One widget per reply keeps each append cheap however long the transcript grows. A block cursor
moves over its blocks (see ``block_cursor``); copying walks the same blocks.
"""

from __future__ import annotations

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

from tui.text import for_display
from tui.widgets.block_cursor import BlockCursor, block_text


class ReplyView(BlockCursor):
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
        if self.block_cursor >= 0:
            self.action_leave_cursor()
        await self.finish()
        self.text = ""
        await self.update("")

    def copy_text(self) -> str:
        """The last code block, else the whole reply: what a person most likely wants to paste."""
        code = self.last_code_block()
        return block_text(code) if code is not None else self.text
