"""Runs ``mindpane`` under a Python audit hook that records every connection, spawned process and
write outside the allowed directories (see audit_hook.py). Used by the tests in a subprocess:

    python tests/audited_cli.py REPORT_JSON ALLOWED_ROOT[:ALLOWED_ROOT…] -- mindpane args…
"""

from __future__ import annotations

import sys

from audit_hook import Audit, parse_argv  # this script's directory is on sys.path


def main() -> int:
    report, roots, cli_args = parse_argv(sys.argv)
    audit = Audit(roots).install()
    from tui.cli import main as cli_main

    try:
        code = cli_main(cli_args)
    finally:
        audit.dump(report)
    return code


if __name__ == "__main__":
    sys.exit(main())
