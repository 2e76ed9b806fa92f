"""The ``mindpane`` command: the full-screen app by default, ``ask`` for one turn from the shell."""

from __future__ import annotations

import gc
import re
import sys
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO, cast

from tui import __version__
from tui.cli.exits import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, PipeOut
from tui.domain.errors import MindpaneError
from tui.services.config import LoadedConfig, load_config, load_modes
from tui.services.settings import Settings, resolve_settings
from tui.text import entry_preview, for_display, local_day, one_line, room_note

if TYPE_CHECKING:
    import argparse

    from tui.domain.modes import Mode
    from tui.domain.records import RecalledMemory
    from tui.services.turn_events import TurnFailed

# The subcommands' modules (and argparse) are imported when a command line needs them: a plain
# `mindpane` opens the app without building a parser, and the first frame waits for nothing else.

PREVIEW_CHARS = 72


def build_parser(modes: Mapping[str, Mode] | None = None) -> argparse.ArgumentParser:
    import argparse

    from tui.cli import config as cli_config
    from tui.cli import doctor as cli_doctor
    from tui.cli import lock as cli_lock
    from tui.cli import models as cli_models
    from tui.cli import search as cli_search
    from tui.cli import sync as cli_sync
    from tui.cli import transfer as cli_transfer

    modes = modes or load_modes(None)
    parser = argparse.ArgumentParser(
        prog="mindpane",
        description="A thought journal and Python code advisor that remembers, on your own Ollama. "
        "Without a command, opens the full-screen app.",
    )
    parser.add_argument("--version", action="version", version=f"mindpane {__version__}")
    parser.add_argument("--config", metavar="PATH", help="the config file (default: MINDPANE_CONFIG or "
                        "~/.config/mindpane/config.toml; see `mindpane config path`)")
    parser.add_argument("--data-dir", help="where memories live (default: MINDPANE_DATA_DIR or the user data dir)")
    parser.add_argument("--model", help="Ollama model to use (default: the mode's, else gemma3:4b-it-qat)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    ask = commands.add_parser("ask", help="do one turn: recall, answer, remember",
                              description="Recall related entries, stream the answer, store the exchange.")
    ask.add_argument("--mode", choices=list(modes), default="journal",
                     help=f"one of {', '.join(modes)} (default: journal)")
    ask.add_argument("--model", dest="ask_model", help="Ollama model for this turn")
    ask.add_argument("--data-dir", dest="ask_data_dir", help="where memories live")
    ask.add_argument("prompt", nargs="+", help="the entry or question; '-' reads it from standard input")
    cli_doctor.add_parser(commands)
    cli_config.add_parser(commands)
    cli_models.add_parser(commands)
    cli_transfer.add_parser(commands)
    cli_search.add_parser(commands)
    cli_lock.add_parser(commands)
    cli_sync.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:  # plain `mindpane`, the usual launch: the app, with no parser to build
        config = load_config(None)
        return run_app(resolve_settings(config=config), config)
    config = load_config(_config_flag(argv))
    modes = load_modes(config)
    args = build_parser(modes).parse_args(argv)
    data_dir = getattr(args, "ask_data_dir", None) or args.data_dir
    model = getattr(args, "ask_model", None) or args.model
    settings = resolve_settings(data_dir=data_dir, model=model, config=config)
    if args.command is None:
        return run_app(settings, config)
    gc.enable()  # paused for start-up by `tui.__main__`; only the app waits for its first frame
    return _run_command(args, config, settings, modes)


def _run_command(args: argparse.Namespace, config: LoadedConfig, settings: Settings,
                 modes: Mapping[str, Mode]) -> int:
    from tui.cli import config as cli_config

    cli_config.report_problems(config, args, sys.stderr, settings)  # the app shows them itself
    if args.command == "ask":
        return ask(settings, args.mode, _prompt_text(args.prompt), sys.stdout, sys.stderr, modes)
    out = cast(TextIO, PipeOut(sys.stdout))  # `mindpane doctor | head -1`: a reader gone early ends it quietly
    if args.command == "doctor":
        from tui.cli import doctor as cli_doctor

        return cli_doctor.run(settings, args, out, sys.stderr)
    if args.command == "config":
        return cli_config.run(config, settings, modes, args, out, sys.stderr)
    if args.command == "models":
        from tui.cli import models as cli_models

        return cli_models.run(settings, args, out, sys.stderr, modes)
    if args.command in ("export", "import"):
        from tui.cli import transfer as cli_transfer

        return cli_transfer.run(settings, args, sys.stdout, sys.stderr, modes)
    if args.command == "search":
        from tui.cli import search as cli_search

        return cli_search.run(settings, args, sys.stdout, sys.stderr, modes)
    if args.command in ("lock", "unlock", "passphrase", "init"):
        from tui.cli import lock as cli_lock

        return cli_lock.run(settings, args, sys.stdout, sys.stderr)
    if args.command == "sync":
        from tui.cli import sync as cli_sync

        return cli_sync.run(settings, args, out, sys.stderr)
    raise AssertionError(f"the parser accepted a command nothing runs: {args.command!r}")


