"""A cursor over a reply's blocks (after Toad's): paragraphs, lists, headings, quotes, tables and
code fences — the ``Markdown`` widget's top-level block children.

Up and down move it, ``c`` copies the block under it and Enter opens it full-screen; the widget
only posts those intents (``Copy``, ``Open``), the screen copies or opens. What a block "is" when
copied lives here, once: a code block's code without its fence and language line, any other block
its markdown source as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

CURSOR_CLASS = "-block-cursor"


def block_text(block: MarkdownBlock) -> str:
    """What copying ``block`` gives: a code block's code (no fence), else its markdown source."""
    if isinstance(block, MarkdownFence):
        return block.code
    source = block.source
    return (source if source is not None else str(block.content)).strip()


def block_language(block: MarkdownBlock) -> str:
    """The language a block is shown in full-screen: the fence's info string, else markdown."""
    if isinstance(block, MarkdownFence):
        info = (block.lexer or "").split()
        return info[0] if info else ""
    return "markdown"


class BlockCursor(Markdown):
    """A ``Markdown`` widget whose blocks a cursor moves over, once ``enter_cursor`` gives it the keys.

    (A subclass, not a mixin: Textual's default CSS follows only the first base class.)"""

    HELP_TITLE = "Block cursor (over a reply)"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "block_up", "Previous block", show=False),
        Binding("down,j", "block_down", "Next block", show=False),
        Binding("c,ctrl+y", "copy_block", "Copy block",
                tooltip="Copy the block under the cursor (code without its ``` fence)"),
        Binding("enter", "open_block", "Open", tooltip="Open the block under the cursor full-screen"),
        Binding("escape", "leave_cursor", "Leave blocks", tooltip="Leave the block cursor"),
    ]

    block_cursor: reactive[int] = reactive(-1, init=False)
    """Index of the block under the cursor in ``blocks``; -1 when the cursor is off."""

    @dataclass
    class Copy(Message):
        """Copy ``text`` to the clipboard."""

        text: str

    @dataclass
    class Open(Message):
        """Show ``text`` full-screen, highlighted as ``language``."""

        text: str
        language: str

    @property
    def blocks(self) -> list[MarkdownBlock]:
        return [child for child in self.children if isinstance(child, MarkdownBlock)]

    @property
    def cursor_block(self) -> MarkdownBlock | None:
        blocks = self.blocks
        return blocks[self.block_cursor] if 0 <= self.block_cursor < len(blocks) else None

    def last_code_block(self) -> MarkdownFence | None:
        """The reply's last code block, also one inside a list or a quote."""
        fences = list(self.query(MarkdownFence))
        return fences[-1] if fences else None

    def enter_cursor(self) -> bool:
        """Put the cursor on the last code block (what ctrl+y copies), else the last block, and
        take the keys; False when there is no block yet."""
        blocks = self.blocks
        if not blocks:
            return False
        last_code = self.last_code_block()
        start = next((index for index, block in enumerate(blocks)
                      if last_code is not None and (block is last_code or last_code in block.ancestors)), -1)
        self._return_focus = self.screen.focused
        self.can_focus = True
        self.block_cursor = start if start >= 0 else len(blocks) - 1
        self.focus(scroll_visible=False)
        return True

    def leave_cursor(self) -> None:
        self.block_cursor = -1
        self.can_focus = False

    def watch_block_cursor(self, _old: int, cursor: int) -> None:
        for index, block in enumerate(self.blocks):
            block.set_class(index == cursor, CURSOR_CLASS)
        block = self.cursor_block
        if block is not None:
            self.call_after_refresh(block.scroll_visible, animate=False)

    def _move(self, step: int) -> None:
        count = len(self.blocks)
        if count:
            self.block_cursor = max(0, min(count - 1, self.block_cursor + step))

    def action_block_up(self) -> None:
        self._move(-1)

    def action_block_down(self) -> None:
        self._move(+1)

    def action_copy_block(self) -> None:
        block = self.cursor_block
        if block is not None:
            self.post_message(self.Copy(block_text(block)))

    def action_open_block(self) -> None:
        block = self.cursor_block
        if block is not None:
            self.post_message(self.Open(block_text(block), block_language(block)))

    def action_leave_cursor(self) -> None:
        back = getattr(self, "_return_focus", None)
        self.leave_cursor()
        if back is not None and back.is_attached and back.focusable:
            back.focus()
        else:
            self.screen.focus_next()

    def on_blur(self) -> None:
        if self.block_cursor >= 0:
            self.leave_cursor()
