"""OllamaEmbedder against the stand-in server, through the real ``ollama`` client."""

from __future__ import annotations

import math

import pytest

from tests.ollama_stub import OllamaStub, unused_port_url
from tui.adapters.ollama_embedder import OllamaEmbedder
from tui.domain.errors import EmbedderError

MODEL = "nomic-embed-text"


@pytest.fixture
def stub(ollama_stub: OllamaStub) -> OllamaStub:
    ollama_stub.models.add(f"{MODEL}:latest")
    ollama_stub.embed_dimension = 64
    return ollama_stub


def embedder_for(stub: OllamaStub, model: str = MODEL) -> OllamaEmbedder:
    return OllamaEmbedder(stub.url, model, timeout=5.0)


def test_constructing_is_lazy_even_when_ollama_is_down(ollama_stub: OllamaStub) -> None:
    down = OllamaEmbedder(unused_port_url(), MODEL, timeout=1.0)
    embedder_for(ollama_stub)

    assert down.name == f"ollama:{MODEL}"
    assert ollama_stub.requests == []


def test_embeds_texts_into_normalised_vectors_in_order(stub: OllamaStub) -> None:
    embedder = embedder_for(stub)

    vectors = embedder.embed(["a quiet morning", "a quiet evening", "a quiet morning"])

    assert len(vectors) == 3
    assert all(len(v) == 64 for v in vectors)
    assert all(math.isclose(math.fsum(x * x for x in v), 1.0) for v in vectors)
    assert vectors[0] == vectors[2]
    assert vectors[0] != vectors[1]
    assert embedder.dimension == 64
    [request] = stub.requests
    assert (request.method, request.path) == ("POST", "/api/embed")
    assert request.body["model"] == MODEL
    assert request.body["input"] == ["a quiet morning", "a quiet evening", "a quiet morning"]


def test_dimension_is_learnt_on_demand(stub: OllamaStub) -> None:
    embedder = embedder_for(stub)

    assert embedder.dimension == 64
    assert embedder.dimension == 64
    assert len(stub.requests) == 1


def test_nothing_to_embed_sends_nothing(stub: OllamaStub) -> None:
    assert embedder_for(stub).embed([]) == []
    assert stub.requests == []


def test_unreachable_server_is_reported_with_a_start_hint() -> None:
    url = unused_port_url()
    embedder = OllamaEmbedder(url, MODEL, timeout=2.0)

    with pytest.raises(EmbedderError) as info:
        embedder.embed(["hello"])

    assert info.value.message == f"Ollama is not reachable at {url}"
    assert "`ollama serve`" in info.value.hint


def test_missing_model_is_reported_with_a_pull_hint(ollama_stub: OllamaStub) -> None:
    with pytest.raises(EmbedderError) as info:
        embedder_for(ollama_stub, "mxbai-embed-large").embed(["hello"])

    assert info.value.message == (f"The embedding model mxbai-embed-large is not pulled in your Ollama at "
                                  f"{ollama_stub.url}")
    assert info.value.hint == "run `ollama pull mxbai-embed-large`"


def test_missing_model_is_reported_when_probing_the_dimension(ollama_stub: OllamaStub) -> None:
    with pytest.raises(EmbedderError, match="not pulled"):
        _ = embedder_for(ollama_stub).dimension


def test_vectors_of_another_size_than_expected_are_refused(stub: OllamaStub) -> None:
    embedder = embedder_for(stub)
    embedder.dimension = 384  # e.g. the store was built with another model

    with pytest.raises(EmbedderError) as info:
        embedder.embed(["hello"])

    assert "expected 384" in info.value.message
    assert info.value.hint