def _config_flag(argv: Sequence[str]) -> str | None:
    """``--config PATH`` ahead of the real parse: the file decides which modes ``--mode`` offers."""
    import argparse

    early = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    early.add_argument("--config")
    try:
        return early.parse_known_args(argv)[0].config
    except argparse.ArgumentError:
        return None  # the real parse says what is wrong


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
"""How Python carries a byte that is not UTF-8 in a ``str`` (``surrogateescape``: argv, and stdin
under a C locale). No store can encode it, so it never gets past :func:`_prompt_text`."""
_KEPT_CLAUSE = re.compile(r"[;,]?\s*your text is kept", re.IGNORECASE)


def _prompt_text(words: list[str], err: TextIO | None = None) -> str:
    """The prompt from the arguments, or from standard input for ``-``.

    Standard input is read as bytes and decoded as UTF-8; a byte that is not UTF-8 (a file saved in
    Latin-1, a paste from an old terminal) becomes U+FFFD and the person is told how many there
    were. Refusing the whole text for one byte would throw away what they wrote.
    """
    if words == ["-"]:
        stream = sys.stdin
        raw = getattr(stream, "buffer", None)
        text = raw.read().decode("utf-8", errors="surrogateescape") if raw is not None else stream.read()
    else:
        text = " ".join(words)
    text, replaced = _ESCAPED_BYTE.subn("\ufffd", text)
    if replaced:
        where = "standard input" if words == ["-"] else "the arguments"
        print(f"mindpane: {where} is not valid UTF-8: replaced {replaced} invalid "
              f"{'byte' if replaced == 1 else 'bytes'} with U+FFFD", file=err or sys.stderr)
    return text


def run_app(settings: Settings, config: LoadedConfig | None = None) -> int:
    from tui.app import MindpaneApp  # here, not at the top: `mindpane ask` never imports Textual

    MindpaneApp(settings, config=config).run()
    return 0


def ask(settings: Settings, mode_name: str, text: str, out: TextIO, err: TextIO,
        modes: Mapping[str, Mode] | None = None) -> int:
    """One turn from the shell. Errors become one line on ``err`` and a non-zero exit.

    A reader that stops early (``mindpane ask … | head -8``) stops the printing, not the turn: the
    reply is still read to its end and stored with the entry, and the exit status is 0 (see
    :class:`~tui.cli.exits.PipeOut` for why not 141).
    """
    from tui.services.engine import make_chat, make_turns, open_outbox, open_store, outbox_error, privacy_notice
    from tui.services.outbox import replay_pending
    from tui.services.turn_events import Recalled, ReplyChunk, TurnDone, TurnFailed
    from tui.services.unlocking import unlocked_or_made

    text = text.strip()
    if not text:
        print("mindpane: nothing to ask — give the entry or question as an argument", file=err)
        return EXIT_USAGE
    modes = modes or load_modes(None)
    mode = modes[mode_name]
    turn_id = str(uuid.uuid4())
    try:  # on the disk before anything slow happens: a kill from here on loses nothing
        settings = unlocked_or_made(settings)  # a locked journal (or a new one): its passphrase first
        outbox = open_outbox(settings)
        try:
            outbox.put_pending(turn_id, mode.name, text, datetime.now(UTC))
        except Exception as exc:
            outbox.close()
            raise outbox_error(exc, settings) from exc
    except MindpaneError as error:
        print(f"mindpane: {error}", file=err)
        _show_unkept(text, err)
        return EXIT_FAILURE
    try:
        store = open_store(settings, outbox=outbox, index_later=True)
    except MindpaneError as error:
        outbox.close()
        print(f"mindpane: {error} (your text is kept and is stored the next time mindpane opens the store)",
              file=err)
        return EXIT_FAILURE
    notice = privacy_notice()
    if notice:
        print(f"mindpane: {notice}", file=err)
    try:
        try:
            waiting = replay_pending(store, modes, frozenset({turn_id})).waiting
        except MindpaneError as error:  # e.g. the embedding model is not pulled: earlier entries wait too
            print(f"mindpane: {_error_line(error, None, mode)}", file=err)
            return EXIT_FAILURE
        if waiting:
            print(f"mindpane: {len(waiting)} unanswered question{'s are' if len(waiting) != 1 else ' is'} kept "
                  "from earlier; open mindpane and press ctrl+r to answer", file=err)
        turns = make_turns(store, make_chat(settings), settings, dict(modes))
        out = PipeOut(out)  # type: ignore[assignment]  # a closed stdout drops the printing, never the turn
        for event in turns.run(mode, text, turn_id=turn_id):
            if isinstance(event, Recalled):
                _print_recalled(event.memories, mode.title, out, event.nothing_found, event.left_out,
                                event.text_clipped, mode.entry_label)
            elif isinstance(event, ReplyChunk):
                out.write(for_display(event.text))
                out.flush()
            elif isinstance(event, TurnDone):
                out.write("\n")
                out.flush()  # here, not at exit: a closed pipe is an error this command can still handle
            elif isinstance(event, TurnFailed):
                if event.partial:
                    out.write("\n")
                out.flush()
                print(f"mindpane: {_failure_line(event, mode)}", file=err)
                return EXIT_FAILURE
    except KeyboardInterrupt:
        print("\nmindpane: interrupted", file=err)
        return EXIT_INTERRUPTED
    finally:
        store.close()
    return 0


