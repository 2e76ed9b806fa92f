"""The config file: where it is, what it may say, and every problem in it as a value.

``load_config`` never raises for what a person wrote: a TOML error, an unknown key, a wrong type or
a mode without a prompt each become one ``ConfigProblem`` (file, line, dotted key, why) and the
default is used for that part only, so a broken file never keeps anyone from writing an entry.
Reads use ``tomllib``; writes (``update_config``) go through ``tomlkit`` so the person's comments
and layout survive. What each key may hold is ``config_schema``'s table; which value wins over the
file (flags, environment) is ``settings.py``'s job.
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.domain.errors import MindpaneError
from tui.domain.modes import Mode, builtin_modes, valid_mode_id
from tui.services.config_checks import Invalid, metadata_value, shown
from tui.services.config_read import ConfigUnreadable, read_config_bytes
from tui.services.config_schema import MODE_FIELD, MODE_FIELD_NAMES, SETTING, SETTING_KEYS

if TYPE_CHECKING:
    import tomllib

CONFIG_ENV = "MINDPANE_CONFIG"
FILE_NAME = "config.toml"


class ConfigError(MindpaneError):
    """A config file could not be written (it is broken, unreadable, or the value is not allowed)."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in the config file; ``key`` is dotted (``modes.code.recall_size``), None for
    the file as a whole, and ``line`` is None where nothing can tell."""

    path: Path
    key: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    def short(self) -> str:
        """The problem without the file (for a list under a line that names it)."""
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.key}: {self.message}" if self.key else f"{where}{self.message}"


@dataclass(frozen=True)
class LoadedConfig:
    """What the config file says, checked. ``values`` and ``modes`` hold only what is valid;
    ``lines`` is where each key is written (dotted key → line)."""

    path: Path
    path_source: str = "default"
    """How the file was chosen: ``flag`` (--config), ``env`` (MINDPANE_CONFIG) or ``default``."""
    exists: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    """Top-level settings from the file (``data_dir`` as an absolute ``Path``)."""
    modes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per mode id, in the file's order: the fields the file sets for it."""
    problems: list[ConfigProblem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)

    def source(self, key: str) -> str:
        """``file`` if the file sets this top-level setting, else ``default``."""
        return "file" if key in self.values else "default"

    def mode_source(self, mode_id: str, name: str) -> str:
        return "file" if name in self.modes.get(mode_id, {}) else "default"


# -- where the file is ------------------------------------------------------------------------------


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("mindpane", appauthor=False) / FILE_NAME


def config_location(flag: str | Path | None = None, env: Mapping[str, str] | None = None) -> tuple[Path, str]:
    """The config file's path and how it was chosen: --config, then MINDPANE_CONFIG, then the
    platform's user config dir (``~/.config/mindpane/config.toml`` on Linux)."""
    env = os.environ if env is None else env
    if flag:
        return Path(flag).expanduser().absolute(), "flag"
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser().absolute(), "env"
    return default_config_path(), "default"


# -- reading ----------------------------------------------------------------------------------------


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read and check the config file at ``path`` (None: MINDPANE_CONFIG in ``env``, else the
    default location). Never raises for the file's content: see ``LoadedConfig.problems``."""
    where, how = config_location(path, env)
    try:
        raw = read_config_bytes(where)
    except ConfigUnreadable as why:  # a locked folder, a FIFO, a device, a huge file: the defaults stand
        problem = ConfigProblem(where, None, f"{why}; using the defaults")
        return LoadedConfig(where, how, exists=True, problems=[problem])
    if raw is None:
        return LoadedConfig(where, how)
    import tomllib  # only with a file to read: a launch without one is spared its import (~1.5 ms)

    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        return LoadedConfig(where, how, exists=True,
                            problems=[ConfigProblem(where, None, "is not UTF-8 text; using the defaults")])
    except tomllib.TOMLDecodeError as exc:
        message, line = _syntax_error(exc)
        return LoadedConfig(where, how, exists=True, problems=[
            ConfigProblem(where, None, f"TOML syntax error: {message}; using the defaults", line)])
    lines = _key_lines(text)
    report = _Report(where, lines)
    values = _check_settings(data, report, where.parent)
    modes = _check_modes(data.get("modes", {}), report) if "modes" in data else {}
    return LoadedConfig(where, how, exists=True, values=values, modes=modes, problems=report.problems,
                        lines={_dotted(key): line for key, line in lines.items()})


def load_modes(config: LoadedConfig | None) -> dict[str, Mode]:
    """The modes in order: the built-in ones (with the file's fields over theirs), then the file's
    own. ``None``: just the built-in modes."""
    modes = builtin_modes()
    for mode_id, fields in (config.modes if config else {}).items():
        values = dict(fields)
        base = modes.get(mode_id)
        if base is not None:
            modes[mode_id] = replace(base, **values)
        else:
            values.setdefault("title", _title_for(mode_id))
            modes[mode_id] = Mode(name=mode_id, **values)
    return modes


