"""Keep the heavy libraries inside the data dir and off the terminal, before they are imported.

mem0 reads MEM0_TELEMETRY and MEM0_DIR at import (and writes ``$MEM0_DIR/config.json``),
Chroma reads ANONYMIZED_TELEMETRY, and onnxruntime writes a device id under ``~/.cache`` unless
ORT_DISABLE_TELEMETRY is set. Log records (mem0 warns on every open) go to a file, never to
stderr, because stderr is the TUI's screen.

Where the entries go is decided here too. ``chromadb.config.Settings`` is a pydantic
``BaseSettings`` that reads ``.env`` in the *current directory* and any environment variable named
like one of its fields (``CHROMA_API_IMPL``, ``CHROMA_SERVER_HOST``, ``IS_PERSISTENT``…), and
``PersistentClient`` only overrides ``persist_directory`` and ``is_persistent``: a ``.env`` left by
another project could switch the API to the HTTP client and send every entry to a server.
:func:`chroma_settings` builds Chroma's settings from explicit values only.

Other endpoints were checked (mem0 2.2.1, ollama 0.6.3): mem0 loads no dotenv file; its Ollama LLM
gets ``ollama_base_url`` explicitly (and is never called: entries are added with ``infer=False``),
its Chroma store is handed our client, its history path is explicit, and its embedder is ours.
OLLAMA_HOST is read by mindpane's own settings on purpose. So the only variables to neutralise are
Chroma's (see :func:`contain_environment`).
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_NOISY_LOGGERS = ("mem0", "chromadb", "httpx", "httpcore", "onnxruntime", "spacy")

CHROMA_LOCAL_API = "chromadb.api.rust.RustBindingsAPI"
"""Chroma's embedded implementation (Rust bindings over local SQLite and HNSW files)."""

CHROMA_UNPREFIXED_FIELDS = frozenset({
    "environment", "tenant_id", "topic_namespace", "is_persistent", "persist_directory", "allow_reset",
    "anonymized_telemetry", "migrations", "migrations_hash_algorithm", "worker_memberlist_name",
})
"""Fields of ``chromadb.config.Settings`` (1.5.9) not named ``chroma_*``: pydantic-settings reads
each from the environment variable of the same name, in any case."""


_contained = False


def contain_environment(data_dir: Path) -> None:
    """Set the variables the libraries read at import. Must run before ``import mem0``/``chromadb``.

    Also removes every variable Chroma's ``Settings`` would read (``CHROMA_*`` and the unprefixed
    field names such as ``IS_PERSISTENT`` or ``ENVIRONMENT``) from this process's environment; the
    store never uses them (see :func:`chroma_settings`), and the one process mindpane starts (the
    model rewrite of a first start, ``model_rewrite``) inherits this environment and needs none. A
    ``.env`` file in the current directory is still read by Chroma's import-time defaults: only a
    malformed value there matters (``import chromadb`` fails), and open_errors names the file."""
    global _contained
    if "mem0" in sys.modules and not _contained:
        warnings.warn("mem0 was imported before mindpane contained its environment", stacklevel=2)
    _contained = True
    for name in [name for name in os.environ if _is_chroma_setting(name)]:
        del os.environ[name]
    os.environ["MEM0_TELEMETRY"] = "False"
    os.environ["MEM0_DIR"] = str(data_dir / "mem0")
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _is_chroma_setting(variable: str) -> bool:
    """A variable ``chromadb.config.Settings`` would read. :func:`chroma_settings` ignores them all,
    but Chroma also builds default ``Settings()`` at import: a malformed one (``CHROMA_SERVER_HEADERS=x``)
    would make ``import chromadb`` fail, and a well-formed one would sit in those unused defaults."""
    name = variable.casefold()
    return name.startswith("chroma_") or name in CHROMA_UNPREFIXED_FIELDS


CHROMA_PINNED: dict[str, Any] = {
    # where the data goes: the embedded Rust implementation, on disk (persist_directory: per call)
    "chroma_api_impl": CHROMA_LOCAL_API,
    "is_persistent": True,
    "allow_reset": False,
    "chroma_db_impl": None,  # legacy: any value makes Chroma refuse to start
    "chroma_sysdb_impl": "chromadb.db.impl.sqlite.SqliteDB",
    "chroma_producer_impl": "chromadb.db.impl.sqlite.SqliteDB",
    "chroma_consumer_impl": "chromadb.db.impl.sqlite.SqliteDB",
    "chroma_segment_manager_impl": "chromadb.segment.impl.manager.local.LocalSegmentManager",
    "chroma_executor_impl": "chromadb.execution.executor.local.LocalExecutor",
    "tenant_id": "default",
    "topic_namespace": "default",
    "migrations": "apply",
    # the HTTP client's server, headers, TLS and credentials: unused by the local API, kept empty
    "chroma_server_host": None,
    "chroma_server_http_port": None,
    "chroma_server_headers": None,
    "chroma_server_ssl_enabled": False,
    "chroma_server_ssl_verify": None,
    "chroma_client_auth_provider": None,
    "chroma_client_auth_credentials": None,
    "chroma_auth_token_transport_header": None,
    "chroma_overwrite_singleton_tenant_database_access_from_auth": False,
    "chroma_coordinator_host": "localhost",
    "chroma_logservice_host": "localhost",
    "chroma_logservice_port": 50052,
    "chroma_server_grpc_port": None,
    # telemetry: off, and its exporters point nowhere
    "anonymized_telemetry": False,
    "chroma_product_telemetry_impl": "chromadb.telemetry.product.posthog.Posthog",
    "chroma_telemetry_impl": "chromadb.telemetry.product.posthog.Posthog",
    "chroma_otel_collection_endpoint": "",
    "chroma_otel_collection_headers": {},
    "chroma_otel_granularity": None,
}
"""The ``Settings`` fields that decide where data goes, what else is contacted and what code is
loaded, set on purpose rather than left to Chroma's defaults (a later release could change one)."""


