"""The starter config file ``mindpane config init`` writes: every setting with its default and a
comment, and the built-in modes written out as a person would write their own."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from typing import Any

from tui.domain.modes import Mode, builtin_modes
from tui.services.settings import (
    BUNDLED_EMBEDDER,
    DEFAULT_MODEL,
    DEFAULT_OLLAMA_HOST,
    DEFAULT_STALL_TIMEOUT,
    DEFAULT_THEME,
    default_data_dir,
)

WRAP = 92

HEAD = """\
# mindpane's config file. Every setting is written out with its default; change what you like.
# Flags (--model, --data-dir) and environment variables (OLLAMA_HOST, MINDPANE_MODEL,
# MINDPANE_EMBEDDER, MINDPANE_STALL_TIMEOUT, MINDPANE_DATA_DIR) win over this file.
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
#   title            the name on the status line and in the palette
#   system_prompt    how the model should answer in this mode
#   model            the Ollama model (default: `model` above)
#   recall_size      how many earlier entries are recalled per turn (0 to 50)
#   min_relevance    0 to 1: weaker matches are not recalled
#   pin_limit        how many pinned entries (p in the history or receipts) go into each prompt (0 to 50)
#   context_length   tokens the model sees at once, prompt and reply (Ollama's num_ctx, 512 to 1048576);
#                    unset: the model's own num_ctx, else what it was made for, at most 8192
#   keep_unanswered  store the text even when the model fails (true for a journal)
#   metadata         a table of values stamped on every entry, e.g. { team = "core" }
#   recall_from      other modes' ids whose entries it always recalls too (default: only its own)
#   may_read         other modes' ids that "also recall from other modes" (F9, one turn) may read
#                    (default: every other mode; [] refuses the toggle)
#   placeholder      what the empty prompt says
#   intro            what an empty transcript says
#   entry_label      the name of what you write ("Entry", "Question")
#   reply_label      the name of what the model answers ("Reflection", "Answer")
#   on_this_day      opening the mode shows entries from this day a week, a month, years ago
#   mark_questions   tell a question to the journal ("what did I write about Sam?") from an entry
#                    when it is sent (F7 in the prompt, q on a turn or a history row flips it)
#   recall_questions recall those questions as memories too (default: kept and searchable, not recalled)
"""

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
    parts = [HEAD, *_settings(), MODES_HEAD]
    for mode in builtin_modes().values():
        parts.append(_mode_table(mode))
    parts.append(EXAMPLE)
    return "\n".join(parts)


def _settings() -> Iterable[str]:
    yield f"# Where Ollama listens.\nollama_host = {toml_value(DEFAULT_OLLAMA_HOST)}\n"
    yield f"# The model of every mode that does not name its own.\nmodel = {toml_value(DEFAULT_MODEL)}\n"
    yield ('# How entries are embedded: "bundled" (a small offline model) or "ollama:<model>", e.g.\n'
           '# "ollama:all-minilm". Each embedder keeps its own index, built from your entries.\n'
           f"embedder = {toml_value(BUNDLED_EMBEDDER)}\n")
    yield ("# Seconds without new text from Ollama before a reply counts as stalled (at most 86400).\n"
           f"stall_timeout = {toml_value(int(DEFAULT_STALL_TIMEOUT))}\n")
    yield ('# The colours. ctrl+p → "Change theme" picks one and remembers it here.\n'
           f"theme = {toml_value(DEFAULT_THEME)}\n")
    yield ("# Where memories live (a relative path is relative to this file). Unset: the user data dir.\n"
           f"# data_dir = {toml_value(str(default_data_dir()))}\n")


def _mode_table(mode: Mode) -> str:
    lines = [f"[modes.{mode.name}]", f"title = {toml_value(mode.title)}",
             f"system_prompt = {toml_value(mode.system_prompt, wrap=True)}",
             f"model = {toml_value(mode.model)}" if mode.model else f"# model = {toml_value(DEFAULT_MODEL)}",
             f"recall_size = {toml_value(mode.recall_size)}", f"min_relevance = {toml_value(mode.min_relevance)}",
             f"pin_limit = {toml_value(mode.pin_limit)}",
             f"context_length = {toml_value(mode.context_length)}" if mode.context_length
             else "# context_length = 8192",
             f"keep_unanswered = {toml_value(mode.keep_unanswered)}", f"metadata = {toml_value(mode.metadata)}",
             f"recall_from = {toml_value(list(mode.recall_from))}", f"placeholder = {toml_value(mode.placeholder)}",
             f"intro = {toml_value(mode.intro, wrap=True)}", f"entry_label = {toml_value(mode.entry_label)}",
             f"reply_label = {toml_value(mode.reply_label)}", f"on_this_day = {toml_value(mode.on_this_day)}",
             f"mark_questions = {toml_value(mode.mark_questions)}",
             f"recall_questions = {toml_value(mode.recall_questions)}"]
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
