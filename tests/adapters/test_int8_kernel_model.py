"""The bundled model is rewritten once to keep its weights int8 in memory, cached, checked, and
never a reason to fail: whatever goes wrong, the embedder falls back to the bundled model."""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from tests.paths import REPO
from tui.adapters import model_cache, model_rewrite
from tui.adapters.bundled_embedder import BundledEmbedder, bundled_model_path
from tui.services.engine import open_store

SENTENCES = ["A quiet morning with coffee on the balcony.", "Why does my asyncio task never finish?",
             "Dinner with Sam; we talked about the garden.", "def f(x): return sorted(x, key=len)",
             "Felt anxious before the meeting, better after a long walk by the river."]


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(model_cache.CACHE_DIR_VARIABLE, str(cache))
    return cache


def cached_models(cache):
    return sorted(cache.glob("*.onnx")) if cache.exists() else []


def bundled_vectors(monkeypatch) -> np.ndarray:
    """The vectors of the bundled model as shipped (the rewrite made impossible)."""
    with monkeypatch.context() as patch:
        patch.delenv(model_cache.CACHE_DIR_VARIABLE)  # and no cache dir given: nothing to rewrite into
        return np.array(BundledEmbedder().embed(SENTENCES))


def test_the_first_embedder_rewrites_the_model_and_its_vectors_match_the_bundled_model(own_cache, monkeypatch):
    vectors = np.array(BundledEmbedder().embed(SENTENCES))

    (rewritten,) = cached_models(own_cache)
    assert rewritten.with_suffix(".sha256").read_text().strip()
    assert np.min(np.sum(vectors * bundled_vectors(monkeypatch), axis=1)) > 0.998


def test_making_the_model_never_loads_onnx_into_the_apps_process(tmp_path):
    """``import onnx`` loads ml_dtypes, whose C import holds the interpreter's lock for about half a
    second: in the app's process that froze the screen (and a key pressed then was not handled) on
    the first start after an install. Checked in a process of its own, so its modules are its own."""
    script = ("import json, sys\n"
              "from pathlib import Path\n"
              "from tui.adapters.bundled_embedder import BundledEmbedder\n"
              "(vector,) = BundledEmbedder(cache_dir=Path(sys.argv[1])).embed(['a thought'])\n"
              "print(json.dumps({'loaded': sorted({'onnx', 'ml_dtypes'} & set(sys.modules)), 'dim': len(vector)}))\n")
    env = {key: value for key, value in os.environ.items() if key != model_cache.CACHE_DIR_VARIABLE}
    cache = tmp_path / "fresh-cache"

    run = subprocess.run([sys.executable, "-c", script, str(cache)], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=240)

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"loaded": [], "dim": 384}
    (rewritten,) = cached_models(cache)  # the model was made all the same
    assert model_cache.sha256_of(rewritten) == rewritten.with_suffix(".sha256").read_text().strip()


def test_the_rewrite_runs_no_code_from_the_current_directory(own_cache, tmp_path, monkeypatch):
    """A project with a file named like a library the rewrite imports: the child never runs it."""
    project, ran = tmp_path / "project", tmp_path / "planted-code-ran"
    project.mkdir()
    (project / "onnx.py").write_text(f"open({str(ran)!r}, 'w').close()\nraise ImportError('planted')\n")
    monkeypatch.chdir(project)

    BundledEmbedder()

    assert not ran.exists()
    (rewritten,) = cached_models(own_cache)
    assert rewritten.with_suffix(".sha256").read_text().strip() == model_cache.sha256_of(rewritten)


def test_the_rewritten_model_holds_no_float_weight_matrices(tmp_path):
    """Every weight matrix stays 8-bit: only small float tensors (biases, norms, scales) remain."""
    rewritten = model_cache.int8_kernel_model(bundled_model_path(), "test", tmp_path)
    model = onnx.load(str(rewritten))
    float_sizes = [int(np.prod(t.dims)) for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT]
    assert max(float_sizes) < 40_000  # a 384×384 float matrix would be 147,456
    assert sum(node.op_type == "MatMulNBits" for node in model.graph.node) == 36  # 6 layers × 6 matrices
    int8_tables = {tuple(t.dims) for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT8}
    assert int8_tables == {(30522, 384), (512, 384)}  # the word and position embeddings, gathered as int8


def test_a_second_embedder_uses_the_cached_model_without_rewriting(own_cache, monkeypatch, caplog):
    BundledEmbedder()
    (rewritten,) = cached_models(own_cache)
    made = rewritten.stat().st_mtime_ns

    def no_rewrite(*args, **kwargs):
        raise AssertionError("the model was rewritten again")

    monkeypatch.setattr(model_rewrite, "rewritten_apart", no_rewrite)
    with caplog.at_level(logging.WARNING, logger="tui.adapters.model_cache"):
        BundledEmbedder()
    assert caplog.text == ""
    assert rewritten.stat().st_mtime_ns == made