def _show_unkept(text: str, err: TextIO) -> None:
    """The text that could not be put on the disk, shown whole so it is not lost (it may have come
    from standard input); a terminal gets it without escape sequences."""
    shown = for_display(text) if getattr(err, "isatty", lambda: False)() else text
    print(f"mindpane: your text was not stored; here it is:\n{shown}", file=err)


def _failure_line(event: TurnFailed, mode: Mode | None = None) -> str:
    """The error and what became of the entry, saying it once. An error's hint is written for the
    full-screen app, where "your text is kept" means the prompt still holds it; here the only
    truthful note is whether the store has the entry."""
    return _error_line(event.error, event.record, mode)


def _error_line(error: MindpaneError, record: object, mode: Mode | None) -> str:
    hint = _KEPT_CLAUSE.sub("", error.hint).strip(" ;,")
    note = _kept_note(record, mode)
    return f"{error.message} — {hint}{note}" if hint else f"{error.message}{note}"


def _kept_note(record: object, mode: Mode | None = None) -> str:
    """What became of the text, in the mode's word for it: a journal's entry waits in the outbox and is
    stored at the next open; a question (stored only with its answer) waits for ctrl+r."""
    word = mode.entry_label.lower() if mode is not None else "question"
    if record is not None:
        return f" (your {word} was saved without a reply)"
    if mode is not None and mode.keep_unanswered:
        return f" (your {word} is kept and is stored the next time mindpane opens the store)"
    return f" (your {word} is kept; open mindpane and press ctrl+r to ask it again)"


def _print_recalled(memories: list[RecalledMemory], title: str, out: TextIO, nothing_found: str = "",
                    left_out: Sequence[str] = (), text_clipped: bool = False, entry_label: str = "entry") -> None:
    """The receipts, each with its reason; ``nothing_found`` says the day asked about was empty,
    ``left_out`` (ids) and ``text_clipped`` what the model's context had no room for."""
    label = entry_label.lower()
    if text_clipped:
        out.write(f"Your {label} is longer than the model's context: only its beginning was sent "
                  f"(the whole {label} is kept).\n")
    if nothing_found or not memories:
        out.write(f"{nothing_found or f'No earlier {title.lower()} entries recalled.'}\n")
    if not memories:
        out.write("\n")
        return
    room = room_note(len(left_out))
    out.write(f"Recalled {len(memories)} earlier {title.lower()} {'entry' if len(memories) == 1 else 'entries'}"
              f"{f' ({room})' if room else ''}:\n")
    for memory in memories:
        record = memory.record
        preview = entry_preview(record.text, PREVIEW_CHARS)
        note = "(left out for room) " if record.id in left_out else ""
        out.write(f"  {memory.score:.2f}  {local_day(record.created_at)}  {note}{preview}\n")
        if memory.reason:
            out.write(f"        ↳ {one_line(memory.reason, PREVIEW_CHARS)}\n")
    out.write("\n")
    out.flush()


if __name__ == "__main__":
    sys.exit(main())
