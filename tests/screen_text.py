"""What a person sees: the text the screen draws, read back in Pilot tests.

Textual has no public call that returns the drawn screen as text; ``Screen._compositor.render_strips``
(textual 8.2.8) is what ``App.export_screenshot`` draws from, so a test reads exactly what a
screenshot would show.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget


def drawn_lines(pilot: Pilot, region: Region | None = None) -> list[str]:
    """The screen's lines as drawn now (only ``region`` of them, if given), trailing blanks dropped."""
    screen = pilot.app.screen
    strips = screen._compositor.render_strips()
    region = region or screen.region
    return [strip.crop(region.x, region.right).text.rstrip() for strip in strips[region.y:region.bottom]]


async def read_through(pilot: Pilot, scroller: Widget) -> list[str]:
    """Every line ``scroller`` shows, a page at a time from its top to its end, as a person reads it
    (each line once, without the scrollbar)."""
    scroller.scroll_home(animate=False)
    await pilot.pause()
    lines = drawn_lines(pilot, scroller.scrollable_content_region)
    while scroller.scroll_y < scroller.max_scroll_y:
        was = scroller.scroll_y
        step = min(scroller.scrollable_content_region.height, scroller.max_scroll_y - int(scroller.scroll_y))
        scroller.scroll_to(y=scroller.scroll_y + step, animate=False)
        await pilot.pause()
        if scroller.scroll_y == was:  # it does not scroll: what is cut off stays out of sight
            break
        lines += drawn_lines(pilot, scroller.scrollable_content_region)[-step:]
    return lines


def joined(lines: list[str]) -> str:
    """The lines as one text, whitespace collapsed: wrapped text reads as it was written."""
    return " ".join(" ".join(lines).split())
