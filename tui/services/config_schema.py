"""What the config file may say, said once: every setting (name, check, environment variable,
default, what it is for) and every mode field (name, check, what it is for), in the order they are
written. Loading and checking the file (``config``), which value wins (``settings``), ``config
show``, the starter file ``config init`` writes (``config_starter``) and README's list (held to it
by tests/units/test_config_schema.py) are all made from these rows.

A mode field's default is the ``Mode`` dataclass's own; ``Mode`` has one field per row here, no
more (tests/units/test_config_schema.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.domain.modes import Mode, builtin_modes
from tui.services import config_checks as check
from tui.services.context_length import MOST_BY_DEFAULT
from tui.services.settings import (
    BUNDLED_EMBEDDER,
    DEFAULT_AUTO_LOCK_MINUTES,
    DEFAULT_MODEL,
    DEFAULT_OLLAMA_HOST,
    DEFAULT_STALL_TIMEOUT,
    DEFAULT_SYNC_MINUTES,
    DEFAULT_THEME,
    MAX_STALL_TIMEOUT,
    default_data_dir,
)


@dataclass(frozen=True)
class Setting:
    """One top-level setting of the config file."""

    name: str
    check: Callable[[Any], Any]
    """The value as mindpane uses it, or ``config_checks.Invalid``."""
    env: str | None
    """The environment variable that wins over the file; None: the file only."""
    default: Any
    """What is used when neither flag, environment nor file says; None: worked out at run time."""
    doc: str
    """What it is for: the comment above it in the starter file."""
    unset_example: Callable[[], Any] | None = None
    """For a setting with no fixed default: what the starter file shows, commented out."""
    relative_to_file: bool = False
    """A relative path in the file is relative to the file's folder."""

    def read(self, value: Any, base: Path) -> Any:
        """``value`` from a file in ``base``, checked; raises ``config_checks.Invalid``."""
        chosen = self.check(value)
        return base / chosen if self.relative_to_file and not chosen.is_absolute() else chosen


@dataclass(frozen=True)
class ModeField:
    """One field of a ``[modes.<id>]`` table (a field of ``Mode`` of the same name)."""

    name: str
    check: Callable[[Any], Any]
    doc: str
    """What it is for, in the starter file's list of fields (a line break continues the line)."""
    unset_example: Callable[[Mode], Any] | None = None
    """For a field a built-in mode leaves unset (None): what the starter file shows, commented out."""


SETTINGS: tuple[Setting, ...] = (
    Setting("ollama_host", check.ollama_host, "OLLAMA_HOST", DEFAULT_OLLAMA_HOST, "Where Ollama listens."),
    Setting("model", check.name, "MINDPANE_MODEL", DEFAULT_MODEL,
            "The model of every mode that does not name its own."),
    Setting("embedder", check.embedder, "MINDPANE_EMBEDDER", BUNDLED_EMBEDDER,
            'How entries are embedded: "bundled" (a small offline model) or "ollama:<model>", e.g. '
            '"ollama:all-minilm". Each embedder keeps its own index, built from your entries.'),
    Setting("stall_timeout", check.seconds, "MINDPANE_STALL_TIMEOUT", DEFAULT_STALL_TIMEOUT,
            f"Seconds without new text from Ollama before a reply counts as stalled (at most {MAX_STALL_TIMEOUT:g})."),
    Setting("theme", check.theme, None, DEFAULT_THEME,
            'The colours. ctrl+p → "Change theme" picks one and remembers it here.'),
    Setting("data_dir", check.folder, "MINDPANE_DATA_DIR", None,
            "Where memories live (a relative path is relative to this file). Unset: the user data dir.",
            unset_example=lambda: str(default_data_dir()), relative_to_file=True),
    Setting("create_locked", check.flag, None, False,
            "true: a journal made in a new data dir is locked with a passphrase from the start\n"
            "(`mindpane lock` locks one that exists)."),
    Setting("passphrase_command", check.command, None, None,
            "A locked journal's passphrase is this command's output instead of a prompt on the terminal\n"
            "(mindpane never takes it as an argument).", unset_example=lambda: "pass show mindpane"),
    Setting("auto_lock_minutes", check.minutes, None, DEFAULT_AUTO_LOCK_MINUTES,
            "A locked journal open in the app locks itself after this many minutes without a key pressed (0: never)."),
    Setting("sync_hub", check.text, None, None,
            "The sync hub: an ordinary Postgres that relays your entries, encrypted, between your machines.\n"
            "Its address without the password (`mindpane sync init` / `mindpane sync join` set it).",
            unset_example=lambda: "postgresql://mindpane@home-server:5432/mindpane_hub"),
    Setting("sync_password_command", check.command, None, None,
            "The hub's database password is this command's output (never in the address or an argument).",
            unset_example=lambda: "pass show mindpane-hub"),
    Setting("sync_minutes", check.minutes, None, DEFAULT_SYNC_MINUTES,
            "The app syncs with the hub in the background this often, in minutes (0: only `mindpane sync`)."),
)

