"""Keep the heavy libraries inside the data dir and off the terminal, before they are imported.

mem0 reads MEM0_TELEMETRY and MEM0_DIR at import (and writes ``$MEM0_DIR/config.json``),
Chroma reads ANONYMIZED_TELEMETRY, and onnxruntime writes a device id under ``~/.cache`` unless
ORT_DISABLE_TELEMETRY is set. Log records (mem0 warns on every open) go to a file, never to
stderr, because stderr is the TUI's screen.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_NOISY_LOGGERS = ("mem0", "chromadb", "httpx", "httpcore", "onnxruntime", "spacy")


_contained = False


def contain_environment(data_dir: Path) -> None:
    """Set the variables the libraries read at import. Must run before ``import mem0``."""
    global _contained
    if "mem0" in sys.modules and not _contained:
        warnings.warn("mem0 was imported before mindpane contained its environment", stacklevel=2)
    _contained = True
    os.environ["MEM0_TELEMETRY"] = "False"
    os.environ["MEM0_DIR"] = str(data_dir / "mem0")
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def route_logs_to_file(log_file: Path) -> None:
    """Send every log record and warning to ``log_file``; nothing reaches the terminal."""
    root = logging.getLogger()
    if any(getattr(handler, "_mindpane", False) for handler in root.handlers):
        return
    handler = logging.FileHandler(log_file, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    handler._mindpane = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.captureWarnings(True)
