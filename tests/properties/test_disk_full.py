"""A full disk fails a write with a message that says "disk full", never freezes the app, and
writing works again once space is freed.

The store-level tests mount a small tmpfs (root only) and fill it. They run the store in a child
process: the freeze they guard against is a Chroma call waiting forever on a lock *while holding
the GIL*, and then no thread of that process can notice — not a ``join(timeout=…)``, not
pytest-timeout, not a signal handler. Inside the child each call still runs in a thread joined
with a timeout (that catches hangs that let the GIL go); a hang that keeps it is caught by the
parent, which kills the child after :data:`CHILD_TIMEOUT` and shows the stacks the child's
``faulthandler`` dumped (it needs no GIL). Timeouts are hang detectors, not speed assertions.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

from tests.paths import REPO as ROOT
from tui.adapters import disk_space
from tui.adapters.disk_space import (
    MIN_FREE_BYTES,
    disk_full_error,
    ensure_free_space,
    is_chroma_write_failure,
    is_disk_full,
    reserve_bytes,
)
from tui.domain.errors import DiskFull, StoreError

DISK_SIZE_MB = 48
STEP_TIMEOUT = 30.0
"""Seconds one store call may take before it counts as frozen (hang detector, not a speed check)."""
OPEN_TIMEOUT = 120.0
"""Opening the store (imports, embedder loading) on a slow machine."""
CHILD_TIMEOUT = 600.0
"""The whole scenario: a backstop only; each step has its own budget."""

# -- what the libraries raised on a full tmpfs (mem0 2.2.1, chromadb 1.5.9, Python 3.11) ----------

CHROMA_ADD_FULL = ("Query error: Database error: error returned from database: (code: 13) "
                   "database or disk is full")
CHROMA_UPDATE_FULL = ("Error updating collection: Database error: error returned from database: "
                      "(code: 13) database or disk is full")
CHROMA_OPEN_FULL = "error returned from database: (code: 13) database or disk is full"
CHROMA_COMPACTION = "Error in compaction: Failed to apply logs to the hnsw segment writer"
CHROMA_BACKFILL = ("Error executing plan: Error sending backfill request to compactor: "
                   "Failed to apply logs to the metadata segment")


def _chroma_error(message: str) -> Exception:
    from chromadb.errors import InternalError

    return InternalError(message)


def _real_sqlite_full() -> sqlite3.OperationalError:
    """A genuine SQLITE_FULL from the sqlite3 module, without filling a disk."""
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA max_page_count = 2")
    db.execute("CREATE TABLE t (x TEXT)")
    try:
        db.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    except sqlite3.OperationalError as exc:
        return exc
    finally:
        db.close()
    raise AssertionError("SQLite accepted a row larger than its page limit")


def _raised_while_handling(first: BaseException, second: BaseException) -> BaseException:
    """``second`` raised in an ``except`` block handling ``first`` (its ``__context__``)."""
    try:
        try:
            raise first
        except BaseException:
            raise second  # noqa: B904 — the implicit chaining is what is being tested
    except BaseException as exc:
        return exc
    raise AssertionError("unreachable")


def _wrapped(inner: BaseException) -> StoreError:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise StoreError("The memory store failed: see the log") from exc
    except StoreError as exc:
        return exc
    raise AssertionError("unreachable")


# -- is_disk_full: the exception shapes observed ----------------------------------------------------


@pytest.mark.parametrize("make", [
    pytest.param(lambda: OSError(errno.ENOSPC, "No space left on device"), id="ENOSPC"),
    pytest.param(lambda: OSError(errno.EDQUOT, "Disk quota exceeded"), id="EDQUOT"),
    pytest.param(lambda: _real_sqlite_full(), id="sqlite3 SQLITE_FULL"),
    pytest.param(lambda: sqlite3.OperationalError("database or disk is full"), id="sqlite3 message"),
    pytest.param(lambda: _raised_while_handling(
        sqlite3.OperationalError("database or disk is full"),
        sqlite3.OperationalError("cannot rollback - no transaction is active")), id="mem0 history ROLLBACK"),
    pytest.param(lambda: _chroma_error(CHROMA_ADD_FULL), id="chroma add"),
    pytest.param(lambda: _chroma_error(CHROMA_UPDATE_FULL), id="chroma update"),
    pytest.param(lambda: _chroma_error(CHROMA_OPEN_FULL), id="chroma open"),
    pytest.param(lambda: RuntimeError("failed to persist index: No space left on device (os error 28)"),
                 id="rust io error"),
    pytest.param(lambda: _wrapped(OSError(errno.ENOSPC, "No space left on device")), id="wrapped ENOSPC"),
    pytest.param(lambda: _wrapped(_chroma_error(CHROMA_ADD_FULL)), id="wrapped chroma"),
    pytest.param(lambda: ExceptionGroup("writes", [ValueError("x"), OSError(errno.ENOSPC, "full")]),
                 id="exception group"),
])
def test_a_full_disk_is_recognised_in_every_shape_observed(make):
    assert is_disk_full(make())


@pytest.mark.parametrize("make", [
    pytest.param(lambda: sqlite3.OperationalError("database is locked"), id="locked"),
    pytest.param(lambda: sqlite3.DatabaseError("file is not a database"), id="not a database"),
    pytest.param(lambda: OSError(errno.EIO, "disk I/O error"), id="EIO"),
    pytest.param(lambda: PermissionError(errno.EACCES, "Permission denied"), id="EACCES"),
    pytest.param(lambda: sqlite3.OperationalError("cannot rollback - no transaction is active"),
                 id="rollback alone"),
    pytest.param(lambda: ValueError("No memory with id 42"), id="ValueError"),
    pytest.param(lambda: _chroma_error(CHROMA_COMPACTION), id="chroma compaction, no data dir"),
])
def test_other_failures_are_not_called_a_full_disk(make):
    assert not is_disk_full(make())


@pytest.mark.parametrize("message", [CHROMA_COMPACTION, CHROMA_BACKFILL])
def test_a_chroma_failure_that_gives_no_reason_is_a_full_disk_only_when_space_is_short(
        message, tmp_path, monkeypatch):
    exc = _chroma_error(message)
    monkeypatch.setattr(disk_space, "free_bytes", lambda path: 10 * 1024 * 1024 * 1024)
    assert not is_disk_full(exc, tmp_path)
    monkeypatch.setattr(disk_space, "free_bytes", lambda path: 4096)
    assert is_disk_full(exc, tmp_path)
    assert not is_disk_full(ValueError("bad id"), tmp_path)  # not a storage error, whatever the space


def test_any_error_out_of_chroma_calls_for_a_reset():
    assert is_chroma_write_failure(_chroma_error(CHROMA_COMPACTION))
    assert is_chroma_write_failure(_wrapped(_chroma_error(CHROMA_ADD_FULL)))
    assert not is_chroma_write_failure(sqlite3.OperationalError("database or disk is full"))


# -- the pre-flight check ---------------------------------------------------------------------------


def test_the_preflight_check_refuses_with_disk_full_and_names_the_filesystem(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setattr(disk_space, "free_bytes", lambda path: 3 * 1024 * 1024)

    with pytest.raises(DiskFull) as caught:
        ensure_free_space(data_dir, 1000)

    assert isinstance(caught.value, StoreError)
    assert "disk full" in caught.value.message.lower()
    assert str(data_dir) in caught.value.message
    assert str(disk_space.mount_point(data_dir)) in caught.value.message
    assert "3.0 MB free" in caught.value.message
    assert caught.value.hint


def test_the_preflight_check_passes_with_room_to_spare(tmp_path, monkeypatch):
    monkeypatch.setattr(disk_space, "free_bytes", lambda path: MIN_FREE_BYTES + 10_000)
    ensure_free_space(tmp_path, 1000)
    with pytest.raises(DiskFull):
        ensure_free_space(tmp_path, 20_000)


def test_a_larger_store_keeps_more_space_in_hand(tmp_path):
    segment = tmp_path / "chroma" / "0f1e2d3c"
    segment.mkdir(parents=True)
    with open(segment / "data_level0.bin", "wb") as sparse:
        sparse.truncate(100 * 1024 * 1024)  # sparse: takes no space

    assert reserve_bytes(tmp_path) == MIN_FREE_BYTES + 25 * 1024 * 1024
    assert reserve_bytes(tmp_path / "nothing-here") == MIN_FREE_BYTES


def test_the_message_for_a_library_error_says_disk_full_too(tmp_path):
    error = disk_full_error(tmp_path)
    assert isinstance(error, DiskFull)
    assert "disk full" in error.message.lower() and str(tmp_path) in error.message


# -- the real thing: a store on a small tmpfs, filled up ----------------------------------------------


def _mount_small_disk(where: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip(f"mounting a tmpfs needs Linux (this is {sys.platform})")
    if os.geteuid() != 0:
        pytest.skip(f"mounting a tmpfs needs root (running as uid {os.geteuid()})")
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("mount/umount not found on PATH")
    where.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE_MB}m,mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {(done.stderr or done.stdout).strip()}")


def _unmount(where: Path) -> None:
    if os.path.ismount(where):
        done = subprocess.run(["umount", str(where)], capture_output=True, text=True, timeout=30)
        if done.returncode != 0:  # still busy (a killed child's files): detach it anyway
            subprocess.run(["umount", "-l", str(where)], capture_output=True, text=True, timeout=30)


@pytest.fixture
def small_disk(tmp_path: Path):
    where = tmp_path / "small-disk"
    _mount_small_disk(where)
    try:
        yield where
    finally:
        _unmount(where)


def _run_scenario(scenario: str, disk: Path, settings, clock) -> dict[str, dict]:
    """Run ``scenario`` in a child process on ``disk``; the steps' outcomes by name."""
    spec = {
        "scenario": scenario,
        "disk": str(disk),
        "settings": {**dataclasses.asdict(settings), "data_dir": str(disk / "data")},
        "now": clock.now.isoformat(),
    }
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "PYTHONFAULTHANDLER": "1", "MEM0_DIR": str(disk / "data" / "mem0")}
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from tests.properties.test_disk_full import child_main; child_main(sys.argv[1])",
         json.dumps(spec)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = child.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    steps = {line["step"]: line for line in lines if "step" in line}
    started = [line["started"] for line in lines if "started" in line]
    if "done" not in steps and ("Timeout (" in err or child.returncode is None or child.returncode < 0):
        pytest.fail(f"the store froze during {started[-1] if started else 'start-up'!r} and held the GIL, so "
                    f"nothing in its process could time out; the child was stopped. Steps before it: "
                    f"{[s for s in steps.values()]}\nchild stderr (faulthandler stacks):\n{err[-5000:]}")
    assert child.returncode == 0 and "done" in steps, \
        f"the scenario did not finish (exit {child.returncode}): {list(steps.values())}\n{err[-5000:]}"
    return steps


