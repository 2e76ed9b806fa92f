"""Shared fixtures: an isolated home and data dir for every test, the stand-in Ollama server,
settings pointing at it, a fixed clock, and an opened real store (mem0 + Chroma + MiniLM)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.ollama_stub import OllamaStub
from tui.services.settings import Settings

FIXED_NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


class FixedClock:
    """A clock that only moves when told: dates in tests and snapshots never change."""

    def __init__(self, start: datetime = FIXED_NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache dir for the whole run: the embedding model is rewritten for int8 kernels once,
    not once per test (tests of that cache use their own dir)."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Path:
    """No test touches the real home, data dir or ~/.mem0."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("MINDPANE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MINDPANE_CACHE_DIR", str(model_cache))
    monkeypatch.setenv("MEM0_DIR", str(tmp_path / "data" / "mem0"))
    monkeypatch.setenv("MEM0_TELEMETRY", "False")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    monkeypatch.setenv("ORT_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    for name in ("OLLAMA_HOST", "MINDPANE_MODEL", "MINDPANE_EMBEDDER", "MINDPANE_STALL_TIMEOUT", "MINDPANE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def keep_umask() -> Iterator[None]:
    """Opening a data dir (or repairing one) makes the process umask private, as the app does;
    other tests expect theirs back."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def ollama_stub() -> Iterator[OllamaStub]:
    with OllamaStub() as stub:
        yield stub


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(data_dir: Path, ollama_stub: OllamaStub) -> Settings:
    return Settings(data_dir=data_dir, ollama_host=ollama_stub.url, stall_timeout=2.0, connect_timeout=2.0)


@pytest.fixture
def cli_env(tmp_path, isolated_home, data_dir, ollama_stub) -> dict[str, str]:
    """The environment a shell gives a mindpane subprocess: our HOME, TMPDIR and data dir, the
    stand-in Ollama, and none of the variables mindpane must set itself."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OLLAMA", "MINDPANE"))}
    env.update(HOME=str(isolated_home), MINDPANE_DATA_DIR=str(data_dir), OLLAMA_HOST=ollama_stub.host_port,
               MINDPANE_CACHE_DIR=os.environ["MINDPANE_CACHE_DIR"],
               TMPDIR=str(tmp), PYTHONDONTWRITEBYTECODE="1", TZ="UTC")
    for name in ("MEM0_DIR", "MEM0_TELEMETRY", "ANONYMIZED_TELEMETRY", "ORT_DISABLE_TELEMETRY"):
        env.pop(name, None)  # the app must set these itself
    return env


@pytest.fixture
def store(settings: Settings, clock: FixedClock):
    from tui.services.engine import open_store

    opened = open_store(settings, clock)
    yield opened
    opened.close()
