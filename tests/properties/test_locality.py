"""Entries stay on this machine: no ``.env`` file or CHROMA_* variable can send them to a Chroma
server, and a whole session — CLI turn or full-screen app — talks only to Ollama and writes only in
the data dir.

``chromadb.config.Settings`` reads ``.env`` in the current directory and variables named like its
fields; ``PersistentClient(path)`` overrides only ``persist_directory``/``is_persistent``, so a
``CHROMA_API_IMPL=chromadb.api.fastapi.FastAPI`` there turns the "local" client into an HTTP one.
The first test shows that trap with a real ``chroma run`` server; the rest show mindpane never falls in.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.audit_hook import the_model_rewrite
from tests.ollama_stub import unused_port_url
from tests.paths import TESTS
from tui.adapters.environment import (
    CHROMA_LOCAL_API,
    CHROMA_PINNED,
    CHROMA_UNPREFIXED_FIELDS,
    chroma_settings,
    contain_environment,
)

CHROMA_CLI = Path(sys.executable).with_name("chroma")


# -- a real Chroma server, and a port that only listens ----------------------------------------------


@dataclass
class ChromaServer:
    host: str
    port: int
    path: Path

    def collections(self) -> list[str]:
        """Collection names in the server's own database (read from its file, not over HTTP)."""
        database = self.path / "chroma.sqlite3"
        if not database.exists():
            return []
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            return [name for (name,) in db.execute("SELECT name FROM collections")]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory) -> Iterator[ChromaServer]:
    """``chroma run`` on 127.0.0.1 (it starts in under a second); ready once it logs its address."""
    root = tmp_path_factory.mktemp("chroma-server")
    port = int(unused_port_url().rsplit(":", 1)[1])
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root), "ANONYMIZED_TELEMETRY": "False",
           "NO_COLOR": "1", "TZ": "UTC"}
    server = subprocess.Popen([str(CHROMA_CLI), "run", "--path", str(root / "db"), "--host", "127.0.0.1",
                               "--port", str(port)], cwd=root, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = []
        for line in server.stdout:  # blocks until the next line: no sleeping, no polling
            output.append(line)
            if "listening on address" in line:
                break
        else:
            pytest.fail("chroma run exited before listening:\n" + "".join(output))
        yield ChromaServer("127.0.0.1", port, root / "db")
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()


class Listener:
    """A TCP port that accepts connections into its backlog and never answers. A connection that was
    made stays in the backlog even after the client gives up, so :meth:`connections` sees it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


def server_settings(host: str, port: int) -> dict[str, str]:
    return {"CHROMA_API_IMPL": "chromadb.api.fastapi.FastAPI", "CHROMA_SERVER_HOST": host,
            "CHROMA_SERVER_HTTP_PORT": str(port)}


def write_dotenv(directory: Path, values: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    dotenv = directory / ".env"
    dotenv.write_text("".join(f"{key}={value}\n" for key, value in values.items()), encoding="utf-8")
    return dotenv


def local_collections(chroma_path: Path) -> dict[str, int]:
    """Collections in a local Chroma dir and how many distinct records each received, read from its
    SQLite file (the write-ahead queue keeps every add and update)."""
    with sqlite3.connect(f"file:{chroma_path / 'chroma.sqlite3'}?mode=ro", uri=True) as db:
        names = [name for (name,) in db.execute("SELECT name FROM collections")]
        return {name: db.execute("SELECT count(DISTINCT e.id) FROM embeddings_queue e JOIN collections c "
                                 "ON e.topic LIKE '%' || c.id WHERE c.name = ?", (name,)).fetchone()[0]
                for name in names}


def add_one(client, name: str) -> None:
    collection = client.get_or_create_collection(name, embedding_function=None)
    collection.add(ids=["entry-1"], embeddings=[[0.1, 0.2, 0.3]], documents=["a private thought"])


# -- Chroma's settings ---------------------------------------------------------------------------------


def test_the_trap_plain_settings_follow_a_dotenv_to_a_chroma_server(chroma_server, tmp_path, monkeypatch):
    """What mindpane guards against, shown once: this is the store's old call, word for word."""
    import chromadb
    from chromadb.config import Settings

    write_dotenv(tmp_path / "project", server_settings(chroma_server.host, chroma_server.port))
    monkeypatch.chdir(tmp_path / "project")

    client = chromadb.PersistentClient(path=str(tmp_path / "local"), settings=Settings(anonymized_telemetry=False))
    add_one(client, "the-trap")

    assert "the-trap" in chroma_server.collections()
    assert not (tmp_path / "local" / "chroma.sqlite3").exists()


def test_chroma_settings_ignore_a_dotenv_pointing_at_a_server(chroma_server, tmp_path, monkeypatch):
    import chromadb

    write_dotenv(tmp_path / "project", {**server_settings(chroma_server.host, chroma_server.port),
                                        "IS_PERSISTENT": "false", "ALLOW_RESET": "true"})
    monkeypatch.chdir(tmp_path / "project")
    local = tmp_path / "data" / "chroma"

    client = chromadb.PersistentClient(path=str(local), settings=chroma_settings(local))
    add_one(client, "stays-local")

    assert client.get_settings().chroma_api_impl == CHROMA_LOCAL_API
    assert local_collections(local) == {"stays-local": 1}
    assert "stays-local" not in chroma_server.collections()


def test_chroma_settings_ignore_chroma_variables(listener, tmp_path, monkeypatch):
    import chromadb

    elsewhere = tmp_path / "elsewhere"
    for name, value in {**server_settings("127.0.0.1", listener.port), "IS_PERSISTENT": "false",
                        "PERSIST_DIRECTORY": str(elsewhere), "ALLOW_RESET": "true",
                        "CHROMA_OTEL_COLLECTION_ENDPOINT": f"http://127.0.0.1:{listener.port}",
                        "CHROMA_OTEL_GRANULARITY": "all", "ANONYMIZED_TELEMETRY": "true",
                        "CHROMA_SERVER_HEADERS": "not json at all"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    local = tmp_path / "data" / "chroma"

    client = chromadb.PersistentClient(path=str(local), settings=chroma_settings(local))
    add_one(client, "stays-local")

    assert listener.connections() == 0
    assert local_collections(local) == {"stays-local": 1}
    assert not elsewhere.exists()


def test_every_chroma_setting_comes_from_chroma_defaults_or_mindpane_never_from_outside(tmp_path, monkeypatch):
    from chromadb.config import Settings

    fields = Settings.model_fields
    write_dotenv(tmp_path, {name.upper(): "from-dotenv" for name in fields})
    for name in fields:
        monkeypatch.setenv(name.upper(), "from-environment")
    monkeypatch.chdir(tmp_path)

    settings = chroma_settings(tmp_path / "chroma")

    expected = {name: field.get_default(call_default_factory=True) for name, field in fields.items()}
    expected.update(CHROMA_PINNED, persist_directory=str(tmp_path / "chroma"))
    assert {name: getattr(settings, name) for name in fields} == expected
    assert type(settings) is Settings


def test_the_pinned_fields_and_the_variable_names_match_this_chroma():
    from chromadb.config import Settings

    fields = set(Settings.model_fields)
    assert set(CHROMA_PINNED) <= fields
    assert {name for name in fields if not name.startswith("chroma_")} == CHROMA_UNPREFIXED_FIELDS
    routing = {name for name in fields
               if any(word in name for word in ("api_impl", "_host", "port", "ssl", "headers", "client_auth",
                                                "otel_collection", "persist", "telemetry", "tenant"))}
    assert routing <= set(CHROMA_PINNED) | {"persist_directory"}, routing - set(CHROMA_PINNED)


def test_containing_the_environment_drops_chroma_variables_so_chroma_imports(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.casefold().startswith("chroma_")}
    env.update(CHROMA_SERVER_HEADERS="not json", CHROMA_API_IMPL="chromadb.api.fastapi.FastAPI",
               Is_Persistent="false", HOME=str(tmp_path / "home"))
    script = ("import os, sys; from pathlib import Path\n"
              "from tui.adapters.environment import contain_environment\n"
              "if sys.argv[1] == 'contain': contain_environment(Path(sys.argv[2]))\n"
              "import chromadb\n"
              "print(sorted(k for k in os.environ if k.lower().startswith(('chroma_', 'is_persistent'))))\n")

    def run(how: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", script, how, str(tmp_path / "data")], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    bare, contained = run("bare"), run("contain")

    assert bare.returncode != 0 and "chroma_server_headers" in bare.stderr  # the failure being prevented
    assert contained.returncode == 0, contained.stderr
    assert contained.stdout.strip() == "[]"


def test_contain_environment_keeps_unrelated_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMA_SERVER_HOST", "10.0.0.9")
    monkeypatch.setenv("MINDPANE_MODEL", "kept")
    monkeypatch.setenv("ENVIRONMENT", "production")
    contain_environment(tmp_path)
    assert "CHROMA_SERVER_HOST" not in os.environ and "ENVIRONMENT" not in os.environ
    assert os.environ["MINDPANE_MODEL"] == "kept"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"


# -- whole sessions, in processes of their own, under an audit hook -------------------------------------


@pytest.fixture
def session_env(tmp_path, isolated_home, data_dir, ollama_stub) -> dict[str, str]:
    """The environment a person's shell would give mindpane, with HOME and TMPDIR of our own."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("OLLAMA", "MINDPANE", "CHROMA", "PYTEST", "TEXTUAL"))}
    env.update(HOME=str(isolated_home), MINDPANE_DATA_DIR=str(data_dir), OLLAMA_HOST=ollama_stub.host_port,
               TMPDIR=str(tmp), PYTHONDONTWRITEBYTECODE="1", TZ="UTC")
    for name in ("MEM0_DIR", "MEM0_TELEMETRY", "ANONYMIZED_TELEMETRY", "ORT_DISABLE_TELEMETRY"):
        env.pop(name, None)  # the app must set these itself
    return env


def audited(script: str, report: Path, data_dir: Path, args: list[str], env: dict[str, str], cwd: Path):
    return subprocess.run([sys.executable, str(TESTS / script), str(report), str(data_dir), "--", *args],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=240)


def assert_only_ollama_and_the_data_dir(seen: dict, ollama_stub, data_dir: Path, home: Path, tmp: Path,
                                        first_start: bool = False) -> None:
    """``first_start``: the session made the int8 model (no cache yet), in a child of its own."""
    assert seen["connect"], "the session should have talked to the stand-in Ollama"
    assert set(seen["connect"]) == {repr(("127.0.0.1", ollama_stub.port))}
    assert seen["write"] == []
    assert [the_model_rewrite(spawned) for spawned in seen["spawn"]] == ([True] if first_start else [])
    assert seen["sqlite"] and all(path.startswith(str(data_dir)) for path in seen["sqlite"])
    assert list(home.rglob("*")) == []  # native code (onnxruntime, Chroma) is not audited: look
    assert list(tmp.rglob("*")) == []


def test_mindpane_ask_in_a_directory_with_a_chroma_dotenv_stays_local(session_env, chroma_server, ollama_stub,
                                                                      data_dir, isolated_home, tmp_path):
    project = tmp_path / "project"
    write_dotenv(project, server_settings(chroma_server.host, chroma_server.port))
    session_env.update(server_settings(chroma_server.host, chroma_server.port))
    ollama_stub.script("Noted.")
    on_the_server = chroma_server.collections()

    run = audited("audited_cli.py", tmp_path / "audit.json", data_dir,
                  ["ask", "A thought that must stay on this machine."], session_env, project)

    assert run.returncode == 0, run.stderr
    assert_only_ollama_and_the_data_dir(json.loads((tmp_path / "audit.json").read_text()), ollama_stub, data_dir,
                                        isolated_home, tmp_path / "tmp", first_start=True)
    assert not (data_dir / "chroma").exists()  # a shell turn leaves the index to the next full open

    # that open, in the same directory and environment, indexes the entry into the local Chroma
    opened = subprocess.run([sys.executable, "-c", "from tui.services.engine import open_store\n"
                             "from tui.services.settings import resolve_settings\n"
                             "open_store(resolve_settings()).close()"],
                            env={**session_env, "MINDPANE_DATA_DIR": str(data_dir)}, cwd=project,
                            capture_output=True, text=True, timeout=240)
    assert opened.returncode == 0, opened.stderr
    assert sum(local_collections(data_dir / "chroma").values()) == 1
    assert chroma_server.collections() == on_the_server


def test_a_full_screen_session_talks_only_to_ollama_and_writes_only_in_the_data_dir(
        session_env, ollama_stub, data_dir, isolated_home, tmp_path, settings):
    """Two journal turns, open the newest entry from the history pane, edit it, quit: the process
    connects only to the stand-in Ollama, writes nothing outside the data dir and spawns nothing but
    the model rewrite (this is a first start: the data dir has no model cache yet). That child's own
    writes are not audited; HOME and TMPDIR staying empty covers them too.

    The one allowance is the data dir itself. No config dir, temporary dir or device is allowed: the
    session runs in a process of its own (pytest's writes happen in this one, outside the hook), its
    TMPDIR and HOME are empty directories of the test's and are checked to stay empty, and its
    current directory (a fresh one) too."""
    ollama_stub.script("The river sounds lovely.").script("Rain makes rivers loud.")
    entries = ["I walked by the river after work.", "The river was loud after the rain."]
    project = tmp_path / "project"
    project.mkdir()

    run = audited("audited_tui.py", tmp_path / "audit.json", data_dir, [*entries, " and cold"], session_env,
                  project)

    assert run.returncode == 0, run.stdout + run.stderr
    session = json.loads(run.stdout.strip().splitlines()[-1])
    assert session["store_state"] == "ready"
    assert session["replies"] == ["The river sounds lovely.", "Rain makes rivers loud."]
    assert session["screens"] == ["EntryScreen", "EditScreen", "EntryScreen", "MainScreen"]
    assert session["transcript"] == entries
    assert session["opened"] in entries
    assert_only_ollama_and_the_data_dir(json.loads((tmp_path / "audit.json").read_text()), ollama_stub, data_dir,
                                        isolated_home, tmp_path / "tmp", first_start=True)
    assert [p.name for p in project.iterdir()] == []

    from tui.services.engine import open_store

    store = open_store(settings)
    try:
        texts = sorted(record.text for record in store.record.page("journal").records)
    finally:
        store.close()
    assert texts == sorted(text + " and cold" if text == session["opened"] else text for text in entries)
