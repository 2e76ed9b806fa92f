"""A streaming reply: an open code fence keeps its completed chunks frozen (highlighted once) and
only the open chunk is highlighted again; once the reply ends it is the same Markdown tree a whole
update gives (so copy and the block cursor see whole fences). A finished fence is highlighted
again only when the palette changes, not on every style update of its turn. What arrives is drawn
at a steady pace, and a long reply displays only its last blocks until it ends."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tests.tui_support import reply_drawn
from tui.widgets import reply as reply_module
from tui.widgets.block_cursor import block_text
from tui.widgets.reply import CHUNK_LINES, TAIL_BLOCKS, TAIL_SLACK, ReplyFence, ReplyView, StreamingFence

CODE = "\n".join(f"value_{n} = {n} * 2" for n in range(40))
REPLY = f"Here it is:\n\n```python\n{CODE}\n```\n\nThat is all.\n"


class ReplyHost(App):
    def compose(self) -> ComposeResult:
        yield ReplyView()


def pieces(text: str, size: int = 7) -> list[str]:
    return [text[start:start + size] for start in range(0, len(text), size)]


async def test_an_open_fence_freezes_completed_chunks_and_ends_as_a_stock_fence():
    app = ReplyHost()
    async with app.run_test(size=(100, 60)) as pilot:
        reply = app.query_one(ReplyView)
        inside = REPLY.index(CODE) + len(CODE) - 5  # within the fence's last line
        for piece in pieces(REPLY[:inside]):
            await reply.write(piece)
        await reply_drawn(pilot, reply)
        [fence] = reply.query(StreamingFence)
        frozen = list(fence.query_children(".-frozen").results(Label))
        assert len(frozen) == (CODE.count("\n")) // CHUNK_LINES
        assert fence.code == REPLY[REPLY.index(CODE):inside].rstrip()

        for piece in pieces(REPLY[inside:]):
            await reply.write(piece)
        await reply.finish()
        await pilot.pause()
        assert not reply.query(StreamingFence)
        [final] = reply.query(MarkdownFence)
        assert type(final) is ReplyFence
        assert block_text(final) == CODE == reply.copy_text()
        assert reply.text == REPLY
        assert [type(block).__name__ for block in reply.blocks] == ["MarkdownParagraph", "ReplyFence",
                                                                    "MarkdownParagraph"]


async def test_a_finished_reply_is_what_a_whole_update_shows():
    streamed, whole = ReplyHost(), ReplyHost()
    async with streamed.run_test(size=(100, 60)) as pilot:
        reply = streamed.query_one(ReplyView)
        for piece in pieces(REPLY, 3):
            await reply.write(piece)
        await reply.finish()
        await pilot.pause()
        got = [(type(block).__name__, block_text(block)) for block in reply.blocks]
    async with whole.run_test(size=(100, 60)) as pilot:
        reply = whole.query_one(ReplyView)
        await reply.update(REPLY)
        await pilot.pause()
        want = [(type(block).__name__, block_text(block)) for block in reply.blocks]
    assert got == want


EVERY_BLOCK = """# Title

Some *prose* with `code` and a [link](https://example.org).

## Lists

- one
- two
  - nested

1. first
2. second

> quoted
> text

---

| a | b |
|---|---|
| 1 | 2 |

```python
x = 1
```

    indented code

### Third
Last paragraph.
"""


class StockHost(App):
    def compose(self) -> ComposeResult:
        yield Markdown()


async def test_a_reply_places_every_kind_of_block_where_the_stock_markdown_widget_does():
    """The reply lays its blocks out with the (faster) stream layout: nothing may move for it."""
    places = []
    for host in (ReplyHost(), StockHost()):
        async with host.run_test(size=(80, 60)) as pilot:
            widget = host.query_one(Markdown)
            if isinstance(widget, ReplyView):
                for piece in pieces(EVERY_BLOCK, 5):
                    await widget.write(piece)
                await widget.finish()
            else:
                await widget.update(EVERY_BLOCK)
            await pilot.pause()
            places.append([block.region for block in widget.query(MarkdownBlock)])
    streamed, stock = places
    assert len(streamed) > 10
    assert streamed == stock


async def test_a_finished_code_block_is_highlighted_again_only_when_the_palette_changes(monkeypatch):
    highlighted: list[str] = []
    stock_highlight = MarkdownFence.highlight.__func__

    def counting(cls, code: str, language: str, ansi: bool = False, dark: bool = False):
        highlighted.append(code)
        return stock_highlight(cls, code, language, ansi, dark)

    monkeypatch.setattr(ReplyFence, "highlight", classmethod(counting))
    app = ReplyHost()
    async with app.run_test(size=(100, 60)) as pilot:
        reply = app.query_one(ReplyView)
        await reply.update(REPLY)
        await pilot.pause()
        before = len(highlighted)
        assert before >= 1
        for _ in range(3):  # a turn selected, then not: every block of its reply gets a style update
            app.screen.toggle_class("-selected")
            await pilot.pause()
        assert len(highlighted) == before

        app.theme = "textual-light" if app.current_theme.dark else "textual-dark"
        await pilot.pause()
        assert len(highlighted) > before
        assert highlighted[-1] == CODE


LONG = "".join(f"Paragraph {number}: the river was quiet and the code was calm.\n\n" for number in range(150))


async def test_a_long_streaming_reply_displays_only_its_last_blocks_until_it_ends():
    app = ReplyHost()
    async with app.run_test(size=(100, 40)) as pilot:
        reply = app.query_one(ReplyView)
        for piece in pieces(LONG, 200):
            await reply.write(piece)
            await pilot.pause()
        await reply_drawn(pilot, reply)
        displayed = [block for block in reply.blocks if block.display]
        assert reply.hidden_blocks > 0
        assert len(displayed) <= TAIL_BLOCKS + TAIL_SLACK
        assert block_text(displayed[-1]).startswith("Paragraph 149")
        assert [block_text(block) for block in reply.blocks[:reply.hidden_blocks]] == [
            f"Paragraph {number}: the river was quiet and the code was calm." for number in range(reply.hidden_blocks)]

        await reply.finish()
        await pilot.pause()
        assert reply.hidden_blocks == 0
        assert len(reply.blocks) == 150 and all(block.display for block in reply.blocks)
        assert reply.text == LONG


async def test_pieces_arriving_between_paced_draws_are_drawn_together_and_all_by_the_end(monkeypatch):
    monkeypatch.setattr(reply_module, "PACE_SECONDS", 3600)  # the next paced draw never comes in this test
    app = ReplyHost()
    async with app.run_test(size=(100, 40)) as pilot:
        reply = app.query_one(ReplyView)
        await reply.write("First paragraph.\n\n")
        await pilot.pause()
        assert [block_text(block) for block in reply.blocks] == ["First paragraph."]
        assert not reply.drawing

        for number in range(2, 6):
            await reply.write(f"Paragraph {number}.\n\n")
        await pilot.pause()
        assert reply.drawing
        assert [block_text(block) for block in reply.blocks] == ["First paragraph."]

        await reply.finish()
        await pilot.pause()
        assert not reply.drawing
        assert [block_text(block) for block in reply.blocks] == [
            "First paragraph.", "Paragraph 2.", "Paragraph 3.", "Paragraph 4.", "Paragraph 5."]