def _failed_with_disk_full(step: dict) -> None:
    assert not step["hung"], f"{step['step']} froze: still running after {STEP_TIMEOUT:.0f} s\n{step.get('stacks')}"
    assert step["error"] is not None, f"{step['step']} did not fail although the disk is full"
    assert step["is_store_error"], f"{step['step']} raised a library error, not a StoreError: {step['error']}"
    assert "disk full" in step["message"].lower(), f"{step['step']}: the message does not say 'disk full': " \
                                                   f"{step['message']!r}"


def _nothing_lost_or_doubled(steps: dict[str, dict]) -> None:
    """The entries stored before the disk filled are all there once, and so is the one after."""
    assert "Entry added after the disk was cleaned up." in steps["recall after freeing"]["value"]
    page = steps["page after freeing"]["value"]
    ids = [memory_id for memory_id, _ in page]
    assert len(ids) == len(set(ids)), f"an entry is listed twice: {page}"
    for text in EARLIER:
        memory_id = steps[f"add {text}"]["value"]
        assert ids.count(memory_id) == 1, f"{text!r} ({memory_id}) is missing after the disk filled: {page}"
    texts = [text for _, text in page]
    assert texts.count("Entry added after the disk was cleaned up.") == 1, page


def _worked_or_said_disk_full(step: dict) -> None:
    """A read while the disk is full: it may work or fail with "disk full", never freeze."""
    if step["error"] is not None and step["is_store_error"] and "disk full" in step["message"].lower():
        return
    _worked(step)


