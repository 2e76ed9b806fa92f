"""OllamaChat against the stand-in server, through the real ``ollama`` client and real HTTP."""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.ollama_stub import DEFAULT_MODEL, OllamaStub, unused_port_url
from tui.adapters.ollama_chat import OllamaChat, is_loopback, normalise_host
from tui.domain.errors import (
    ChatError,
    ModelNotFound,
    ModelStalled,
    OllamaUnreachable,
    ReplyInterrupted,
)

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Say hello."},
]
STALL = 0.3


def chat_for(stub: OllamaStub, **kwargs) -> OllamaChat:
    kwargs.setdefault("connect_timeout", 2.0)
    kwargs.setdefault("stall_timeout", 5.0)
    return OllamaChat(stub.url, **kwargs)


def collect(chat: OllamaChat, model: str = DEFAULT_MODEL) -> list[str]:
    return list(chat.stream(model, MESSAGES))


def failure(chat: OllamaChat, model: str = DEFAULT_MODEL) -> tuple[list[str], ChatError]:
    """Chunks received before the failure, and the failure (which must be a ChatError)."""
    received: list[str] = []
    with pytest.raises(ChatError) as info:
        for chunk in chat.stream(model, MESSAGES):
            received.append(chunk)
    return received, info.value


# -- streaming -------------------------------------------------------------------------------------


