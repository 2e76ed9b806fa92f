"""Crash campaign (not a test, not in CI): SIGKILL mindpane at random moments and check that every
turn it had taken comes back after one restart, exactly once.

    python bench/crash_campaign.py                  # --ask 50 --tui 10, a few minutes on 2 cores
    python bench/crash_campaign.py --seed 1234      # replay a campaign that found something

An in-process stand-in Ollama (tests/ollama_stub.py) streams every reply slowly, so kills land
during imports, while the store opens, mid-stream and while the exchange is stored. Runs, in a
seeded random order:

- ``--ask N`` times ``python -m tui ask --data-dir D "<marker>"`` (about a third with
  ``--mode code``), SIGKILLed at a moment drawn uniformly over an un-killed run's lifetime (measured
  first, on a store that already exists), with some kills forced into the first 0.15 s (interpreter
  start and imports, before and around the outbox write);
- ``--tui M`` times the full-screen app in a pty, which gets a marker and Enter (sometimes two turns
  in a row, sometimes in code mode), SIGKILLed 0–2 s after Enter.

Right after each kill, before anything can recover, ``entries.db`` is read directly (read-only)
and the marker is *acknowledged* if its text is in ``entry`` or ``outbox``, or held in the draft
file (``draft.json``: Enter keeps a send there at once, before the outbox can take it, and the next
open of the store moves it into the outbox); otherwise it was *killed before acknowledgement* (the
text never reached the disk as a send, which is allowed). A full-screen run first empties the
prompt (ctrl+u), where the app brings back what an earlier run left unsent. At the end the store is
opened once as the app opens it (held sends go into the outbox), then one un-killed ``mindpane ask``
replays the outbox, and each acknowledged marker is *recovered* (journal:
exactly one entry and no outbox row; code: exactly one entry or outbox row, as unanswered questions
wait in the outbox), *lost* (absent) or *duplicated* (more than once). The whole record is checked
too (integrity, no text stored twice, no journal turn left in the outbox). Exit status 1 if anything
was lost or duplicated, the record check found a problem, or the recovery run failed.

``--locked`` runs the same campaign on a locked journal: the data dir is locked first under a known
passphrase, ``mindpane ask`` gets it from ``passphrase_command`` (a config file in the children's
HOME), the full-screen app has it typed on its unlock screen, and the direct reads above open the
encrypted record (``entries.locked``) and the sealed draft (``draft.locked``) with the data key.

Everything runs in a fresh temporary directory (data dir, HOME, XDG dirs, TMPDIR); ``--data-dir``
uses an existing data dir instead, ``--keep`` keeps the temporary directory (it is always kept when
something went wrong, with each run's stderr under ``logs/``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import json
import os
import pty
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_support import Children

from tests.ollama_stub import OllamaStub
from tests.pty_support import read_for as _read_for

REPO = Path(__file__).resolve().parent.parent

DB_FILE = "entries.db"  # tui.adapters.record_db.FILE_NAME, not imported: the campaign reads the file as-is
DRAFT_FILE = "draft.json"  # tui.adapters.draft_file.DRAFT_FILE, read as-is too
APP_OPEN = ("import sys; from pathlib import Path; from tui.services.config import load_config; "
            "from tui.services.settings import resolve_settings; from tui.services import unlocking; "
            "from tui.services.workspace import Workspace; "
            "s = resolve_settings(data_dir=sys.argv[1], config=load_config(None)); w = Workspace(s); "
            "w.unlock(unlocking.passphrase(s)) if w.needs_passphrase else None; w.open(); w.close()")
"""Opens the store as the app does at start (held sends go into the outbox and are replayed), and
closes it; a locked journal is unlocked first with the passphrase command's passphrase."""
PASSPHRASE = "campaign passphrase, not a secret"
"""A locked campaign's passphrase (in a file the configured ``passphrase_command`` prints)."""
UNLOCK_SCREEN = b"is locked"
CODE_SHARE_ASK = 0.3
CODE_SHARE_TUI = 0.2
TWO_TURNS_SHARE = 0.3
EARLY_KILL_SHARE = 0.12
EARLY_KILL_SECONDS = 0.15
TUI_KILL_WINDOW = 2.0
CHUNK_DELAY = 0.04
REPLY = ("Thank you for writing this down. It sounds like a full day, and noticing how it felt is a good "
         "first step. What would make tomorrow a little lighter, and who could help with that?")
