"""What the unlock screen looks like (#20): at start, and after a wrong passphrase. Its own app with
the mindpane stylesheets and a fixed data dir, so the picture does not change between runs."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.screen import Screen

from tests.tui_support import quiet_cursor, settle
from tui.app import MindpaneApp
from tui.domain.errors import WrongPassphrase
from tui.screens.unlock_screen import UnlockScreen


def refuse(passphrase: str) -> None:
    raise WrongPassphrase("wrong passphrase")


class UnlockOnly(App):
    CSS_PATH = MindpaneApp.CSS_PATH

    def get_default_screen(self) -> Screen:
        return UnlockScreen(refuse, "/home/you/.local/share/mindpane")


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_the_unlock_screen(snap_compare, size):
    async def run_before(pilot) -> None:
        await settle(pilot)
        quiet_cursor(pilot)

    assert snap_compare(UnlockOnly(), terminal_size=size, run_before=run_before)


def test_the_unlock_screen_after_a_wrong_passphrase(snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        quiet_cursor(pilot)
        await pilot.press(*"not it", "enter")
        await settle(pilot)

    assert snap_compare(UnlockOnly(), terminal_size=(80, 24), run_before=run_before)
