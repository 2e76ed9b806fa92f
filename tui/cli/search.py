"""``mindpane search``: find entries by words, "phrases", #tags, days and mode, from the shell.

    mindpane search QUERY... [--mode M] [--json] [--limit N] [--offset N]

Exact matches come from the record alone (``entries.db``), newest first, so it works while the app
is open. When nothing matches exactly and the query has words, the closest entries by meaning are
shown instead (that opens the whole store), and stderr says so.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from tui.cli.exits import EXIT_FAILURE, EXIT_USAGE, PipeOut
from tui.domain.errors import MindpaneError
from tui.domain.modes import Mode, builtin_modes
from tui.services.settings import Settings

PREVIEW_CHARS = 72
RECORD_FILE = "entries.db"


def add_parser(commands: Any) -> None:
    """Add ``search`` to ``commands`` (the result of ``add_subparsers``)."""
    from tui.domain.search import SYNTAX_HELP

    search = commands.add_parser(
        "search", help="find entries: words, \"phrases\", #tags, on:/since:/until:DAY, mode:NAME",
        description=f"Entries matching every part of QUERY, newest first ({SYNTAX_HELP}). Words match "
        "exactly, accents ignored; when nothing matches and QUERY has words, the closest entries by meaning "
        "are shown instead.")
    search.add_argument("query", nargs="+", metavar="QUERY", help="the search, e.g. '#garden since:2026-11-01'")
    search.add_argument("--mode", dest="search_mode", metavar="MODE", help="only this mode's entries")
    search.add_argument("--json", dest="search_json", action="store_true",
                        help="print the entries as mindpane export's JSON (a list)")
    search.add_argument("--limit", type=int, default=50, help="at most this many entries (default 50)")
    search.add_argument("--offset", type=int, default=0, help="skip this many newest matches (paging)")
    search.add_argument("--data-dir", dest="search_data_dir", metavar="DIR", help="where memories live")


def run(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO,
        modes: Mapping[str, Mode] | None = None) -> int:
    from tui.domain.search import SearchQueryError, parse_query

    chosen = getattr(args, "search_data_dir", None)
    if chosen:
        settings = replace(settings, data_dir=Path(chosen).expanduser().resolve())
    modes = modes if modes is not None else builtin_modes()
    try:
        query = parse_query(" ".join(args.query))
    except SearchQueryError as error:
        print(f"mindpane: search: {error}", file=err)
        return EXIT_USAGE
    if args.search_mode:
        query = replace(query, mode=args.search_mode)
    if query.mode is not None and query.mode not in modes:
        print(f"mindpane: search: unknown mode {query.mode!r} (known modes: {', '.join(modes)})", file=err)
        return EXIT_USAGE
    if args.limit < 1 or args.offset < 0:
        print("mindpane: search: --limit must be at least 1 and --offset at least 0", file=err)
        return EXIT_USAGE
    try:
        from tui.services.unlocking import unlocked_or_made

        settings = unlocked_or_made(settings)  # a locked journal: its passphrase, once the query is known good
        records, total = _exact(settings, query, args.offset, args.limit)
        recalled = []
        if total == 0 and query.words:
            recalled = _closest(settings, query, modes)
    except MindpaneError as error:
        print(f"mindpane: {error}", file=err)
        return EXIT_FAILURE
    if recalled:
        print(f"mindpane: no exact match for {query.text} — {len(recalled)} closest by meaning", file=err)
        records = [memory.record for memory in recalled]
    shown = PipeOut(out)  # `mindpane search … | head -3`: a reader that stops early ends it quietly, status 0
    _write(records, shown, args.search_json, [memory.score for memory in recalled] or None)
    if shown.closed_early:
        return 0
    if not recalled:
        shown = f"{args.offset + 1:,}–{args.offset + len(records):,} of " if records and len(records) < total else ""
        print(f"mindpane: {shown}{total:,} {'match' if total == 1 else 'matches'} for {query.text}", file=err)
    return 0


def _exact(settings: Settings, query: Any, offset: int, limit: int) -> tuple[list, int]:
    from tui.services.engine import open_outbox, outbox_error

    if not (settings.data_dir / RECORD_FILE).is_file():
        return [], 0
    record = open_outbox(settings)
    try:
        return record.search(query, offset, limit)
    except MindpaneError:
        raise
    except Exception as exc:  # a damaged or unreadable record
        raise outbox_error(exc, settings) from exc
    finally:
        record.close()


def _closest(settings: Settings, query: Any, modes: Mapping[str, Mode]) -> list:
    """The closest entries by meaning, in the query's mode (else every mode), best first."""
    from tui.services.engine import open_store

    if not (settings.data_dir / RECORD_FILE).is_file():
        return []
    store = open_store(settings, index_later=True)  # recall reads the record's vectors: no Chroma
    try:
        searched = [modes[query.mode]] if query.mode else list(modes.values())
        found = [memory for mode in searched for memory in store.recall(query.meaning, mode, k=10, min_score=0)]
    finally:
        store.close()
    return sorted(found, key=lambda memory: -memory.score)[:10]


def _write(records: list, out: Any, as_json: bool, scores: list[float] | None) -> None:
    from tui.services.export import _dumps, entry_json
    from tui.text import entry_preview, local_minute

    if as_json:
        out.write(_dumps([entry_json(record) for record in records], indent=2) + "\n")
        out.flush()  # here, not at exit: a closed pipe is an error this command can still handle
        return
    for n, record in enumerate(records):
        score = f"{scores[n]:.2f}  " if scores else ""
        out.write(f"{score}{local_minute(record.created_at)}  {record.mode:<8}  "
                  f"{entry_preview(record.text, PREVIEW_CHARS)}\n")
    out.flush()