RUN_TIMEOUT = 120.0
FIRST_FRAME_TIMEOUT = 60.0
WAIT_AFTER_KILL = 30.0
TUI_SIZE = (120, 40)


# -- the stand-in Ollama, streaming slowly ---------------------------------------------------------

class SlowOllama(OllamaStub):
    """The test stub, pausing before every reply chunk so a reply streams for about a second."""

    def __init__(self, chunk_delay: float) -> None:
        super().__init__(default_reply=REPLY)
        self.chunk_delay = chunk_delay

    def start(self) -> SlowOllama:
        super().start()
        server = self._server
        assert server is not None
        delay = self.chunk_delay
        base = server.RequestHandlerClass

        class SlowHandler(base):  # type: ignore[misc, valid-type]
            def _write_chunk(self, payload: dict) -> None:
                if (payload.get("message") or {}).get("content"):
                    time.sleep(delay)
                super()._write_chunk(payload)

        server.RequestHandlerClass = SlowHandler  # before anyone knows the port: no request missed it
        return self


# -- bookkeeping -----------------------------------------------------------------------------------

@dataclass
class Found:
    entries: int = 0
    outbox: int = 0
    modes: frozenset[str] = frozenset()
    replied: int = 0
    """Entries with a reply (the rest were stored before or without their reply)."""
    inside: int = 0
    """Other entries or outbox rows whose text contains this one (two turns run together)."""
    held: int = 0
    """Sends held in the draft file (not in the outbox yet)."""

    @property
    def anywhere(self) -> int:
        return self.entries + self.outbox + self.held

    @property
    def phase(self) -> str:
        """How far the turn had got, as the disk shows it."""
        if self.entries:
            return "stored with reply" if self.replied else "stored, no reply yet"
        if self.outbox:
            return "in the outbox"
        if self.held:
            return "held in the draft file"
        return "inside another turn" if self.inside else "not on the disk"

    def __str__(self) -> str:
        inside = f" inside-another-turn×{self.inside}" if self.inside else ""
        held = f" held×{self.held}" if self.held else ""
        return f"entry×{self.entries} (with reply×{self.replied}) outbox×{self.outbox}{held}{inside}"


@dataclass
class Marker:
    text: str
    kind: str  # ask | tui
    run: int
    asked_mode: str
    at_kill: Found = field(default_factory=Found)
    at_end: Found = field(default_factory=Found)

    @property
    def acknowledged(self) -> bool:
        return self.at_kill.anywhere > 0

    @property
    def mode(self) -> str:
        """The mode the app stored it under (what was asked for, if it never got that far)."""
        return next(iter(self.at_kill.modes)) if len(self.at_kill.modes) == 1 else self.asked_mode

    @property
    def outcome(self) -> str:
        if not self.acknowledged:
            if self.at_kill.inside or self.at_end.inside:
                return "merged"  # its text is inside another turn's: the app took it, not as its own turn
            return "appeared late" if self.at_end.anywhere else "not acknowledged"
        found = self.at_end
        if self.mode == "journal":
            if found.entries == 0:
                return "lost"
            return "recovered" if found.entries == 1 and found.outbox == 0 else "duplicated"
        if found.anywhere == 0:
            return "lost"
        return "recovered" if found.anywhere == 1 else "duplicated"


