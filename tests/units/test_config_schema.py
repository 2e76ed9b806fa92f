"""Every setting and every mode field is said once (name, check, environment variable, default,
what it is for) and the rest is made from that: loading and checking the file, ``config show``,
the starter file ``config init`` writes, and README's list. These tests hold the places together
from the outside: a field the starter file forgets, an order that differs between the starter and
``config show``, a README out of step, or an embedder the check accepts that the engine opens
differently, each fails here."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from tests.paths import REPO
from tui import cli
from tui.adapters.bundled_embedder import BundledEmbedder
from tui.domain.modes import Mode, builtin_modes
from tui.services.config import load_config
from tui.services.config_schema import MODE_FIELDS as MODE_FIELDS_TABLE
from tui.services.config_schema import SETTINGS
from tui.services.config_starter import starter_text
from tui.services.doctor import embedder_name
from tui.services.engine import embedder_factory
from tui.services.settings import Settings, default_data_dir

README = REPO / "README.md"
MODE_FIELDS = [field.name for field in dataclasses.fields(Mode) if field.name != "name"]


@pytest.fixture
def config_file(isolated_home: Path) -> Path:
    return isolated_home / ".config" / "mindpane" / "config.toml"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def mode_tables(text: str) -> dict[str, list[str]]:
    """Per ``[modes.<id>]`` table of a config text: its lines up to the next table or blank line."""
    tables: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        header = re.fullmatch(r"\[modes\.([a-z0-9_-]+)\]", line.strip())
        if header:
            current = tables.setdefault(header.group(1), [])
        elif not line.strip() or line.startswith("["):
            current = None
        elif current is not None:
            current.append(line)
    return tables


def field_of(line: str) -> str | None:
    """The field a line of a mode table sets or says is unset (``name = …``, ``# name = …``,
    ``# name is not set…``); None for a continuation line of a long text."""
    found = re.match(r"#?\s*([a-z_]+)(?: =| is not set)", line)
    return found.group(1) if found else None


def fields_in_order(lines: list[str]) -> list[str]:
    return [name for name in map(field_of, lines) if name in MODE_FIELDS]


# -- mode fields ------------------------------------------------------------------------------------


def test_the_starter_file_documents_every_mode_field():
    documented = re.findall(r"^#   ([a-z_]+) ", starter_text(), re.MULTILINE)
    assert documented == [name for name in documented if name in MODE_FIELDS]
    assert sorted(documented) == sorted(MODE_FIELDS)


def test_the_starter_file_writes_every_field_of_each_built_in_mode():
    tables = mode_tables(starter_text())
    assert list(tables) == list(builtin_modes())
    for mode_id, lines in tables.items():
        assert sorted(fields_in_order(lines)) == sorted(MODE_FIELDS), mode_id


def test_config_show_lists_each_modes_fields_in_the_starter_files_order(capsys, config_file):
    documented = re.findall(r"^#   ([a-z_]+) ", starter_text(), re.MULTILINE)
    written = mode_tables(starter_text())
    code, out, _ = run_cli(capsys, "config", "show")
    assert code == 0
    for mode_id, lines in mode_tables(out).items():
        assert fields_in_order(lines) == documented == fields_in_order(written[mode_id]), mode_id


def test_an_unknown_field_or_setting_names_every_known_one(config_file):
    config_file.parent.mkdir(parents=True)
    config_file.write_text('colour = "red"\n[modes.code]\nshade = 1\n', encoding="utf-8")
    setting, field = load_config(config_file, {}).problems
    assert setting.key == "colour" and field.key == "modes.code.shade"
    known_fields = re.search(r"known: (.*)\)", field.message).group(1).split(", ")
    assert sorted(known_fields) == sorted(MODE_FIELDS)
    known_settings = re.search(r"known: (.*) and \[modes", setting.message).group(1).split(", ")
    assert known_settings == [line.split(" = ")[0].lstrip("# ") for line in settings_lines(starter_text())]


# -- settings ---------------------------------------------------------------------------------------


def settings_part(text: str) -> str:
    """The settings of a starter file: from the first comment after the head to the modes."""
    body = text.split("\n\n", 1)[1]
    return body.split("# ----", 1)[0].strip() + "\n"


def settings_lines(text: str) -> list[str]:
    return [line for line in settings_part(text).splitlines() if re.match(r"#? ?[a-z_]+ = ", line)]


def test_every_environment_variable_the_starter_file_names_wins_over_the_file(capsys, config_file, monkeypatch):
    head = starter_text().split("\n\n", 1)[0]
    names = re.findall(r"\b(OLLAMA_HOST|MINDPANE_[A-Z_]+)\b", head)
    assert len(names) == 5
    values = {"OLLAMA_HOST": "http://elsewhere:1", "MINDPANE_MODEL": "env-model", "MINDPANE_EMBEDDER": "ollama:env",
              "MINDPANE_STALL_TIMEOUT": "33", "MINDPANE_DATA_DIR": str(config_file.parent.parent / "env-data")}
    for name in names:
        monkeypatch.setenv(name, values[name])
    code, out, _ = run_cli(capsys, "config", "show")
    assert code == 0
    for name in names:
        assert any(line.endswith(f"# env {name}") for line in out.splitlines()), name


def test_readmes_example_opens_with_the_starter_files_settings():
    """README shows the settings as ``config init`` writes them (the data dir as on Linux)."""
    starter = settings_part(starter_text()).replace(str(default_data_dir()), "~/.local/share/mindpane")
    example = README.read_text(encoding="utf-8").split("A full example", 1)[1].split("```toml\n", 1)[1]
    assert example.startswith(starter)


def test_readme_lists_each_settings_environment_variable_with_its_default():
    table = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    for setting in SETTINGS:
        rows = [row for row in table if setting.env and row.startswith(f"| `{setting.env}` |")]
        assert len(rows) == (1 if setting.env else 0), setting.name
        if rows and setting.default is not None:
            shown = int(setting.default) if isinstance(setting.default, float) else setting.default
            assert f"`{shown}`" in rows[0], rows[0]


def test_each_setting_and_mode_field_is_one_of_mindpanes_own():
    """The table has a row per field of ``Mode`` and per value ``config show`` prints."""
    assert sorted(field.name for field in MODE_FIELDS_TABLE) == sorted(MODE_FIELDS)
    assert {setting.name for setting in SETTINGS} <= {field.name for field in dataclasses.fields(Settings)}


# -- the embedder spec ------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "name"), [("bundled", BundledEmbedder.name), ("  bundled ", BundledEmbedder.name),
                                            ("ollama:all-minilm", "ollama:all-minilm"),
                                            ("ollama: all-minilm", "ollama:all-minilm"),
                                            (" ollama:nomic-embed-text ", "ollama:nomic-embed-text")])
def test_the_embedder_the_config_accepts_is_the_one_opened(config_file, tmp_path, spec, name):
    config_file.parent.mkdir(parents=True)
    config_file.write_text(f"embedder = {spec!r}\n".replace("'", '"'), encoding="utf-8")
    config = load_config(config_file, {})
    assert config.problems == []
    assert embedder_name(Settings(tmp_path / "data", embedder=config.values["embedder"])) == (name, None)


@pytest.mark.parametrize("spec", ["ollama:", "ollama:  ", "junk", "Bundled", "ollama", ""])
def test_an_embedder_the_config_refuses_is_refused_when_opened(config_file, tmp_path, spec):
    from tui.domain.errors import EmbedderError

    config_file.parent.mkdir(parents=True)
    config_file.write_text(f'embedder = "{spec}"\n', encoding="utf-8")
    (problem,) = load_config(config_file, {}).problems
    assert problem.key == "embedder"
    with pytest.raises(EmbedderError):
        embedder_factory(Settings(tmp_path / "data", embedder=spec))
