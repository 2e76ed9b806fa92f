"""Every key, generated from the ``BINDINGS`` of the app, its screens and panes, so the help can
never drift from what the keys do."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

KeySection = tuple[str, Sequence[BindingType]]


def help_title(cls: type) -> str:
    """A class's section in the help: its ``HELP_TITLE``, else its name in words (``HistoryTable``
    → "History table")."""
    title = cls.__dict__.get("HELP_TITLE")
    if title:
        return title
    words = re.findall(r"[A-Z][a-z0-9]*", cls.__name__)
    return " ".join([words[0], *(word.lower() for word in words[1:])]) if words else cls.__name__


def binding_sections(packages: Iterable[ModuleType], first: Sequence[type] = ()) -> list[KeySection]:
    """One section per class, in ``packages``' modules, that declares its own ``BINDINGS``: the
    ``first`` classes in that order, then the rest by module — so a new widget's keys are listed
    without anyone adding them here."""
    found: list[type] = []
    for package in packages:
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                      if cls.__module__ == module.__name__ and "BINDINGS" in cls.__dict__]
    ordered = [*first, *(cls for cls in found if cls not in first)]
    return [(help_title(cls), cls.BINDINGS) for cls in ordered]


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
    HELP_TITLE = "Keys"
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
