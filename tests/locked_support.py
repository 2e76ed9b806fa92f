"""Helpers for the tests of a locked journal in the app: make one (with the fast KDF), build the
app over it, unlock it through its screen, and look for a text in clear on the disk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from tests.byte_scan import files_holding
from tests.tui_support import settle
from tui.app import MindpaneApp
from tui.services.settings import Settings
from tui.services.workspace import Workspace

PASSPHRASE = "correct horse battery staple"


def fast_params():
    from tui.adapters.key_file import KdfParams

    return KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


def make_locked(settings: Settings, clock: Callable, entries: Iterable[str] = (),
                passphrase: str = PASSPHRASE) -> None:
    """A locked journal in ``settings.data_dir`` holding ``entries`` (journal mode)."""
    from tui.adapters.key_file import create_key
    from tui.adapters.locked_layout import key_path
    from tui.domain.modes import builtin_modes
    from tui.services.engine import embedder_factory, open_journal

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = create_key(key_path(settings.data_dir), passphrase, fast_params())
    journal = open_journal(settings.data_dir, embedder_factory(settings), clock, key=key)
    try:
        for text in entries:
            journal.add_entry(builtin_modes()["journal"], text)
    finally:
        journal.close()


def locked_app(settings: Settings, clock: Callable) -> MindpaneApp:
    """The app over a locked journal (its index lives in memory: nothing of Chroma is opened)."""
    from tui.services import engine

    def open_store(opened_settings, outbox=None, key=None):
        return engine.open_store(opened_settings, clock, outbox, key=key)

    return MindpaneApp(settings, Workspace(settings, clock=clock, open_store=open_store), clock=clock)


async def unlock(pilot: Pilot, passphrase: str = PASSPHRASE) -> None:
    """Type the passphrase on the unlock screen, press Enter, and wait until the journal is open."""
    pilot.app.screen.query_one("#passphrase", Input).value = passphrase
    await pilot.press("enter")
    await settle(pilot)


def clear_hits(directory: Path, text: str) -> list[str]:
    """The files under ``directory`` that hold ``text`` in clear, in any form (``tests.byte_scan``)."""
    return files_holding(directory, text)
