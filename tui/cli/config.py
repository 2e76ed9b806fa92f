"""``mindpane config path|show|init|check``: where the config file is, what is in effect and where
each value came from, a commented starter file, and a check that lists every problem."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any, TextIO

from tui.cli.exits import EXIT_FAILURE
from tui.domain.modes import Mode
from tui.services.config import LoadedConfig, problems_message
from tui.services.config_schema import MODE_FIELD_NAMES, SETTING_ENV, SETTING_KEYS
from tui.services.config_starter import toml_value
from tui.services.settings import Settings

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


def report_problems(config: LoadedConfig, args: argparse.Namespace, err: TextIO,
                    settings: Settings | None = None) -> None:
    """Say what is wrong with the config file, once, on ``err`` (``config check`` lists it itself),
    and which environment variables could not be used."""
    if config.problems and getattr(args, "config_action", None) != "check":
        print(f"mindpane: {problems_message(config.problems)}", file=err)
    for problem in settings.problems if settings is not None else ():
        print(f"mindpane: {problem}", file=err)


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
        for name in MODE_FIELD_NAMES:
            source = config.mode_source(mode.name, name)
            line = _mode_model(mode, settings, source) if name == "model" else _line(name, getattr(mode, name), source)
            print(line, file=out)


def _mode_model(mode: Mode, settings: Settings, source: str) -> str:
    """The model the mode really uses, and why: forced, its own, else the top-level one (said in a
    comment: written as a line it would become the mode's own, which the file does not say)."""
    if settings.model:
        return _line("model", settings.model, _source(settings, "model"))
    if mode.model:
        return _line("model", mode.model, source)
    return (f"# model is not set: uses {toml_value(settings.default_model)}".ljust(COMMENT_COLUMN)
            + f"  # {_source(settings, 'model')}")


def _source(settings: Settings, key: str) -> str:
    source = settings.sources.get(key, "default")
    return f"env {SETTING_ENV[key]}" if source == "env" and key in SETTING_ENV else source


def _line(key: str, value: Any, source: str) -> str:
    """One setting as TOML that means what is in effect (``config show`` written as a file passes
    ``config check`` and changes nothing), with where it came from as a comment."""
    if value is None:  # unset: TOML has no "none", so the line says so as a comment
        return f"# {key} is not set".ljust(COMMENT_COLUMN) + f"  # {source}"
    return f"{key} = {toml_value(value, wrap=True)}".ljust(COMMENT_COLUMN) + f"  # {source}"
