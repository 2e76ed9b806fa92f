"""Helpers for the full-screen app's Pilot tests: build the app on a real store with a fixed
clock, wait on the app's own signals (workers done, messages handled), send and read turns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tui.app import MindpaneApp
from tui.services.settings import Settings
from tui.services.workspace import Workspace
from tui.widgets.chat_pane import ChatPane
from tui.widgets.recalled_pane import RecalledPane
from tui.widgets.turn_view import TurnView

if TYPE_CHECKING:
    from tui.widgets.reply import ReplyView

SIZE = (120, 40)


def memory_journal(clock: Callable | None = None) -> Callable:
    """``Workspace``'s ``open_store`` over the in-memory index: the screens' tests do not test
    Chroma (its own tests and the index contract do), and skip its import and open."""
    from tui.adapters.memory_index import MemoryIndex
    from tui.services import engine

    return lambda settings, outbox=None: engine.open_store(settings, clock, outbox, open_index=MemoryIndex.open)


def make_app(settings: Settings, clock: Callable | None = None, *, chroma: bool = False,
             **workspace_options) -> MindpaneApp:
    """The app over the in-memory index, unless ``chroma`` (a test of what Chroma keeps)."""
    if not chroma:
        workspace_options.setdefault("open_store", memory_journal(clock))
    return MindpaneApp(settings, Workspace(settings, clock=clock, **workspace_options), clock=clock)


def app_over_store(settings: Settings, clock: Callable | None, seed: Callable, *, chroma: bool = False) -> MindpaneApp:
    """An app whose store already holds what ``seed(store)`` wrote before it opened."""
    store = memory_journal(clock)(settings) if not chroma else _chroma_journal(settings, clock)
    try:
        seed(store)
    finally:
        store.close()
    return make_app(settings, clock, chroma=chroma)


def _chroma_journal(settings: Settings, clock: Callable | None):
    from tui.services.engine import open_store

    return open_store(settings, clock)


async def settle(pilot: Pilot, rounds: int = 200) -> None:
    """Until no worker runs and the messages they posted are handled (never a fixed sleep)."""
    app = pilot.app
    quiet = 0
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        quiet = quiet + 1 if not any(worker.is_running for worker in app.workers) else 0
        if quiet == 2:
            return
    raise AssertionError("the app never settled")


async def reply_drawn(pilot: Pilot, reply: ReplyView) -> None:
    """Until all that arrived of a streaming reply is drawn (it is drawn at a steady pace)."""
    for _ in range(500):
        await pilot.pause()
        if not reply.drawing:
            return
        await pilot.pause(0.02)
    raise AssertionError("the reply never caught up")


async def run_command(pilot: Pilot, query: str) -> None:
    """Open the command palette, type ``query`` and run the command it finds first."""
    await pilot.press("ctrl+p", *query)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def send(pilot: Pilot, text: str, wait: bool = True) -> TurnView:
    """Type ``text`` into the prompt (set at once: each key press costs ~65 ms) and press Enter."""
    app = pilot.app
    shown = len(chat(app).transcript().views)
    app.query_one("#prompt", Input).value = text
    await pilot.press("enter")
    if wait:
        await settle(pilot)
    for _ in range(20):  # the turn controller's TurnQueued reaches the transcript a few messages later
        if len(chat(app).transcript().views) > shown:
            break
        await pilot.pause()
    return chat(app).transcript().views[-1]


def chat(app: MindpaneApp) -> ChatPane:
    return app.query_one(ChatPane)


def receipts(app: MindpaneApp) -> RecalledPane:
    return app.query_one(RecalledPane)


def receipt_texts(app: MindpaneApp) -> list[str]:
    return [memory.record.text for memory in receipts(app).memories]


def status_text(view: TurnView) -> str:
    return str(view.query_one(".turn-status", Static).content)


def status_colour(view: TurnView) -> str:
    """The status line's text colour, as the theme names colours (e.g. ``app.theme_variables["error"]``)."""
    return view.query_one(".turn-status", Static).styles.color.hex


def ollama_text(app: MindpaneApp) -> str:
    return str(app.query_one("#status .ollama-state", Static).content)


def notified(app: App, severity: str | None = None) -> list[str]:
    """The messages of the toasts ``app`` has shown (and not yet cleared), oldest first; with
    ``severity`` ("information", "warning", "error"), only those. Textual keeps them in a private
    ``App._notifications`` (checked in ``tests/properties/test_textual_hooks.py``): read here, in one place."""
    return [str(notification.message) for notification in app._notifications
            if severity is None or notification.severity == severity]


def quiet_cursor(pilot: Pilot) -> None:
    """Stop the prompt's cursor blinking so screenshots do not depend on timing."""
    for widget in pilot.app.query(Input):
        widget.cursor_blink = False
