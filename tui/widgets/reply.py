"""One reply, streamed token by token into its own Markdown widget (code fences highlighted).

One widget per reply keeps each append cheap however long the transcript grows. A block cursor
moves over its blocks (see ``block_cursor``); copying walks the same blocks.

While a reply streams, what costs is the open code fence: the stock widget re-highlights the whole
fence (and re-renders all its lines) on every append. So while streaming, a fence is a
``StreamingFence``: its completed ``CHUNK_LINES``-line chunks are highlighted once and frozen,
only the open chunk is highlighted again. When the stream ends each streaming fence becomes the
``ReplyFence`` a whole update gives (highlighted whole, once), so the finished reply is the same
widget tree as before. A ``ReplyFence`` is the stock fence highlighted again only when the palette
changes (the stock one does it on every style update, e.g. each time its turn is selected).

What else keeps a long reply light while it streams (a 200 KB reply is ~300 blocks): the blocks
are placed by the stream layout (from the first block that changed, not all of them on every
append); what arrives is drawn at most every ``PACE_SECONDS`` (each draw lays out and repaints the
transcript); and while the transcript follows the reply's end only its last ``TAIL_BLOCKS``-odd
blocks stay displayed (every layout pass walks every displayed widget) until it ends, the person
scrolls up or the block cursor enters it.

A table is a ``ReplyTable``: its columns wrap at words as the stock table's do, but never shrink
below their longest word; a table that still does not fit scrolls sideways. The stock table shrank
every column past that (cells cut to "Head…", narrow columns left blank): in a narrow pane a
column was lost. (``MarkdownTable`` and ``MarkdownTableContent`` are not exported by
``textual.widgets.markdown`` in textual 8.2.8: imported from ``textual.widgets._markdown``.)
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.visual import visualize
from textual.widget import MountError
from textual.widgets import Label, Markdown
from textual.widgets._markdown import MarkdownTable, MarkdownTableContent
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tui.text import TextPieces, for_display
from tui.widgets.block_cursor import BlockCursor, block_text

TAIL_BLOCKS = 40
"""While a reply streams and the transcript follows its end, only its last blocks stay displayed:
every layout pass walks every displayed widget, and a 200 KB reply is some 300 blocks."""
TAIL_SLACK = 40
"""Blocks hidden at once (fewer, larger layout changes)."""

PACE_SECONDS = 0.1
"""A streaming reply is drawn at most this often (the first piece at once): each draw lays out and
repaints the transcript (15-25 ms at 160x45), and pieces arrive every 40 ms or faster."""

CHUNK_LINES = 16
"""Lines per frozen chunk of a streaming fence: each chunk is a widget, and each widget adds layout
cost (16 measured better than 8 or 4)."""

_PARSER: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    """One parser for every reply (the stock widget builds a new one on every append)."""
    global _PARSER
    if _PARSER is None:
        _PARSER = MarkdownIt("gfm-like")
    return _PARSER


def _palette(widget: MarkdownBlock) -> tuple[bool, bool, str]:
    """What a fence's highlighting depends on: ANSI colours or not, a dark theme or not (and the theme)."""
    app = widget.app
    return app.native_ansi_color, app.current_theme.dark, app.current_theme.name


def _palette_changed(fence: ReplyFence | StreamingFence) -> bool:
    """Whether the palette changed since ``fence`` last highlighted its code (the new one is noted)."""
    palette = _palette(fence)
    if palette == fence._highlighted_for:
        return False
    fence._highlighted_for = palette
    return True


class ReplyFence(MarkdownFence):
    """The stock fence, except that it highlights its code again only when the palette changes.

    The stock fence highlights its whole code on every style update, and a style update reaches
    every block of a reply whenever a class changes on its turn (selected, done): each new turn
    re-highlighted the code of the turn before it."""

    def __init__(self, markdown: Markdown, token: Token, code: str) -> None:
        super().__init__(markdown, token, code)
        self._highlighted_for = _palette(self)

    def notify_style_update(self) -> None:
        if _palette_changed(self):
            super().notify_style_update()
        else:
            MarkdownBlock.notify_style_update(self)