def problems_message(problems: Sequence[ConfigProblem]) -> str:
    """Every problem as one message that names the file once: what the CLI prints on stderr and
    the app shows at start. Empty when there is nothing wrong."""
    if not problems:
        return ""
    files = list(dict.fromkeys(problem.path for problem in problems))
    head = f"config file {files[0]}: using the defaults for what is wrong"
    if len(files) > 1:
        return "\n".join([head, *(f"  {problem}" for problem in problems)])
    return "\n".join([head, *(f"  {problem.short()}" for problem in problems)])


def _syntax_error(exc: tomllib.TOMLDecodeError) -> tuple[str, int | None]:
    text = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", text)
    line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
    message = text[:found.start()].strip() if found else text
    if found:
        message = f"{message} (column {found.group(2)})"
    return message, line


# -- where each key is written ----------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_KEY = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"\s*({_DOTTED})\s*=")
_PART = re.compile(r"""\"((?:[^"\\]|\\.)*)\"|'([^']*)'|([A-Za-z0-9_-]+)""")


def _parts(dotted: str) -> tuple[str, ...]:
    parts = []
    for match in _PART.finditer(dotted):
        basic, literal, bare = match.groups()
        parts.append(json.loads(f'"{basic}"') if basic is not None else literal if literal is not None else bare)
    return tuple(parts)


