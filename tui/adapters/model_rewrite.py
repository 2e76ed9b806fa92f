"""The int8-kernel rewrite, run in a process of its own so the app's process never imports ``onnx``.

``import onnx`` loads ``ml_dtypes``, whose C import holds the interpreter's lock for about half a
second, and parsing and serialising the graph hold it for a while more. In the app's process that
froze the screen on the first start after an install: a key pressed then was not handled, and a
kill lost what was typed and sent. In a child the app's threads keep running; it only waits on a
pipe.

The child is the same interpreter, with the same environment (contained already: see
``environment``), started with ``-P`` so neither the current directory nor anything else is put in
front of ``sys.path`` except the directory this package was imported from. It reads the model,
writes nothing to disk and sends the rewritten model on its stdout; its stderr (a message if it
fails) comes back through a pipe too, never to the terminal, and its stdin is a pipe closed at
once (not the terminal, whose keys are the app's; not ``/dev/null``, opened read-write). If the
app dies first, the child ends at its first write into the closed pipe.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REWRITE_TIMEOUT = 120.0
"""Seconds the child may take (about one on these cores; far more only on a machine stuck elsewhere).
Past it the child is killed and the bundled model used, as for any other failure."""
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The directory holding the ``tui`` package the app runs from: the child imports the same code."""
_BOOTSTRAP = ("import sys\n"
              "if sys.argv[1] not in sys.path: sys.path.insert(0, sys.argv[1])\n"
              "from tui.adapters.model_rewrite import main\n"
              "sys.exit(main(sys.argv[2:]))\n")
"""The child's first lines: ``PACKAGE_ROOT`` on its path (first, unless it is there already, as an
installed package's site-packages is), then :func:`main`."""


class RewriteFailed(RuntimeError):
    """The child could not rewrite the model; the message is its own last words."""


def rewritten_apart(source: Path) -> bytes:
    """The rewritten model of ``source`` (``int8_kernels.rewritten``), made by a child process."""
    flags = ["-B"] if sys.dont_write_bytecode else []
    try:
        done = subprocess.run([sys.executable, *flags, "-P", "-c", _BOOTSTRAP, str(PACKAGE_ROOT), str(source)],
                              input=b"", capture_output=True, timeout=REWRITE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:  # the child was killed
        raise RewriteFailed(f"the rewrite took longer than {REWRITE_TIMEOUT:g} s") from None
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RewriteFailed(said[-1] if said else f"the rewrite ended with exit status {done.returncode}")
    return done.stdout


def main(argv: list[str]) -> int:
    """In the child: ``SOURCE`` → the rewritten model on stdout, or a one-line reason on stderr.

    Everything else that might print (a library's warning) goes to stderr: stdout is only the model."""
    model_out = os.dup(1)
    os.dup2(2, 1)
    try:
        from tui.adapters.int8_kernels import rewritten

        model = rewritten(Path(argv[0]))
    except Exception as exc:  # onnx (missing, or failing on a graph) raises many kinds: the parent needs words
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    with os.fdopen(model_out, "wb") as out:
        out.write(model)
    return 0
