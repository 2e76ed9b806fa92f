"""OllamaChat against the stand-in server, through the real ``ollama`` client and real HTTP."""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.ollama_stub import DEFAULT_CONTEXT_LENGTH, DEFAULT_MODEL, OllamaStub, unused_port_url
from tui.adapters.ollama_chat import OllamaChat, is_loopback, normalise_host
from tui.domain.errors import (
    ChatError,
    ContextFull,
    ModelNotFound,
    ModelStalled,
    OllamaUnreachable,
    ReplyInterrupted,
)
from tui.domain.llm_models import ContextWindow

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


def test_a_reply_ended_because_the_context_filled_up_is_cut_off(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(chunks=["You wrote ", "about the move and"], done_reason="length")

    received, error = failure(chat_for(ollama_stub))

    assert received == ["You wrote ", "about the move and"]
    assert isinstance(error, ContextFull) and isinstance(error, ReplyInterrupted)
    assert error.partial == "You wrote about the move and"
    assert error.message == "The reply was cut off: the model's context is full"
    assert "shorter prompt" in error.hint


def test_a_prompt_the_server_refuses_as_too_long_is_a_full_context(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(status=400, error="the input length exceeds the context length")

    _, error = failure(chat_for(ollama_stub))

    assert isinstance(error, ContextFull)
    assert error.partial == ""


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
    assert error.message == f"Model {DEFAULT_MODEL} sent no reply for {STALL:g} s"


def test_silence_after_some_text_interrupts_the_reply_and_keeps_it(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(chunks=["Thinking ", "about ", "it"], stall_after=2)

    received, error = failure(chat_for(ollama_stub, stall_timeout=STALL))

    assert received == ["Thinking ", "about "]
    assert isinstance(error, ReplyInterrupted)
    assert error.partial == "Thinking about "
    assert error.message == f"The reply was cut off after {STALL:g} s without progress"


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


# -- context window --------------------------------------------------------------------------------


def test_the_context_window_is_what_the_model_reports_asked_once(ollama_stub: OllamaStub) -> None:
    chat = chat_for(ollama_stub)

    first = chat.context_window(DEFAULT_MODEL)
    again = chat.context_window(DEFAULT_MODEL)

    assert first == again
    assert (first.trained, first.num_ctx) == (DEFAULT_CONTEXT_LENGTH, None)
    assert [request["model"] for request in ollama_stub.show_requests] == [DEFAULT_MODEL]


def test_a_modelfile_num_ctx_is_read_from_the_parameters(ollama_stub: OllamaStub) -> None:
    ollama_stub.show_parameters = 'num_ctx                        4096\nstop                           "<end_of_turn>"'

    window = chat_for(ollama_stub).context_window(DEFAULT_MODEL)

    assert (window.trained, window.num_ctx) == (DEFAULT_CONTEXT_LENGTH, 4096)


def test_a_model_that_reports_no_context_length_gives_an_empty_window(ollama_stub: OllamaStub) -> None:
    ollama_stub.context_length = None
    assert chat_for(ollama_stub).context_window(DEFAULT_MODEL) == ContextWindow()

    ollama_stub.model_info_null = True
    chat = chat_for(ollama_stub)
    assert chat.context_window(DEFAULT_MODEL) == ContextWindow()
    assert chat.context_window(DEFAULT_MODEL) == ContextWindow()
    assert len(ollama_stub.show_requests) == 2  # a definite answer is kept


def test_a_server_that_cannot_say_gives_an_empty_window_and_is_asked_again(ollama_stub: OllamaStub,
                                                                         caplog) -> None:
    ollama_stub.show_status = 500
    chat = chat_for(ollama_stub)

    assert chat.context_window(DEFAULT_MODEL) == ContextWindow()
    assert "context length" in caplog.text
    ollama_stub.show_status = None
    assert chat.context_window(DEFAULT_MODEL).trained == DEFAULT_CONTEXT_LENGTH
    assert chat_for(ollama_stub).context_window("llama9:70b") == ContextWindow()  # not pulled


def test_an_unreachable_server_gives_an_empty_window() -> None:
    assert OllamaChat(unused_port_url(), connect_timeout=1.0).context_window(DEFAULT_MODEL) == ContextWindow()


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
