"""What each value in the config file may be: one check per kind of value, each returning the value
as mindpane uses it or raising ``Invalid`` with the sentence a person reads. Which setting or mode
field uses which check is ``config_schema``'s table."""

from __future__ import annotations

import json
import math
import urllib.parse
from pathlib import Path
from typing import Any

from tui.services.settings import MAX_STALL_TIMEOUT, parse_embedder, stall_seconds

MAX_RECALL_SIZE = 50
CONTEXT_LENGTHS = (512, 1_048_576)
"""The fewest and the most tokens a mode's ``context_length`` may ask the model for."""
RESERVED_METADATA = frozenset({"mode", "model", "reply", "created_at", "updated_at", "data", "hash",
                               "text_lemmatized", "user_id", "agent_id", "run_id", "role", "actor_id", "traceback",
                               "kind", "reply_wrong", "stopped"})
"""Keys the store and the turn write themselves: a mode's metadata may not shadow them."""


class Invalid(ValueError):
    """Why a value is not allowed (the message a person reads)."""


def shown(value: Any) -> str:
    """A value as a person wrote it in TOML (a table or a list by what it is)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


# -- text ---------------------------------------------------------------------------------------------


def text(value: Any, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be text in quotes, not {shown(value)}")
    if not empty and not value.strip():
        raise Invalid("must not be empty")
    return value


def text_or_empty(value: Any) -> str:
    return text(value, empty=True)


def name(value: Any) -> str:
    """A model's or a theme's name: text, without the spaces around it."""
    return text(value).strip()


def embedder(value: Any) -> str:
    """The embedder spec, as the engine will read it (``settings.parse_embedder``: one parse)."""
    try:
        return parse_embedder(name(value)).spec
    except ValueError:
        raise Invalid(f'must be "bundled" or "ollama:<model>" (e.g. "ollama:all-minilm"), not {shown(value)}') from None


def known_themes() -> frozenset[str] | None:
    """The theme names the app knows (Textual's built-in ones); None if they cannot be listed."""
    try:
        from textual.theme import BUILTIN_THEMES
    except ImportError:  # pragma: no cover - textual is a dependency
        return None
    return frozenset(BUILTIN_THEMES)


def theme(value: Any) -> str:
    chosen = name(value)
    themes = known_themes()
    if themes is not None and chosen not in themes:
        raise Invalid(f"no theme named {shown(chosen)} (ctrl+p → \"Change theme\" lists them)")
    return chosen


def folder(value: Any) -> Path:
    """A folder, ``~`` expanded; a relative one is made absolute by the caller (against the file)."""
    return Path(name(value)).expanduser()


def ollama_host(value: Any) -> str:
    """An address the client can parse: "http://[::1" passed, then every command that reached Ollama
    ended in a traceback."""
    host = name(value)
    try:
        split = urllib.parse.urlsplit(host if "://" in host else f"http://{host}")
        _ = split.port  # a port that is not a number raises here
    except ValueError as why:
        raise Invalid(f"{shown(host)} is not an address ({why}); e.g. http://127.0.0.1:11434") from None
    if not split.hostname:
        raise Invalid(f"{shown(host)} names no host; e.g. http://127.0.0.1:11434")
    return host


# -- numbers and flags --------------------------------------------------------------------------------


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid(f"must be a number, not {shown(value)}")
    return float(value)


def seconds(value: Any) -> float:
    chosen = number(value)
    if stall_seconds(chosen) is None:
        raise Invalid(f"must be more than 0 seconds and at most {MAX_STALL_TIMEOUT:g} (a day), not {shown(value)}")
    return chosen


def minutes(value: Any) -> float:
    """Minutes from 0 (never) to a week."""
    chosen = number(value)
    if not 0 <= chosen <= 7 * 24 * 60:
        raise Invalid(f"must be from 0 (never) to {7 * 24 * 60} minutes (a week), not {shown(value)}")
    return chosen


def command(value: Any) -> str:
    """A command line (split like a shell would, run without one)."""
    import shlex

    chosen = text(value)
    try:
        words = shlex.split(chosen)
    except ValueError as exc:
        raise Invalid(f"{shown(value)} is not a command line: {exc}") from None
    if not words:
        raise Invalid("names no command")
    return chosen


def recall_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"must be a whole number, not {shown(value)}")
    if not 0 <= value <= MAX_RECALL_SIZE:
        raise Invalid(f"must be from 0 to {MAX_RECALL_SIZE}, not {value}")
    return value


def context_length(value: Any) -> int:
    low, high = CONTEXT_LENGTHS
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"must be a whole number of tokens, e.g. 8192, not {shown(value)}")
    if not low <= value <= high:
        raise Invalid(f"must be from {low} to {high} tokens, not {value}")
    return value


def relevance(value: Any) -> float:
    chosen = number(value)
    if not 0 <= chosen <= 1:
        raise Invalid(f"must be from 0 to 1, not {shown(value)}")
    return chosen


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, not {shown(value)}")
    return value


# -- lists and tables ---------------------------------------------------------------------------------


def mode_ids(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid(f'must be a list of mode ids, e.g. ["journal"], not {shown(value)}')
    return tuple(dict.fromkeys(value))


def metadata_value(key: str, value: Any) -> str | int | float | bool:
    if key in RESERVED_METADATA:
        raise Invalid(f"{shown(key)} is set by mindpane itself; choose another name")
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid(f"must be a finite number, not {value}")
    if not isinstance(value, str | int | float | bool):
        raise Invalid(f"must be text, a number or true/false, not {shown(value)}")
    return value


def metadata(value: Any) -> dict[str, Any]:
    """A whole metadata table at once (what ``update_config`` writes); loading a file checks it key
    by key instead, so one bad value leaves the others in."""
    if not isinstance(value, dict):
        raise Invalid("must be a table of values")
    return {key: metadata_value(key, item) for key, item in value.items()}
