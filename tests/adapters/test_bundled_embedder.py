"""The default, offline embedder: a real MiniLM from a wheel, verified before it is trusted."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tui.adapters.bundled_embedder import BundledEmbedder, bundled_model_path
from tui.domain.errors import EmbedderError


@pytest.fixture(scope="module")
def embedder() -> BundledEmbedder:
    return BundledEmbedder()


def test_vectors_are_normalised_and_384_wide(embedder):
    vectors = np.array(embedder.embed(["A quiet morning with coffee.", "def f(x): return x"]))
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_padding_to_the_batch_does_not_change_a_vector(embedder):
    short = "Tea."
    alone = np.array(embedder.embed([short])[0])
    batched = np.array(embedder.embed([short, "A much longer sentence " * 20])[0])
    assert float(alone @ batched) > 0.9999


def test_a_large_mixed_batch_comes_back_in_order_with_the_vectors_each_text_has_alone(embedder):
    texts = [("word " * (n % 37 + 1)) + str(n) for n in range(150)]  # lengths out of order, > one sub-batch
    together = np.array(embedder.embed(texts))
    alone = np.array([embedder.embed([text])[0] for text in texts[::29]])
    assert np.allclose(together[::29], alone, atol=1e-5)


def test_similar_meanings_are_closer_than_unrelated_ones(embedder):
    hike, walk, sort = (np.array(v) for v in embedder.embed(
        ["I went hiking in the mountains", "A long walk in the hills", "Sort a dict by value in Python"]))
    assert hike @ walk > 0.4 > hike @ sort


def test_a_corrupt_model_file_is_refused_with_a_clear_message(tmp_path):
    corrupt = tmp_path / "model.onnx"
    shutil.copyfile(bundled_model_path(), corrupt)
    with corrupt.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\0\0\0\0")

    with pytest.raises(EmbedderError) as caught:
        BundledEmbedder(model_path=corrupt)
    assert "corrupt" in caught.value.message
    assert "pip install" in caught.value.hint


def test_a_missing_model_file_is_refused_with_a_clear_message(tmp_path):
    with pytest.raises(EmbedderError) as caught:
        BundledEmbedder(model_path=tmp_path / "nowhere.onnx")
    assert "missing" in caught.value.message
