"""``mindpane doctor``: what is wrong with a data dir and its surroundings, one line per check.

Each check is a :class:`Check` (``✓ label`` or ``✗ label — fix: …`` with the exact path and the
next command). :func:`diagnose` only reads (see ``doctor_checks``); ``doctor_repair`` fixes what
it can. This module checks what surrounds the store: the embedder, the bundled model, Ollama and
settings that could leak in from the environment. Adapters are imported inside the functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from tui.domain.errors import MindpaneError
from tui.services.doctor_checks import (
    Check,
    check_chroma,
    check_data_dir,
    check_history,
    check_moved_copies,
    check_outbox,
    check_record,
    first_line,
    read_record,
)
from tui.services.doctor_lock import check_lock
from tui.services.doctor_locked import NOT_CHECKED, check_locked_structure
from tui.services.doctor_unindexable import check_unindexable, find_unindexable
from tui.services.settings import BUNDLED_EMBEDDER, Settings, ollama_embedding_model

__all__ = ["Check", "diagnose", "embedder_name", "print_checks", "run_doctor"]

QUICK_CONNECT_S = 3.0
QUICK_REPLY_S = 5.0
_STRAY_PREFIXES = ("chroma_", "ollama_", "mem0_")
_TELEMETRY = ("MEM0_TELEMETRY", "ANONYMIZED_TELEMETRY")
_TRUE = frozenset({"1", "true", "yes", "on", "t", "y"})


def run_doctor(settings: Settings, out: TextIO, key: bytes | None = None,
               unlock_failure: Check | None = None) -> int:
    """Print every check; 0 when all pass, 1 otherwise. Writes nothing anywhere. ``key``: a locked
    journal's data key (without it, only its structure is checked); ``unlock_failure``: why not."""
    checks = diagnose(settings, key=key)
    if unlock_failure is not None:
        checks.insert(1, unlock_failure)
    return print_checks(checks, out)


def print_checks(checks: list[Check], out: TextIO) -> int:
    for check in checks:
        out.write(check.line() + "\n")
    out.flush()
    return 0 if all(check.ok for check in checks) else 1


def diagnose(settings: Settings, env: Mapping[str, str] | None = None, cwd: Path | None = None,
             key: bytes | None = None) -> list[Check]:
    from tui.adapters.locked_layout import is_locked

    env = dict(os.environ if env is None else env)  # before the checks contain the environment
    cwd = Path.cwd() if cwd is None else cwd
    data_dir = settings.data_dir
    name, embedder_problem = embedder_name(settings)
    checks = [check_data_dir(data_dir)]
    if data_dir.is_dir() and is_locked(data_dir):
        checks += [check_lock(data_dir), *check_locked_structure(data_dir)]
        checks += check_locked_record(data_dir, key) if key is not None else [NOT_CHECKED]
    elif data_dir.is_dir():
        record = read_record(data_dir)
        unindexable = find_unindexable(record)
        checks += [check_lock(data_dir), check_record(record)]
        checks += filter(None, [check_unindexable(unindexable)])
        outbox = check_outbox(record)
        checks += [outbox] if outbox else []
        checks += check_chroma(data_dir, name, record)
        checks.append(check_history(data_dir, record))
        checks += check_moved_copies(data_dir, record)
    checks += [embedder_problem] if embedder_problem else []
    checks.append(check_bundled_model(settings))
    checks += check_ollama(settings)
    checks.append(check_stray_settings(env, cwd, data_dir))
    return checks


def check_locked_record(data_dir: Path, key: bytes) -> list[Check]:
    """With the key: what a plain record is checked for (the index is in memory: no Chroma, no history)."""
    record = read_record(data_dir, key)
    checks = [check_record(record)]
    if record.readable:
        checks.append(Check(True, "every page of the encrypted record passes its authentication check"))
    checks += filter(None, [check_unindexable(find_unindexable(record)), check_outbox(record)])
    return checks + check_moved_copies(data_dir, record)


def embedder_name(settings: Settings) -> tuple[str | None, Check | None]:
    """The configured embedder's name (it names the Chroma collections), without loading a model."""
    from tui.services.engine import embedder_factory

    try:
        factory = embedder_factory(settings)
    except MindpaneError as error:
        return None, Check(False, f"embedder: {error.message}", error.hint)
    if settings.embedder.strip() == BUNDLED_EMBEDDER:
        from tui.adapters.bundled_embedder import BundledEmbedder

        return BundledEmbedder.name, None
    return factory().name, None  # an Ollama embedder contacts nothing until it embeds


def check_bundled_model(settings: Settings) -> Check:
    """The same sha256 check the bundled embedder makes when it loads."""
    if settings.embedder.strip() != BUNDLED_EMBEDDER:
        return Check(True, f"bundled model: not used (MINDPANE_EMBEDDER={settings.embedder})")
    from tui.adapters import bundled_embedder as bundled
    from tui.domain.errors import EmbedderError

    reinstall = bundled._REINSTALL_HINT
    try:
        model, tokenizer = bundled.bundled_model_path(), bundled.bundled_tokenizer_path()
    except EmbedderError as error:
        return Check(False, f"bundled model: {error.message}", error.hint or reinstall)
    for path in (model, tokenizer):
        if not path.is_file():
            return Check(False, f"bundled model file {path} is missing", reinstall)
    digest = bundled.sha256_of(model)
    if digest != bundled.MODEL_SHA256:
        return Check(False, f"bundled model {model} is corrupt (sha256 {digest[:12]}…, expected "
                     f"{bundled.MODEL_SHA256[:12]}…)", reinstall)
    from tui.adapters.model_cache import MODELS_DIR, cache_dir, cached_model_path

    rewritten = cached_model_path(cache_dir(settings.data_dir / MODELS_DIR), bundled.MODEL_SHA256)
    kernels = (f"its int8-kernel copy is {rewritten}" if rewritten.is_file()
               else f"its int8-kernel copy is made at the next open, in {rewritten.parent}")
    return Check(True, f"bundled model {model}: sha256 ok; {kernels}")


