"""The stall timeout bounds the time without progress in a reply, not the time without a byte
(issue #18, item 15): a server that trickles a byte a second, or sends lines with no text in
them, is hung up on after ``stall_timeout`` seconds, and so is an /api/show, /api/tags or
/api/embed answer that never completes. A reader that is slow to take the chunks is not a
stalled model."""

from __future__ import annotations

import time

import pytest

from tests.cli.test_cli import mindpane
from tests.ollama_stub import DEFAULT_MODEL, OllamaStub
from tui.adapters.ollama_chat import OllamaChat
from tui.adapters.ollama_embedder import OllamaEmbedder
from tui.domain.errors import ChatError, EmbedderError, ModelStalled, OllamaUnreachable, ReplyInterrupted
from tui.domain.llm_models import ContextWindow

STALL = 1.0
MARGIN = 4.0
"""How much later than ``STALL`` the hang-up may come on a busy machine; the stub trickles for 30 s."""
MESSAGES = [{"role": "user", "content": "Say hello."}]


def chat_for(stub: OllamaStub) -> OllamaChat:
    return OllamaChat(stub.url, connect_timeout=2.0, stall_timeout=STALL)


def timed_failure(chat: OllamaChat) -> tuple[list[str], ChatError, float]:
    received: list[str] = []
    started = time.monotonic()
    with pytest.raises(ChatError) as info:
        for chunk in chat.stream(DEFAULT_MODEL, MESSAGES):
            received.append(chunk)
    return received, info.value, time.monotonic() - started


def test_a_reply_that_trickles_a_byte_at_a_time_is_a_stall_after_the_timeout(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(text="never sent", trickle_after=0)

    received, error, took = timed_failure(chat_for(ollama_stub))

    assert received == [] and isinstance(error, ModelStalled)
    assert error.message == f"Model {DEFAULT_MODEL} sent no reply for {STALL:g} s"
    assert took < STALL + MARGIN
    assert ollama_stub.chat_closed.wait(5), "the connection was left open"


def test_lines_without_text_after_some_text_cut_the_reply_off_and_keep_it(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(chunks=["Half ", "a "], trickle_after=2, trickle_lines=True)

    received, error, took = timed_failure(chat_for(ollama_stub))

    assert received == ["Half ", "a "]
    assert isinstance(error, ReplyInterrupted) and error.partial == "Half a "
    assert error.message == f"The reply was cut off after {STALL:g} s without progress"
    assert took < STALL + MARGIN


def test_a_reader_slower_than_the_stall_timeout_still_gets_the_whole_reply(ollama_stub: OllamaStub) -> None:
    """The time the caller takes with a chunk (a blocked pipe, a busy screen) is not the model's."""
    ollama_stub.script(chunks=["one ", "two ", "three"])
    received = []

    for chunk in chat_for(ollama_stub).stream(DEFAULT_MODEL, MESSAGES):
        received.append(chunk)
        time.sleep(STALL * 1.5)

    assert received == ["one ", "two ", "three"]


def test_a_reply_at_a_models_pace_is_never_cut_however_long_it_takes(ollama_stub: OllamaStub) -> None:
    ollama_stub.script(chunks=["a"] * 12, pace=STALL / 4)  # 3 × STALL in all, progress all along

    assert "".join(chat_for(ollama_stub).stream(DEFAULT_MODEL, MESSAGES)) == "a" * 12


def test_a_show_answer_that_never_completes_gives_no_window_within_the_timeout(ollama_stub: OllamaStub) -> None:
    ollama_stub.trickle_paths = {"/api/show"}
    started = time.monotonic()

    window = chat_for(ollama_stub).context_window(DEFAULT_MODEL)

    assert window == ContextWindow()
    assert time.monotonic() - started < STALL + MARGIN


def test_a_model_listing_that_never_completes_is_a_hung_server(ollama_stub: OllamaStub) -> None:
    ollama_stub.trickle_paths = {"/api/tags"}
    started = time.monotonic()

    with pytest.raises(OllamaUnreachable) as info:
        chat_for(ollama_stub).list_models()

    assert f"did not answer within {STALL:g} s" in info.value.message
    assert time.monotonic() - started < STALL + MARGIN


def test_an_embedding_that_never_completes_fails_within_the_timeout(ollama_stub: OllamaStub) -> None:
    ollama_stub.add_model("all-minilm")
    ollama_stub.trickle_paths = {"/api/embed"}
    started = time.monotonic()

    with pytest.raises(EmbedderError) as info:
        OllamaEmbedder(ollama_stub.url, "all-minilm", timeout=STALL).embed(["a day"])

    assert "all-minilm" in info.value.message
    assert time.monotonic() - started < STALL + MARGIN


def test_ask_ends_and_keeps_the_entry_when_the_reply_trickles(cli_env, ollama_stub: OllamaStub) -> None:
    cli_env["MINDPANE_STALL_TIMEOUT"] = "2"
    ollama_stub.script(text="never sent", trickle_after=0)
    started = time.monotonic()

    result = mindpane(cli_env, "ask", "Written while the model trickles.")

    assert time.monotonic() - started < 25, "ask kept running while the server trickled"
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "sent no reply for 2 s" in result.stderr and "saved" in result.stderr
    assert "Written while the model trickles." in mindpane(cli_env, "search", "trickles").stdout
