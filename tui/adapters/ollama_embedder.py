"""An ``Embedder`` served by Ollama's ``/api/embed`` (e.g. ``nomic-embed-text``, ``all-minilm``).

Lazy on purpose: constructing it never contacts the server, so the app opens (and can show a
helpful error later) even when Ollama is down. The vector dimension is learnt from the first
answer. Every client failure is translated once into ``EmbedderError`` with a fix hint.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import httpx

from tui.adapters.ollama_chat import START_HINT, Redirected, first_line, make_client, normalise_host
from tui.adapters.ollama_module import ollama
from tui.adapters.ollama_progress import call_watched
from tui.domain.errors import EmbedderError

PROBE_TEXT = "dimension probe"


def _l2_normalise(vector: Sequence[float]) -> list[float]:
    """Ollama normalises already; doing it again is cheap and keeps the port's promise for any server."""
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return [float(x) for x in vector] if norm == 0.0 else [x / norm for x in vector]


class OllamaEmbedder:
    """``Embedder`` over ``ollama.Client.embed``. Blocking; safe to share between threads."""

    def __init__(self, host: str, model: str, timeout: float = 60.0, *, connect_timeout: float = 5.0) -> None:
        self.model = model
        self.name = f"ollama:{model}"
        self.timeout = timeout
        self._host = normalise_host(host)
        self._dimension: int | None = None
        self._lock = threading.Lock()
        # A first embed may have to load the model: ``timeout`` bounds the wait for the answer (a
        # trickle of bytes included), not the time to reach the server.
        client_timeout = httpx.Timeout(timeout, connect=min(connect_timeout, timeout))
        self._client = make_client(self._host, client_timeout)

    @property
    def host(self) -> str:
        return self._host

    @property
    def dimension(self) -> int:
        """Vector size; learnt from the first ``embed`` (asking the server once if nothing was embedded)."""
        if self._dimension is None:
            self.embed([PROBE_TEXT])
        assert self._dimension is not None
        return self._dimension

    @dimension.setter
    def dimension(self, value: int) -> None:
        """Preset the expected size (e.g. from an existing collection) so a model swap is caught."""
        self._dimension = int(value)

    def close(self) -> None:
        self._client.close()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One L2-normalised vector per text, in order; raise ``EmbedderError`` on any failure."""
        texts = list(texts)
        if not texts:
            return []
        try:
            response = call_watched(self.timeout, lambda: self._client.embed(model=self.model, input=texts),
                                    "/api/embed")
        except Exception as exc:
            raise self._translate(exc) from exc
        vectors = [_l2_normalise(v) for v in response.embeddings]
        if len(vectors) != len(texts):
            raise EmbedderError(
                f"Ollama returned {len(vectors)} vectors for {len(texts)} texts from {self.model}",
                hint="upgrade Ollama, or choose another embedding model",
            )
        sizes = {len(v) for v in vectors}
        with self._lock:
            expected = self._dimension if self._dimension is not None else next(iter(sizes))
            if sizes != {expected} or expected == 0:
                raise EmbedderError(
                    f"Embedding model {self.model} returned vectors of size "
                    f"{', '.join(map(str, sorted(sizes)))}, expected {expected}",
                    hint="the store was built with another embedding model; switch back to it",
                )
            self._dimension = expected
        return vectors

    def _translate(self, exc: Exception) -> EmbedderError:
        """Map any client exception to one ``EmbedderError`` a person can act on."""
        if isinstance(exc, Redirected):
            return EmbedderError(*exc.explained())
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) or type(exc) is ConnectionError:
            return EmbedderError(f"Ollama is not reachable at {self._host}", hint=START_HINT)
        if isinstance(exc, httpx.TimeoutException):
            return EmbedderError(
                f"Ollama gave no answer in {self.timeout:g} s while embedding with {self.model}",
                hint="the model may still be loading; try again",
            )
        if isinstance(exc, ollama.ResponseError):
            reason = str(exc.error).casefold()
            if exc.status_code == 404 and "model" in reason and "not found" in reason:
                return EmbedderError(f"The embedding model {self.model} is not pulled in your Ollama at {self._host}",
                                     hint=f"run `ollama pull {self.model}`")
            if exc.status_code == 404:
                return EmbedderError(
                    f"No Ollama API at {self._host} (HTTP 404: {first_line(exc)})",
                    hint="check that OLLAMA_HOST points at an Ollama server",
                )
            return EmbedderError(
                f"Ollama could not embed with {self.model}: {first_line(exc)}",
                hint="check that it is an embedding model (e.g. nomic-embed-text)",
            )
        return EmbedderError(
            f"Embedding with {self.model} failed: {type(exc).__name__}: {first_line(exc)}",
            hint="try again; if it keeps happening, look at the `ollama serve` log",
        )
