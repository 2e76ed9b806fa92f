"""Small pure helpers of the app: literal display text and the detached
iterator that lets quitting leave a stalled reply behind."""

from __future__ import annotations

import threading

import pytest

from tui.runtime.detached import iterate_detached
from tui.text import for_display, one_line


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("[bold]x[/bold]", "[bold]x[/bold]"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("title\x1b]0;pwned\x07 after", "title after"),
        ("link \x1b]8;;http://x\x1b\\text\x1b]8;;\x1b\\", "link text"),
        ("bell\x07 back\x08space\x7f", "bell backspace"),
        ("tabs\tand\nnewlines\r\nkept\rhere", "tabs\tand\nnewlines\nkept\nhere"),
        ("8-bit \x9b31mcsi", "8-bit csi"),
    ],
)
def test_display_text_keeps_what_was_typed_but_no_terminal_controls(raw, shown):
    assert for_display(raw) == shown


def test_one_line_preview_is_flat_and_bounded():
    assert one_line("first line\n  second\tline", 80) == "first line second line"
    assert one_line("abcdefghij", 5) == "abcd…"


def test_a_cancelled_consumer_stops_waiting_on_a_stalled_producer():
    stalled = threading.Event()
    cancelled = threading.Event()

    def producer():
        yield "first"
        stalled.wait(30)  # a stalled stream: never released during the test
        yield "never"

    received = []
    for item in iterate_detached(producer, cancelled.is_set):
        received.append(item)
        cancelled.set()
    assert received == ["first"]
    stalled.set()


def test_producer_errors_reach_the_consumer():
    def producer():
        yield 1
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        list(iterate_detached(producer, lambda: False))