class StreamingFence(MarkdownFence):
    """A code fence while its reply streams: frozen highlighted chunks and the open tail."""

    DEFAULT_CSS = """
    StreamingFence {
        padding: 1 0;
    }
    StreamingFence > Label.stream-code {
        padding: 0 2;
    }
    StreamingFence:ansi {
        padding: 1 0;
    }
    StreamingFence:ansi > Label.stream-code {
        padding: 0 0;
    }
    """

    def __init__(self, markdown: Markdown, token: Token, code: str) -> None:
        # Not MarkdownFence.__init__: that highlights the whole code, which is what we avoid.
        MarkdownBlock.__init__(self, markdown, token)
        self.code = code
        self.lexer = token.info
        self.auto_links = False
        self._highlighted_code = Content()
        self._frozen: list[str] = []
        """The code of each frozen chunk, in order."""
        self._tail: Label | None = None
        self._highlighted_for = _palette(self)

    def _highlight(self, code: str) -> Content:
        return self.highlight(code, self.lexer, ansi=self.app.native_ansi_color, dark=self.app.current_theme.dark)

    def _split(self) -> tuple[list[str], str]:
        """The chunks to freeze beyond those frozen already, and the open tail's code."""
        lines = self.code.split("\n")
        done = len(self._frozen) * CHUNK_LINES
        # The last line may still be growing: a chunk freezes only once a line follows it.
        new = []
        while done + CHUNK_LINES < len(lines):
            new.append("\n".join(lines[done:done + CHUNK_LINES]))
            done += CHUNK_LINES
        return new, "\n".join(lines[done:])

    def compose(self) -> ComposeResult:
        new, tail = self._split()
        for code in new:
            self._frozen.append(code)
            yield Label(self._highlight(code), classes="stream-code -frozen", expand=True)
        self._tail = Label(self._highlight(tail), classes="stream-code", expand=True)
        yield self._tail

    def _is_continued_by(self, block: MarkdownBlock) -> bool:
        if not isinstance(block, StreamingFence) or block.lexer != self.lexer:
            return False
        return not self._frozen or block.code.startswith("\n".join(self._frozen) + "\n")

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if not self._is_continued_by(block) or self._tail is None:
            await MarkdownBlock._update_from_block(self, block)  # replaced by the new block
            return
        assert isinstance(block, StreamingFence)
        MarkdownBlock._copy_context(self, block)
        self.code = block.code
        new, tail = self._split()
        if new:
            self._frozen.extend(new)
            await self.mount_all([Label(self._highlight(code), classes="stream-code -frozen", expand=True)
                                  for code in new], before=self._tail)
        self._tail.update(self._highlight(tail))

    def notify_style_update(self) -> None:
        """The palette changed: highlight the chunks again in its colours (not on any other style
        update: see ``ReplyFence``)."""
        if not _palette_changed(self):
            MarkdownBlock.notify_style_update(self)
            return
        chunks = list(self.query_children(".stream-code").results(Label))
        codes = [*self._frozen, self._split()[1]]
        for label, code in zip(chunks, codes, strict=False):
            label.update(self._highlight(code))
        MarkdownBlock.notify_style_update(self)

    def final(self) -> ReplyFence:
        """The fence this one stands in for, highlighted whole."""
        fence = ReplyFence(self._markdown, self._token, self.code)
        fence.source_range = self.source_range
        return fence


class ReplyTableContent(MarkdownTableContent):
    """The stock table grid, never narrower than the longest word of each column (plus the cells'
    padding, the gaps and the outer lines between and around them)."""

    DEFAULT_CSS = """
    ReplyTableContent {
        width: auto;
    }
    """

    def get_content_width(self, container: Size, viewport: Size) -> int:
        columns = max(1, len(self.headers))
        narrowest = [0] * columns
        cells = [child for child in self.children if child.display]  # headers, then the rows' cells
        for index, cell in enumerate(cells):
            word = visualize(cell, cell.render()).get_minimal_width(cell.styles) + cell.styles.gutter.width
            narrowest[index % columns] = max(narrowest[index % columns], word)
        gaps = self.styles.grid_gutter_vertical * (columns - 1) + 2  # between the columns, and the outer lines
        return max(container.width, sum(narrowest) + gaps)


class ReplyTable(MarkdownTable):
    """A table that scrolls sideways when its columns cannot fit whole (see ``ReplyTableContent``)."""

    DEFAULT_CSS = """
    ReplyTable {
        height: auto;
        overflow-x: auto;
        overflow-y: hidden;
        scrollbar-size-horizontal: 1;
    }
    """

    def compose(self) -> ComposeResult:
        headers, rows = self._get_headers_and_rows()
        self._headers, self._rows = headers, rows
        yield ReplyTableContent(headers, rows)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Its rows, and the row of its scrollbar when it scrolls: the reply's stream layout takes a
        block's height from here alone, and the scrollbar hid the table's bottom line."""
        height = super().get_content_height(container, viewport, width)
        content = self.query_children(ReplyTableContent).first(ReplyTableContent) if self.children else None
        if content is not None and content.get_content_width(Size(width, height), viewport) > width:
            height += self.styles.scrollbar_size_horizontal
        return height


class ReplyStream:
    """Appends what arrives to a reply, at most once per ``PACE_SECONDS`` (what arrives in between
    waits and goes in with the next append). Like Textual's ``MarkdownStream``, paced."""

    def __init__(self, reply: ReplyView) -> None:
        self._reply = reply
        self._pending: list[str] = []
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def write(self, text: str) -> None:
        self._pending.append(text)
        self._arrived.set()

    def _take(self) -> str:
        text = "".join(self._pending)
        self._pending.clear()
        self._arrived.clear()
        return text

    async def _run(self) -> None:
        try:
            while True:
                await self._arrived.wait()
                await asyncio.shield(self._reply.append(self._take()))
                await asyncio.sleep(PACE_SECONDS)
        except asyncio.CancelledError:
            pass

    async def stop(self) -> None:
        """Append what is still waiting; nothing more will come."""
        self._task.cancel()
        await asyncio.wait([self._task])  # (not ``await``: a task cancelled before it ran raises)
        if self._pending:
            await self._reply.append(self._take())

    def drop(self) -> None:
        """The reply is gone: what waits is dropped."""
        self._pending.clear()
        self._task.cancel()


