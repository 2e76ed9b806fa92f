"""The input never drops or mangles text: multi-line pastes, bytes that are not UTF-8 and pastes
that carry terminal escape sequences all arrive whole and in order, in every text input."""

from __future__ import annotations

import os
import threading

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.message import Message
from textual.widgets import Input, TextArea

from tests.tui_support import SIZE, chat, make_app, settle
from tui.runtime.terminal_input import PasteSafeXTermParser, clean_pasted_text, hook_points_present
from tui.screens.composer_screen import ComposerScreen
from tui.screens.edit_screen import EditScreen
from tui.screens.main_screen import MainScreen

THREE_LINES = "line one\nline two\nline three"

# -- the chat prompt -------------------------------------------------------------------------------


async def paste(pilot, text: str) -> None:
    """Paste as the terminal does: the driver posts to the app, which forwards to the focused
    widget (posting to the widget itself would bubble back up and be forwarded a second time)."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def test_multi_line_paste_into_the_prompt_opens_the_composer_and_sends_every_line(
        settings, clock, ollama_stub):
    ollama_stub.script(text="Noted.")
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        prompt = app.query_one("#prompt", Input)
        prompt.value = "Three things: "
        prompt.cursor_position = len(prompt.value)

        await paste(pilot, THREE_LINES)

        assert isinstance(app.screen, ComposerScreen)
        assert app.screen.text == "Three things: " + THREE_LINES
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        view = chat(app).transcript().views[-1]
        assert view.turn.text == "Three things: " + THREE_LINES
        assert ollama_stub.chat_requests[-1]["messages"][-1]["content"] == "Three things: " + THREE_LINES
        assert prompt.value == ""


@pytest.mark.parametrize("line_end", ["\r\n", "\r"], ids=["crlf", "cr"])
async def test_crlf_and_lone_cr_pastes_are_multi_line_and_cancel_keeps_them_as_the_draft(
        settings, clock, ollama_stub, line_end):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one("#prompt", Input)
        prompt.value = "ab"
        prompt.cursor_position = 1  # between a and b

        await paste(pilot, THREE_LINES.replace("\n", line_end))

        assert isinstance(app.screen, ComposerScreen)
        assert app.screen.text == "a" + THREE_LINES + "b"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        assert chat(app).draft() == "a" + THREE_LINES + "b"
        await pilot.press("ctrl+e")
        assert app.screen.text == "a" + THREE_LINES + "b"


async def test_single_line_paste_into_the_prompt_is_inserted_as_before(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one("#prompt", Input)
        prompt.value = "ab"
        prompt.cursor_position = 1

        await paste(pilot, "one line")
        assert isinstance(app.screen, MainScreen)
        assert prompt.value == "aone lineb"

        await paste(pilot, " copied with its line end\n")
        assert isinstance(app.screen, MainScreen)
        assert prompt.value == "aone line copied with its line endb"


# -- the other text inputs -------------------------------------------------------------------------


async def test_composer_and_editor_keep_every_pasted_line(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, ComposerScreen)
        await paste(pilot, THREE_LINES)
        assert app.screen.text == THREE_LINES
        await pilot.press("escape")

        edited: list[str | None] = []
        app.push_screen(EditScreen("Before."), edited.append)
        await pilot.pause()
        assert isinstance(app.focused, TextArea)
        await paste(pilot, "\n" + THREE_LINES)
        assert app.focused.text == "Before.\n" + THREE_LINES
        await pilot.press("ctrl+s")
        assert edited == ["Before.\n" + THREE_LINES]


async def test_history_filter_joins_a_multi_line_paste_with_spaces(settings, clock, ollama_stub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        history_filter = app.query_one(".history-filter", Input)
        history_filter.focus()
        await pilot.pause()

        await paste(pilot, "river walk\r\n\r\n  fog\rdawn\n")
        assert history_filter.value == "river walk fog dawn"
        await paste(pilot, " quiet")
        assert history_filter.value == "river walk fog dawn quiet"
        assert isinstance(app.screen, MainScreen)


# -- the terminal: the app's real driver and parser --------------------------------------------------

TYPED_THEN_PASTED = ("héllo ".encode() + b"\xff ok "
                     + b"\x1b[200~before \x1b[31mred\x1b[0m after\r\nline \x1b two\x1b[201~" + b"!")


def read_through_driver(driver_class: type, data: bytes) -> list[Message]:
    """Run ``driver_class``'s real input thread on a pipe holding ``data`` until the final "!" key
    arrives; the driver's messages, in order. Raises what the input thread raised."""

    class Recorder(driver_class):
        def __init__(self, fileno: int) -> None:  # no terminal, no signal handlers
            self.fileno = fileno
            self.exit_event = threading.Event()
            self._debug = False
            self.received: list[Message] = []
            self.error: BaseException | None = None

        def process_message(self, message: Message) -> None:
            self.received.append(message)
            if isinstance(message, events.Key) and message.character == "!":
                self.exit_event.set()

        def run(self) -> None:
            try:
                self.run_input_thread()
            except BaseException as error:
                self.error = error

    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data)
        driver = Recorder(read_end)
        thread = threading.Thread(target=driver.run, daemon=True)
        thread.start()
        thread.join(timeout=10)
        driver.exit_event.set()
        thread.join(timeout=10)
    finally:
        os.close(read_end)
        os.close(write_end)
    if driver.error is not None:
        raise driver.error
    return driver.received


