"""Start-up stays light: the first frame needs only Textual and mindpane's UI modules (the libraries
of the store and of Ollama are imported by workers afterwards; recall, prompt building and "on this
day" when the store opens; the subcommands' modules and OpenSSL's hashes when first used), the
garbage collector waits for the first frame, and opening and using the store never imports
``qdrant_client`` (mem0's default vector store, unused with Chroma). Each check runs in a process of
its own: other tests in this one have long imported everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO as ROOT
from tui.adapters.bundled_embedder import BundledEmbedder

HEAVY = ("ollama", "httpx", "mem0", "chromadb", "onnxruntime", "qdrant_client", "tokenizers", "numpy", "markdown_it",
         "dateparser", "hashlib", "tomllib")
STORE_WORK = ("tui.services.turn", "tui.services.time_cues", "tui.services.time_recall",
              "tui.services.traceback_recall", "tui.services.prompt", "tui.services.on_this_day",
              "tui.domain.on_this_day", "tui.ports")
"""Recall, prompt building, "on this day" and the store's interfaces: needed once the store is open."""

FIRST_FRAME = """
import asyncio, json, sys, threading
from tui.app import MindpaneApp
from tui.services.settings import resolve_settings
from tui.services.workspace import Workspace

gate = threading.Event()
seen = {}
def gated_open(settings, outbox=None):
    gate.wait(60)
    from tui.services.engine import open_store
    return open_store(settings, None, outbox)

start = MindpaneApp._start_background
def first_frame_drawn(self):
    seen["at_first_frame"] = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
    seen["store_work"] = sorted(m for m in STORE_WORK if m in sys.modules)
    seen["screen"] = type(self.screen).__name__
    start(self)
MindpaneApp._start_background = first_frame_drawn

async def main():
    settings = resolve_settings()
    app = MindpaneApp(settings, Workspace(settings, open_store=gated_open))
    seen["after_init"] = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        seen["store_state"] = app.store_state
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        seen["store_state_later"] = app.store_state
asyncio.run(main())
print(json.dumps(seen))
"""

LAUNCH = """
import gc, json, sys
from tui.app import MindpaneApp

COMMAND_LINE = ("argparse", "tui.cli.config", "tui.cli.doctor", "tui.cli.models", "tui.cli.search", "tui.cli.transfer")
seen = {}
start = MindpaneApp._start_background
def first_frame_drawn(self):
    seen["collector_at_first_frame"] = gc.isenabled()
    seen["loaded"] = [m for m in COMMAND_LINE if m in sys.modules]
    start(self)
    seen["collector_after"] = gc.isenabled()
    self.exit()
MindpaneApp._start_background = first_frame_drawn
run = MindpaneApp.run
MindpaneApp.run = lambda self: run(self, headless=True, size=(120, 40))

sys.argv = ["mindpane"]
from tui.__main__ import launch
seen["code"] = launch()
print(json.dumps(seen))
"""

COMMAND = """
import gc, json, sys
from tui.cli import config as cli_config

seen = {}
report = cli_config.run
def run(*args):
    seen["collector_in_command"] = gc.isenabled()
    return report(*args)
cli_config.run = run

sys.argv = ["mindpane", "config", "path"]
from tui.__main__ import launch
seen["code"] = launch()
print(json.dumps(seen))
"""

STORE_USE = """
import json, sys
from tui.domain.records import ImportedEntry
from tui.services.config import load_modes
from tui.services.engine import open_store
from tui.services.settings import resolve_settings
from datetime import UTC, datetime

modes = load_modes(None)
settings = resolve_settings()
store = open_store(settings)
entry = store.add_entry(modes["journal"], "The garden needs water.")
store.add_entry(modes["code"], "Why does my list comprehension shadow x?")
seen = {"after_add": sorted(m for m in sys.modules if m.startswith("qdrant")),
        "memories_after_add": sorted(store.index._memories)}
store.close()
store = open_store(settings)  # opening heals every mode from Chroma counts, without mem0 Memory objects
seen["memories_after_open"] = sorted(store.index._memories)
seen["recalled"] = [m.record.text for m in store.recall("watering plants", modes["journal"], k=3)]
store.update_text(entry.id, "The garden needs water and weeding.")
seen["history"] = [event.event for event in store.history(entry.id)]
store.delete(entry.id)
seen["count"] = store.record.count("journal")
seen["stand_in_left"] = "mem0.configs.vector_stores.qdrant" in sys.modules
seen["qdrant"] = sorted(m for m in sys.modules if m.startswith("qdrant"))
seen["grpc"] = sorted(m for m in sys.modules if m.split(".")[0] == "grpc" or m.startswith("google.protobuf"))
seen["otlp_stand_in_left"] = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter" in sys.modules
seen["onnx"] = "onnx" in sys.modules  # only the rewrite of the model imports it, once per install
store.close()
print(json.dumps(seen))
"""


