"""``mindpane export`` and ``mindpane import``: entries out (JSON, Markdown, jrnl) and back in.

    mindpane export [--format json|md|jrnl] [--mode M] [--since DATE] [--until DATE] [-o PATH [--force]]
    mindpane import PATH [--format auto|json|jrnl|jrnl-txt] [--mode M] [--dry-run] [--skip-bad]

Export reads only the record (``entries.db``), so it works while the app is open. Import checks the
whole file before it writes anything; a problem is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from tui.cli.exits import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, silence_stdout
from tui.domain.errors import MindpaneError
from tui.domain.modes import Mode, builtin_modes
from tui.services.settings import Settings

EXPORT_FORMATS = ("json", "md", "jrnl")
IMPORT_FORMATS = ("auto", "json", "jrnl", "jrnl-txt")
RECORD_FILE = "entries.db"


def add_parser(commands: Any) -> None:
    """Add ``export`` and ``import`` to ``commands`` (the result of ``add_subparsers``)."""
    export = commands.add_parser(
        "export", help="write every entry out: lossless JSON, Markdown to read, or jrnl's JSON",
        description="Entries oldest first, to standard output or -o PATH. json is lossless (mindpane import "
        "reads it back exactly); md has a section per day; jrnl is jrnl's JSON export, each reply at the end "
        "of its body after a '--- reply ---' line.")
    export.add_argument("--format", dest="export_format", choices=EXPORT_FORMATS, default="json",
                        help="json (default), md or jrnl")
    export.add_argument("--mode", dest="export_mode", metavar="MODE", help="only this mode's entries")
    export.add_argument("--since", metavar="DATE",
                        help="from this local day YYYY-MM-DD (or ISO 8601 time) on, inclusive")
    export.add_argument("--until", metavar="DATE",
                        help="up to this local day YYYY-MM-DD (or ISO 8601 time), inclusive")
    export.add_argument("-o", "--output", metavar="PATH",
                        help="write to PATH ('-' or none: standard output); never inside the data dir")
    export.add_argument("--force", action="store_true", help="replace PATH when it already exists")
    export.add_argument("--yes", dest="export_yes", action="store_true",
                        help="a locked journal: export it in clear without asking on the terminal first")
    export.add_argument("--data-dir", dest="transfer_data_dir", metavar="DIR", help="where memories live")

    load = commands.add_parser(
        "import", help="add entries from a mindpane export, jrnl's JSON export or a jrnl journal file",
        description="Entries keep their dates; ones already there are skipped, so importing a file again "
        "adds nothing. A malformed file imports nothing (exit status 1) unless --skip-bad.")
    load.add_argument("path", metavar="PATH", help="the file to import")
    load.add_argument("--format", dest="import_format", choices=IMPORT_FORMATS, default="auto",
                      help="auto (default), json (mindpane's), jrnl (jrnl --format json) or jrnl-txt "
                      "(a jrnl journal file)")
    load.add_argument("--mode", dest="import_mode", metavar="MODE",
                      help="import every entry into MODE (default: each entry's own; journal for jrnl)")
    load.add_argument("--dry-run", action="store_true", help="say what would be imported; write nothing")
    load.add_argument("--skip-bad", action="store_true",
                      help="import the good entries of a partly malformed file and say which were skipped")
    load.add_argument("--data-dir", dest="transfer_data_dir", metavar="DIR", help="where memories live")


def run(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO,
        modes: Mapping[str, Mode] | None = None) -> int:
    chosen = getattr(args, "transfer_data_dir", None)
    if chosen:
        settings = replace(settings, data_dir=Path(chosen).expanduser().resolve())
    modes = modes if modes is not None else builtin_modes()
    if args.command == "export":
        return run_export(settings, args, out, err, modes)
    return run_import(settings, args, out, err, modes)


# -- export --------------------------------------------------------------------------------------


def run_export(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO,
               modes: Mapping[str, Mode]) -> int:
    from tui.services.export import parse_bound

    try:
        since = parse_bound(args.since, end=False) if args.since else None
        until = parse_bound(args.until, end=True) if args.until else None
    except ValueError as exc:
        print(f"mindpane: export: {exc}", file=err)
        return EXIT_USAGE
    path = Path(args.output).expanduser() if args.output and args.output != "-" else None
    refusal = _output_refusal(path, settings, args.force) if path is not None else None
    if refusal:
        print(f"mindpane: export: {refusal}", file=err)
        return EXIT_FAILURE
    if not _in_clear_agreed(settings, path, getattr(args, "export_yes", False), err):
        return EXIT_FAILURE
    try:
        from tui.services.unlocking import unlocked_or_made

        settings = unlocked_or_made(settings)
        source, close = _export_source(settings)
    except MindpaneError as error:
        print(f"mindpane: {error}", file=err)
        return EXIT_FAILURE
    job = _Export(settings, source, args, since, until, modes)
    try:
        if path is not None:
            return _export_to_file(job, path, err, args.force)
        if out is sys.stdout and (getattr(out, "encoding", "") or "").lower().replace("-", "") != "utf8":
            out.reconfigure(encoding="utf-8")  # a C locale must not turn an é into an error
        job.write(out)
        return 0
    except BrokenPipeError:  # `mindpane export | head`: the reader has all it wants
        silence_stdout(out)
        return 0
    except MindpaneError as error:
        print(f"mindpane: {error}", file=err)
        return EXIT_FAILURE
    finally:
        close()


def _in_clear_agreed(settings: Settings, path: Path | None, yes: bool, err: TextIO) -> bool:
    """A locked journal's export is its entries in clear: said first, then asked on the terminal
    (y/N) unless ``--yes``. A no, or no terminal to ask on, writes nothing."""
    from tui.services import unlocking

    if yes or not unlocking.is_locked(settings):
        return True
    where = path if path is not None else "standard output"
    print(f"mindpane: export: this journal is locked; {where} will hold its entries in clear (not encrypted), "
          "readable by anyone who can read it", file=err)
    agreed = unlocking.confirm("Export the locked journal in clear? [y/N] ")
    if agreed is None:
        print("mindpane: export: nothing written: there is no terminal to ask on; add --yes to export it in clear",
              file=err)
    elif not agreed:
        print("mindpane: export: nothing written", file=err)
    return bool(agreed)


class _Export:
    def __init__(self, settings: Settings, source: Any, args: argparse.Namespace, since: Any, until: Any,
                 modes: Mapping[str, Mode]) -> None:
        self.settings, self.source, self.args, self.since, self.until, self.modes = (
            settings, source, args, since, until, modes)

    def write(self, out: TextIO) -> int:
        from tui.services.export import export_entries

        try:
            return export_entries(self.source, out, self.args.export_format, self.args.export_mode, self.since,
                                  self.until, self.modes)
        except (OSError, MindpaneError):
            raise
        except Exception as exc:  # the record failed mid-way (a damaged page, an unreadable file)
            from tui.services.engine import outbox_error

            raise outbox_error(exc, self.settings) from exc


def _output_refusal(path: Path, settings: Settings, force: bool) -> str | None:
    """Why export must not write to ``path``, or None. Inside the data dir is refused even with
    ``--force`` (symlinks resolved): ``-o <data dir>/entries.db`` would replace the record itself."""
    data_dir = settings.data_dir.resolve()
    if path.resolve().is_relative_to(data_dir):
        return (f"will not write {path}: it is inside the data dir ({data_dir}), where an export could "
                "replace mindpane's own files; choose a path outside it")
    if (path.exists() or path.is_symlink()) and not force:
        return f"{path} already exists; add --force to replace it"
    return None


def _export_to_file(job: _Export, path: Path, err: TextIO, force: bool = False) -> int:
    """``export_to_file``: owner-only, complete or absent, never over a file unless ``force``."""
    from tui.services.export import export_to_file

    try:
        count = export_to_file(path, job.write, replace=force)
    except FileExistsError:
        print(f"mindpane: export: {path} already exists; add --force to replace it", file=err)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"mindpane: cannot write {path}: {exc.strerror or exc}", file=err)
        return EXIT_FAILURE
    print(f"mindpane: exported {count} {'entry' if count == 1 else 'entries'} to {path}", file=err)
    return 0


def _export_source(settings: Settings) -> tuple[Any, Any]:
    """The record alone when it exists (fast, no lock: the app may stay open); the whole store when
    only an older install's Chroma dir holds the entries (opening it adopts them); else nothing."""
    from tui.services.engine import open_outbox, open_store
    from tui.services.export import NoEntries

    if (settings.data_dir / RECORD_FILE).is_file():
        record = open_outbox(settings)
        return record, record.close
    if (settings.data_dir / "chroma").is_dir():
        store = open_store(settings)
        return store, store.close
    return NoEntries(), lambda: None


