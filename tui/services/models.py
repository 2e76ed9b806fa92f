"""Choosing and getting models: which mode uses which model, a mode's model changed at run time
(and saved to the config file), and a pull's progress added up over its layers.

The CLI (``mindpane models``) and the TUI (model picker, pull dialog) both use this; neither talks
to the Ollama adapter directly — they go through a ``ChatModel``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path

from tui.domain.errors import MindpaneError
from tui.domain.llm_models import PullProgress, model_key
from tui.domain.modes import Mode
from tui.ports import ChatModel
from tui.services.settings import Settings


def models_in_use(modes: Iterable[Mode], settings: Settings) -> dict[str, list[str]]:
    """``model_key(model)`` → names of the modes that use that model (in mode order)."""
    used: dict[str, list[str]] = {}
    for mode in modes:
        used.setdefault(model_key(settings.model_for(mode.model)), []).append(mode.name)
    return used


def human_size(size: int) -> str:
    """Bytes the way Ollama shows them (decimal units): ``3.3 GB``, ``850 MB``, ``512 B``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit in ("B", "KB") or value >= 100 else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


# -- a mode's model, changed at run time -----------------------------------------------------------


def set_mode_model(modes: MutableMapping[str, Mode], mode_name: str, model: str) -> Mode:
    """Make mode ``mode_name`` use ``model`` from now on, and return the changed mode.

    Modes are values, so the mode is replaced in ``modes`` — the workspace's dict, which the turn
    service and the chat pane read at each turn: the next turn of that mode asks ``model``. A model
    forced for every mode (``--model``, ``MINDPANE_MODEL``) still wins: see ``Settings.model_for``.
    """
    mode = replace(modes[mode_name], model=model)
    modes[mode_name] = mode
    return mode


def save_mode_model(settings: Settings, mode_name: str, model: str) -> Path | None:
    """Write ``modes.<mode>.model = model`` to the config file (comments and layout kept) and
    return its path; None when these settings read no config file (nothing is written then).
    Blocking (file I/O): call from a worker. Raises a ``MindpaneError`` (``ConfigError``)."""
    path = settings.config_path
    if path is None:
        return None
    from tui.services.config import update_config

    try:
        update_config(path, f"modes.{mode_name}.model", model)
    except MindpaneError:
        raise
    except Exception as exc:
        raise MindpaneError(
            f"Could not save the model choice to {path}: {type(exc).__name__}: {exc}",
            hint="the choice holds until mindpane quits; set it in the config file by hand",
        ) from exc
    return Path(path)


# -- pulling ---------------------------------------------------------------------------------------


def pull_until(chat: ChatModel, model: str, cancelled: Callable[[], bool]) -> Iterator[PullProgress]:
    """``chat.pull(model)``, stopped — and its connection closed — once ``cancelled()`` is true
    (checked as each progress line arrives, in the thread that reads the stream)."""
    stream = chat.pull(model)
    try:
        for progress in stream:
            if cancelled():
                return
            yield progress
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


@dataclass(frozen=True)
class PullState:
    """A pull so far: the server's last words and the bytes of every layer seen, added up."""

    status: str
    completed: int
    total: int
    done: bool = False

    @property
    def fraction(self) -> float | None:
        """0.0–1.0, or None while nothing is known about the size yet."""
        if self.done:
            return 1.0
        if not self.total:
            return None
        return min(self.completed / self.total, 1.0)


class PullTally:
    """Adds up a pull's progress lines (one per layer and step) into one overall state."""

    def __init__(self) -> None:
        self._layers: dict[str, tuple[int, int]] = {}
        self.state = PullState("", 0, 0)

    def add(self, progress: PullProgress) -> PullState:
        if progress.total:
            layer = progress.digest or progress.status
            self._layers[layer] = (min(progress.completed or 0, progress.total), progress.total)
        completed = sum(done for done, _ in self._layers.values())
        total = sum(size for _, size in self._layers.values())
        self.state = PullState(progress.status, completed, total, self.state.done or progress.succeeded)
        return self.state
