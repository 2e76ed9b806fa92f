"""The bundled model rewritten to keep its weights int8 (``int8_kernels``), made once and cached.

The rewrite runs the first time a store opens after an install (about a second), in a child
process (``model_rewrite``: ``onnx`` would hold the app's interpreter lock), while the worker
that opens the store waits for it; later opens load the cached file, checked against the sha256
written next to it. It lives in the data dir's ``models/`` (everything mindpane writes stays in
the data dir), or in ``MINDPANE_CACHE_DIR`` when that is set. Anything that goes wrong (no
``onnx``, a child that fails or takes too long, an unwritable or full disk, a damaged cached
file) is logged and the embedder uses the bundled model as it is: more memory, the same vectors
within rounding, nothing lost.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from tui.adapters import model_rewrite
from tui.adapters.freed_memory import release_freed_memory
from tui.adapters.int8_kernels import REWRITE_VERSION

log = logging.getLogger(__name__)
CACHE_DIR_VARIABLE = "MINDPANE_CACHE_DIR"
MODELS_DIR = "models"
"""The cache's place in the data dir."""


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def cache_dir(default: Path | None) -> Path | None:
    """``MINDPANE_CACHE_DIR`` if set, else ``default`` (the data dir's ``models/``)."""
    configured = os.environ.get(CACHE_DIR_VARIABLE, "").strip()
    return Path(configured).expanduser() if configured else default


def cached_model_path(directory: Path, source_sha256: str) -> Path:
    return directory / f"minilm-int8-kernels-v{REWRITE_VERSION}-{source_sha256[:16]}.onnx"


def int8_kernel_model(source: Path, source_sha256: str, directory: Path) -> Path | None:
    """The rewritten model of ``source`` (whose sha256 the caller verified) in ``directory``, made
    now if it is not there or is damaged; None if it cannot be had."""
    target = cached_model_path(directory, source_sha256)
    checksum = target.with_suffix(".sha256")
    try:
        if target.is_file() and checksum.is_file():
            if checksum.read_text().strip() == sha256_of(target):
                return target
            log.warning("the cached model %s is damaged; making it again", target)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        model = _rewritten(source)
        _write_whole(target, model)
        _write_whole(checksum, f"{hashlib.sha256(model).hexdigest()}\n".encode())
        return target
    except Exception as exc:  # the child (its words), its start, its timeout and the disk raise many kinds
        log.warning("the int8-kernel model could not be made in %s (%s: %s); using the bundled model",
                    directory, type(exc).__name__, exc)
        return None


def _rewritten(source: Path) -> bytes:
    try:
        return model_rewrite.rewritten_apart(source)
    finally:
        release_freed_memory()  # the model came through the pipe in many small pieces, freed since


def _write_whole(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` whole or not at all: written next to it, then renamed."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def discard(model: Path) -> None:
    """Remove a cached model that would not load, so the next open makes it again."""
    for path in (model, model.with_suffix(".sha256")):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove %s", path)
