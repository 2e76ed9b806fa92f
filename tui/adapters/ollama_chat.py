"""The chat model over a local Ollama, via the official ``ollama`` client (sync).

Why this adapter exists: the ``ollama`` client has no timeout by default and leaks different raw
exceptions depending on ``stream`` (``ConnectionError`` vs ``httpx.ConnectError``, raw
``httpx.ReadTimeout``, ``ResponseError`` both as an HTTP status and as an ``{"error"}`` line
mid-stream). Every one of them is translated here, once, into ``tui.domain.errors``.

How a failure is classified (the UI can rely on this):

- nothing answers / connect times out             -> ``OllamaUnreachable``
- HTTP 404 naming the model                        -> ``ModelNotFound``
- no progress for ``stall_timeout`` s, no text yet -> ``ModelStalled``
- no progress for ``stall_timeout`` s, some text   -> ``ReplyInterrupted`` (``partial`` = text so far)
- stream broken (connection dropped, bad chunk)    -> ``ReplyInterrupted`` (``partial`` may be "")
- ``{"error"}`` from the server after some text    -> ``ReplyInterrupted``
- the reply ends with ``done_reason`` "length", or
  the server refuses a prompt over its context      -> ``ContextFull`` (a ``ReplyInterrupted``)
- any other server error (before any text)         -> ``ChatError`` with the server's message

"Progress" is a line of the reply with something in it (text, thinking, the end); silence and a
trickle of bytes that completes nothing are the same to the stall limit (see ``ollama_progress``).
Every other request (``/api/show``, ``/api/tags``) must be answered whole within it.

``context_window`` asks ``/api/show`` how many tokens the model takes (cached per model); it never
raises: a server that cannot say gives an empty ``ContextWindow``, and the caller picks a default.

Listing models (``/api/tags``) fails like ``ensure_model``. A pull (``/api/pull``, streamed) fails with
``OllamaUnreachable``, ``UnknownModel`` (the registry has no such name) or ``PullFailed`` (the
server's reason: no internet, disk full, a dropped or silent stream, a stream that ends early).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from tui.adapters.ollama_module import ollama
from tui.adapters.ollama_progress import (
    NO_IDLE_CONNECTIONS,
    HangUp,
    NoProgress,
    call_watched,
    is_connect_failure,
    trace_connections,
    watched_by,
)
from tui.domain.errors import (
    ChatError,
    ContextFull,
    ModelNotFound,
    ModelStalled,
    OllamaUnreachable,
    ReplyInterrupted,
)
from tui.domain.llm_models import (
    ContextWindow,
    ModelInfo,
    PullFailed,
    PullProgress,
    UnknownModel,
    is_embedding_only,
)
from tui.domain.stop import StopSignal

log = logging.getLogger(__name__)

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_PORT = 11434
START_HINT = "start it with `ollama serve`, or set OLLAMA_HOST"
ADDRESS_HINT = "set OLLAMA_HOST (or ollama_host in the config) to e.g. http://127.0.0.1:11434"
RETRY_HINT = "try again; if it keeps happening, look at the `ollama serve` log"
LIBRARY_URL = "https://ollama.com/library"
PULL_RETRY_HINT = "try again (Ollama resumes where it stopped); pulling needs internet access on the Ollama host"
CONTEXT_FULL_HINT = "asking again sends a shorter prompt (fewer memories and earlier turns)"
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)\s*$", re.MULTILINE)


def normalise_host(host: str | None) -> str:
    """``127.0.0.1:PORT`` / ``localhost`` / ``http://h:p/`` -> ``scheme://host:port`` (as the client does).

    An empty host means the default address; the caller resolves OLLAMA_HOST, so it is not read here.
    """
    host = (host or "").strip()
    if not host:
        return DEFAULT_HOST
    scheme, sep, rest = host.partition("://")
    if not sep:
        scheme, rest = "http", host
    default_port = {"http": 80, "https": 443}.get(scheme, DEFAULT_PORT) if sep else DEFAULT_PORT
    try:
        split = urllib.parse.urlsplit(f"{scheme}://{rest}")
        port = split.port or default_port
    except ValueError:  # e.g. a non-numeric port: leave it for the client to reject
        return host
    hostname = split.hostname or "127.0.0.1"
    if ":" in hostname:  # IPv6 literal lost its brackets in urlsplit
        hostname = f"[{hostname}]"
    path = split.path.rstrip("/")
    return f"{scheme}://{hostname}:{port}{path}"


def is_loopback(host: str) -> bool:
    """True for an address on this machine (``localhost``, ``127.x``, ``::1``, ``0.0.0.0``)."""
    hostname = (urllib.parse.urlsplit(normalise_host(host)).hostname or "").casefold()
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


class Redirected(Exception):
    """The server answered with a redirect, which is never followed: a 307 would carry the entry,
    the system prompt and the recalled memories to whatever host it names."""

    def __init__(self, host: str, location: str) -> None:
        super().__init__(f"redirect to {location}")
        self.host, self.location = host, location

    def explained(self) -> tuple[str, str]:
        """The message and hint a person sees."""
        return (f"Ollama at {self.host} redirected the request to {self.location}; mindpane never follows a "
                "redirect, so nothing was sent there",
                "point OLLAMA_HOST (or ollama_host in the config) at the Ollama server itself")


def _refuse_redirects(host: str) -> Any:
    def check(response: httpx.Response) -> None:
        if response.is_redirect:
            raise Redirected(host, response.headers.get("location", "another address"))
    return check


def make_client(host: str, timeout: httpx.Timeout, **httpx_options: Any) -> ollama.Client:
    """An ``ollama.Client`` for ``host``; a local Ollama is never reached through HTTP(S)_PROXY,
    a redirect is never followed (it raises ``Redirected``), and each request opens a connection
    whose socket ``ollama_progress`` can shut down when the request makes no progress.

    httpx honours HTTP_PROXY/ALL_PROXY even for 127.0.0.1, so a proxy set for the web would make a
    running local Ollama look unreachable. Remote hosts keep the environment's proxy settings.
    ``httpx_options`` go to the ``httpx.Client`` (e.g. ``event_hooks``).
    """
    try:
        split = urllib.parse.urlsplit(normalise_host(host))
        scheme, _ = split.scheme, split.port  # a bad port or IPv6 literal raises here, not deep in the client
    except ValueError as exc:
        raise OllamaUnreachable(f"Ollama address {host!r} is not usable: {first_line(exc)}",
                                hint=ADDRESS_HINT) from exc
    if scheme == "http":
        # No TLS on a plain-http host: skip loading the CA bundle (~40 ms of every start).
        httpx_options.setdefault("verify", False)
    hooks = dict(httpx_options.pop("event_hooks", {}))
    hooks["response"] = [_refuse_redirects(normalise_host(host)), *hooks.get("response", [])]
    hooks["request"] = [trace_connections, *hooks.get("request", [])]
    httpx_options.setdefault("limits", NO_IDLE_CONNECTIONS)
    return ollama.Client(host=host, timeout=timeout, trust_env=not is_loopback(host), follow_redirects=False,
                         event_hooks=hooks, **httpx_options)


class _Unusable:
    """The client of an address that cannot be used: every call raises why."""

    def __init__(self, error: OllamaUnreachable) -> None:
        self._error = error

    def __getattr__(self, name: str) -> Any:
        raise self._error


def model_key(name: str) -> str:
    """Ollama treats ``name`` and ``name:latest`` as the same model."""
    name = name.strip().casefold()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def first_line(exc: BaseException, limit: int = 160) -> str:
    """A one-line, bounded description of ``exc`` for messages shown to a person."""
    text = (getattr(exc, "error", None) or str(exc) or type(exc).__name__).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _is_model_missing(exc: ollama.ResponseError) -> bool:
    """A 404 that names a model (not e.g. a proxy's "404 page not found")."""
    reason = str(exc.error).casefold()
    return exc.status_code == 404 and "model" in reason and "not found" in reason


def _is_unknown_on_registry(exc: ollama.ResponseError) -> bool:
    """Ollama's words for a name the registry does not have ("pull model manifest: file does not
    exist"; a registry's "manifest unknown"), or a 404 answer to the pull itself."""
    reason = str(exc.error).casefold()
    return exc.status_code == 404 or "file does not exist" in reason or "manifest unknown" in reason


def _is_unreachable(exc: BaseException) -> bool:
    # The client turns httpx.ConnectError into a bare ConnectionError, but only with stream=False.
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | ConnectionRefusedError) or (
        type(exc) is ConnectionError
    )


