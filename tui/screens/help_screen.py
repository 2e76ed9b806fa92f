"""Every key, generated from the ``BINDINGS`` of the app, its screens and panes, so the help can
never drift from what the keys do. Grouped by where the keys act; what a key does wraps, so a
narrow terminal shows all of it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import ClassVar

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

KeySection = tuple[str, Sequence[BindingType]]
KeyRow = tuple[str, str, str]
"""(where, keys, what they do)."""

KEY_WIDTH_LIMIT = 18
"""The key column is as wide as its longest keys, up to this; longer keys fold onto a second line."""


def help_title(cls: type) -> str:
    """A class's section in the help: its ``HELP_TITLE``, else its name in words (``HistoryTable``
    → "History table")."""
    title = cls.__dict__.get("HELP_TITLE")
    if title:
        return title
    words = re.findall(r"[A-Z][a-z0-9]*", cls.__name__)
    return " ".join([words[0], *(word.lower() for word in words[1:])]) if words else cls.__name__


def binding_sections(packages: Iterable[ModuleType], first: Mapping[type, str] | None = None) -> list[KeySection]:
    """One section per class, in ``packages``' modules, that declares its own ``BINDINGS``: the
    ``first`` classes in that order, each under the title given there (the panes of one place share
    a title and so a section), then the rest by module under their ``help_title`` — so a new
    widget's keys are listed without anyone adding them here."""
    first = first or {}
    found: list[type] = []
    for package in packages:
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                      if cls.__module__ == module.__name__ and "BINDINGS" in cls.__dict__]
    ordered = [*first, *(cls for cls in found if cls not in first)]
    return [(first.get(cls) or help_title(cls), cls.__dict__.get("BINDINGS", [])) for cls in ordered]


def key_rows(sections: Iterable[KeySection], key_display) -> list[KeyRow]:
    """(where, keys, what) rows; a binding's alternative keys share one row."""
    rows: list[KeyRow] = []
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


def grouped(rows: Iterable[KeyRow]) -> list[tuple[str, list[KeyRow]]]:
    """The rows under their section titles, each title once, in the order titles first appear."""
    groups: dict[str, list[KeyRow]] = {}
    for row in rows:
        if row not in groups.setdefault(row[0], []):
            groups[row[0]].append(row)
    return list(groups.items())


def keys_table(rows: Iterable[KeyRow], key_width: int) -> Table:
    """A section's keys beside what they do; a long description wraps under itself, never cut."""
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(width=key_width, overflow="fold")
    table.add_column(ratio=1, overflow="fold")
    for _, keys, does in rows:
        table.add_row(Text(keys, style="bold"), Text(does))
    return table


class HelpScreen(ModalScreen[None]):
    HELP_TITLE = "Keys"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,f1", "close", "Close")]

    def __init__(self, sections: Sequence[KeySection]) -> None:
        super().__init__(classes="dialog-screen")
        self.sections = sections

    def grouped_rows(self) -> list[tuple[str, list[KeyRow]]]:
        """What the help lists: sections in order, each with its (where, keys, does) rows."""
        return grouped(key_rows(self.sections, self.app.get_key_display))

    def compose(self) -> ComposeResult:
        groups = self.grouped_rows()
        key_width = min(KEY_WIDTH_LIMIT, max((cell_len(keys) for _, rows in groups for _, keys, _ in rows), default=1))
        with Vertical(classes="dialog help"):
            yield Static("Keys", classes="dialog-title", markup=False)
            with VerticalScroll(classes="help-keys"):
                for where, rows in groups:
                    yield Static(where, classes="help-section", markup=False)
                    yield Static(keys_table(rows, key_width), classes="help-rows")
            yield Static("ctrl+p opens the command palette: type a mode's name to switch to it. "
                         "↑ ↓ PgUp PgDn scroll.", classes="dialog-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(".help-keys").focus()

    def action_close(self) -> None:
        self.dismiss(None)