def test_a_damaged_cached_model_is_made_again(own_cache, monkeypatch):
    BundledEmbedder()
    (rewritten,) = cached_models(own_cache)
    with rewritten.open("r+b") as handle:  # a flipped weight still loads: only the checksum tells
        handle.seek(rewritten.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0xFF]))

    vectors = np.array(BundledEmbedder().embed(SENTENCES))

    assert model_cache.sha256_of(rewritten) == rewritten.with_suffix(".sha256").read_text().strip()
    assert np.min(np.sum(vectors * bundled_vectors(monkeypatch), axis=1)) > 0.998


def test_a_cache_dir_that_cannot_be_written_falls_back_to_the_bundled_model(tmp_path, monkeypatch, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv(model_cache.CACHE_DIR_VARIABLE, str(blocked))

    with caplog.at_level(logging.WARNING, logger="tui.adapters.model_cache"):
        vectors = np.array(BundledEmbedder().embed(SENTENCES))

    assert "using the bundled model" in caplog.text
    assert vectors.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def without_onnx(monkeypatch, tmp_path):
    """An install where ``import onnx`` fails (a package of that name that raises, first on the path)."""
    shadow = tmp_path / "shadow" / "onnx"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'onnx'\")\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))


def without_an_interpreter_to_start(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))


def too_slow(monkeypatch, tmp_path):
    monkeypatch.setattr(model_rewrite, "REWRITE_TIMEOUT", 0.05)


@pytest.mark.parametrize(("failure", "said"), [(without_onnx, "ImportError: No module named 'onnx'"),
                                               (without_an_interpreter_to_start, "FileNotFoundError"),
                                               (too_slow, "took longer than 0.05 s")])
def test_a_failing_rewrite_falls_back_to_the_bundled_model_and_prints_nothing(own_cache, monkeypatch, tmp_path,
                                                                              caplog, capfd, failure, said):
    failure(monkeypatch, tmp_path)

    with caplog.at_level(logging.WARNING, logger="tui.adapters.model_cache"):
        vectors = np.array(BundledEmbedder().embed(SENTENCES))

    assert "could not be made" in caplog.text and "using the bundled model" in caplog.text
    assert said in caplog.text
    assert capfd.readouterr() == ("", "")  # the child's words came back through its pipe, not to the screen
    assert cached_models(own_cache) == []
    assert np.min(np.sum(vectors * bundled_vectors(monkeypatch), axis=1)) > 0.9999


def test_a_model_the_rewrite_cannot_read_is_reported_and_nothing_is_cached(own_cache, tmp_path, caplog):
    garbage = tmp_path / "model.onnx"
    garbage.write_bytes(b"not an onnx graph")

    with caplog.at_level(logging.WARNING, logger="tui.adapters.model_cache"):
        assert model_cache.int8_kernel_model(garbage, "0" * 64, own_cache) is None

    assert "RewriteFailed: DecodeError: Error parsing message" in caplog.text
    assert cached_models(own_cache) == []


def test_a_cached_model_that_will_not_load_is_discarded_and_the_bundled_model_used(own_cache, monkeypatch, caplog):
    BundledEmbedder()
    (rewritten,) = cached_models(own_cache)
    rewritten.write_bytes(b"not an onnx model")
    rewritten.with_suffix(".sha256").write_text(model_cache.sha256_of(rewritten))

    with caplog.at_level(logging.WARNING, logger="tui.adapters.bundled_embedder"):
        vectors = np.array(BundledEmbedder().embed(SENTENCES))

    assert "did not load" in caplog.text
    assert not rewritten.exists()  # made again by the next open
    assert vectors.shape == (len(SENTENCES), 384)


def test_a_store_keeps_the_rewritten_model_in_its_data_dir_privately(settings, monkeypatch, keep_umask):
    monkeypatch.delenv(model_cache.CACHE_DIR_VARIABLE)
    store = open_store(settings)
    store.close()

    models = settings.data_dir / "models"
    (rewritten,) = cached_models(models)
    assert stat.S_IMODE(models.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in models.iterdir()} == {0o600}
    assert rewritten.with_suffix(".sha256").is_file()


def test_a_full_disk_while_rewriting_leaves_no_partial_file_and_the_bundled_model_works(own_cache, monkeypatch,
                                                                                       caplog):
    real_write = Path.write_bytes

    def full_after_a_megabyte(path, data):
        real_write(path, data[: 1 << 20])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_after_a_megabyte)
    with caplog.at_level(logging.WARNING, logger="tui.adapters.model_cache"):
        vectors = np.array(BundledEmbedder().embed(SENTENCES))

    assert "No space left on device" in caplog.text
    assert list(own_cache.iterdir()) == []  # the partial model was removed
    assert vectors.shape == (len(SENTENCES), 384)