def check_ollama(settings: Settings) -> list[Check]:
    """Ollama answers at the configured host and has every mode's model (and the embedding model)."""
    from tui.domain.errors import ChatError, OllamaUnreachable
    from tui.services.config import load_config, load_modes
    from tui.services.engine import make_chat

    users: dict[str, list[str]] = {}
    for mode in load_modes(load_config(settings.config_path)).values():
        users.setdefault(settings.model_for(mode.model), []).append(mode.name)
    embedding_model = ollama_embedding_model(settings.embedder)
    if embedding_model:
        users.setdefault(embedding_model, []).append("embeddings")
    chat = make_chat(replace(settings, connect_timeout=min(settings.connect_timeout, QUICK_CONNECT_S),
                             stall_timeout=min(settings.stall_timeout, QUICK_REPLY_S)))
    host = getattr(chat, "host", settings.ollama_host)
    checks = []
    try:
        for model, used_by in users.items():
            try:
                chat.ensure_model(model)
            except OllamaUnreachable:
                raise
            except ChatError as error:
                checks.append(Check(False, f"Ollama at {host}: {error.message} (for {', '.join(used_by)})",
                                    error.hint))
            else:
                checks.append(Check(True, f"Ollama at {host}: {model} is pulled (for {', '.join(used_by)})"))
    except OllamaUnreachable as error:
        return [Check(False, f"Ollama: {error.message}", error.hint)]
    finally:
        close = getattr(chat, "close", None)
        if close is not None:
            close()
    return checks


def check_stray_settings(env: Mapping[str, str], cwd: Path, data_dir: Path) -> Check:
    """Settings meant for the libraries, from ``.env`` in ``cwd`` or the environment. Only names are
    shown, never values. mindpane neutralises them (``environment.contain_environment`` and
    ``chroma_settings``); only a ``.env`` Chroma cannot parse still matters: it breaks ``import chromadb``."""
    from tui.adapters.environment import CHROMA_UNPREFIXED_FIELDS

    def chroma_name(name: str) -> bool:
        return name.casefold().startswith("chroma_") or name.casefold() in CHROMA_UNPREFIXED_FIELDS

    found = []
    dotenv = cwd / ".env"
    if dotenv.is_file():
        try:
            names = _dotenv_names(dotenv)
        except OSError as exc:
            return Check(False, f"{dotenv} cannot be read ({first_line(exc)}); Chroma reads it when it loads",
                         "make it readable, or run mindpane from another directory")
        mentioned = sorted({n for n in names if n.casefold().startswith(_STRAY_PREFIXES) or chroma_name(n)})
        rejected = _chroma_rejects(dotenv, data_dir) if any(chroma_name(n) for n in mentioned) else None
        if rejected:
            return Check(False, f"{dotenv} sets Chroma options Chroma cannot read ({rejected}), and Chroma reads "
                         "that file when it loads", f"remove those lines from {dotenv}, or run mindpane from "
                         "another directory")
        if mentioned:
            found.append(f"{dotenv} mentions {', '.join(mentioned)}")
    chroma_vars = sorted(n for n in env if chroma_name(n) and n.upper() not in _TELEMETRY)
    if chroma_vars:
        found.append(f"the environment sets {', '.join(chroma_vars)}")
    telemetry_on = [n for n in _TELEMETRY if env.get(n, "").strip().casefold() in _TRUE]
    if telemetry_on:
        found.append(f"{' and '.join(telemetry_on)} turn telemetry on")
    if not found:
        return Check(True, "stray settings: none (.env here, CHROMA_* variables, telemetry switches)")
    return Check(True, f"stray settings ignored: {'; '.join(found)} (mindpane pins Chroma's settings, turns "
                 "telemetry off itself and reads OLLAMA_HOST from the environment only)")


def _dotenv_names(path: Path) -> list[str]:
    names = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            names.append(line.split("=", 1)[0].strip().removeprefix("export ").strip())
    return names


def _chroma_rejects(dotenv: Path, data_dir: Path) -> str | None:
    """The Chroma fields in ``dotenv`` that Chroma's settings reject (as ``import chromadb`` would)."""
    from tui.adapters.environment import contain_environment

    contain_environment(data_dir)  # as in mindpane: CHROMA_* variables are gone, only the file is judged
    try:
        from chromadb.config import Settings as ChromaSettings

        ChromaSettings(_env_file=str(dotenv))
    except Exception as exc:  # pydantic's ValidationError, or the same error raised by `import chromadb`
        errors = getattr(exc, "errors", None)
        if callable(errors):
            return ", ".join(sorted({str(e.get("loc", ("?",))[0]) for e in errors()})) or first_line(exc)
        return first_line(exc)
    return None