def _worked(step: dict) -> None:
    assert not step["hung"], f"{step['step']} froze: still running after {STEP_TIMEOUT:.0f} s\n{step.get('stacks')}"
    assert step["error"] is None, f"{step['step']} failed: {step['error']}\n{step.get('traceback', '')}"


def _full_then_freed(steps: dict) -> None:
    """Writes while the disk is full fail with "disk full", reads work (or say so), and once space
    is freed everything works again, with nothing lost or stored twice."""
    for name in ("add while full", "add while full again", "edit while full"):
        _failed_with_disk_full(steps[name])
    for name in ("recall while full", "page while full"):
        _worked_or_said_disk_full(steps[name])
    for name in ("recall before filling", "add after freeing", "recall after freeing", "page after freeing",
                 "edit after freeing"):
        _worked(steps[name])
    _nothing_lost_or_doubled(steps)


def test_a_full_disk_refuses_writes_with_disk_full_and_writing_works_once_space_is_freed(
        small_disk, settings, clock):
    steps = _run_scenario("full", small_disk, settings, clock)

    _full_then_freed(steps)
    assert steps["add while full"]["message"].count(str(small_disk)) >= 1, "the message names the filesystem"


def test_a_disk_that_fills_behind_the_check_still_fails_cleanly_and_recovers(small_disk, settings, clock):
    """Three writes during which another program fills the disk the moment Chroma is entered (and
    deletes its file again before the next): the free-space check passes, Chroma itself hits the
    full disk — the case that froze the app for good."""
    steps = _run_scenario("fills-behind-the-check", small_disk, settings, clock)

    _full_then_freed(steps)


