"""Every key, generated from the ``BINDINGS`` of the app, its screens and panes, so the help can
never drift from what the keys do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

KeySection = tuple[str, Sequence[BindingType]]


def key_rows(sections: Iterable[KeySection], key_display) -> list[tuple[str, str, str]]:
    """(where, keys, what) rows; a binding's alternative keys share one row."""
    rows: list[tuple[str, str, str]] = []
    for where, bindings in sections:
        merged: dict[str, list[str]] = {}
        descriptions: dict[str, str] = {}
        for binding in Binding.make_bindings(bindings):
            if binding.system or not binding.description:
                continue
            merged.setdefault(binding.action, []).append(key_display(binding))
            descriptions.setdefault(binding.action, binding.tooltip or binding.description)
        for action, keys in merged.items():
            rows.append((where, " / ".join(dict.fromkeys(keys)), descriptions[action]))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,f1", "close", "Close")]

    def __init__(self, sections: Sequence[KeySection]) -> None:
        super().__init__(classes="dialog-screen")
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static("Keys", classes="dialog-title", markup=False)
            yield DataTable(cursor_type="row", zebra_stripes=True, classes="help-keys")
            yield Static("ctrl+p opens the command palette: type a mode's name to switch to it.",
                         classes="dialog-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Where", "Key", "Does")
        for row in key_rows(self.sections, self.app.get_key_display):
            table.add_row(*row)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