def run_script(script: str, settings, tmp_path: Path) -> dict:
    env = dict(os.environ, MINDPANE_DATA_DIR=str(settings.data_dir), OLLAMA_HOST=settings.ollama_host)
    code = f"HEAVY = {HEAVY!r}\nSTORE_WORK = {STORE_WORK!r}\n{script}"
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_first_frame_imports_no_store_or_ollama_library(settings, tmp_path):
    seen = run_script(FIRST_FRAME, settings, tmp_path)
    assert seen["after_init"] == []  # building the app (and its workspace) imports none of them
    assert seen["screen"] == "MainScreen"
    assert seen["at_first_frame"] == []
    assert seen["store_work"] == []
    assert seen["store_state"] == "loading"
    assert seen["store_state_later"] == "ready"


def test_the_collector_waits_for_the_first_frame_and_the_plain_launch_builds_no_command_line_parser(settings,
                                                                                                tmp_path):
    """Start-up makes objects that live as long as the app and hardly any garbage: the collector
    walking them ~150 times cost the first frame 25-30 ms. It is back on as soon as the frame is
    drawn, and a subcommand (no first frame to wait for) runs with it on."""
    seen = run_script(LAUNCH, settings, tmp_path)
    assert seen["code"] == 0
    assert seen["collector_at_first_frame"] is False
    assert seen["collector_after"] is True
    assert seen["loaded"] == []  # `mindpane` alone: no argparse, none of the subcommands' modules
    seen = run_script(COMMAND, settings, tmp_path)
    assert seen == {"collector_in_command": True, "code": 0}


def test_the_store_works_without_qdrant_client_and_builds_mem0_memory_only_to_edit(settings, tmp_path):
    BundledEmbedder()  # the int8-kernel model is made (once per install): this is every later open
    seen = run_script(STORE_USE, settings, tmp_path)
    assert seen["after_add"] == [] and seen["qdrant"] == []
    assert seen["grpc"] == [] and seen["otlp_stand_in_left"] is False  # Chroma's unused trace exporter
    assert seen["onnx"] is False
    assert seen["memories_after_add"] == []  # adding needs Chroma and the history table, not mem0's Memory
    assert seen["memories_after_open"] == []
    assert seen["recalled"] == ["The garden needs water."]
    assert seen["history"] == ["ADD", "UPDATE"]
    assert seen["count"] == 0
    assert seen["stand_in_left"] is False


SHELL_TURNS = """
import io, json, sys
from tui.cli import main

out = io.StringIO()
sys.stdout = out
codes = [main(["ask", "The tomatoes in the garden need water."]), main(["ask", "Watering the garden plants again."])]
sys.stdout = sys.__stdout__
print(json.dumps({"codes": codes, "out": out.getvalue(),
                  "loaded": sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in HEAVY})}))
"""

FULL_OPEN = """
import json
from tui.services.engine import open_store
from tui.services.settings import resolve_settings

store = open_store(resolve_settings())
entries = store.record.page("journal").records
collection = store.index._collection("journal")
seen = {"texts": [r.text for r in entries], "replies": [r.reply for r in entries],
        "in_chroma": collection.count(),
        "chroma_replies": sorted(m["reply"] for m in collection.get(include=["metadatas"])["metadatas"]),
        "history": [[e.event for e in store.history(r.id)] for r in entries]}
store.close()
print(json.dumps(seen))
"""


def test_a_turn_from_the_shell_loads_neither_mem0_nor_chroma_and_recalls_the_one_before(settings, tmp_path):
    seen = run_script(SHELL_TURNS, settings, tmp_path)
    assert seen["codes"] == [0, 0]
    assert "mem0" not in seen["loaded"] and "chromadb" not in seen["loaded"] and "qdrant_client" not in seen["loaded"]
    second = seen["out"].split("Recalled 1 earlier journal entry:", 1)[1]
    assert "The tomatoes in the garden need water." in second.splitlines()[1]


def test_the_next_full_open_indexes_what_shell_turns_stored_with_their_history(settings, tmp_path):
    run_script(SHELL_TURNS, settings, tmp_path)
    seen = run_script(FULL_OPEN, settings, tmp_path)
    assert seen["texts"] == ["Watering the garden plants again.", "The tomatoes in the garden need water."]
    assert seen["in_chroma"] == 2
    assert seen["chroma_replies"] == sorted(seen["replies"]) and all(seen["replies"])
    assert seen["history"] == [["ADD"], ["ADD"]]