SETTING_KEYS = tuple(setting.name for setting in SETTINGS)
SETTING = {setting.name: setting for setting in SETTINGS}
SETTING_ENV = {setting.name: setting.env for setting in SETTINGS if setting.env}
"""The environment variable of each setting that has one."""


def _other_modes(mode: Mode) -> list[str]:
    return [name for name in builtin_modes() if name != mode.name]


MODE_FIELDS: tuple[ModeField, ...] = (
    ModeField("title", check.text, "the name on the status line and in the palette"),
    ModeField("system_prompt", check.text, "how the model should answer in this mode"),
    ModeField("model", check.name, "the Ollama model (default: `model` above)",
              unset_example=lambda mode: DEFAULT_MODEL),
    ModeField("recall_size", check.recall_size,
              f"how many earlier entries are recalled per turn (0 to {check.MAX_RECALL_SIZE})"),
    ModeField("min_relevance", check.relevance, "0 to 1: weaker matches are not recalled"),
    ModeField("pin_limit", check.recall_size, "how many pinned entries (p in the history or receipts) go into "
              f"each prompt (0 to {check.MAX_RECALL_SIZE})"),
    ModeField("context_length", check.context_length,
              "tokens the model sees at once, prompt and reply (Ollama's num_ctx, "
              f"{check.CONTEXT_LENGTHS[0]} to {check.CONTEXT_LENGTHS[1]});\n"
              f"unset: the model's own num_ctx, else what it was made for, at most {MOST_BY_DEFAULT}",
              unset_example=lambda mode: MOST_BY_DEFAULT),
    ModeField("keep_unanswered", check.flag, "store the text even when the model fails (true for a journal)"),
    ModeField("metadata", check.metadata, 'a table of values stamped on every entry, e.g. { team = "core" }'),
    ModeField("recall_from", check.mode_ids,
              "other modes' ids whose entries it always recalls too (default: only its own)"),
    ModeField("may_read", check.mode_ids, "other modes' ids that \"also recall from other modes\" (F9, one turn) "
              "may read\n(default: every other mode; [] refuses the toggle)", unset_example=_other_modes),
    ModeField("placeholder", check.text_or_empty, "what the empty prompt says"),
    ModeField("intro", check.text_or_empty, "what an empty transcript says"),
    ModeField("entry_label", check.text, 'the name of what you write ("Entry", "Question")'),
    ModeField("reply_label", check.text, 'the name of what the model answers ("Reflection", "Answer")'),
    ModeField("traceback_recall", check.flag,
              "a pasted Python traceback recalls earlier exchanges with the same exception first"),
    ModeField("on_this_day", check.flag, "opening the mode shows entries from this day a week, a month, years ago"),
    ModeField("mark_questions", check.flag, 'tell a question to the journal ("what did I write about Sam?") from an '
              "entry\nwhen it is sent (F7 in the prompt, q on a turn or a history row flips it)"),
    ModeField("recall_questions", check.flag,
              "recall those questions as memories too (default: kept and searchable, not recalled)"),
)

MODE_FIELD_NAMES = tuple(field.name for field in MODE_FIELDS)
MODE_FIELD = {field.name: field for field in MODE_FIELDS}
