"""A streaming reply: an open code fence keeps its completed chunks frozen (highlighted once) and
only the open chunk is highlighted again; once the reply ends it is the same stock Markdown tree
(so copy and the block cursor see stock fences)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Label
from textual.widgets.markdown import MarkdownFence

from tui.widgets.block_cursor import block_text
from tui.widgets.reply import CHUNK_LINES, ReplyView, StreamingFence

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
        await pilot.pause()
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
        assert type(final) is MarkdownFence
        assert block_text(final) == CODE == reply.copy_text()
        assert reply.text == REPLY
        assert [type(block).__name__ for block in reply.blocks] == ["MarkdownParagraph", "MarkdownFence",
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
