"""The exit statuses every ``mindpane`` command uses."""

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
"""Ctrl+C (128 + SIGINT), as a shell reports it."""
