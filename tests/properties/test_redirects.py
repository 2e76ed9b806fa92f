"""A redirect never takes an entry to another host (issue #18, leak 1): the configured Ollama
answered ``/api/chat`` with ``307 Location: http://127.0.0.2:…``, and the client posted the entry,
the system prompt and the recalled memories there."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.ollama_stub import DEFAULT_MODEL
from tui.adapters.ollama_chat import OllamaChat
from tui.adapters.ollama_embedder import OllamaEmbedder
from tui.domain.errors import ChatError, EmbedderError
from tui.domain.llm_models import ContextWindow

SECRET = "my secret diary entry"


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def _serve(address: str, handler: type[BaseHTTPRequestHandler]) -> Iterator[_Server]:
    server = _Server((address, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[list[bytes]]:
    """A listener on another address that keeps whatever reaches it."""
    got: list[bytes] = []

    class Sink(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            got.append(self.requestline.encode() + b"\n" + self.rfile.read(length))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"models": [], "embeddings": [[0.0]]}')

        do_GET = do_POST = _any

        def log_message(self, *args: object) -> None:
            pass

    for server in _serve("127.0.0.2", Sink):
        got.append(f"http://127.0.0.2:{server.server_address[1]}".encode())
        yield got


@pytest.fixture
def redirecting(elsewhere: list[bytes]) -> Iterator[str]:
    """An "Ollama" that answers everything with a 307 to the other address."""
    target = elsewhere[0].decode()

    class Redirect(BaseHTTPRequestHandler):
        def _any(self) -> None:
            self.send_response(307)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _any

        def log_message(self, *args: object) -> None:
            pass

    for server in _serve("127.0.0.1", Redirect):
        yield f"http://127.0.0.1:{server.server_address[1]}"


def reached(elsewhere: list[bytes]) -> list[bytes]:
    return elsewhere[1:]


def test_a_chat_redirected_to_another_host_is_refused_and_says_so(redirecting, elsewhere):
    chat = OllamaChat(redirecting, connect_timeout=2.0, stall_timeout=5.0)

    with pytest.raises(ChatError) as raised:
        list(chat.stream(DEFAULT_MODEL, [{"role": "user", "content": SECRET}]))

    assert reached(elsewhere) == []
    assert "redirect" in str(raised.value).lower() and "127.0.0.2" in str(raised.value)


@pytest.mark.parametrize("call", ["ensure_model", "list_models"])
def test_the_other_calls_do_not_follow_a_redirect_either(redirecting, elsewhere, call):
    chat = OllamaChat(redirecting, connect_timeout=2.0, stall_timeout=5.0)

    with pytest.raises(ChatError, match=r"(?i)redirect"):
        method = getattr(chat, call)
        method() if call == "list_models" else method(DEFAULT_MODEL)

    assert reached(elsewhere) == []


def test_asking_for_the_context_length_does_not_follow_a_redirect(redirecting, elsewhere):
    """It gives no length (the default is used), as for any server that cannot say."""
    window = OllamaChat(redirecting, connect_timeout=2.0, stall_timeout=5.0).context_window(DEFAULT_MODEL)

    assert reached(elsewhere) == [] and window == ContextWindow()


def test_an_ollama_embedder_does_not_send_entries_through_a_redirect(redirecting, elsewhere):
    with pytest.raises(EmbedderError, match=r"(?i)redirect"):
        OllamaEmbedder(host=redirecting, model="all-minilm", timeout=5.0).embed([SECRET])

    assert reached(elsewhere) == []


def test_mindpane_ask_says_it_was_redirected_keeps_the_entry_and_sends_nothing_there(redirecting, elsewhere, cli_env):
    from tests.cli.test_cli import mindpane

    cli_env["OLLAMA_HOST"] = redirecting
    result = mindpane(cli_env, "ask", SECRET)

    assert result.returncode != 0 and "redirected the request to http://127.0.0.2" in result.stderr
    assert "Traceback" not in result.stderr
    assert reached(elsewhere) == []
    assert SECRET in mindpane(cli_env, "search", "secret diary").stdout