@dataclass
class Run:
    kind: str
    index: int
    markers: list[Marker]
    planned_kill: float  # seconds after spawn (ask) or after the last Enter (tui)
    killed: bool = False
    exit_code: int | None = None
    note: str = ""
    log: Path | None = None


# -- reading entries.db without touching it --------------------------------------------------------

DATA_KEY: bytes | None = None
"""A locked campaign's data key (``--locked``): the direct reads open the encrypted record and the
sealed draft with it. None: a plain journal, read as-is."""


def held_sends(data_dir: Path) -> list[dict]:
    """The sends the draft file holds right now (it is replaced whole, never written in place)."""
    if DATA_KEY is not None:
        from tui.adapters.draft_file import read_locked_draft

        return [{"text": send.text, "mode": send.mode} for send in read_locked_draft(data_dir, DATA_KEY).held]
    try:
        draft = json.loads((data_dir / DRAFT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [send for send in draft.get("held") or [] if isinstance(send, dict)] if isinstance(draft, dict) else []


def connect_record(data_dir: Path):
    """A read-only connection to the record (the encrypted one with ``DATA_KEY``), or None when
    there is no record yet."""
    if DATA_KEY is None:
        path = data_dir / DB_FILE
        return sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=5) if path.exists() else None
    from tui.adapters.cipher_db import connect_locked
    from tui.adapters.locked_layout import LOCKED_RECORD

    path = data_dir / LOCKED_RECORD
    return connect_locked(path, DATA_KEY, timeout=5) if path.exists() else None


def locate(data_dir: Path, texts: list[str]) -> dict[str, Found]:
    """Where each text is right now: the record, read through its own connection, and the draft
    file's held sends."""
    found = _locate_in_record(data_dir, texts)
    held = held_sends(data_dir)
    for text in texts:
        count = sum(send.get("text") == text for send in held)
        if count:
            found[text] = dataclasses.replace(found[text], held=count,
                                              modes=found[text].modes | {send.get("mode") for send in held
                                                                         if send.get("text") == text})
    return found


def _locate_in_record(data_dir: Path, texts: list[str]) -> dict[str, Found]:
    found = {text: Found() for text in texts}
    for attempt in range(20):
        try:
            db = connect_record(data_dir)
            if db is None:
                return found
            try:
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if not {"entry", "outbox"} <= tables:
                    return found
                for text in texts:
                    entries = db.execute("SELECT mode, reply FROM entry WHERE text = ? AND deleted_at IS NULL",
                                         (text,)).fetchall()
                    outbox = db.execute("SELECT mode FROM outbox WHERE text = ?", (text,)).fetchall()
                    inside = db.execute(
                        "SELECT (SELECT COUNT(*) FROM entry WHERE instr(text, ?1) AND text != ?1) "
                        "+ (SELECT COUNT(*) FROM outbox WHERE instr(text, ?1) AND text != ?1)", (text,)).fetchone()[0]
                    found[text] = Found(len(entries), len(outbox), frozenset(r[0] for r in entries + outbox),
                                        sum(1 for r in entries if r[1]), inside)
                return found
            finally:
                db.close()
        except (sqlite3.OperationalError, _cipher_error()):
            if attempt == 19:
                raise
            time.sleep(0.1)
    return found


# -- processes -------------------------------------------------------------------------------------

def child_env(root: Path, ollama: OllamaStub) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("OLLAMA", "MINDPANE", "MEM0", "XDG_")) and key not in
           ("ANONYMIZED_TELEMETRY", "ORT_DISABLE_TELEMETRY")}
    home = root / "home"
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_STATE_HOME=str(home / ".local" / "state"),
               TMPDIR=str(root / "tmp"), OLLAMA_HOST=ollama.host_port, PYTHONDONTWRITEBYTECODE="1",
               PYTHONUNBUFFERED="1")
    for path in (home, root / "tmp", root / "logs"):
        path.mkdir(parents=True, exist_ok=True)
    return env


