"""Where mindpane keeps its data and how it reaches Ollama: flags over environment over the config
file over defaults. ``Settings.sources`` says which of the four each value came from; which settings
there are, and the environment variable of each, is ``config_schema``'s table."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.services.config import LoadedConfig

DEFAULT_MODEL = "gemma3:4b-it-qat"
DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"
BUNDLED_EMBEDDER = "bundled"
DEFAULT_STALL_TIMEOUT = 120.0
MAX_STALL_TIMEOUT = 86_400.0
"""A day: no model loads for longer, and a larger number overflows the clocks a socket waits on."""
DEFAULT_THEME = "textual-dark"
DEFAULT_AUTO_LOCK_MINUTES = 15.0
DEFAULT_SYNC_MINUTES = 5.0
OLLAMA_EMBEDDER_PREFIX = "ollama:"


@dataclass(frozen=True)
class EmbedderSpec:
    """What an ``embedder`` setting names: the bundled model, or an Ollama model by name."""

    ollama_model: str | None = None
    """None: the bundled embedder."""

    @property
    def spec(self) -> str:
        """The setting as written, without stray spaces (``bundled``, ``ollama:all-minilm``)."""
        return BUNDLED_EMBEDDER if self.ollama_model is None else f"{OLLAMA_EMBEDDER_PREFIX}{self.ollama_model}"


def parse_embedder(spec: str) -> EmbedderSpec:
    """The one reading of an embedder spec, for the config check and the engine alike (they once
    parsed it each their own way: "ollama: all-minilm" passed the check, then asked Ollama for
    " all-minilm"). Raises ``ValueError`` for anything but ``bundled`` or ``ollama:<model>``."""
    chosen = spec.strip()
    if chosen == BUNDLED_EMBEDDER:
        return EmbedderSpec()
    model = chosen.removeprefix(OLLAMA_EMBEDDER_PREFIX).strip() if chosen.startswith(OLLAMA_EMBEDDER_PREFIX) else ""
    if not model:
        raise ValueError(f"unknown embedder {spec!r}")
    return EmbedderSpec(model)


def ollama_embedding_model(spec: str) -> str | None:
    """The Ollama model an embedder spec names (``parse_embedder``); None for the bundled embedder
    or a spec that does not parse (the config check names that one)."""
    try:
        return parse_embedder(spec).ollama_model
    except ValueError:
        return None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    ollama_host: str = DEFAULT_OLLAMA_HOST
    model: str | None = None
    """A model forced by flag or MINDPANE_MODEL; otherwise the mode's, then ``default_model``."""
    embedder: str = BUNDLED_EMBEDDER
    """``bundled`` (offline MiniLM) or ``ollama:<model>``."""
    connect_timeout: float = 5.0
    stall_timeout: float = DEFAULT_STALL_TIMEOUT
    """Seconds without progress in a reply from Ollama (no new text: silence, or a trickle of bytes)
    before it counts as stalled, model loading included; any other answer must come within it."""
    default_model: str = DEFAULT_MODEL
    """The model of a mode that names none: the config file's ``model``, else DEFAULT_MODEL."""
    theme: str = DEFAULT_THEME
    passphrase_command: str | None = None
    """A locked journal's passphrase comes from this command's output (``pass show mindpane``)
    instead of the terminal; never from an argument."""
    auto_lock_minutes: float = DEFAULT_AUTO_LOCK_MINUTES
    """A locked journal open in the app locks itself after this long without a key pressed (0: never)."""
    create_locked: bool = False
    sync_hub: str | None = None
    """The sync hub's Postgres address, without its password (``mindpane sync init``/``join``)."""
    sync_password_command: str | None = None
    """The hub's database password is this command's output; never in the address or an argument."""
    sync_minutes: float = DEFAULT_SYNC_MINUTES
    """The app syncs in the background this often once the journal is joined to a hub (0: never)."""
    """A journal made in a new data dir is locked from its first entry."""
    config_path: Path | None = None
    """The config file these settings read, where the app remembers the theme; None: none."""
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Per setting: ``flag``, ``env``, ``file`` or ``default``."""
    problems: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """Environment variables that could not be used (the value used instead is named): said once,
    like the config file's problems."""
    data_key: bytes | None = field(default=None, compare=False, repr=False)
    """A locked journal's data key once a shell command has it (``unlocking.unlocked``): what
    ``engine.open_store``/``open_outbox`` open the journal with. Never read from a file or shown."""

    def model_for(self, mode_model: str | None) -> str:
        return self.model or mode_model or self.default_model


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("mindpane", appauthor=False)


def resolve_settings(
    data_dir: str | Path | None = None,
    model: str | None = None,
    env: Mapping[str, str] | None = None,
    config: LoadedConfig | None = None,
) -> Settings:
    """The settings in effect. ``config`` is the checked config file; None reads the one
    MINDPANE_CONFIG in ``env`` names, else the one in the user config dir."""
    from tui.services.config_schema import SETTING

    env = os.environ if env is None else env
    if config is None:
        from tui.services.config import load_config

        config = load_config(None, env)
    file = config.values
    sources: dict[str, str] = {}

    def pick(key: str, flag: Any = None, parse=lambda raw: raw) -> Any:
        if flag:
            sources[key] = "flag"
            return flag
        variable = SETTING[key].env
        raw = env.get(variable) if variable else None
        parsed = parse(raw) if raw else None
        if parsed is not None:
            sources[key] = "env"
            return parsed
        if key in file:
            sources[key] = "file"
            return file[key]
        sources[key] = "default"
        return SETTING[key].default

    problems: list[str] = []

    def stall(raw: str) -> float | None:
        seconds = stall_seconds(raw)
        if seconds is None:
            instead = file.get("stall_timeout", DEFAULT_STALL_TIMEOUT)
            problems.append(f"{SETTING['stall_timeout'].env}={raw!r} is not a number of seconds from 0 to "
                            f"{MAX_STALL_TIMEOUT:g} (e.g. 120); using {instead:g}")
        return seconds

    chosen_dir = pick("data_dir", data_dir) or default_data_dir()
    chosen_model = pick("model", model)
    return Settings(
        data_dir=Path(chosen_dir).expanduser().resolve(),
        ollama_host=pick("ollama_host"),
        model=chosen_model if sources["model"] in ("flag", "env") else None,
        embedder=pick("embedder"),
        stall_timeout=pick("stall_timeout", parse=stall),
        default_model=file.get("model") or DEFAULT_MODEL,
        theme=pick("theme"),
        passphrase_command=pick("passphrase_command"),
        auto_lock_minutes=pick("auto_lock_minutes"),
        create_locked=pick("create_locked"),
        sync_hub=pick("sync_hub"),
        sync_password_command=pick("sync_password_command"),
        sync_minutes=pick("sync_minutes"),
        config_path=config.path,
        sources=sources,
        problems=tuple(problems),
    )


def stall_seconds(raw: object) -> float | None:
    """``raw`` as a stall timeout: a number of seconds above 0 and at most a day; None otherwise
    (text, nan, inf, 0, negative, or 1e300, which no socket timeout can hold)."""
    try:
        value = float(raw) if not isinstance(raw, bool) else math.nan  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and 0 < value <= MAX_STALL_TIMEOUT else None
