"""``mindpane models``: the models Ollama has, marking the one each mode uses;
``mindpane models pull NAME``: download one, with a progress bar on standard error."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any, TextIO

from tui.cli.exits import EXIT_FAILURE, EXIT_INTERRUPTED
from tui.domain.errors import MindpaneError
from tui.domain.llm_models import ModelInfo, model_key
from tui.domain.modes import Mode, builtin_modes
from tui.ports import ChatModel
from tui.services.models import PullState, PullTally, human_size, models_in_use
from tui.services.settings import Settings, ollama_embedding_model
from tui.text import local_day

BAR_WIDTH = 30


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``models`` command to ``commands`` (the result of ``add_subparsers``)."""
    models = commands.add_parser(
        "models", help="list Ollama's models (* marks the one each mode uses); `models pull NAME` gets one",
        description="One line per model Ollama has: name, size, last change, and the modes that use it "
        "(marked *). A mode's model that Ollama does not have is listed as not pulled. "
        "Exit status 1 when Ollama cannot be reached.")
    actions = models.add_subparsers(dest="models_action", metavar="ACTION")
    pull = actions.add_parser(
        "pull", help="download a model into Ollama, with progress",
        description="Download NAME (e.g. gemma3:4b-it-qat) into Ollama, showing progress on standard "
        "error. Interrupting (ctrl+c) stops the download; pulling again resumes it.")
    pull.add_argument("name", metavar="NAME", help="the model, as on https://ollama.com/library")
    return models


def run(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO,
        modes: Mapping[str, Mode] | None = None, chat: ChatModel | None = None) -> int:
    """``modes``: the modes whose models are marked (default: the built-in ones)."""
    if chat is None:
        from tui.services.engine import make_chat

        chat = make_chat(settings)
    if getattr(args, "models_action", None) == "pull":
        return pull(chat, args.name, out, err)
    return list_models(chat, settings, modes if modes is not None else builtin_modes(), out, err)


def list_models(chat: ChatModel, settings: Settings, modes: Mapping[str, Mode], out: TextIO, err: TextIO) -> int:
    try:
        models = chat.list_models()
    except MindpaneError as error:
        print(f"mindpane: {error}", file=err)
        return EXIT_FAILURE
    used = models_in_use(modes.values(), settings)
    listed = {model_key(m.name) for m in models}
    missing = {key: names for key, names in used.items() if key not in listed}
    names = [m.name for m in models] + [_display_name(key, modes, settings) for key in missing]
    width = max((len(name) for name in names), default=0)
    embedding_model = ollama_embedding_model(settings.embedder)
    embedder = model_key(embedding_model) if embedding_model else ""
    for model in models:
        line = _row(model, used.get(model_key(model.name), []), width)
        if model.embedding_only:  # Ollama lists them with the rest; a mode cannot chat with one
            line += "  embeddings only, not for chat" + (" (the embedder)" if model_key(model.name) == embedder else "")
        out.write(line + "\n")
    for key, mode_names in missing.items():
        name = _display_name(key, modes, settings)
        out.write(f"! {name:<{width}}  not pulled  {', '.join(mode_names)} — run `mindpane models pull {name}`\n")
    if not models and not missing:
        out.write(f"Ollama at {chat.host} has no models yet.\n")
    return 0


def _row(model: ModelInfo, mode_names: list[str], width: int) -> str:
    mark = "*" if mode_names else " "
    day = local_day(model.modified) if model.modified else "?"
    line = f"{mark} {model.name:<{width}}  {human_size(model.size):>8}  {day}"
    return f"{line}  {', '.join(mode_names)}" if mode_names else line


def _display_name(key: str, modes: Mapping[str, Mode], settings: Settings) -> str:
    """The model name as the mode spells it (``llama3``, not the key ``llama3:latest``)."""
    for mode in modes.values():
        name = settings.model_for(mode.model)
        if model_key(name) == key:
            return name
    return key


def pull(chat: ChatModel, name: str, out: TextIO, err: TextIO) -> int:
    bar = _ProgressLine(err)
    stream = chat.pull(name)
    try:
        tally = PullTally()
        for progress in stream:
            bar.show(tally.add(progress))
    except MindpaneError as error:
        bar.end()
        print(f"mindpane: {error}", file=err)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        bar.end()
        print(f"mindpane: interrupted; `mindpane models pull {name}` resumes the download", file=err)
        return EXIT_INTERRUPTED
    finally:
        stream.close()  # a no-op after the end; on ctrl+c it closes the connection: Ollama stops
    bar.end()
    out.write(f"Pulled {name}.\n")
    return 0


class _ProgressLine:
    """One progress bar redrawn in place on a terminal; elsewhere (a pipe, a log) a line per step
    and per tenth of the download, so a log stays short."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last = ""
        self._drawn = False

    def show(self, state: PullState) -> None:
        text = render_progress(state)
        if self._tty:
            self._stream.write("\r\x1b[2K" + text)
            self._drawn = True
        else:
            key = f"{state.status}|{round((state.fraction or 0) * 100) // 10}|{state.done}"
            if key == self._last:
                return
            self._last = key
            self._stream.write(text + "\n")
        self._stream.flush()

    def end(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


def render_progress(state: PullState) -> str:
    """``pulling 3f2a…  [#########-----]  45%  1.5 GB / 3.3 GB``, or just the status."""
    fraction = state.fraction
    if fraction is None:
        return state.status
    filled = round(fraction * BAR_WIDTH)
    sizes = f"  {human_size(state.completed if not state.done else state.total)} / {human_size(state.total)}" \
        if state.total else ""
    return f"{state.status:<24}  [{'#' * filled}{'-' * (BAR_WIDTH - filled)}]  {fraction:4.0%}{sizes}"