def ask_argv(data_dir: Path, mode: str, text: str) -> list[str]:
    mode_args = ["--mode", mode] if mode != "journal" else []
    return [sys.executable, "-m", "tui", "ask", "--data-dir", str(data_dir), *mode_args, text]


def run_unkilled_ask(procs: Children, env: dict[str, str], data_dir: Path, text: str,
                     log: Path) -> tuple[int | None, float]:
    start = time.monotonic()
    code = run_to_the_end(procs, ask_argv(data_dir, "journal", text), env, log)
    return code, time.monotonic() - start


def run_app_open(procs: Children, env: dict[str, str], data_dir: Path, log: Path) -> int | None:
    return run_to_the_end(procs, [sys.executable, "-c", APP_OPEN, str(data_dir)], env, log)


def run_to_the_end(procs: Children, argv: list[str], env: dict[str, str], log: Path) -> int | None:
    """Run ``argv`` (stderr to ``log``) until it ends or ``RUN_TIMEOUT`` passes; its exit status, or None."""
    with log.open("wb") as err:
        proc = procs.spawn(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            code = proc.wait(RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        procs.kill(proc, WAIT_AFTER_KILL)
    return code


def run_ask(procs: Children, env: dict[str, str], data_dir: Path, run: Run) -> None:
    marker = run.markers[0]
    with run.log.open("wb") as err:
        proc = procs.spawn(ask_argv(data_dir, marker.asked_mode, marker.text), env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        with contextlib.suppress(subprocess.TimeoutExpired):
            run.exit_code = proc.wait(run.planned_kill)
        run.killed = procs.kill(proc, WAIT_AFTER_KILL)
    if run.killed:
        run.exit_code = None


def _cipher_error() -> type[Exception]:
    """SQLCipher's OperationalError (a busy encrypted record), or sqlite3's when not locked."""
    if DATA_KEY is None:
        return sqlite3.OperationalError
    from sqlcipher3 import dbapi2

    return dbapi2.OperationalError


def lock_data_dir(data_dir: Path, root: Path, env: dict[str, str]) -> bytes:
    """``--locked``: the data dir made a locked journal under ``PASSPHRASE`` (a new one, or the plain
    one it holds locked), and a config file whose ``passphrase_command`` prints it for the children.
    Returns the data key."""
    from tui.adapters.key_file import unlock_key
    from tui.adapters.locked_layout import is_locked, key_path
    from tui.services import locking

    secret = root / "passphrase"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret.chmod(0o600)
    config = Path(env["XDG_CONFIG_HOME"]) / "mindpane" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"passphrase_command = {json.dumps(f'cat {secret}')}\n", encoding="utf-8")
    if not is_locked(data_dir):
        if (data_dir / DB_FILE).exists():
            locking.lock_store(data_dir, PASSPHRASE)
        else:
            locking.init_locked(data_dir, PASSPHRASE)
    return unlock_key(key_path(data_dir), PASSPHRASE)


def run_tui(procs: Children, env: dict[str, str], data_dir: Path, run: Run, rng: random.Random) -> None:
    columns, lines = TUI_SIZE
    tui_env = dict(env, MINDPANE_DATA_DIR=str(data_dir), TERM="xterm-256color", COLUMNS=str(columns),
                   LINES=str(lines))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    try:
        proc = procs.spawn([sys.executable, "-m", "tui"], env=tui_env, stdin=slave, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    transcript = b""
    try:
        if DATA_KEY is not None:  # the unlock screen first: the passphrase typed there
            transcript += _read_for(master, FIRST_FRAME_TIMEOUT, UNLOCK_SCREEN)
            if UNLOCK_SCREEN not in transcript:
                run.note = "no unlock screen"
                run.killed = procs.kill(proc, WAIT_AFTER_KILL)
                return
            os.write(master, PASSPHRASE.encode() + b"\r")
        opened = _read_for(master, FIRST_FRAME_TIMEOUT, b"Journal")
        transcript += opened
        if b"Journal" not in opened:
            run.note = "no first frame"
            run.killed = procs.kill(proc, WAIT_AFTER_KILL)
            return
        os.write(master, b"\x15")  # ctrl+u: empty the prompt of a draft an earlier run left there
        transcript += _read_for(master, 0.1)
        if run.markers[0].asked_mode == "code":
            os.write(master, b"\x14")  # ctrl+t: the next mode (code)
            transcript += _read_for(master, 0.3)
        for number, marker in enumerate(run.markers):
            if number:
                transcript += _read_for(master, rng.uniform(0.05, 0.6))
            os.write(master, marker.text.encode())
            transcript += _read_for(master, 0.2)
            os.write(master, b"\r")
        transcript += _read_for(master, run.planned_kill)
        run.killed = procs.kill(proc, WAIT_AFTER_KILL)
        if not run.killed:
            run.exit_code = proc.returncode
            run.note = "exited before the kill"
    finally:
        procs.kill(proc, WAIT_AFTER_KILL)
        os.close(master)
        run.log.write_bytes(transcript[-20000:])


# -- the campaign ----------------------------------------------------------------------------------

def plan(args: argparse.Namespace, rng: random.Random, tag: str, lifetime: float, logs: Path) -> list[Run]:
    runs: list[Run] = []
    for i in range(args.ask):
        mode = "code" if rng.random() < CODE_SHARE_ASK else "journal"
        early = rng.random() < EARLY_KILL_SHARE
        kill = rng.uniform(0.0, EARLY_KILL_SECONDS if early else lifetime)
        marker = Marker(f"campaign {tag} ask {i:03d} {mode} marker", "ask", i, mode)
        runs.append(Run("ask", i, [marker], kill, log=logs / f"ask-{i:03d}.stderr"))
    for i in range(args.tui):
        mode = "code" if rng.random() < CODE_SHARE_TUI else "journal"
        count = 2 if rng.random() < TWO_TURNS_SHARE else 1
        markers = [Marker(f"campaign {tag} tui {i:03d}{'ab'[n]} {mode} marker", "tui", i, mode) for n in range(count)]
        runs.append(Run("tui", i, markers, rng.uniform(0.0, TUI_KILL_WINDOW), log=logs / f"tui-{i:03d}.screen"))
    rng.shuffle(runs)
    return runs


COLUMNS = ("runs", "killed", "markers", "acknowledged", "not-acked", "merged", "recovered", "lost", "duplicated")


def summarize(runs: list[Run]) -> tuple[str, dict[str, int]]:
    """The table (per kind, then all) and the totals."""
    header = "kind " + "".join(f"{name:>{len(name) + 2}}" for name in COLUMNS)
    lines = [header, "-" * len(header)]
    totals: dict[str, int] = {}
    for kind in ("ask", "tui", "all"):
        chosen = [r for r in runs if kind in ("all", r.kind)]
        outcomes = [m.outcome for r in chosen for m in r.markers]
        row = {"runs": len(chosen), "killed": sum(r.killed for r in chosen), "markers": len(outcomes),
               "acknowledged": sum(m.acknowledged for r in chosen for m in r.markers),
               "not-acked": outcomes.count("not acknowledged"), "merged": outcomes.count("merged"),
               "recovered": outcomes.count("recovered"), "lost": outcomes.count("lost"),
               "duplicated": outcomes.count("duplicated")}
        if kind == "all":
            totals = row
            lines.append("-" * len(header))
        lines.append(f"{kind:<5}" + "".join(f"{row[name]:>{len(name) + 2}}" for name in COLUMNS))
    return "\n".join(lines), totals


def record_problems(data_dir: Path, prefix: str) -> list[str]:
    """Whole-record checks after recovery, beyond the markers: the file is sound, and no text of
    this campaign (starting with ``prefix``) is stored twice or left in the outbox once stored
    (journal turns: at all)."""
    db = connect_record(data_dir)
    if db is None:
        return ["there is no record"]
    mine = "instr(text, ?) = 1"
    try:
        problems = [f"integrity_check: {row[0]}" for row in db.execute("PRAGMA integrity_check") if row[0] != "ok"]
        for text, count in db.execute(f"SELECT text, COUNT(*) FROM entry WHERE deleted_at IS NULL AND {mine} "
                                      "GROUP BY mode, text HAVING COUNT(*) > 1", (prefix,)):
            problems.append(f"stored {count} times: {text!r}")
        for text, in db.execute(f"SELECT text FROM outbox WHERE mode = 'journal' AND {mine}", (prefix,)):
            problems.append(f"journal turn still in the outbox after recovery: {text!r}")
        for text, in db.execute("SELECT o.text FROM outbox o JOIN entry e ON e.turn_id = o.turn_id "
                                "WHERE instr(o.text, ?) = 1", (prefix,)):
            problems.append(f"stored and still in the outbox: {text!r}")
        return problems
    finally:
        db.close()


def execute(runs: list[Run], procs: Children, env: dict[str, str], data_dir: Path, rng: random.Random) -> None:
    for number, run in enumerate(runs, 1):
        if run.kind == "ask":
            run_ask(procs, env, data_dir, run)
        else:
            run_tui(procs, env, data_dir, run, rng)
        at_kill = locate(data_dir, [m.text for m in run.markers])  # before anything can recover
        for marker in run.markers:
            marker.at_kill = at_kill[marker.text]
        ended = "killed" if run.killed else "ended first"
        if run.exit_code not in (None, 0):
            ended += f" (exit {run.exit_code})"
        if run.note:
            ended += f" ({run.note})"
        phases = ", ".join(m.at_kill.phase for m in run.markers)
        print(f"  [{number:>3}/{len(runs)}] {run.kind} {run.index:03d} {run.markers[0].asked_mode:<7} "
              f"kill at +{run.planned_kill:4.2f} s: {ended}; {phases}", flush=True)


def report(runs: list[Run], data_dir: Path, tag: str, recovery_code: int | None, logs: Path,
           args: argparse.Namespace, seed: int) -> int:
    recovery_text = f"campaign {tag} recovery turn"
    markers = [m for r in runs for m in r.markers]
    at_end = locate(data_dir, [m.text for m in markers] + [recovery_text])
    for marker in markers:
        marker.at_end = at_end[marker.text]
    table, totals = summarize(runs)
    lost, duplicated = totals["lost"], totals["duplicated"]
    print()
    print(table)
    print()
    acked = [m for m in markers if m.acknowledged]
    phases = {phase: sum(m.at_kill.phase == phase for m in acked)
              for phase in ("held in the draft file", "in the outbox", "stored, no reply yet", "stored with reply")}
    print("where the kills left acknowledged turns: " + ", ".join(f"{n} {phase}" for phase, n in phases.items()))
    for run in runs:
        if not run.killed and run.exit_code not in (None, 0):
            print(f"note: {run.kind} {run.index:03d} ended by itself with exit {run.exit_code}: {_tail(run.log)}")
        for marker in run.markers:
            since = "after spawn" if run.kind == "ask" else "after Enter"
            where = (f"({run.kind} run, kill +{run.planned_kill:.2f} s {since}); right after the kill: "
                     f"{marker.at_kill}; after recovery: {marker.at_end}")
            if marker.outcome in ("lost", "duplicated"):
                print(f"{marker.outcome.upper()}: {marker.text!r} ({marker.mode}) {where}")
            elif marker.outcome == "merged" or marker.at_end.inside:
                print(f"MERGED (not a crash-safety failure): {marker.text!r} was taken inside another turn's "
                      f"text, not as a turn of its own {where}")
    problems = record_problems(data_dir, f"campaign {tag} ")
    problems += [f"{m.text!r} was not on the disk right after the kill but is there after recovery"
                 for m in markers if m.outcome == "appeared late"]
    if at_end[recovery_text].entries != 1:
        problems.append(f"the recovery turn is stored {at_end[recovery_text].entries} times")
    for problem in problems:
        print(f"RECORD: {problem}")
    if recovery_code != 0:
        print(f"the recovery run failed (exit {recovery_code}): {_tail(logs / 'recovery.stderr')}")
    ok = recovery_code == 0 and lost == 0 and duplicated == 0 and not problems
    print(f"lost={lost} duplicated={duplicated} merged={totals['merged']} record_problems={len(problems)} "
          f"recovery_exit={recovery_code} seed={seed}")
    if not ok:
        print(f"reproduce: python bench/crash_campaign.py{' --locked' if args.locked else ''} "
              f"--ask {args.ask} --tui {args.tui} --seed {seed}")
    return 0 if ok else 1


def campaign(args: argparse.Namespace, root: Path) -> int:
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    rng = random.Random(seed)
    tag = f"{seed:06d}x{os.getpid() % 10000:04d}"
    data_dir = Path(args.data_dir).resolve() if args.data_dir else root / "data"
    logs = root / "logs"
    procs = Children()
    print(f"crash campaign: seed {seed}, data dir {data_dir}, work dir {root}"
          f"{', locked' if args.locked else ''}", flush=True)
    try:
        with SlowOllama(CHUNK_DELAY) as ollama:
            env = child_env(root, ollama)
            if args.locked:
                global DATA_KEY
                DATA_KEY = lock_data_dir(data_dir, root, env)
            for step in ("warm-up", "calibration"):  # the first run also creates the store: time the second
                code, lifetime = run_unkilled_ask(procs, env, data_dir, f"campaign {tag} {step}",
                                                  logs / f"{step}.stderr")
                if code != 0:
                    print(f"the {step} run failed (exit {code}): {_tail(logs / f'{step}.stderr')}")
                    return 1
            print(f"an un-killed `mindpane ask` lives {lifetime:.2f} s; kills are drawn from that span", flush=True)
            runs = plan(args, rng, tag, lifetime, logs)
            started = time.monotonic()
            execute(runs, procs, env, data_dir, rng)
            opened = run_app_open(procs, env, data_dir, logs / "app-open.stderr")
            if opened != 0:
                print(f"opening the store as the app does failed (exit {opened}): {_tail(logs / 'app-open.stderr')}")
            recovery_text = f"campaign {tag} recovery turn"
            code, took = run_unkilled_ask(procs, env, data_dir, recovery_text, logs / "recovery.stderr")
            print(f"recovery run: exit {code} after {took:.2f} s; campaign took "
                  f"{time.monotonic() - started:.0f} s", flush=True)
    finally:
        procs.kill_all()
    return report(runs, data_dir, tag, code, logs, args, seed)


def _tail(path: Path | None, chars: int = 400) -> str:
    if path is None or not path.exists():
        return "(no log)"
    return path.read_text(encoding="utf-8", errors="replace")[-chars:].strip().replace("\n", " | ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ask", type=int, default=50, help="`mindpane ask` runs to kill (default 50)")
    parser.add_argument("--tui", type=int, default=10, help="full-screen app runs to kill (default 10)")
    parser.add_argument("--seed", type=int, help="random seed (printed; default: a fresh one)")
    parser.add_argument("--data-dir", help="use this data dir (default: a fresh temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work dir")
    parser.add_argument("--locked", action="store_true",
                        help="lock the data dir first (a known passphrase) and run the campaign on the locked journal")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the children are killed on the way out
    root = Path(tempfile.mkdtemp(prefix="mindpane-crash-campaign-"))
    status = 1
    try:
        status = campaign(args, root)
    finally:
        if status == 0 and not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"work dir kept: {root}")
    return status


if __name__ == "__main__":
    sys.exit(main())