class OllamaChat:
    """``ChatModel`` over ``ollama.Client``. Blocking: call from a worker thread.

    ``connect_timeout`` bounds reaching the server; ``stall_timeout`` bounds the time without
    progress in a reply, and the wait for any other answer (a loading model sends nothing either, so
    keep it generous). Nothing is contacted until the first ``stream``/``ensure_model`` call.
    """

    def __init__(
        self,
        host: str,
        *,
        connect_timeout: float = 5.0,
        stall_timeout: float = 120.0,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self._host = normalise_host(host)
        self.connect_timeout = connect_timeout
        self.stall_timeout = stall_timeout
        self.options: dict[str, Any] = dict(options or {})
        # read/write/pool = stall_timeout: httpx's read timeout is per socket read, i.e. between bytes;
        # a trickle of bytes is bounded by ``NoProgress`` instead.
        timeout = httpx.Timeout(stall_timeout, connect=connect_timeout)
        self._windows: dict[str, ContextWindow] = {}
        """What ``/api/show`` said of each model (by ``model_key``): asked once per model."""
        try:
            self._client: Any = make_client(self._host, timeout)
        except OllamaUnreachable as unusable:  # each call says so, as a turn's failure (its entry is kept)
            self._client = _Unusable(unusable)

    @property
    def host(self) -> str:
        """The normalised address, e.g. ``http://127.0.0.1:11434``, for messages and the status bar."""
        return self._host

    @property
    def request_options(self) -> dict[str, Any]:
        """What ``stream`` sends besides the model and the messages (per-call ``options`` aside)."""
        return {"stream": True, "options": dict(self.options) or None}

    def close(self) -> None:
        """Release pooled connections (optional; the process exit does it too)."""
        self._client.close()

    def stream(
        self,
        model: str,
        messages: Sequence[Mapping[str, str]],
        options: Mapping[str, Any] | None = None,
        stop: StopSignal | None = None,
    ) -> Iterator[str]:
        """Yield the reply's text chunks as they arrive; raise only ``ChatError`` subclasses.

        ``options`` (per call) override the constructor's model options. Closing the iterator early
        closes the HTTP response, which makes Ollama stop generating. So does ``stop``, from any
        thread, even while a read waits for a stalled model: the stream then just ends.
        """
        merged = {**self.options, **(options or {})}
        received: list[str] = []
        parts: Iterator[Any] | None = None
        hang_up = HangUp()
        watch = NoProgress(self.stall_timeout, hang_up)
        forget = stop.on_stop(hang_up) if stop is not None else None
        try:
            try:
                parts = self._client.chat(
                    model=model,
                    messages=[dict(m) for m in messages],
                    stream=True,
                    options=merged or None,
                )
            except ChatError:
                raise  # an address that cannot be used says so itself
            except Exception as exc:  # no I/O happens yet: only a malformed request can fail here
                raise ChatError(f"Invalid chat request: {first_line(exc)}") from exc
            while True:
                # next() is guarded, the yield is not: errors thrown in by the consumer stay theirs,
                # and the time the consumer takes is not the model's (``watch`` counts waits only).
                watch.waiting()
                try:
                    with watched_by(hang_up):
                        part = next(parts)
                except StopIteration:
                    if watch.fired:
                        raise self._translate(watch.timeout("reply"), model, "".join(received)) from None
                    return
                except Exception as exc:
                    if stop is not None and stop.stopped:  # the hang-up broke the read: not a failure
                        return
                    cause = watch.timeout("reply") if watch.fired and not is_connect_failure(exc) else exc
                    raise self._translate(cause, model, "".join(received)) from exc
                watch.got(_progressed(part))
                if stop is not None and stop.stopped:
                    return
                text = part.message.content or ""
                if text:
                    received.append(text)
                    yield text
                if part.done and part.done_reason == "length":
                    raise ContextFull("The reply was cut off: the model's context is full",
                                      hint=CONTEXT_FULL_HINT, partial="".join(received))
        finally:
            watch.close()
            if forget is not None:
                forget()
            if parts is not None and hasattr(parts, "close"):
                # Closing a broken stream may itself fail; there is nothing left to report then.
                with contextlib.suppress(Exception):
                    parts.close()

    def context_window(self, model: str) -> ContextWindow:
        """How many tokens ``model`` takes, from ``/api/show``: ``num_ctx`` when its parameters set
        one, and model_info's ``<architecture>.context_length``. Asked once per model; a server
        that cannot say (down, an older version, a missing model) gives an empty ``ContextWindow``,
        logged and asked again next time."""
        key = model_key(model)
        known = self._windows.get(key)
        if known is not None:
            return known
        try:
            shown = call_watched(self.stall_timeout, lambda: self._client.show(model), "/api/show")
        except ValueError as exc:  # an answer without model_info: an older server, which will not learn it
            log.info("Ollama's /api/show says nothing of %s's context length (%s)", model, first_line(exc))
            window = ContextWindow()
        except Exception as exc:
            log.warning("Could not ask Ollama for %s's context length: %s", model, first_line(exc))
            return ContextWindow()
        else:
            window = ContextWindow(_trained_length(shown.modelinfo), _num_ctx(shown.parameters))
        self._windows[key] = window
        return window

    def ensure_model(self, model: str) -> None:
        """Return if the server answers and lists ``model`` (``name`` matches ``name:latest``)."""
        listing = self._listing(model)
        available = {model_key(m.model) for m in listing.models if m.model}
        if model_key(model) not in available:
            raise self._model_not_found(model)

    def list_models(self) -> list[ModelInfo]:
        """The models Ollama has (``/api/tags``), sorted by name; raises ``OllamaUnreachable``."""
        models = [
            ModelInfo(m.model, int(m.size or 0), m.modified_at, is_embedding_only(m.model, _families(m)))
            for m in self._listing("").models
            if m.model
        ]
        return sorted(models, key=lambda m: m.name.casefold())

    def pull(self, model: str) -> Iterator[PullProgress]:
        """Download ``model`` into Ollama, yielding each progress line; the last has status "success".

        Closing the iterator early (a cancel) closes the HTTP response, which makes Ollama stop the
        download. Raises ``OllamaUnreachable``, ``UnknownModel`` or ``PullFailed`` (never an
        httpx/ollama exception); a stream that ends without "success" is a ``PullFailed`` too.
        """
        parts: Iterator[Any] | None = None
        status = ""
        hang_up = HangUp()
        watch = NoProgress(self.stall_timeout, hang_up)
        last: tuple[Any, ...] = ()
        try:
            try:
                parts = self._client.pull(model, stream=True)
            except Exception as exc:  # no I/O happens yet: only a malformed request can fail here
                raise PullFailed(f"Invalid pull request for {model!r}: {first_line(exc)}") from exc
            while True:
                # next() is guarded, the yield is not: errors thrown in by the consumer stay theirs.
                watch.waiting()
                try:
                    with watched_by(hang_up):
                        part = next(parts)
                except StopIteration:
                    break
                except Exception as exc:
                    cause = watch.timeout("pull") if watch.fired and not is_connect_failure(exc) else exc
                    raise self._pull_error(cause, model) from exc
                line = (part.status, part.digest, part.completed, part.total)
                watch.got(line != last)  # the same line again is no progress
                last = line
                status = (part.status or "").strip()
                yield PullProgress(status, part.completed, part.total, part.digest)
            if status != "success":
                raise PullFailed(
                    f"The pull of {model} ended before it finished"
                    + (f" (last step: {status})" if status else ""),
                    hint=PULL_RETRY_HINT,
                )
        finally:
            watch.close()
            if parts is not None and hasattr(parts, "close"):
                with contextlib.suppress(Exception):
                    parts.close()

    def _listing(self, model: str) -> Any:
        """``/api/tags``, with every failure as ``OllamaUnreachable`` (or the translated error)."""
        try:
            return call_watched(self.stall_timeout, self._client.list, "/api/tags")
        except httpx.TimeoutException as exc:  # /api/tags is cheap: silence means a hung server
            raise OllamaUnreachable(
                f"Ollama at {self._host} did not answer within {self.stall_timeout:g} s",
                hint="it may be hung; restart `ollama serve`",
            ) from exc
        except Exception as exc:
            error = self._translate(exc, model, "")
            if isinstance(error, ReplyInterrupted):  # a broken or garbled listing: not a chat reply
                error = OllamaUnreachable(
                    f"Ollama at {self._host} gave no usable answer: {first_line(exc)}",
                    hint="check that OLLAMA_HOST points at an Ollama server",
                )
            raise error from exc

    # -- translation -------------------------------------------------------------------------------

    def _model_not_found(self, model: str) -> ModelNotFound:
        return ModelNotFound(f"Model {model} is not pulled", hint=f"run `ollama pull {model}`")

    def _pull_error(self, exc: Exception, model: str) -> ChatError:
        """Map a failure while pulling ``model`` to what a person should see."""
        if isinstance(exc, ChatError):
            return exc
        if isinstance(exc, Redirected):
            return PullFailed(*exc.explained())
        if _is_unreachable(exc) or isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return self._translate(exc, model, "")
        if isinstance(exc, httpx.TimeoutException):
            return PullFailed(
                f"Ollama made no progress for {self.stall_timeout:g} s while pulling {model}",
                hint="the Ollama host may have lost its connection; " + PULL_RETRY_HINT,
            )
        if isinstance(exc, ollama.ResponseError):
            reason = first_line(exc)
            if exc.status_code == 404 and "page not found" in reason.casefold():
                return self._translate(exc, model, "")  # something answers, but not Ollama's API
            if _is_unknown_on_registry(exc):
                return UnknownModel(
                    f"The Ollama registry has no model named {model}",
                    hint=f"check the name and tag at {LIBRARY_URL} (Ollama said: {reason})",
                )
            return PullFailed(f"Pulling {model} failed: {reason}", hint=PULL_RETRY_HINT)
        if isinstance(exc, httpx.TransportError | OSError | ValueError):
            return PullFailed(f"The pull of {model} broke off: {first_line(exc)}", hint=PULL_RETRY_HINT)
        return PullFailed(f"Pulling {model} failed: {type(exc).__name__}: {first_line(exc)}",
                          hint=PULL_RETRY_HINT)

    def _translate(self, exc: Exception, model: str, partial: str) -> ChatError:
        """Map any exception from the client to the one ``ChatError`` a person should see."""
        if isinstance(exc, ChatError):
            return exc
        if isinstance(exc, Redirected):
            return ChatError(*exc.explained())
        if isinstance(exc, ollama.ResponseError) and "context length" in str(exc.error).casefold():
            return ContextFull(f"The prompt did not fit the model's context: {first_line(exc)}",
                               hint=CONTEXT_FULL_HINT, partial=partial)
        if _is_unreachable(exc) and not partial:
            if isinstance(exc, httpx.ConnectTimeout):
                message = f"Ollama is not reachable at {self._host} (no answer in {self.connect_timeout:g} s)"
            else:
                message = f"Ollama is not reachable at {self._host}"
            return OllamaUnreachable(message, hint=START_HINT)
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return OllamaUnreachable(f"Ollama address {self._host!r} is not usable: {first_line(exc)}",
                                     hint=ADDRESS_HINT)
        if isinstance(exc, httpx.TimeoutException):  # read/write/pool: the server went silent
            if partial:
                return ReplyInterrupted(
                    f"The reply was cut off after {self.stall_timeout:g} s without progress",
                    hint="the model may be overloaded; " + RETRY_HINT,
                    partial=partial,
                )
            return ModelStalled(
                f"Model {model} sent no reply for {self.stall_timeout:g} s",
                hint="it may still be loading or the machine is busy; try again or raise the stall timeout",
            )
        if isinstance(exc, ollama.ResponseError):
            if _is_model_missing(exc) and not partial:
                return self._model_not_found(model)
            if exc.status_code == 404 and not partial:  # something answers, but not Ollama's API
                return OllamaUnreachable(
                    f"No Ollama API at {self._host} (HTTP 404: {first_line(exc)})",
                    hint="check that OLLAMA_HOST points at an Ollama server",
                )
            if partial:
                return ReplyInterrupted(
                    f"The reply was cut off: {first_line(exc)}", hint=RETRY_HINT, partial=partial
                )
            return ChatError(f"Ollama could not answer: {first_line(exc)}", hint=RETRY_HINT)
        if isinstance(exc, httpx.TransportError | OSError | ValueError):
            # Dropped connection, incomplete chunked body, a line that is not JSON (JSONDecodeError) or
            # not a chat chunk (pydantic's ValidationError): all are ValueError/OSError/TransportError.
            return ReplyInterrupted(
                f"The reply was cut off: {first_line(exc)}", hint=RETRY_HINT, partial=partial
            )
        if isinstance(exc, ollama.RequestError):
            return ChatError(f"Invalid chat request: {first_line(exc)}")
        if partial:
            return ReplyInterrupted(
                f"The reply was cut off: {type(exc).__name__}: {first_line(exc)}",
                hint=RETRY_HINT,
                partial=partial,
            )
        return ChatError(
            f"Talking to Ollama failed: {type(exc).__name__}: {first_line(exc)}", hint=RETRY_HINT
        )


def _families(listed: Any) -> list[str]:
    """What /api/tags says a model is built on (``details.family`` and ``details.families``)."""
    details = getattr(listed, "details", None)
    if details is None:
        return []
    return [*(getattr(details, "families", None) or []), getattr(details, "family", None) or ""]


def _progressed(part: Any) -> bool:
    """A reply's line that brings something: text, thinking (a thinking model's first minutes),
    a tool call, or the end. A line with none of these is no progress."""
    message = part.message
    return bool(part.done or message.content or getattr(message, "thinking", None)
                or getattr(message, "tool_calls", None))


def _positive(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _trained_length(info: Mapping[str, Any] | None) -> int | None:
    """model_info's ``<architecture>.context_length`` (any ``*.context_length`` if the
    architecture is not named); None when it has none."""
    if not info:
        return None
    architecture = info.get("general.architecture")
    if architecture and f"{architecture}.context_length" in info:
        return _positive(info[f"{architecture}.context_length"])
    return next((_positive(value) for key, value in info.items() if key.endswith(".context_length")), None)


def _num_ctx(parameters: str | None) -> int | None:
    """``num_ctx N`` in /api/show's parameters (a Modelfile's ``PARAMETER num_ctx``)."""
    found = _NUM_CTX.search(parameters or "")
    return _positive(found.group(1)) if found else None
