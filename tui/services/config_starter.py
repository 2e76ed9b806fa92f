"""The starter config file ``mindpane config init`` writes: every setting with its default and a
comment, and the built-in modes written out as a person would write their own; all of it made from
``config_schema``'s table."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from typing import Any

from tui.domain.modes import Mode, builtin_modes
from tui.services.config_schema import MODE_FIELDS, SETTINGS

WRAP = 92

HEAD = """\
# mindpane's config file. Every setting is written out with its default; change what you like.
{flags}
# `mindpane config check` finds mistakes; `mindpane config show` says what is in effect and why.
# A mistake never stops the app: it starts with the default for that part and says what is wrong.
"""

MODES_HEAD = """\
# ---------------------------------------------------------------------------------------------
# Modes. Each [modes.<id>] table is one mode; ctrl+t goes through them in this order. The id
# (lowercase letters, digits, - and _) is what the mode's entries are stored under: keep it.
# The title can change freely, entries stay.
#
# A table with a built-in mode's id (journal, code) changes only the fields it names; a new id
# adds a mode (system_prompt is required). Fields:
{fields}
"""

FIELD_COLUMN = 16
"""The width of a field's name in the list of fields; what it is for follows."""

EXAMPLE = """\
# A mode of your own, for example:
#
# [modes.standup]
# title = "Stand-up"
# system_prompt = "You run a short daily stand-up: ask what got done, what is next and what blocks."
# recall_size = 3
# metadata = { team = "core" }
# recall_from = ["journal"]
"""


def starter_text() -> str:
    parts = [_head(), *_settings(), MODES_HEAD.format(fields=_field_docs())]
    for mode in builtin_modes().values():
        parts.append(_mode_table(mode))
    parts.append(EXAMPLE)
    return "\n".join(parts)


def _head() -> str:
    variables = ", ".join(setting.env for setting in SETTINGS if setting.env)
    flags = _comment(f"Flags (--model, --data-dir) and environment variables ({variables}) win over this file.")
    return HEAD.format(flags=flags)


def _comment(text: str) -> str:
    return textwrap.fill(text, WRAP, initial_indent="# ", subsequent_indent="# ", break_long_words=False,
                         break_on_hyphens=False)


def _settings() -> Iterable[str]:
    """Each setting under what it is for: its default, or an example commented out."""
    for setting in SETTINGS:
        if setting.default is not None:
            line = f"{setting.name} = {toml_value(_whole(setting.default))}"
        else:
            line = f"# {setting.name} = {toml_value(setting.unset_example() if setting.unset_example else '')}"
        yield f"{_comment(setting.doc)}\n{line}\n"


def _whole(value: Any) -> Any:
    """120.0 as 120: the number a person would write."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _field_docs() -> str:
    indent = "#" + " " * (len("#   ") + FIELD_COLUMN)
    return "\n".join(f"#   {field.name:<{FIELD_COLUMN}} " + f"\n{indent}".join(field.doc.split("\n"))
                     for field in MODE_FIELDS)


def _mode_table(mode: Mode) -> str:
    """A built-in mode as a person would write it: every field, an unset one as an example
    commented out."""
    lines = [f"[modes.{mode.name}]"]
    for field in MODE_FIELDS:
        value = getattr(mode, field.name)
        if value is not None:
            lines.append(f"{field.name} = {toml_value(value, wrap=True)}")
        elif field.unset_example is not None:
            lines.append(f"# {field.name} = {toml_value(field.unset_example(mode))}")
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else toml_string(name)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def toml_string(text: str) -> str:
    """``text`` as a one-line TOML basic string: quotes, backslashes and every character that is not
    printable (line breaks, ESC, C1 codes, DEL) escaped, so it reads back identical and prints inert."""
    return '"' + "".join(_ESCAPES.get(char) or (char if char.isprintable() else _unicode_escape(char))
                         for char in text) + '"'


def _unicode_escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def toml_value(value: Any, wrap: bool = False) -> str:
    """``value`` as TOML that reads back identical; with ``wrap``, a long text as a multi-line
    string. Every character that is not printable is escaped: the result is safe on a terminal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_key(key)} = {toml_value(item)}" for key, item in value.items())
        return f"{{ {items} }}" if value else "{}"
    text = str(value)
    single = toml_string(text)
    if not wrap or len(single) <= WRAP - 20 or any(char in text for char in '"\\') or not text.isprintable():
        return single
    lines = textwrap.wrap(text, WRAP, break_long_words=False, break_on_hyphens=False)
    if " ".join(lines) != text:
        return single
    # a line ending in a backslash continues on the next: the newline and the next line's
    # leading whitespace are dropped, the space before the backslash is kept
    return '"""\\\n' + "".join(f"{line} \\\n" for line in lines[:-1]) + lines[-1] + '"""'