def chroma_settings(chroma_path: Path) -> Any:
    """Chroma settings for the embedded store in ``chroma_path``, from explicit values only.

    Returns a ``chromadb.config.Settings``, made with ``model_construct``, which consults no settings
    source at all: no ``.env`` file, no environment variable, no secrets dir. (``Settings(_env_file=None,
    …)`` still reads ``CHROMA_*`` variables, and ``Settings.model_validate`` goes through the same
    ``__init__``.) Every field starts from Chroma's default, then :data:`CHROMA_PINNED` and the path.
    """
    from chromadb.config import Settings

    fields = Settings.model_fields
    unknown = set(CHROMA_PINNED) - set(fields)
    if unknown:  # a Chroma upgrade renamed a field: refuse rather than silently not pin it
        raise RuntimeError(f"chromadb.config.Settings has no field(s) {sorted(unknown)}")
    values = {name: field.get_default(call_default_factory=True) for name, field in fields.items()}
    values.update(CHROMA_PINNED, persist_directory=str(chroma_path))
    values["chroma_otel_collection_headers"] = {}  # a dict of its own, not the module's
    return Settings.model_construct(**values)


OTLP_GRPC_EXPORTER_MODULE = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"


class _NoOtlpExport:
    """Stand-in for Chroma's OTLP span exporter: mindpane pins the OTLP endpoint to none, so
    Chroma never makes one; if it ever did, this says so instead of sending anything."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("mindpane does not export traces (chroma_otel_collection_endpoint is pinned empty)")


def import_chromadb() -> None:
    """Import chromadb (after :func:`contain_environment`) without the gRPC trace exporter.

    ``chromadb.telemetry.opentelemetry`` imports OTLP's gRPC exporter at import: ``grpc`` and
    ``protobuf``, about 12 MB and 60 ms, for an exporter mindpane never uses (the endpoint is
    pinned empty in :data:`CHROMA_PINNED`). A stand-in module takes its place during the import
    and is removed afterwards, so anything else that wants the real exporter still gets it."""
    if "chromadb" in sys.modules:
        return
    with _module_stand_in(OTLP_GRPC_EXPORTER_MODULE, OTLPSpanExporter=_NoOtlpExport):
        import chromadb  # noqa: F401


QDRANT_CONFIG_MODULE = "mem0.configs.vector_stores.qdrant"


def import_mem0() -> None:
    """Import mem0 (after :func:`contain_environment`) without ``qdrant_client``.

    mem0 2.2.1 builds a default ``MemoryConfig()`` in ``Memory.__init__``'s signature, at import: its
    default vector store is Qdrant, whose config module imports ``qdrant_client`` (≈ 0.9 s and tens
    of MB, for a config mindpane never uses: its store is Chroma). While mem0 is imported, a stand-in
    for that one config module takes the default; it is removed again afterwards, so a later use of
    the Qdrant config would import the real one."""
    if "mem0.memory.main" in sys.modules:
        return
    from pydantic import BaseModel, ConfigDict

    class QdrantConfig(BaseModel):
        """Stand-in for the default config mem0 builds at import; never used to open a store."""

        model_config = ConfigDict(extra="allow")

    with _module_stand_in(QDRANT_CONFIG_MODULE, QdrantConfig=QdrantConfig):
        import mem0  # noqa: F401


@contextmanager
def _module_stand_in(name: str, **attributes: Any) -> Iterator[None]:
    """While the block imports, the module ``name`` is a stand-in holding ``attributes`` (unless the
    real one is loaded already). Afterwards it is removed, from its package too, so a later import
    of ``name`` loads the real module."""
    import types

    stand_in = types.ModuleType(name)
    stand_in.__dict__.update(attributes, __mindpane_stand_in__=True)
    installed = sys.modules.setdefault(name, stand_in) is stand_in
    try:
        yield
    finally:
        if installed and sys.modules.get(name) is stand_in:
            del sys.modules[name]
            package, _, child = name.rpartition(".")
            if getattr(sys.modules.get(package), child, None) is stand_in:
                delattr(sys.modules[package], child)


def route_logs_to_file(log_file: Path) -> None:
    """Send every log record and warning to ``log_file``; nothing reaches the terminal."""
    root = logging.getLogger()
    if any(getattr(handler, "_mindpane", False) for handler in root.handlers):
        return
    handler = logging.FileHandler(log_file, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    handler._mindpane = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.captureWarnings(True)