def test_streams_chunks_in_order_and_sends_model_and_messages(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(chunks=["Hel", "lo", ", ", "world", "!"])

    assert collect(chat_for(ollama_stub)) == ["Hel", "lo", ", ", "world", "!"]

    [sent] = ollama_stub.chat_requests
    assert sent["model"] == DEFAULT_MODEL
    assert sent["messages"] == MESSAGES
    assert sent["stream"] is True
    assert "options" not in sent


def test_scripted_replies_are_served_in_order_then_the_default(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(text="first reply").script(text="second reply")
    chat = chat_for(ollama_stub)

    assert "".join(collect(chat)) == "first reply"
    assert "".join(collect(chat)) == "second reply"
    assert "".join(collect(chat)) == "(stub reply)"


def test_options_are_passed_through_and_per_call_options_win(ollama_stub: OllamaStub) -> None:
    chat = chat_for(ollama_stub, options={"temperature": 0.2, "num_ctx": 4096})

    list(chat.stream(DEFAULT_MODEL, MESSAGES, options={"temperature": 0.7}))

    assert ollama_stub.chat_requests[0]["options"] == {"temperature": 0.7, "num_ctx": 4096}


def test_constructing_does_not_contact_the_server(ollama_stub: OllamaStub) -> None:
    chat_for(ollama_stub)
    OllamaChat(unused_port_url())

    assert ollama_stub.requests == []


def test_ollama_host_style_address_without_scheme_works(ollama_stub: OllamaStub) -> None:
    chat = OllamaChat(ollama_stub.host_port, stall_timeout=5.0)
    ollama_stub.script(text="hi there")

    assert chat.host == ollama_stub.url
    assert "".join(collect(chat)) == "hi there"
    chat.ensure_model(DEFAULT_MODEL)


def test_a_local_ollama_is_not_reached_through_a_web_proxy(
    ollama_stub: OllamaStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = unused_port_url()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)

    assert "".join(collect(chat_for(ollama_stub))) == "(stub reply)"


def test_closing_the_stream_early_leaves_the_client_usable(ollama_stub: OllamaStub) -> None:
    chat = chat_for(ollama_stub)
    ollama_stub.script(chunks=["one ", "two ", "three"]).script(text="next")

    stream = chat.stream(DEFAULT_MODEL, MESSAGES)
    assert next(stream) == "one "
    stream.close()  # what a cancelled worker does

    assert "".join(collect(chat)) == "next"


# -- failures --------------------------------------------------------------------------------------


def test_unreachable_server_is_reported_with_a_start_hint() -> None:
    url = unused_port_url()
    chat = OllamaChat(url, connect_timeout=2.0)

    received, error = failure(chat)

    assert received == []
    assert isinstance(error, OllamaUnreachable)
    assert error.message == f"Ollama is not reachable at {url}"
    assert "`ollama serve`" in error.hint
    assert "OLLAMA_HOST" in error.hint


def test_unknown_model_is_reported_with_a_pull_hint(ollama_stub: OllamaStub) -> None:
    received, error = failure(chat_for(ollama_stub), model="llama9:70b")

    assert received == []
    assert isinstance(error, ModelNotFound)
    assert error.message == "Model llama9:70b is not pulled"
    assert error.hint == "run `ollama pull llama9:70b`"


def test_error_mid_stream_keeps_the_partial_reply(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(
        chunks=["The ", "answer ", "is"], error_after=2, error="llama runner process has terminated"
    )

    received, error = failure(chat_for(ollama_stub))

    assert received == ["The ", "answer "]
    assert isinstance(error, ReplyInterrupted)
    assert error.partial == "The answer "
    assert error.message == "The reply was cut off: llama runner process has terminated"
    assert error.hint


def test_server_error_before_any_text_is_a_chat_error_with_its_message(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(text="never sent", error_after=0, error="model requires more system memory")

    received, error = failure(chat_for(ollama_stub))

    assert received == []
    assert type(error) is ChatError
    assert "model requires more system memory" in error.message


def test_http_error_status_is_a_chat_error_with_the_servers_message(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(status=500, error="unexpected server error")

    _, error = failure(chat_for(ollama_stub))

    assert type(error) is ChatError
    assert "unexpected server error" in error.message


def test_dropped_connection_mid_stream_keeps_the_partial_reply(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(chunks=["a", "b", "c"], drop_after=2)

    received, error = failure(chat_for(ollama_stub))

    assert received == ["a", "b"]
    assert isinstance(error, ReplyInterrupted)
    assert error.partial == "ab"
    assert error.message.startswith("The reply was cut off: ")


def test_silence_before_any_text_is_a_stall(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(text="too late", stall_after=0)

    received, error = failure(chat_for(ollama_stub, stall_timeout=STALL))

    assert received == []
    assert isinstance(error, ModelStalled)
    assert error.message == f"Model {DEFAULT_MODEL} sent nothing for {STALL:g} s"


def test_silence_after_some_text_interrupts_the_reply_and_keeps_it(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(chunks=["Thinking ", "about ", "it"], stall_after=2)

    received, error = failure(chat_for(ollama_stub, stall_timeout=STALL))

    assert received == ["Thinking ", "about "]
    assert isinstance(error, ReplyInterrupted)
    assert error.partial == "Thinking about "
    assert error.message == f"The reply was cut off after {STALL:g} s of silence"


def test_a_server_that_is_not_ollama_is_not_mistaken_for_a_missing_model(ollama_stub: OllamaStub) -> None:
    chat = OllamaChat(ollama_stub.url + "/not-ollama", stall_timeout=5.0)  # every path there is a 404

    _, error = failure(chat)

    assert isinstance(error, OllamaUnreachable)
    assert "404" in error.message
    assert "OLLAMA_HOST" in error.hint


@pytest.fixture
def unanswered_url() -> Iterator[str]:
    """A port whose accept queue is full, so a new connection is never established (Linux drops SYNs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):  # the connection completes in the background
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield f"http://127.0.0.1:{port}"
    for sock in [*fillers, server]:
        sock.close()


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs to a full accept queue")
def test_connect_timeout_is_reported_as_unreachable(unanswered_url: str) -> None:
    chat = OllamaChat(unanswered_url, connect_timeout=STALL, stall_timeout=STALL)

    _, error = failure(chat)

    assert isinstance(error, OllamaUnreachable)
    assert error.message == f"Ollama is not reachable at {unanswered_url} (no answer in {STALL:g} s)"
    assert "`ollama serve`" in error.hint


# -- ensure_model ----------------------------------------------------------------------------------


def test_ensure_model_accepts_a_listed_model(ollama_stub: OllamaStub) -> None:
    chat_for(ollama_stub).ensure_model(DEFAULT_MODEL)

    assert [(r.method, r.path) for r in ollama_stub.requests] == [("GET", "/api/tags")]


def test_ensure_model_matches_a_bare_name_to_latest(ollama_stub: OllamaStub) -> None:
    ollama_stub.models.add("nomic-embed-text:latest")
    chat = chat_for(ollama_stub)

    chat.ensure_model("nomic-embed-text")
    chat.ensure_model("nomic-embed-text:latest")
    with pytest.raises(ModelNotFound):
        chat.ensure_model("gemma3")  # gemma3 means gemma3:latest, not gemma3:4b-it-qat


def test_ensure_model_reports_a_missing_model(ollama_stub: OllamaStub) -> None:
    with pytest.raises(ModelNotFound) as info:
        chat_for(ollama_stub).ensure_model("qwen2.5-coder:7b")

    assert info.value.hint == "run `ollama pull qwen2.5-coder:7b`"


def test_ensure_model_reports_an_unreachable_server() -> None:
    url = unused_port_url()

    with pytest.raises(OllamaUnreachable) as info:
        OllamaChat(url, connect_timeout=2.0).ensure_model(DEFAULT_MODEL)

    assert info.value.message == f"Ollama is not reachable at {url}"
    assert "`ollama serve`" in info.value.hint


# -- host normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", "http://127.0.0.1:11434"),
        ("127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("localhost", "http://localhost:11434"),
        ("http://127.0.0.1:11434/", "http://127.0.0.1:11434"),
        ("http://example.com", "http://example.com:80"),
        ("https://example.com/ollama/", "https://example.com:443/ollama"),
        ("[::1]:7000", "http://[::1]:7000"),
    ],
)
def test_normalise_host(given: str, expected: str) -> None:
    assert normalise_host(given) == expected


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1:11434", True),
        ("http://localhost:11434", True),
        ("0.0.0.0", True),
        ("[::1]:11434", True),
        ("http://gpu-box.lan:11434", False),
        ("https://10.0.0.7", False),
    ],
)
def test_is_loopback(host: str, local: bool) -> None:
    assert is_loopback(host) is local


def test_an_https_ollama_is_reached_with_certificates_verified_and_plain_http_skips_the_ca_bundle():
    import ssl

    from tui.adapters.ollama_chat import make_client

    def context(host: str) -> ssl.SSLContext:
        return make_client(host, httpx.Timeout(1.0))._client._transport._pool._ssl_context

    assert context("https://ollama.example.org:11434").verify_mode == ssl.CERT_REQUIRED
    assert context("http://127.0.0.1:11434").verify_mode == ssl.CERT_NONE  # never used: no TLS on http