# -- import --------------------------------------------------------------------------------------


def run_import(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO,
               modes: Mapping[str, Mode]) -> int:
    from tui.services import import_entries as importer

    path = Path(args.path).expanduser()
    if args.import_mode is not None and args.import_mode not in modes:
        print(f"mindpane: import: unknown mode {args.import_mode!r} (known modes: {', '.join(modes)})", file=err)
        return EXIT_USAGE
    try:
        from tui.services.unlocking import unlocked_or_made

        settings = unlocked_or_made(settings)  # a locked journal: its passphrase, to count and store entries
        plan = _scan(settings, path, args, modes)
        if args.dry_run or not plan.fresh:  # nothing new: no need to load the store
            report = importer.dry_run_report(plan)
            report = replace(report, dry_run=args.dry_run)
        else:
            report = _store_plan(settings, plan, err)
    except importer.ImportRefused as refused:
        print(f"mindpane: cannot import {path}: {refused}", file=err)
        return EXIT_FAILURE
    except importer.ImportStopped as stopped:
        print(f"mindpane: {stopped} ({stopped.imported} {'entry was' if stopped.imported == 1 else 'entries were'} "
              "imported before it stopped; import the file again to add the rest)", file=err)
        return EXIT_FAILURE
    except MindpaneError as error:
        print(f"mindpane: {error} (nothing was imported)", file=err)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("\nmindpane: interrupted (what was imported so far stays; import the file again to add the rest)",
              file=err)
        return EXIT_INTERRUPTED
    if report.problems:
        print(f"mindpane: {importer.problems_line(report.problems, path, report.dry_run)}", file=err)
    print(importer.summary(report, path), file=out)
    return 0


