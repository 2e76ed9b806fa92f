"""``mindpane config path|show|init|check``: where the config file is, what is in effect and where
each value came from, a commented starter file, and a check that lists every problem."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any, TextIO

from tui.cli_exit import EXIT_FAILURE
from tui.domain.modes import Mode
from tui.services.config import MODE_FIELDS, SETTING_KEYS, LoadedConfig, problems_message
from tui.services.settings import SETTING_ENV, Settings
from tui.text import one_line

SHOWN_CHARS = 64
COMMENT_COLUMN = 48


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``config`` command to ``commands`` (the result of ``add_subparsers``)."""
    config = commands.add_parser(
        "config", help="the config file: path, show, init, check",
        description="mindpane reads its settings and modes from a TOML file (--config, else MINDPANE_CONFIG, "
        "else the user config dir). Flags and environment variables win over it.")
    actions = config.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    actions.add_parser("path", help="print where the config file is")
    actions.add_parser("show", help="the settings and modes in effect, and where each value came from")
    actions.add_parser("init", help="write a commented starter file with every setting (never overwrites)")
    actions.add_parser("check", help="exit 0 if the file is fine, 1 with the list of problems")
    return config


def report_problems(config: LoadedConfig, args: argparse.Namespace, err: TextIO) -> None:
    """Say what is wrong with the config file, once, on ``err`` (``config check`` lists it itself)."""
    if config.problems and getattr(args, "config_action", None) != "check":
        print(f"mindpane: {problems_message(config.problems)}", file=err)


def run(config: LoadedConfig, settings: Settings, modes: Mapping[str, Mode], args: argparse.Namespace,
        out: TextIO, err: TextIO) -> int:
    action = args.config_action
    if action == "path":
        print(config.path, file=out)
        return 0
    if action == "init":
        return _init(config, out, err)
    if action == "check":
        return _check(config, out)
    _show(config, settings, modes, out)
    return 0


def _init(config: LoadedConfig, out: TextIO, err: TextIO) -> int:
    from tui.services.config_starter import starter_text

    path = config.path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:  # "x": never over a file that exists
            handle.write(starter_text())
    except FileExistsError:
        print(f"mindpane: {path} already exists; not overwriting it", file=err)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"mindpane: cannot write {path}: {exc.strerror or exc}", file=err)
        return EXIT_FAILURE
    print(f"wrote {path}", file=out)
    return 0


def _check(config: LoadedConfig, out: TextIO) -> int:
    if config.problems:
        for problem in config.problems:
            print(problem, file=out)
        return EXIT_FAILURE
    if not config.exists:
        print(f"{config.path}: no config file (the built-in defaults are used)", file=out)
    else:
        print(f"{config.path}: ok", file=out)
    return 0


def _show(config: LoadedConfig, settings: Settings, modes: Mapping[str, Mode], out: TextIO) -> None:
    how = {"flag": "from --config", "env": "from MINDPANE_CONFIG", "default": "the default location"}
    state = "" if config.exists else "; does not exist, `mindpane config init` writes one"
    print(f"# config file: {config.path} ({how.get(config.path_source, config.path_source)}{state})", file=out)
    print("# each value: where it came from (flag, env, file or default)", file=out)
    for key in SETTING_KEYS:
        value = settings.model_for(None) if key == "model" else getattr(settings, key)
        print(_line(key, value, _source(settings, key)), file=out)
    for mode in modes.values():
        print(f"\n[modes.{mode.name}]", file=out)
        for name in MODE_FIELDS:
            source = config.mode_source(mode.name, name)
            if name == "model":
                value, source = _mode_model(mode, settings, source)
            else:
                value = getattr(mode, name)
            print(_line(name, value, source), file=out)


def _mode_model(mode: Mode, settings: Settings, source: str) -> tuple[str, str]:
    """The model the mode really uses, and why: forced, its own, else the top-level one."""
    if settings.model:
        return settings.model, _source(settings, "model")
    if mode.model:
        return mode.model, source
    return settings.default_model, _source(settings, "model")


def _source(settings: Settings, key: str) -> str:
    source = settings.sources.get(key, "default")
    return f"env {SETTING_ENV[key]}" if source == "env" and key in SETTING_ENV else source


def _line(key: str, value: Any, source: str) -> str:
    if value is None:  # unset: TOML has no "none", so the line says so as a comment
        return f"# {key} is not set".ljust(COMMENT_COLUMN) + f"  # {source}"
    return f"{key} = {_shown(value)}".ljust(COMMENT_COLUMN) + f"  # {source}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_shown(item)}" for key, item in value.items()) + " }" if value else "{}"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(one_line(str(value), SHOWN_CHARS), ensure_ascii=False)
