"""One sync of one device, run as its own process so a test can kill it for real (SIGKILL):

    sync_child.py DATA_DIR SETTINGS_DATA_DIR DSN FSIZE_LIMIT memory|chroma

The hub's password and the sync key come in the environment (never argv). ``MINDPANE_TEST_KILL_AT``
``<push|apply>:<n>:<before|inside|after>`` kills the process at the n-th push to the hub (before it,
or after it committed: the answer never read) or the n-th apply of pulled rows (before it, inside
its record transaction, or after it committed); ``index:<n>:before``: at the n-th step of the
index following the record (its change committed, the index behind). A limit on file size
(RLIMIT_FSIZE) is a disk that fills. Exit 0 and a JSON summary on stdout; 1 and the message on
stderr for a ``MindpaneError``.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
from pathlib import Path


class Killer:
    """Kills this process at the step ``MINDPANE_TEST_KILL_AT`` names (nothing when it is empty)."""

    def __init__(self, plan: str) -> None:
        self.plan = plan.split(":") if plan else ["", "0", ""]
        self.calls = 0

    def count(self, step: str) -> None:
        self.calls += self.plan[0] == step

    def at(self, step: str, where: str) -> None:
        if self.plan[0] == step and self.calls == int(self.plan[1]) and self.plan[2] == where:
            os.kill(os.getpid(), signal.SIGKILL)


def main() -> int:
    data_dir, settings_dir, dsn, limit = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    from tui.adapters.memory_index import MemoryIndex
    from tui.adapters.pg_hub import PgHub
    from tui.domain.errors import MindpaneError
    from tui.services.engine import embedder_factory, open_journal
    from tui.services.settings import Settings
    from tui.services.sync.engine import sync_once
    from tui.services.sync.state import device_id

    kill = Killer(os.environ.get("MINDPANE_TEST_KILL_AT", ""))
    index = MemoryIndex.open if sys.argv[5] == "memory" else None
    journal = open_journal(data_dir, embedder_factory(Settings(data_dir=settings_dir)), open_index=index)
    hub = PgHub(dsn, os.environ["MINDPANE_TEST_HUB_PASSWORD"])
    push, apply_synced = hub.push, journal.apply_synced

    def pushing(rows, bases):
        kill.count("push")
        kill.at("push", "before")
        result = push(rows, bases)
        kill.at("push", "after")
        return result

    def applying(decide):
        kill.count("apply")
        kill.at("apply", "before")

        def deciding():
            changes = decide()
            kill.at("apply", "inside")  # in the record's transaction, nothing committed yet
            return changes

        result = apply_synced(deciding)
        kill.at("apply", "after")
        return result

    def indexing(step):
        def follow(*args, **kwargs):
            kill.count("index")
            kill.at("index", "before")  # the record committed, the index not yet following
            return step(*args, **kwargs)

        return follow

    hub.push, journal.apply_synced = pushing, applying
    for name in ("add", "remove", "update_text", "update_metadata"):
        setattr(journal.index, name, indexing(getattr(journal.index, name)))
    if limit:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        report = sync_once(journal, hub, bytes.fromhex(os.environ["MINDPANE_TEST_SYNC_KEY"]), device_id(journal))
    except MindpaneError as exc:
        print(f"{exc.message} ({exc.hint})", file=sys.stderr)
        return 1
    finally:
        hub.close()
        journal.close()
    print(json.dumps({"pushed": report.pushed, "pulled": report.pulled, "conflicts": report.conflicts,
                      "refused": [r.reason for r in report.refused], "unsettled": sorted(report.unsettled)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
