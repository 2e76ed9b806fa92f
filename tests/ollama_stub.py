"""A stand-in Ollama server for tests: real HTTP on 127.0.0.1, standard library only.

It speaks the wire format the ``ollama`` Python client expects (chunked NDJSON streaming, one JSON
object per line, errors as ``{"error": …}``), so adapters are tested against the real client
instead of a mock of it. Replies are scripted per test; every request is recorded.

    with OllamaStub() as stub:
        stub.script(chunks=["Hel", "lo"])
        stub.script(text="partial answer", error_after=1, error="out of memory")
        ...  # point a client at stub.url
        assert stub.chat_requests[0]["model"] == "gemma3:4b-it-qat"

Pulls (``POST /api/pull``) stream progress lines like Ollama's and then add the model to
``stub.models``; ``stub.pull_fails = "…"`` makes the next pulls end in ``{"error": …}``,
``stub.pull_slow = True`` keeps a pull downloading until the client hangs up (``stub.pull_closed``
is set then). A chat reply scripted with ``stall_after`` notices a client that hangs up while it
stalls (``stub.chat_closed`` is set then: a stopped reply). ``script(done_reason="length")`` ends a
reply the way Ollama ends one that filled the model's context.

``/api/show`` reports ``stub.context_length`` as model_info's ``<family>.context_length`` (None: no
such key), ``stub.show_parameters`` as its parameters (e.g. ``"num_ctx 4096"``);
``stub.model_info_null`` sends ``"model_info": null`` and ``stub.show_status`` refuses the request.

Slowloris: ``script(trickle_after=n)`` sends n chunks, then one byte every ``stub.trickle_pace``
seconds that never completes a line; ``trickle_lines=True`` sends whole lines with no text instead.
``stub.trickle_paths = {"/api/show"}`` makes those endpoints send their headers, then a byte at a
time, never the answer. Either way ``stub.chat_closed`` is set when the client hangs up.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import select
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_MODEL = "gemma3:4b-it-qat"
MAX_STALL_SECONDS = 30.0
DEFAULT_SIZE = 3_300_000_000
DEFAULT_MODIFIED = "2025-01-01T00:00:00Z"
DEFAULT_CONTEXT_LENGTH = 131_072
EMBEDDING_FAMILIES = {"all-minilm": "bert", "mxbai-embed-large": "bert", "nomic-embed-text": "nomic-bert"}
"""The family Ollama reports for these embedding models (others: their name before the tag); /api/show
says their capabilities are ``["embedding"]``."""
"""What gemma3 reports as its context length (model_info's ``gemma3.context_length``)."""
SLOW_PULL_PACE = 0.02
"""Seconds between two progress lines of a slow pull (the stub's pace, not a test's sleep)."""
STALL_POLL = 0.02
"""Seconds between two looks, during a stalled reply, at whether the client hung up."""
TRICKLE_PACE = 0.2
"""Seconds between two bytes of a trickling answer: far below any read timeout a test sets."""


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stub received it; ``body`` is the parsed JSON (None if absent/invalid)."""

    method: str
    path: str
    body: Any


@dataclass(frozen=True)
class ScriptedReply:
    """How the stub answers one /api/chat request (see ``OllamaStub.script``)."""

    text: str
    chunks: tuple[str, ...]
    error_after: int | None = None
    error: str = "stub error"
    stall_after: int | None = None
    drop_after: int | None = None
    status: int | None = None
    pace: float = 0.0
    """Seconds between two chunks (a model's pace); 0: all at once."""
    done_reason: str = "stop"
    """How the last line says the reply ended: ``stop``, or ``length`` (the context filled up)."""
    trickle_after: int | None = None
    """After this many chunks, a byte at a time and never a whole line (or, with ``trickle_lines``,
    whole lines without text), until the client hangs up."""
    trickle_lines: bool = False


def unused_port_url() -> str:
    """An ``http://127.0.0.1:PORT`` where nothing listens (the port was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def split_words(text: str) -> list[str]:
    """Split ``text`` into small word-ish chunks whose concatenation is exactly ``text``."""
    return re.findall(r"\s*\S+\s*|\s+", text) if text else []


def fake_embedding(text: str, dimension: int) -> list[float]:
    """Deterministic L2-normalised vector: hashed bag of lower-cased words.

    Texts sharing words get a positive cosine, so recall-style tests can rely on "more shared
    words, closer vector" without a real model.
    """
    vec = [0.0] * dimension
    words = re.findall(r"\w+", text.lower()) or [text]
    for word in words:
        digest = hashlib.sha256(word.encode("utf-8")).digest()
        index = int.from_bytes(digest[:4], "big") % dimension
        vec[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vec))
    if norm == 0.0:  # words cancelled out: fall back to a fixed axis
        vec[0], norm = 1.0, 1.0
    return [x / norm for x in vec]


def _full_name(name: str) -> str:
    """Ollama treats ``name`` and ``name:latest`` as the same model."""
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def _family(full_name: str) -> str:
    base = full_name.split(":", 1)[0]
    return EMBEDDING_FAMILIES.get(base.rsplit("/", 1)[-1], base)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-reply (timeouts, closed streams) is expected in tests, not news."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class OllamaStub:
    """An Ollama-compatible HTTP server in a daemon thread. Thread-safe; use as a context manager."""

    def __init__(
        self,
        models: set[str] | None = None,
        *,
        default_reply: str = "(stub reply)",
        embed_dimension: int = 768,
        version: str = "0.12.0",
    ) -> None:
        self.models: set[str] = set(models) if models is not None else {DEFAULT_MODEL}
        self.default_reply = default_reply
        self.embed_dimension = embed_dimension
        self.version = version
        self.sizes: dict[str, int] = {}
        """Bytes per model (full name) in /api/tags; DEFAULT_SIZE otherwise."""
        self.modified: dict[str, str] = {}
        """``modified_at`` per model (full name) in /api/tags; DEFAULT_MODIFIED otherwise."""
        self.pull_fails: str | None = None
        """Pulls send "pulling manifest" then ``{"error": pull_fails}`` (e.g. "file does not exist")."""
        self.pull_status: int | None = None
        """Pulls are refused with this HTTP status and ``{"error": pull_fails or "stub error"}``."""
        self.pull_slow = False
        """Pulls keep sending "downloading" lines until the client hangs up (or ``stop()``)."""
        self.pull_layers: tuple[int, ...] = (2_000_000_000, 12_000)
        """Bytes of each layer a pull downloads (the model's size is their sum)."""
        self.pull_steps = 4
        """Progress lines per layer of a successful pull."""
        self.pull_closed = threading.Event()
        """Set when a client hung up in the middle of a pull (a cancelled pull)."""
        self.chat_closed = threading.Event()
        """Set when a client hung up while a chat reply stalled (a stopped reply)."""
        self.context_length: int | None = DEFAULT_CONTEXT_LENGTH
        """What /api/show reports as the model's context length; None: model_info has no such key."""
        self.show_parameters = ""
        """/api/show's ``parameters`` (a Modelfile's ``PARAMETER`` lines, e.g. ``"num_ctx 4096"``)."""
        self.model_info_null = False
        """/api/show sends ``"model_info": null`` (as some models and servers do)."""
        self.show_status: int | None = None
        """/api/show is refused with this HTTP status (an older or broken server)."""
        self.trickle_paths: set[str] = set()
        """Endpoints (e.g. ``"/api/show"``) that send their headers, then a byte at a time, never the answer."""
        self.trickle_pace = TRICKLE_PACE
        self._lock = threading.Lock()
        self._scripts: deque[ScriptedReply] = deque()
        self._requests: list[RecordedRequest] = []
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> OllamaStub:
        if self._server is not None:
            return self
        self._release.clear()
        server = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="ollama-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release stalled replies and shut down; handler threads are daemons, so this is quick."""
        self._release.set()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def release_stalls(self) -> None:
        """Let stalled replies end (the connection is then closed without finishing the reply)."""
        self._release.set()

    def __enter__(self) -> OllamaStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("OllamaStub is not running")
        return self._server.server_address[1]

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host_port}"

    # -- scripting ---------------------------------------------------------------------------------

    def script(
        self,
        text: str | None = None,
        *,
        chunks: list[str] | None = None,
        error_after: int | None = None,
        error: str = "stub error",
        stall_after: int | None = None,
        drop_after: int | None = None,
        status: int | None = None,
        pace: float = 0.0,
        done_reason: str = "stop",
        trickle_after: int | None = None,
        trickle_lines: bool = False,
    ) -> OllamaStub:
        """Queue the reply to the next /api/chat request (FIFO). Returns self for chaining.

        - ``chunks``: exact content chunks (else ``text`` split into word-ish chunks).
        - ``error_after=n``: after n chunks send ``{"error": error}`` and end the stream.
        - ``stall_after=n``: after n chunks send nothing more until ``stop()``/``release_stalls()``
          (at most ~30 s), then close the connection.
        - ``drop_after=n``: after n chunks close the socket abruptly (incomplete chunked body).
        - ``status``: answer with that HTTP status and ``{"error": error}`` instead of a reply.
        - ``pace``: seconds between two chunks, as a model writes them.
        - ``done_reason``: what the last line says ended the reply (``length``: the context filled up).
        - ``trickle_after=n``: after n chunks send one byte per ``trickle_pace`` that never ends a line
          (``trickle_lines``: a whole line without text each time) until the client hangs up (~30 s at most).
        """
        if chunks is None:
            chunks = split_words(text if text is not None else self.default_reply)
        reply = ScriptedReply(
            text="".join(chunks),
            chunks=tuple(chunks),
            error_after=error_after,
            error=error,
            stall_after=stall_after,
            drop_after=drop_after,
            status=status,
            pace=pace,
            done_reason=done_reason,
            trickle_after=trickle_after,
            trickle_lines=trickle_lines,
        )
        with self._lock:
            self._scripts.append(reply)
        return self

    def _next_reply(self) -> ScriptedReply:
        with self._lock:
            if self._scripts:
                return self._scripts.popleft()
        chunks = tuple(split_words(self.default_reply))
        return ScriptedReply(text="".join(chunks), chunks=chunks)

    def has_model(self, name: str) -> bool:
        wanted = _full_name(name)
        return any(_full_name(m) == wanted for m in list(self.models))

    # -- recording ---------------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def pull_requests(self) -> list[dict[str, Any]]:
        """Bodies of the /api/pull requests, oldest first."""
        return [r.body for r in self.requests if r.method == "POST" and r.path == "/api/pull"]

    def add_model(self, name: str, size: int | None = None, modified: str | None = None) -> None:
        full = _full_name(name)
        with self._lock:
            self.models.add(name)
            if size is not None:
                self.sizes[full] = size
            if modified is not None:
                self.modified[full] = modified

    @property
    def show_requests(self) -> list[dict[str, Any]]:
        """Bodies of the /api/show requests, oldest first."""
        return [r.body for r in self.requests if r.method == "POST" and r.path == "/api/show"]

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        """Bodies of the /api/chat requests, oldest first."""
        return [r.body for r in self.requests if r.method == "POST" and r.path == "/api/chat"]

    def wait_released(self, timeout: float) -> bool:
        return self._release.wait(timeout)


def _make_handler(stub: OllamaStub) -> type[BaseHTTPRequestHandler]:
    class Handler(_OllamaHandler):
        pass

    Handler.stub = stub
    return Handler


class _OllamaHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # needed for keep-alive and chunked transfer-encoding
    server_version = "OllamaStub"
    timeout = 60  # idle keep-alive connections end eventually
    disable_nagle_algorithm = True  # small chunks go out at once (no 40 ms Nagle/delayed-ACK waits)
    stub: OllamaStub

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    # -- plumbing ----------------------------------------------------------------------------------

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_text(self, status: int, text: str, *, head: bool = False) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _write_chunk(self, payload: dict[str, Any]) -> None:
        data = (json.dumps(payload) + "\n").encode("utf-8")
        self.wfile.write(f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n")
        self.wfile.flush()

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _model_missing(self, name: str) -> None:
        self._send_json(404, {"error": f'model "{name}" not found, try pulling it first'})

    def _dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        body = self._read_body() if method == "POST" else None
        self.stub._record(RecordedRequest(method, path, body))
        route = {
            ("GET", "/"): self._root,
            ("HEAD", "/"): self._root,
            ("GET", "/api/version"): self._version,
            ("GET", "/api/tags"): self._tags,
            ("POST", "/api/show"): self._show,
            ("POST", "/api/chat"): self._chat,
            ("POST", "/api/embed"): self._embed,
            ("POST", "/api/pull"): self._pull,
        }.get((method, path))
        try:
            if route is None:
                self._send_text(404, "404 page not found")
            elif path in self.stub.trickle_paths:
                self._trickle_answer()
            else:
                route(body if isinstance(body, dict) else {})
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. its timeout)
            self.close_connection = True

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # -- endpoints ---------------------------------------------------------------------------------

    def _root(self, _body: dict[str, Any]) -> None:
        self._send_text(200, "Ollama is running", head=self.command == "HEAD")

    def _version(self, _body: dict[str, Any]) -> None:
        self._send_json(200, {"version": self.stub.version})

    def _tags(self, _body: dict[str, Any]) -> None:
        models = []
        for name in sorted(self.stub.models):
            full = _full_name(name)
            family = _family(full)
            models.append(
                {
                    "name": full,
                    "model": full,
                    "modified_at": self.stub.modified.get(full, DEFAULT_MODIFIED),
                    "size": self.stub.sizes.get(full, DEFAULT_SIZE),
                    "digest": hashlib.sha256(full.encode()).hexdigest(),
                    "details": {
                        "parent_model": "",
                        "format": "gguf",
                        "family": family,
                        "families": [family],
                        "parameter_size": "4.3B",
                        "quantization_level": "Q4_0",
                    },
                }
            )
        self._send_json(200, {"models": models})

    def _show(self, body: dict[str, Any]) -> None:
        stub = self.stub
        name = body.get("model") or body.get("name") or ""
        if stub.show_status is not None:
            self._send_json(stub.show_status, {"error": "stub error"})
            return
        if not stub.has_model(name):
            self._model_missing(name)
            return
        family = _family(_full_name(name))
        info: dict[str, Any] = {"general.architecture": family, "general.parameter_count": 4_300_000_000}
        if stub.context_length is not None:
            info[f"{family}.context_length"] = stub.context_length
        self._send_json(
            200,
            {
                "modelfile": f"FROM {name}\n",
                "parameters": stub.show_parameters,
                "template": "{{ .Prompt }}",
                "details": {"format": "gguf", "family": family, "families": [family]},
                "model_info": None if stub.model_info_null else info,
                "capabilities": ["embedding"] if family in EMBEDDING_FAMILIES.values() else ["completion"],
                "modified_at": "2025-01-01T00:00:00Z",
            },
        )

    def _embed(self, body: dict[str, Any]) -> None:
        name = body.get("model") or ""
        if not self.stub.has_model(name):
            self._model_missing(name)
            return
        inputs = body.get("input", "")
        texts = [inputs] if isinstance(inputs, str) else list(inputs)
        dim = self.stub.embed_dimension
        self._send_json(
            200,
            {
                "model": name,
                "embeddings": [fake_embedding(str(t), dim) for t in texts],
                "total_duration": 1_000_000,
                "load_duration": 100_000,
                "prompt_eval_count": sum(len(str(t).split()) for t in texts),
            },
        )

    def _chat(self, body: dict[str, Any]) -> None:
        name = body.get("model") or ""
        if not self.stub.has_model(name):
            self._model_missing(name)
            return
        reply = self.stub._next_reply()
        if reply.status is not None:
            self._send_json(reply.status, {"error": reply.error})
            return
        if body.get("stream", True):
            self._chat_stream(name, reply)
        else:
            self._chat_whole(name, reply)

    def _pull(self, body: dict[str, Any]) -> None:
        """Like Ollama: "pulling manifest", per-layer "pulling <digest>" lines with completed/total,
        "verifying sha256 digest", "writing manifest", "success" — then the model is listed."""
        stub = self.stub
        name = body.get("model") or body.get("name") or ""
        if stub.pull_status is not None:
            self._send_json(stub.pull_status, {"error": stub.pull_fails or "stub error"})
            return
        if not body.get("stream", True):
            if stub.pull_fails:
                self._send_json(500, {"error": stub.pull_fails})
                return
            stub.add_model(name, sum(stub.pull_layers), _now())
            self._send_json(200, {"status": "success"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self._write_chunk({"status": "pulling manifest"})
            if stub.pull_fails:
                self._write_chunk({"error": stub.pull_fails})
                self._end_chunks()
                return
            layers = [
                (f"sha256:{hashlib.sha256(f'{name}/{index}'.encode()).hexdigest()}", total)
                for index, total in enumerate(stub.pull_layers)
            ]
            if stub.pull_slow:
                self._pull_slowly(*layers[0])
                return
            for digest, total in layers:
                for step in range(stub.pull_steps + 1):
                    self._write_chunk({"status": f"pulling {digest[7:19]}", "digest": digest,
                                       "total": total, "completed": total * step // stub.pull_steps})
            for status in ("verifying sha256 digest", "writing manifest", "success"):
                self._write_chunk({"status": status})
            stub.add_model(name, sum(stub.pull_layers), _now())
            self._end_chunks()
        except (BrokenPipeError, ConnectionResetError):
            stub.pull_closed.set()
            self.close_connection = True

    def _pull_slowly(self, digest: str, total: int) -> None:
        """Downloading forever, one line per SLOW_PULL_PACE, until the client hangs up (a write
        fails: BrokenPipe/ConnectionReset reach ``_pull``) or the stub stops."""
        completed = 0
        while not self.stub.wait_released(SLOW_PULL_PACE):
            completed = min(total - 1, completed + total // 1000)
            self._write_chunk({"status": f"pulling {digest[7:19]}", "digest": digest,
                               "total": total, "completed": completed})
        self.close_connection = True

    def _done_payload(self, name: str, content: str, count: int, reason: str = "stop") -> dict[str, Any]:
        return {
            "model": name,
            "created_at": _now(),
            "message": {"role": "assistant", "content": content},
            "done": True,
            "done_reason": reason,
            "total_duration": 123_456_789,
            "load_duration": 1_234_567,
            "prompt_eval_count": 12,
            "prompt_eval_duration": 2_345_678,
            "eval_count": count,
            "eval_duration": 98_765_432,
        }

    def _stall(self) -> None:
        """Send nothing until released; a client hanging up meanwhile sets ``stub.chat_closed``."""
        deadline = time.monotonic() + MAX_STALL_SECONDS
        while not self.stub.wait_released(0) and time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], STALL_POLL)
            try:
                hung_up = bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)
            except OSError:  # reset by the client
                hung_up = True
            if hung_up:
                self.stub.chat_closed.set()
                break
        self.close_connection = True

    def _trickle(self, line: dict[str, Any] | None = None) -> None:
        """A byte (a space in a chunk of its own: never a whole line), or ``line``, per
        ``trickle_pace``, until released or the client hangs up (``stub.chat_closed`` is set then)."""
        deadline = time.monotonic() + MAX_STALL_SECONDS
        try:
            while not self.stub.wait_released(self.stub.trickle_pace) and time.monotonic() < deadline:
                if line is None:
                    self.wfile.write(b"1\r\n \r\n")
                    self.wfile.flush()
                else:
                    self._write_chunk(line)
        except (BrokenPipeError, ConnectionResetError):
            self.stub.chat_closed.set()
        self.close_connection = True

    def _trickle_answer(self) -> None:
        """Headers, then a byte at a time: a JSON answer that never ends."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        self._trickle()

    def _chat_whole(self, name: str, reply: ScriptedReply) -> None:
        cut = [n for n in (reply.error_after, reply.stall_after, reply.drop_after) if n is not None]
        if reply.stall_after is not None and reply.stall_after == min(cut):
            self._stall()
            return
        if reply.drop_after is not None and reply.drop_after == min(cut):
            self.close_connection = True
            return
        if reply.error_after is not None:
            self._send_json(500, {"error": reply.error})
            return
        self._send_json(200, self._done_payload(name, reply.text, len(reply.chunks), reply.done_reason))

    def _chat_stream(self, name: str, reply: ScriptedReply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for sent in range(len(reply.chunks) + 1):
            if reply.stall_after == sent:
                self._stall()
                return
            if reply.drop_after == sent:
                self.close_connection = True
                return
            if reply.error_after == sent:
                self._write_chunk({"error": reply.error})
                self._end_chunks()
                return
            if reply.trickle_after == sent:
                empty = {"model": name, "created_at": _now(), "message": {"role": "assistant", "content": ""},
                         "done": False}
                self._trickle(empty if reply.trickle_lines else None)
                return
            if sent == len(reply.chunks):
                break
            if reply.pace:
                time.sleep(reply.pace)
            self._write_chunk(
                {
                    "model": name,
                    "created_at": _now(),
                    "message": {"role": "assistant", "content": reply.chunks[sent]},
                    "done": False,
                }
            )
        self._write_chunk(self._done_payload(name, "", len(reply.chunks), reply.done_reason))
        self._end_chunks()


__all__ = [
    "DEFAULT_CONTEXT_LENGTH",
    "DEFAULT_MODEL",
    "OllamaStub",
    "RecordedRequest",
    "ScriptedReply",
    "fake_embedding",
    "split_words",
    "unused_port_url",
]