def _scan(settings: Settings, path: Path, args: argparse.Namespace, modes: Mapping[str, Mode]) -> Any:
    """Check the file, and count what the record already has (read, never written); a data dir that
    does not exist yet has nothing, and is not created by a dry run or a refused import."""
    from tui.services import import_entries as importer

    if not (settings.data_dir / RECORD_FILE).is_file():
        return importer.scan(path, modes, args.import_format, args.import_mode, args.skip_bad, importer.NothingKnown())
    from tui.services.engine import open_outbox

    record = open_outbox(settings)
    try:
        return importer.scan(path, modes, args.import_format, args.import_mode, args.skip_bad, record)
    finally:
        record.close()


def _store_plan(settings: Settings, plan: Any, err: TextIO) -> Any:
    from tui.services import import_entries as importer
    from tui.services.engine import open_store, privacy_notice

    store = open_store(settings)
    try:
        notice = privacy_notice()
        if notice:
            print(f"mindpane: {notice}", file=err)
        bar = ProgressBar(err, plan.total)
        try:
            return importer.apply(plan, store, bar.update)
        finally:
            bar.close()
    finally:
        store.close()


class ProgressBar:
    """``importing [#####-----] 4,500/10,000`` on a terminal's stderr, redrawn at most 10 times a
    second; nothing when stderr is not a terminal or the import is small."""

    WIDTH = 30
    MINIMUM = 200

    def __init__(self, stream: TextIO, total: int) -> None:
        self._stream = stream
        self._total = total
        self._shown = False
        self._last = 0.0
        isatty = getattr(stream, "isatty", None)
        self._on = total >= self.MINIMUM and bool(isatty and isatty())

    def update(self, done: int, total: int) -> None:
        if not self._on:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = int(self.WIDTH * done / max(total, 1))
        self._stream.write(f"\rimporting [{'#' * filled}{'-' * (self.WIDTH - filled)}] {done:,}/{total:,}")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
