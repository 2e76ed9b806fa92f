"""The block cursor: move over the selected reply's blocks (paragraphs, lists, code), copy the one
under it (code without its fence), open a code block full-screen; ctrl+y outside the cursor copies
the reply's last code block."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets.markdown import MarkdownFence

from tests.tui_support import SIZE, chat, make_app, quiet_cursor, send, settle
from tui.screens.code_screen import CodeScreen
from tui.screens.main_screen import MainScreen
from tui.widgets.block_cursor import block_text
from tui.widgets.reply import ReplyView

SECOND = "squares = [n * n\n           for n in range(3)]"
THREE_BLOCKS = (
    "Three ways:\n\n```python\nfirst = 1\n```\n\n"
    f"Or, over two lines:\n\n```python\n{SECOND}\n```\n\n"
    "Or in the shell:\n\n```bash\necho third\n```\n\nAny of them works."
)


def cursor_blocks(app):
    return [block for block in chat(app).transcript().views[-1].reply.blocks if block.has_class("-block-cursor")]


async def code_turn(pilot):
    await settle(pilot)
    await pilot.press("ctrl+t")
    view = await send(pilot, "Show me three snippets.")
    assert view.reply.text == THREE_BLOCKS
    return view


class ReplyHost(App):
    def compose(self) -> ComposeResult:
        yield ReplyView()


async def test_code_blocks_in_order_including_an_unclosed_last_one():
    async with ReplyHost().run_test() as pilot:
        reply = pilot.app.query_one(ReplyView)
        await reply.write("Intro\n\n```python\na = 1\n```\n\ntext\n\n~~~\nb = 2\n~~~\n\n- a list\n\n"
                          "      indented = 3\n\n```py\nstill typing")
        await reply.finish()
        await pilot.pause()
        assert [block_text(fence) for fence in reply.query(MarkdownFence)] == [
            "a = 1", "b = 2", "indented = 3", "still typing"]
        assert reply.copy_text() == "still typing"

        await reply.clear()
        await reply.write("no code at all")
        await reply.finish()
        await pilot.pause()
        assert reply.copy_text() == "no code at all"


async def test_the_cursor_copies_and_opens_the_second_code_block_without_its_fence(settings, clock, ollama_stub):
    ollama_stub.script(text=THREE_BLOCKS)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        reply = (await code_turn(pilot)).reply
        assert len(reply.blocks) == 7

        await pilot.press("ctrl+o")  # starts on the last code block: what ctrl+y would copy
        assert reply.block_cursor == 5
        assert cursor_blocks(app) == [reply.blocks[5]]
        await pilot.press("up", "up")
        assert isinstance(reply.blocks[reply.block_cursor], MarkdownFence)
        assert cursor_blocks(app) == [reply.blocks[3]]

        await pilot.press("c")
        assert app.clipboard == SECOND
        app.copy_to_clipboard("")
        await pilot.press("ctrl+y")
        assert app.clipboard == SECOND

        await pilot.press("enter")
        assert isinstance(app.screen, CodeScreen)
        assert app.screen.code == SECOND
        assert app.screen.language == "python"
        app.copy_to_clipboard("")
        await pilot.press("ctrl+y")
        assert app.clipboard == SECOND
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        assert reply.block_cursor == 3  # still in the cursor after the full-screen view

        await pilot.press("escape")
        assert cursor_blocks(app) == []
        await pilot.press("ctrl+y")
        assert app.clipboard == "echo third"


async def test_a_paragraph_is_copied_as_its_markdown_source(settings, clock, ollama_stub):
    ollama_stub.script(text="Use `sorted()`:\n\n- it returns a **new** list\n- it takes `key=`\n")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        reply = (await send(pilot, "How do I sort?")).reply
        await pilot.press("ctrl+o")  # no code: starts on the last block
        await pilot.press("c")
        assert app.clipboard == "- it returns a **new** list\n- it takes `key=`"
        await pilot.press("up", "c")
        assert app.clipboard == "Use `sorted()`:"
        await pilot.press("escape")
        assert reply.block_cursor == -1
        await pilot.press("ctrl+y")  # no code block: the whole reply
        assert app.clipboard == reply.text


async def test_cursor_moves_stop_at_the_first_and_last_block(settings, clock, ollama_stub):
    ollama_stub.script(text=THREE_BLOCKS)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        reply = (await code_turn(pilot)).reply
        await pilot.press("ctrl+o")
        await pilot.press(*["up"] * 9)
        assert reply.block_cursor == 0
        assert cursor_blocks(app) == [reply.blocks[0]]
        await pilot.press(*["down"] * 9)
        assert reply.block_cursor == 6
        assert cursor_blocks(app) == [reply.blocks[6]]


async def test_the_cursor_needs_a_reply(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, MainScreen)
        assert app.screen.focused is app.query_one("#prompt")


def test_cursor_over_a_code_block(snap_compare, settings, clock, ollama_stub):
    ollama_stub.script(text=THREE_BLOCKS)
    app = make_app(settings, clock)

    async def run_before(pilot) -> None:
        await code_turn(pilot)
        await pilot.press("ctrl+o", "up", "up")
        quiet_cursor(pilot)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