class ReplyView(BlockCursor):
    """The model's reply to one turn."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "scroll_block(-1)", "Scroll left", show=False,
                tooltip="Scroll a wide table under the block cursor sideways (← →)"),
        Binding("right", "scroll_block(1)", "Scroll right", show=False),
    ]

    DEFAULT_CSS = """
    ReplyView {
        layout: stream;
    }
    ReplyView > MarkdownHorizontalRule {
        max-height: 2;
    }
    """
    """The stream layout places the blocks again only from the first one that changed (the vertical
    layout measures every block of the reply on each append: 30 ms a frame at 300 blocks). It takes
    every block's height as auto, which only a rule's differs from: its height is kept here."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", parser_factory=_parser, **kwargs)
        self._parts = TextPieces()
        """The reply so far, in the pieces it arrived in."""
        self._stream: ReplyStream | None = None
        self._streaming = False
        self._tail_only = True
        """Hide the earlier blocks of this stream (until the person scrolls up, or it ends)."""
        self._hidden = 0
        """How many leading blocks are hidden."""

    @property
    def text(self) -> str:
        return self._parts.text

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        if block_name == "fence" and self._streaming:
            return StreamingFence
        if block_name in ("fence", "code_block"):
            return ReplyFence
        if block_name == "table_open":
            return ReplyTable
        return super().get_block_class(block_name)

    async def write(self, chunk: str) -> None:
        chunk = for_display(chunk)
        if not chunk:
            return
        if self._stream is None:
            self._streaming = True
            self._tail_only = True
            self._stream = ReplyStream(self)
        self._parts.add(chunk)
        self._stream.write(chunk)

    @property
    def drawing(self) -> bool:
        """Some of the reply has arrived but is not drawn yet (it waits for the next paced append)."""
        return self._stream is not None and self._stream.pending

    def append(self, markdown: str) -> AwaitComplete:
        """The stock append, except that a reply taken off the screen (the app quitting mid-stream)
        drops what was still on its way instead of failing to mount it."""
        appended = super().append(markdown)

        async def guarded() -> None:
            try:
                await appended
            except MountError:
                if self.is_attached and not self._closing and not self.app._closing:
                    raise
            else:
                self._keep_tail()

        return AwaitComplete(guarded())

    @property
    def hidden_blocks(self) -> int:
        return self._hidden

    def _keep_tail(self) -> None:
        """Streaming and followed: hide all but the last ``TAIL_BLOCKS`` blocks, ``TAIL_SLACK`` at a time."""
        if not (self._streaming and self._tail_only):
            return
        blocks = self.blocks
        if len(blocks) - self._hidden < TAIL_BLOCKS + TAIL_SLACK:
            return
        upto = len(blocks) - TAIL_BLOCKS
        for block in blocks[self._hidden:upto]:
            block.display = False
        self._hidden = upto

    def show_all(self) -> None:
        """Display every block again, and keep them displayed until this stream ends."""
        self._tail_only = False
        if self._hidden:
            for block in self.blocks[:self._hidden]:
                block.display = True
            self._hidden = 0

    def enter_cursor(self) -> bool:
        self.show_all()
        return super().enter_cursor()

    def on_unmount(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.drop()  # nothing left to flush into a widget that is gone

    async def finish(self) -> None:
        """Flush what is still buffered; the reply is complete (or cut off)."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()
            self._streaming = False
            self.show_all()
            await self._finalise_fences()

    async def _finalise_fences(self) -> None:
        """Each streaming fence becomes the stock fence, so the finished reply is what it always was."""
        if not self.is_attached or self._closing or self.app._closing:
            return  # quitting: nothing will be shown again
        fences = list(self.query(StreamingFence))
        if not fences:
            return
        with self.app.batch_update():
            for fence in fences:
                parent = fence.parent
                if parent is None:
                    continue
                await parent.mount(fence.final(), after=fence)
                await fence.remove()

    async def clear(self) -> None:
        if self.block_cursor >= 0:
            self.action_leave_cursor()
        await self.finish()
        self._parts = TextPieces()
        await self.update("")

    def action_scroll_block(self, direction: int) -> None:
        """A table wider than the reply, under the cursor, scrolls sideways by a few columns."""
        block = self.cursor_block
        if block is not None and block.max_scroll_x:
            block.scroll_relative(x=direction * max(4, block.size.width // 4), animate=False)

    def copy_text(self) -> str:
        """The last code block, else the whole reply: what a person most likely wants to paste."""
        code = self.last_code_block()
        return block_text(code) if code is not None else self.text
