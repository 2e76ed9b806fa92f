import sys

from tui.adapters.freed_memory import limit_malloc_arenas

limit_malloc_arenas()  # before any thread starts: see tui/adapters/freed_memory.py

from tui.cli import main  # noqa: E402

sys.exit(main())
