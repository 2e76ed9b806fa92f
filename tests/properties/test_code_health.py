"""The layering and lint rules from DEVELOPERS.md, checked on every run."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO

PACKAGE = REPO / "tui"
BACKENDS = ("mem0", "chromadb", "ollama", "onnxruntime", "tokenizers", "httpx")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def ui_modules() -> list[Path]:
    ui = [PACKAGE / "app.py", *PACKAGE.glob("screens/*.py"), *PACKAGE.glob("widgets/*.py")]
    return [path for path in ui if path.exists()]


@pytest.mark.parametrize("path", ui_modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_ui_code_never_reaches_past_the_services(path):
    bad = {name for name in imported_modules(path)
           if name.split(".")[0] in BACKENDS or name.startswith("tui.adapters")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "adapters").glob("*.py")), ids=lambda p: p.name)
def test_adapters_never_import_textual_nor_reach_up_to_the_services(path):
    """Adapters implement ``tui.ports``; the rules and the wiring above them are not theirs to call."""
    assert not {name for name in imported_modules(path) if name.split(".")[0] == "textual"
                or name.startswith(("tui.services", "tui.screens", "tui.widgets", "tui.app"))}


@pytest.mark.parametrize("path", sorted((PACKAGE / "domain").glob("*.py")), ids=lambda p: p.name)
def test_domain_types_import_nothing_of_the_app_or_its_backends(path):
    assert all(name.split(".")[0] not in (*BACKENDS, "textual") and not name.startswith(("tui.services",
               "tui.adapters")) for name in imported_modules(path))


def test_no_logging_basicconfig_anywhere_in_the_app():
    assert not [p for p in PACKAGE.rglob("*.py") if "logging.basicConfig" in p.read_text(encoding="utf-8")]


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "tui", "tests", "bench"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


WIDGET_MAY_IMPORT = (
    "tui.domain", "tui.runtime.session", "tui.runtime.messages", "tui.text", "tui.widgets", "tui.runtime.workers",
)
"""What a pane may import from the app: domain types, the session's ``Turn``, the app's messages,
text helpers, other widgets and the worker-failure mixin — never ``tui.services`` (ports, turns,
outbox, engine, workspace), ``tui.screens`` or the app: data is handed to a widget, intents leave it
as messages."""


@pytest.mark.parametrize("path", sorted((PACKAGE / "widgets").glob("*.py")), ids=lambda p: p.name)
def test_widgets_only_display_and_post_intents(path):
    ours = {name for name in imported_modules(path) if name.split(".")[0] == "tui"}
    assert not {name for name in ours if not name.startswith(WIDGET_MAY_IMPORT)}, f"{path.name} imports {ours}"
    assert "app.workspace" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ui_modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_workers_report_back_with_messages(path):
    """No ``call_from_thread`` blocks; a module that runs workers reports their failures to the app."""
    text = path.read_text(encoding="utf-8")
    assert "call_from_thread" not in text
    if "@work(" in text and path.name != "app.py":
        assert "ReportsWorkerFailures" in text
    assert all("exit_on_error=False" in line for line in text.splitlines() if line.strip().startswith("@work("))


@pytest.mark.parametrize("path", sorted([*(PACKAGE / "screens").glob("*.py"), *(PACKAGE / "widgets").glob("*.py")]),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_screens_reach_the_journal_only_through_their_facades(path):
    """A screen is handed what it may do with the journal (``tui.services.screen_access``, as the
    history pane is handed ``WorkspaceHistory``), never the whole journal."""
    reaches = "workspace.journal" in path.read_text(encoding="utf-8")
    assert not reaches, f"{path.name} reaches workspace.journal"
    assert not {name for name in imported_modules(path) if name.startswith("tui.services.journal")}


def message_classes() -> list[type]:
    """Every ``Message`` subclass the app defines: each module under ``tui/`` that uses Textual is
    imported, then the subclasses are walked."""
    from textual.message import Message

    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "__main__.py" and "textual" in path.read_text(encoding="utf-8"):
            importlib.import_module(".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"))
    found, todo = [], [Message]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.startswith("tui."):
                found.append(cls)
    return found


def test_every_message_is_a_dataclass():
    """Messages are dataclasses, as Textual's own ``Notify``: the fields are the constructor, and no
    hand-written ``__init__`` can forget one. Each class is decorated itself (a subclass of one is
    not a dataclass of its own fields)."""
    classes = message_classes()
    assert len(classes) > 40
    hand_written = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes
                          if not (dataclasses.is_dataclass(cls) and "__dataclass_fields__" in vars(cls)))
    assert not hand_written, f"not dataclasses: {hand_written}"
