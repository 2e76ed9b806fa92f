"""The private Textual hooks mindpane relies on, checked in one place: a Textual upgrade that
renames or reshapes one of them fails here, loudly, instead of quietly breaking a pane.

- ``Widget._size_updated``: the history table recomputes its column widths when it is resized
  (``tui/widgets/history_table.py``).
- ``Input._on_key``: the prompt sees every key before ``Input`` does (``tui/widgets/prompt_bar.py``).
- ``DOMNode._closing`` / ``App._closing``: a reply stops drawing when it or the app is closing
  (``tui/widgets/reply.py``).
- ``LinuxDriver.run_input_thread``'s globals: the paste-safe input thread (``tui/runtime/terminal_input.py``).
- ``App._notifications``: what the tests read back of the toasts (``tests/tui_support.notified``).
"""

from __future__ import annotations

import inspect

from textual.app import App
from textual.notifications import Notifications
from textual.widget import Widget
from textual.widgets import Input

from tui.runtime.terminal_input import hook_points_present


def test_widget_size_updated_keeps_its_signature():
    parameters = list(inspect.signature(Widget._size_updated).parameters)
    assert parameters == ["self", "size", "virtual_size", "container_size", "layout"]


def test_input_handles_keys_in_an_overridable_on_key():
    assert inspect.iscoroutinefunction(Input._on_key)
    assert list(inspect.signature(Input._on_key).parameters) == ["self", "event"]


async def test_a_widget_and_the_app_say_whether_they_are_closing():
    app = App()
    async with app.run_test():
        widget = Widget()
        await app.mount(widget)
        assert widget._closing is False and app._closing is False


def test_the_linux_input_thread_still_looks_up_the_globals_we_rebind():
    assert hook_points_present()


async def test_the_app_keeps_its_notifications_where_the_tests_read_them():
    app = App()
    async with app.run_test() as pilot:
        app.notify("hello")
        await pilot.pause()
        assert isinstance(app._notifications, Notifications)
        assert [n.message for n in app._notifications] == ["hello"]
