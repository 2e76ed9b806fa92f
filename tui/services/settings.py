"""Where mindpane keeps its data and how it reaches Ollama: flags over environment over defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "gemma3:4b-it-qat"
DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"
BUNDLED_EMBEDDER = "bundled"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    ollama_host: str = DEFAULT_OLLAMA_HOST
    model: str | None = None
    """A model forced by flag or MINDPANE_MODEL; otherwise the mode's, then DEFAULT_MODEL."""
    embedder: str = BUNDLED_EMBEDDER
    """``bundled`` (offline MiniLM) or ``ollama:<model>``."""
    connect_timeout: float = 5.0
    stall_timeout: float = 120.0
    """Seconds without a byte from Ollama before a reply counts as stalled (model loading included)."""

    def model_for(self, mode_model: str | None) -> str:
        return self.model or mode_model or DEFAULT_MODEL


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("mindpane", appauthor=False)


def resolve_settings(
    data_dir: str | Path | None = None,
    model: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    env = os.environ if env is None else env
    chosen_dir = data_dir or env.get("MINDPANE_DATA_DIR") or default_data_dir()
    return Settings(
        data_dir=Path(chosen_dir).expanduser().resolve(),
        ollama_host=env.get("OLLAMA_HOST") or DEFAULT_OLLAMA_HOST,
        model=model or env.get("MINDPANE_MODEL") or None,
        embedder=env.get("MINDPANE_EMBEDDER") or BUNDLED_EMBEDDER,
        stall_timeout=_positive_float(env.get("MINDPANE_STALL_TIMEOUT"), 120.0),
    )


def _positive_float(raw: str | None, default: float) -> float:
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default