def _dotted(parts: Sequence[str]) -> str:
    return ".".join(part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False) for part in parts)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Each key's line: table headers and ``key = value`` lines, by a line scan (enough for the
    files people write; multi-line strings are skipped so their content is never a key)."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if open_quote:
            if open_quote in line:
                open_quote = None
            continue
        header = _HEADER.match(line)
        if header:
            table = _parts(header.group(1))
            lines.setdefault(table, number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            lines.setdefault(table + _parts(assign.group(1)), number)
            rest = line[assign.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    open_quote = quote
    return lines


@dataclass
class _Report:
    path: Path
    lines: dict[tuple[str, ...], int]
    problems: list[ConfigProblem] = field(default_factory=list)

    def __call__(self, key: tuple[str, ...], message: str) -> None:
        self.problems.append(ConfigProblem(self.path, _dotted(key), message, self._line(key)))

    def _line(self, key: tuple[str, ...]) -> int | None:
        for end in range(len(key), 0, -1):
            if key[:end] in self.lines:
                return self.lines[key[:end]]
        return None


# -- checking a whole file --------------------------------------------------------------------------


def _check_settings(data: dict[str, Any], report: _Report, base: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key == "modes":
            continue
        setting = SETTING.get(key)
        if setting is None:
            report((key,), f"unknown setting (known: {', '.join(SETTING_KEYS)} and [modes.<id>] tables)")
            continue
        try:
            values[key] = setting.read(raw, base)
        except Invalid as why:
            report((key,), f"{why}; using the default")
    return values


def _check_modes(raw: Any, report: _Report) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        report(("modes",), "must hold [modes.<id>] tables; using the built-in modes")
        return {}
    builtin = builtin_modes()
    modes: dict[str, dict[str, Any]] = {}
    for mode_id, table in raw.items():
        key = ("modes", mode_id)
        if not valid_mode_id(mode_id):
            report(key, "a mode id is lowercase letters, digits, '-' and '_' (at most 40); the mode is left out")
            continue
        if not isinstance(table, dict):
            report(key, f"must be a table ([modes.{mode_id}]), not {shown(table)}; the mode is left out")
            continue
        fields = _check_mode(mode_id, table, report, is_new=mode_id not in builtin)
        if fields is not None:
            modes[mode_id] = fields
    known = set(builtin) | set(modes)
    for mode_id, fields in modes.items():
        for name, reads in (("recall_from", "recalling from"), ("may_read", "the other-modes toggle reads")):
            if name in fields:
                fields[name] = _known_others(mode_id, name, fields[name], known, reads, report)
    return modes


def _known_others(mode_id: str, name: str, wanted: tuple[str, ...], known: set[str], reads: str,
                  report: _Report) -> tuple[str, ...]:
    """``wanted`` without the mode itself and without ids no mode has (reported, naming what is kept)."""
    wanted = tuple(other for other in wanted if other != mode_id)
    kept = tuple(other for other in wanted if other in known)
    unknown = [other for other in wanted if other not in known]
    if unknown:
        own = "and its own entries" if name == "recall_from" else ""
        report(("modes", mode_id, name), f"no mode named {', '.join(map(shown, unknown))}; {reads} "
               + (f"{', '.join(kept)} {own}".strip() if kept else
                  "its own entries only" if name == "recall_from" else "no other mode"))
    return kept


def _check_mode(mode_id: str, table: dict[str, Any], report: _Report, is_new: bool) -> dict[str, Any] | None:
    key = ("modes", mode_id)
    fields: dict[str, Any] = {}
    for name, value in table.items():
        if name == "metadata":
            fields[name] = _check_metadata(key, value, report)
            continue
        field = MODE_FIELD.get(name)
        if field is None:
            report((*key, name), f"unknown mode field (known: {', '.join(MODE_FIELD_NAMES)})")
            continue
        try:
            fields[name] = field.check(value)
        except Invalid as why:
            if not (is_new and name == "system_prompt"):
                report((*key, name), f"{why}; using the default")
            else:
                report((*key, name), f"{why}; a new mode needs a system_prompt, so the mode is left out")
                return None
    if is_new and "system_prompt" not in fields:
        report(key, "a new mode needs a system_prompt; the mode is left out")
        return None
    return fields


def _check_metadata(key: tuple[str, ...], value: Any, report: _Report) -> dict[str, Any]:
    if not isinstance(value, dict):
        report((*key, "metadata"), f"must be a table of values, e.g. {{ team = \"core\" }}, not {shown(value)}")
        return {}
    kept: dict[str, Any] = {}
    for name, item in value.items():
        try:
            kept[name] = metadata_value(name, item)
        except Invalid as why:
            report((*key, "metadata", name), f"{why}; left out")
    return kept


def _title_for(mode_id: str) -> str:
    return re.sub(r"[-_]+", " ", mode_id).strip().capitalize() or mode_id


# -- writing ----------------------------------------------------------------------------------------

_write_lock = threading.Lock()


def update_config(path: str | Path, dotted_key: str, value: Any) -> None:
    """Set one value in the config file (``theme``, ``modes.code.model``…), keeping everything else
    as the person wrote it, comments included; creates the file if there is none. Blocking: call it
    from a worker thread. Raises ``ConfigError`` — and writes nothing — for a key or value the file
    may not hold, or a file that is broken or unreadable."""
    path = Path(path)
    parts = _parts(dotted_key) if re.fullmatch(_DOTTED, dotted_key) else tuple(dotted_key.split("."))
    _check_update(parts, dotted_key, value, path)
    from tomlkit import dumps, parse, table
    from tomlkit.exceptions import TOMLKitError

    with _write_lock:
        try:
            text = (read_config_bytes(path) or b"").decode("utf-8")
        except ConfigUnreadable as why:
            raise ConfigError(f"{path} {why}", "nothing was written") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path} is not UTF-8 text", "fix the file; nothing was written") from exc
        try:
            document = parse(text)
        except TOMLKitError as exc:
            raise ConfigError(f"{path} has a TOML error ({exc})",
                              "fix it (`mindpane config check`); nothing was written") from exc
        container: MutableMapping[str, Any] = document
        for depth, part in enumerate(parts[:-1], 1):
            if part not in container:
                container[part] = table(is_super_table=depth == 1)
            container = container[part]
            if not isinstance(container, MutableMapping):
                raise ConfigError(f"{_dotted(parts[:depth])} in {path} is not a table",
                                  "fix the file (`mindpane config check`); nothing was written")
        container[parts[-1]] = value
        _write_atomically(path, dumps(document))


def _check_update(parts: tuple[str, ...], dotted_key: str, value: Any, path: Path) -> None:
    def refuse(why: str) -> ConfigError:
        return ConfigError(f"Cannot set {dotted_key} in {path}: {why}", "nothing was written")

    try:
        if len(parts) == 1 and parts[0] in SETTING:
            SETTING[parts[0]].read(value, path.parent)
        elif len(parts) == 3 and parts[0] == "modes":
            mode_id, name = parts[1], parts[2]
            if not valid_mode_id(mode_id):
                raise Invalid("a mode id is lowercase letters, digits, '-' and '_'")
            if name not in MODE_FIELD:
                raise Invalid(f"unknown mode field (known: {', '.join(MODE_FIELD_NAMES)})")
            MODE_FIELD[name].check(value)
        else:
            raise Invalid(f"unknown setting (known: {', '.join(SETTING_KEYS)}, modes.<id>.<field>)")
    except Invalid as why:
        raise refuse(str(why)) from None


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the file and rename over it: a crash leaves the old file or the new, never half.
    A symlinked config (a dotfiles repository) is written where the link points, keeping the link."""
    path = path.resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = None
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if mode is not None:
                os.chmod(temporary, mode)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cannot write {path}: {exc.strerror or exc}",
                          "check the disk and the folder's permissions") from exc
