"""The ``mindpane`` command: the full-screen app by default, ``ask`` for one turn from the shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from tui import __version__
from tui.domain.errors import MindpaneError
from tui.domain.modes import builtin_modes
from tui.domain.records import RecalledMemory
from tui.services.settings import Settings, resolve_settings
from tui.services.turn import Recalled, ReplyChunk, TurnDone, TurnFailed
from tui.text import for_display, local_day, one_line

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
PREVIEW_CHARS = 72


def build_parser() -> argparse.ArgumentParser:
    modes = builtin_modes()
    parser = argparse.ArgumentParser(
        prog="mindpane",
        description="A thought journal and Python code advisor that remembers, on your own Ollama. "
        "Without a command, opens the full-screen app.",
    )
    parser.add_argument("--version", action="version", version=f"mindpane {__version__}")
    parser.add_argument("--data-dir", help="where memories live (default: MINDPANE_DATA_DIR or the user data dir)")
    parser.add_argument("--model", help="Ollama model to use (default: the mode's, else gemma3:4b-it-qat)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    ask = commands.add_parser("ask", help="do one turn: recall, answer, remember",
                              description="Recall related entries, stream the answer, store the exchange.")
    ask.add_argument("--mode", choices=sorted(modes), default="journal", help="journal (default) or code")
    ask.add_argument("--model", dest="ask_model", help="Ollama model for this turn")
    ask.add_argument("--data-dir", dest="ask_data_dir", help="where memories live")
    ask.add_argument("prompt", nargs="+", help="the entry or question; '-' reads it from standard input")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data_dir = getattr(args, "ask_data_dir", None) or args.data_dir
    model = getattr(args, "ask_model", None) or args.model
    settings = resolve_settings(data_dir=data_dir, model=model)
    if args.command == "ask":
        return ask(settings, args.mode, _prompt_text(args.prompt), sys.stdout, sys.stderr)
    return run_app(settings)


def _prompt_text(words: list[str]) -> str:
    if words == ["-"]:
        return sys.stdin.read()
    return " ".join(words)


def run_app(settings: Settings) -> int:
    try:
        from tui.app import MindpaneApp
    except ImportError:
        print("mindpane: the full-screen app is not built yet; use `mindpane ask \"...\"`", file=sys.stderr)
        return EXIT_FAILURE
    MindpaneApp(settings).run()
    return 0


def ask(settings: Settings, mode_name: str, text: str, out: TextIO, err: TextIO) -> int:
    """One turn from the shell. Errors become one line on ``err`` and a non-zero exit."""
    from tui.services.engine import make_chat, make_turns, open_store

    text = text.strip()
    if not text:
        print("mindpane: nothing to ask — give the entry or question as an argument", file=err)
        return EXIT_USAGE
    mode = builtin_modes()[mode_name]
    try:
        store = open_store(settings)
    except MindpaneError as error:
        print(f"mindpane: {error}", file=err)
        return EXIT_FAILURE
    try:
        turns = make_turns(store, make_chat(settings), settings)
        for event in turns.run(mode, text):
            if isinstance(event, Recalled):
                _print_recalled(event.memories, mode.title, out)
            elif isinstance(event, ReplyChunk):
                out.write(for_display(event.text))
                out.flush()
            elif isinstance(event, TurnDone):
                out.write("\n")
            elif isinstance(event, TurnFailed):
                if event.partial:
                    out.write("\n")
                out.flush()
                print(f"mindpane: {event.error}{_kept_note(event)}", file=err)
                return EXIT_FAILURE
    except KeyboardInterrupt:
        print("\nmindpane: interrupted", file=err)
        return EXIT_INTERRUPTED
    finally:
        store.close()
    return 0


def _kept_note(event: TurnFailed) -> str:
    if event.record is not None:
        return " (your entry was saved without a reply)"
    return " (nothing was saved; ask again when it is fixed)"


def _print_recalled(memories: list[RecalledMemory], title: str, out: TextIO) -> None:
    if not memories:
        out.write(f"No earlier {title.lower()} entries recalled.\n\n")
        return
    out.write(f"Recalled {len(memories)} earlier {title.lower()} {'entry' if len(memories) == 1 else 'entries'}:\n")
    for memory in memories:
        record = memory.record
        out.write(f"  {memory.score:.2f}  {local_day(record.created_at)}  {one_line(record.text, PREVIEW_CHARS)}\n")
    out.write("\n")
    out.flush()


if __name__ == "__main__":
    sys.exit(main())
