"""A Markdown table wider than the transcript keeps every column whole: its columns wrap at words
as far as they can, and what still does not fit scrolls sideways — no column is cut to "Head…" or
dropped. A table that fits looks as it always did."""

from __future__ import annotations

from textual.widgets._markdown import MarkdownTable

from tests.tui_support import make_app, send, settle

COLUMNS = 9
HEADERS = [f"Heading{n}" for n in range(COLUMNS)]
ROW = [f"cell{n} words here" for n in range(COLUMNS)]
WIDE_TABLE = ("Here is the table:\n\n| " + " | ".join(HEADERS) + " |\n|" + "---|" * COLUMNS + "\n| "
              + " | ".join(ROW) + " |\n\nThat is all.\n")
SMALL_TABLE = "Two columns:\n\n| Name | Count |\n|---|---|\n| apples | 3 |\n| pears | 12 |\n"


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_table_wider_than_the_pane_scrolls_sideways_and_keeps_every_column(settings, clock, ollama_stub):
    ollama_stub.script(text=WIDE_TABLE)
    app = make_app(settings, clock)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")  # the chat gets the whole screen: still too narrow for the table
        view = await send(pilot, "Show me a wide table.")
        await settle(pilot)
        table = view.reply.query_one(MarkdownTable)

        seen = ""
        for x in range(0, table.max_scroll_x + table.size.width, max(1, table.size.width // 2)):
            table.scroll_to(x=x, animate=False, immediate=True)
            await pilot.pause()
            seen += screen_text(app)
        assert table.max_scroll_x > 0
        missing = [header for header in HEADERS if header not in seen]
        assert not missing, f"columns cut or dropped: {missing}"
        assert "cell8" in seen and "…" not in seen.split("Here is the table:")[1].split("That is all.")[0]
        assert "└" in seen  # the table's bottom line is not hidden under its scrollbar


async def test_the_block_cursor_scrolls_a_wide_table_with_the_arrow_keys(settings, clock, ollama_stub):
    ollama_stub.script(text=WIDE_TABLE)
    app = make_app(settings, clock)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        view = await send(pilot, "Show me a wide table.")
        await settle(pilot)
        table = view.reply.query_one(MarkdownTable)
        await pilot.press("ctrl+o", "up")  # the cursor onto the table (the block before the last)
        assert view.reply.cursor_block is table
        await pilot.press(*["right"] * 20)
        await pilot.pause()
        assert table.scroll_x == table.max_scroll_x > 0
        assert "Heading8" in screen_text(app)
        await pilot.press("left")
        await pilot.pause()
        assert table.scroll_x < table.max_scroll_x


async def test_a_table_that_fits_does_not_scroll(settings, clock, ollama_stub):
    ollama_stub.script(text=SMALL_TABLE)
    app = make_app(settings, clock)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        view = await send(pilot, "A small table.")
        await settle(pilot)
        table = view.reply.query_one(MarkdownTable)
        assert table.max_scroll_x == 0
        text = screen_text(app)
        assert "apples" in text and "pears" in text and "12" in text