def as_text(received: list[Message]) -> str:
    return "".join(f"<paste {m.text!r}>" if isinstance(m, events.Paste) else m.character or f"<{m.key}>"
                   for m in received if isinstance(m, events.Key | events.Paste))


def test_the_apps_driver_survives_bad_bytes_and_reads_a_paste_with_escapes_whole(settings):
    """Fails if a Textual upgrade stops the hook in tui/runtime/terminal_input.py from taking effect."""
    driver_class = make_app(settings).driver_class
    received = read_through_driver(driver_class, TYPED_THEN_PASTED)
    assert as_text(received) == "héllo \ufffd ok <paste 'before red after\\nline  two'>!"
    assert hook_points_present()


def test_textuals_own_driver_still_has_both_bugs():
    """When this fails, Textual has fixed them: tui/runtime/terminal_input.py may be retired."""
    from textual.drivers.linux_driver import LinuxDriver

    with pytest.raises(UnicodeDecodeError):
        read_through_driver(LinuxDriver, b"\xff!")
    received = read_through_driver(LinuxDriver, b"\x1b[200~before \x1b[31mred\x1b[0m after\x1b[201~!")
    assert as_text(received) == "^[31mred^[0m after<paste 'before '>!"


def parse(parser: XTermParser, *chunks: str) -> list[Message]:
    received = [message for chunk in chunks for message in parser.feed(chunk)]
    return received + list(parser.feed(""))  # end of input: a pending ESC becomes the Escape key


def test_a_paste_split_across_reads_arrives_whole_and_in_order():
    data = "a\x1b[200~one\x1b[1mtwo\x1b]8;;http://x\x07link\x1b]8;;\x07\rthree\x1b[201~b"
    for cut in range(1, len(data)):
        received = parse(PasteSafeXTermParser(), data[:cut], data[cut:])
        assert as_text(received) == "a<paste 'onetwolink\\nthree'>b", cut


@pytest.mark.parametrize("keys", [
    "plain text", "\x1b[A\x1b[1;5B", "\x1bx", "\x1b", "\x1b\x1b", "\x1b[2~\x1b[20~", "\x1b[<0;10;5M\x1b[<0;10;5m",
    "\x1b[I\x1b[O", "\x1b[9;5u", "\x1b[20", "\x1bx\x1b[A", "\x1b[201~x",
], ids=repr)
def test_everything_but_a_paste_parses_exactly_as_textuals_parser_does(keys):
    for chunks in ([keys], list(keys)):  # one read, then a read per character
        ours = parse(PasteSafeXTermParser(), *chunks)
        assert ours and list(map(repr, ours)) == list(map(repr, parse(XTermParser(), *chunks)))


def test_keys_around_a_paste_keep_their_order():
    received = parse(PasteSafeXTermParser(), "\x1b[A\x1b\x1b[200~x\x1b[201~\x1b")
    assert [getattr(m, "key", None) or m.text for m in received] == ["up", "escape", "x", "escape"]


def test_what_a_paste_stores():
    assert clean_pasted_text("\x1b[31mred\x1b[0m, \x1b(Bplain\x1b[m\r\nnext\tline\x00\x07") == "red, plain\nnext\tline"
    assert clean_pasted_text("a lone \x1b esc") == "a lone  esc"
    assert clean_pasted_text("bad byte \ufffd stays visible") == "bad byte \ufffd stays visible"
