"""``config show`` prints a file that means what is in effect, and a stall timeout that no clock
can hold is refused with a message instead of an OverflowError (issue #18, "Smaller")."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from tests.cli.test_cli import mindpane
from tui import cli
from tui.services.config import load_config, load_modes
from tui.services.settings import resolve_settings

LONG_PROMPT = ("You help me plan the week. " * 12).strip()
MINE = f'''
stall_timeout = 45

[modes.journal]
may_read = []

[modes.code]
may_read = ["journal"]
recall_from = ["journal"]

[modes.plans]
system_prompt = "{LONG_PROMPT}"
intro = "Plans — say what the week holds.\\nA second line, a \\"quote\\" and a back\\\\slash."
metadata = {{ team = "core", weight = 2, remote = true }}
context_length = 4096
'''


@pytest.fixture
def config_file(isolated_home: Path) -> Path:
    return isolated_home / ".config" / "mindpane" / "config.toml"


def in_effect(path: Path, env: dict[str, str]):
    config = load_config(path, env)
    settings = asdict(resolve_settings(env=env, config=config))
    settings.pop("config_path")
    settings.pop("sources")  # "file" once written: what each value is matters, not where it came from
    return settings, load_modes(config), config.problems


@pytest.mark.parametrize("mine", ["", MINE], ids=["no file", "a file of my own"])
def test_what_config_show_prints_is_a_config_file_that_means_the_same(capsys, config_file, tmp_path, mine,
                                                                       monkeypatch):
    env = {"MINDPANE_DATA_DIR": str(tmp_path / "data")}
    monkeypatch.setenv("MINDPANE_DATA_DIR", env["MINDPANE_DATA_DIR"])
    if mine:
        config_file.parent.mkdir(parents=True)
        config_file.write_text(mine, encoding="utf-8")
    assert cli.main(["config", "show"]) == 0
    shown = tmp_path / "shown.toml"
    shown.write_text(capsys.readouterr().out, encoding="utf-8")

    assert cli.main(["--config", str(shown), "config", "check"]) == 0, capsys.readouterr().out
    before, after = in_effect(config_file, env), in_effect(shown, env)
    assert after[2] == [] and after[1] == before[1] and after[0] == before[0]


def test_config_show_never_prints_a_terminal_control_code(capsys, config_file):
    config_file.parent.mkdir(parents=True)
    config_file.write_text('[modes.journal]\nintro = "a\\u001b]0;owned\\u0007b\\u009bc\\u007fd"\n', encoding="utf-8")

    assert cli.main(["config", "show"]) == 0
    out = capsys.readouterr().out

    assert not any(char in out for char in "\x1b\x07\x9b\x7f")
    assert "\\u001b" in out and "\\u009b" in out


@pytest.mark.parametrize("value", ["1e999", "inf", "nan", "-5", "0", "soon", "1e300"])
def test_a_stall_timeout_from_the_environment_that_no_clock_can_hold_is_named_and_the_default_used(
        cli_env, ollama_stub, value):
    cli_env["MINDPANE_STALL_TIMEOUT"] = value

    result = mindpane(cli_env, "models")

    assert result.returncode == 0, result.stderr
    assert "OverflowError" not in result.stderr + result.stdout
    assert f"MINDPANE_STALL_TIMEOUT={value!r}" in result.stderr and "using 120" in result.stderr
    assert "gemma3:4b-it-qat" in result.stdout


def test_a_stall_timeout_in_the_file_longer_than_a_day_is_a_config_problem(capsys, config_file):
    config_file.parent.mkdir(parents=True)
    config_file.write_text("stall_timeout = 1e300\n", encoding="utf-8")

    assert cli.main(["config", "check"]) == 1
    assert "stall_timeout" in capsys.readouterr().out


async def test_the_app_says_which_stall_timeout_it_could_not_use(settings, clock, ollama_stub, tmp_path):
    from tests.tui_support import SIZE, make_app, notified, settle

    env = {"MINDPANE_STALL_TIMEOUT": "1e999", "MINDPANE_DATA_DIR": str(settings.data_dir),
           "OLLAMA_HOST": ollama_stub.url}
    resolved = resolve_settings(env=env, config=load_config(tmp_path / "none.toml", env))
    app = make_app(resolved, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        said = notified(app, "warning")

    assert resolved.stall_timeout == 120.0
    assert len(said) == 1 and "MINDPANE_STALL_TIMEOUT='1e999'" in said[0] and "using 120" in said[0]