def test_a_failed_open_on_a_full_disk_does_not_poison_later_opens(small_disk, settings, clock):
    """Chroma caches its instance for a path before starting it: a plain ``PersistentClient`` that
    failed on a full disk makes every later open in the process fail (``'RustBindingsAPI' object has
    no attribute 'bindings'``); ``open_chroma`` forgets the broken instance."""
    steps = _run_scenario("chroma-open", small_disk, settings, clock)

    assert steps["open while full"]["error"] is not None
    assert is_disk_full(_chroma_error(steps["open while full"]["error"]))
    _worked(steps["open after freeing"])


# -- the child process ------------------------------------------------------------------------------

EARLIER = ("Planted tomatoes along the south fence.",
           "Read two chapters of the lighthouse novel.",
           "Called grandma about the birthday dinner.")


def _fill(disk: Path) -> Path:
    """Write a filler file until the filesystem has no byte left."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            block = b"\0" * chunk
            while True:
                try:
                    os.write(fd, block)
                except OSError as exc:
                    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                        break
                    raise
    finally:
        os.close(fd)
    return filler


def child_main(raw_spec: str) -> None:
    """Run a scenario against a real store on ``disk``; print one JSON line per step."""
    import faulthandler

    spec = json.loads(raw_spec)
    disk = Path(spec["disk"])
    from datetime import datetime

    from tests.conftest import FixedClock
    from tui.domain.modes import JOURNAL
    from tui.services.engine import open_store
    from tui.services.settings import Settings

    fields = {**spec["settings"], "data_dir": Path(spec["settings"]["data_dir"])}
    settings = Settings(**fields)
    clock = FixedClock(datetime.fromisoformat(spec["now"]))
    filler: list[Path] = []

    def step(name: str, call, show=lambda value: value) -> object:
        print(json.dumps({"started": name}), flush=True)
        box: dict = {}

        def run() -> None:
            try:
                box["value"] = call()
            except BaseException as exc:  # reported to the parent, which decides
                box["error"] = exc

        worker = threading.Thread(target=run, name=f"step: {name}", daemon=True)
        began = time.monotonic()
        budget = OPEN_TIMEOUT if name == "open" else STEP_TIMEOUT
        # A call that blocks holding the GIL stops join() from ever returning: faulthandler's own
        # thread needs no GIL, dumps every stack and ends the process a little after the budget.
        faulthandler.dump_traceback_later(budget + 15, exit=True)
        worker.start()
        worker.join(budget)
        faulthandler.cancel_dump_traceback_later()
        outcome = {"step": name, "hung": worker.is_alive(), "seconds": round(time.monotonic() - began, 2),
                   "error": None, "message": "", "is_store_error": False, "value": None}
        if worker.is_alive():
            outcome["stacks"] = "".join(
                f"--- {t.name}\n" + "".join(traceback.format_stack(sys._current_frames()[t.ident]))
                for t in threading.enumerate() if t.ident in sys._current_frames())
        elif "error" in box:
            exc = box["error"]
            outcome.update(error=f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}",
                           message=str(getattr(exc, "message", exc)), is_store_error=isinstance(exc, StoreError),
                           traceback="".join(traceback.format_exception(exc))[-3000:])
        else:
            outcome["value"] = show(box["value"])
        print(json.dumps(outcome, default=str), flush=True)
        if worker.is_alive():
            os._exit(3)  # a frozen store (that let the GIL go): the rest would only hang too
        return box.get("value")

    if spec["scenario"] == "chroma-open":
        _chroma_open_scenario(disk, step)
        return

    store = step("open", lambda: open_store(settings, clock))
    earlier = []
    for text in EARLIER:
        clock.advance(minutes=1)
        record = step(f"add {text}", lambda text=text: store.add_entry(JOURNAL, text), lambda r: r.id)
        earlier.append(getattr(record, "id", None))

    step("recall before filling", lambda: store.recall("tomatoes in the garden", JOURNAL, k=3),
         lambda hits: [hit.record.text for hit in hits])  # as the app does when the store opens

    behind = spec["scenario"] == "fills-behind-the-check"
    arm = _fill_when_chroma_writes(disk, filler) if behind else None
    if not behind:
        filler.append(_fill(disk))

    def while_full(name: str, call) -> None:
        if arm is not None:  # the other program deletes its file, then fills the disk again mid-write
            for path in filler:
                path.unlink()
            filler.clear()
            arm(True)
        clock.advance(minutes=1)
        step(name, call)

    while_full("add while full", lambda: store.add_entry(JOURNAL, "Written while the disk was full."))
    while_full("add while full again", lambda: store.add_entry(JOURNAL, "Written again while the disk was full."))
    while_full("edit while full", lambda: store.update_text(earlier[0], EARLIER[0] + " (edited while full)"))
    if arm is not None:
        arm(False)
    step("recall while full", lambda: store.recall("tomatoes in the garden", JOURNAL, k=3),
         lambda hits: [hit.record.text for hit in hits])
    step("page while full", lambda: store.record.page(JOURNAL.name), lambda page: [r.text for r in page.records])

    for path in filler:
        path.unlink()
    clock.advance(minutes=1)
    step("add after freeing", lambda: store.add_entry(JOURNAL, "Entry added after the disk was cleaned up."),
         lambda r: r.id)
    step("recall after freeing", lambda: store.recall("cleaned up the disk", JOURNAL, k=10),
         lambda hits: [hit.record.text for hit in hits])
    step("page after freeing", lambda: store.record.page(JOURNAL.name),
         lambda page: [(r.id, r.text) for r in page.records])
    step("edit after freeing", lambda: store.update_text(earlier[1], EARLIER[1]), lambda r: r.text)
    step("close", store.close)
    print(json.dumps({"step": "done"}), flush=True)


def _fill_when_chroma_writes(disk: Path, filler: list[Path]):
    """Make the disk fill the moment Chroma next writes, once per ``arm(True)`` (as if another
    program filled it between the store's free-space check and the write): Chroma itself then hits
    the full disk. Returns ``arm``."""
    from chromadb.api.models.Collection import Collection

    armed = [False]
    for name in ("add", "upsert", "update"):
        original = getattr(Collection, name)

        def filling(self, *args, __original=original, **kwargs):
            if armed[0]:
                armed[0] = False
                filler.append(_fill(disk))
            return __original(self, *args, **kwargs)

        setattr(Collection, name, filling)
    return lambda on: armed.__setitem__(0, on)


def _chroma_open_scenario(disk: Path, step) -> None:
    """Open Chroma on a full disk, free the space, open again in the same process."""
    from chromadb.config import Settings

    from tui.adapters.chroma_recovery import open_chroma

    path = disk / "data" / "chroma"
    path.mkdir(parents=True)
    filler = _fill(disk)
    step("open while full", lambda: open_chroma(path, Settings(anonymized_telemetry=False)), lambda client: "opened")
    filler.unlink()
    step("open after freeing",
         lambda: open_chroma(path, Settings(anonymized_telemetry=False)).get_or_create_collection("notes"),
         lambda collection: collection.name)
    print(json.dumps({"step": "done"}), flush=True)


def test_a_journal_ask_refused_by_the_reserve_calls_the_text_an_entry(small_disk, cli_env):
    """Issue #18: it said "your question is kept" of a journal entry. The entry is kept (in the
    outbox, stored once there is room), and the note says so in the mode's word."""
    from tests.cli.test_cli import mindpane

    cli_env["MINDPANE_DATA_DIR"] = str(small_disk / "data")
    assert mindpane(cli_env, "ask", "Made the store.").returncode == 0
    with open(small_disk / "filler", "wb") as filler:
        filler.truncate(0)
        while disk_space.free_bytes(small_disk) > MIN_FREE_BYTES // 2:
            filler.write(b"\0" * (1024 * 1024))
            filler.flush()

    refused = mindpane(cli_env, "ask", "Written on a nearly full disk.")

    assert refused.returncode == 1 and "disk full" in refused.stderr.lower()
    assert "question" not in refused.stderr and "your entry is kept" in refused.stderr
    (small_disk / "filler").unlink()
    assert mindpane(cli_env, "ask", "After freeing space.").returncode == 0
    assert "Written on a nearly full disk." in mindpane(cli_env, "search", "nearly").stdout
