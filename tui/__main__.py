"""``python -m tui`` and the ``mindpane`` command: start-up runs with the garbage collector paused.

Start-up (the imports, the stylesheet, the first screen) makes a few hundred thousand objects that
live as long as the app, and next to no garbage; with the collector on, Python walked them about 150
times before the first frame (25-30 ms of a 0.3 s launch). So it waits: the app turns it back on
once the first frame is drawn (``MindpaneApp._start_background``), a subcommand as soon as its
arguments are read (``tui.cli.main``).

Before anything starts a thread, glibc is told to keep at most two heaps (see
``tui/adapters/freed_memory.py``: ~25 MB less at 10k entries than capping them once the store opens).

First of all, no core dumps (RLIMIT_CORE 0, soft and hard, for the app and every subcommand): a
crash must not leave the journal's text, or a locked journal's key, in a core file.
"""

import contextlib
import gc
import sys


def forbid_core_dumps() -> None:
    """Soft and hard limit 0: nothing later in this process can raise it again."""
    try:
        import resource
    except ImportError:  # not on this system (Windows): no core files to forbid
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):  # the system refuses: the next best, the soft limit alone
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))


def launch() -> int:
    forbid_core_dumps()
    gc.disable()
    from tui.adapters.freed_memory import limit_malloc_arenas

    limit_malloc_arenas()
    from tui.cli import main  # imported with the collector paused

    return main()


if __name__ == "__main__":
    sys.exit(launch())
