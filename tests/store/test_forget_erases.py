"""Forgetting erases: once an entry is forgotten, its text's bytes are in no file under the data
dir (SQLite files, their WAL/journal/shm files, Chroma's binary segment files, the log), while the
other entries are still recalled and paged, before and after the store is reopened."""

from __future__ import annotations

import json
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.paths import REPO
from tui.adapters import eraser
from tui.domain.modes import CODE, JOURNAL, Mode
from tui.services.engine import open_store

# One token, lower case, letters and digits: mem0's lemmatizer (spaCy, when installed) keeps it
# whole in ``text_lemmatized``, so finding no marker also means finding no lemmatized copy.
MARKER = "zebramarker7f3a91"
FIRST = f"At the zoo a {MARKER} stared at me from behind the glass."
EDITED = f"At the zoo a {MARKER} stared at me from behind the glass, and I stared back."


def _lemmatized(text: str) -> str:
    from mem0.utils.lemmatization import lemmatize_for_bm25

    return lemmatize_for_bm25(text)


def _scan(data_dir: Path, texts: list[str]) -> tuple[list[eraser.Hit], int, int]:
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    return eraser.find_text(data_dir, texts), len(files), sum(path.stat().st_size for path in files)


def _erase_own_record(store, memory_id: str) -> None:
    """The store's own file of entries (the canonical record, or the older date index)."""
    record = store._record
    record.erase([memory_id])
    connection, lock = record._db, record._lock
    with lock:
        eraser.compact_sqlite(connection)


def _erase_with_the_eraser(store, data_dir: Path, memory_id: str) -> eraser.ChromaScrub:
    """What the store's ``forget`` does, step by step, in the order it must."""
    vectors = store.index._tables.loaded(JOURNAL.name)
    if vectors is not None:
        vectors.remove(memory_id)
    scrub = eraser.erase_from_chroma(store.index._collection(JOURNAL.name), data_dir / "chroma", [memory_id])
    assert eraser.erase_history(store.index._history_db, [memory_id], [FIRST, EDITED]) == 3  # ADD, UPDATE, DELETE
    _erase_own_record(store, memory_id)
    assert scrub.rewritten >= 2  # the ADD and UPDATE rows of Chroma's log
    return scrub


@pytest.mark.parametrize("how", ["eraser", "store.forget"])
def test_a_forgotten_entry_leaves_no_byte_of_its_text_in_any_file(how, store, settings, clock, data_dir, capsys):
    for n in range(5):
        clock.advance(minutes=1)
        store.add_entry(JOURNAL, f"Day {n}: weeded the vegetable garden and planted beans.")
    for n in range(3):
        clock.advance(minutes=1)
        store.add_entry(CODE, f"Question {n}: how do python generators differ from lists?")
    clock.advance(minutes=1)
    doomed = store.add_entry(JOURNAL, FIRST)
    clock.advance(minutes=1)
    store.update_text(doomed.id, EDITED)
    for n in range(3):
        clock.advance(minutes=1)
        store.add_entry(JOURNAL, f"Evening {n}: read a novel about sailing on the lake.")
    assert store.recall(EDITED, JOURNAL, k=1)[0].record.id == doomed.id  # the vector table is loaded
    needles = [MARKER, FIRST, EDITED, _lemmatized(FIRST), _lemmatized(EDITED)]
    assert MARKER in _lemmatized(EDITED)

    store.delete(doomed.id)
    kept_by_delete = {hit.path.name for hit in eraser.find_text(data_dir, [MARKER])}
    assert {"history.db", "chroma.sqlite3"} <= kept_by_delete  # deleting alone is not erasing

    started = time.perf_counter()
    if how == "eraser":
        scrub = _erase_with_the_eraser(store, data_dir, doomed.id)
        detail = f"Chroma child {scrub.seconds:.3f} s, {scrub.bytes_before} → {scrub.bytes_after} bytes"
    else:
        store.forget([doomed.id])
        detail = "store.forget"
    seconds = time.perf_counter() - started
    assert eraser.redact_log(data_dir / "mindpane.log", needles) == 0  # the log never had the text

    hits, files, size = _scan(data_dir, needles)
    with capsys.disabled():
        print(f"\n{how}: scanned {files} files, {size} bytes, {len(hits)} hits; erase took {seconds:.3f} s ({detail})")
    assert hits == []
    assert any(path.suffix == ".bin" for path in (data_dir / "chroma").rglob("*"))  # binary files were scanned

    # The open Chroma client is unharmed: the others are recalled and paged, new writes work.
    assert store.record.get(doomed.id) is None
    assert all(r.record.id != doomed.id for r in store.recall(EDITED, JOURNAL, k=20))
    assert "garden" in store.recall("weeding the garden", JOURNAL, k=1)[0].record.text
    assert store.record.page(JOURNAL.name).total == 8 and store.record.page(CODE.name).total == 3
    clock.advance(minutes=1)
    later = store.add_entry(JOURNAL, "Later: a thunderstorm rolled over the harbour at night.")
    assert store.recall("storm over the harbour", JOURNAL, k=1)[0].record.id == later.id
    collection = store.index._collection(JOURNAL.name)
    assert collection.count() == 9 and collection.get(ids=[doomed.id])["ids"] == []
    query = store.index._embedder.embed([EDITED])[0]
    assert doomed.id not in collection.query(query_embeddings=[query], n_results=9)["ids"][0]
    assert [e.event for e in store.history(later.id)] == ["ADD"] and store.history(doomed.id) == []
    store.close()

    # Reopened, Chroma replays its log: the erased entry stays gone, the others are all there. It also
    # writes each index anew from uninitialised memory, in this process which held the text.
    reopened = open_store(settings, clock)
    try:
        assert eraser.find_text(data_dir, needles) == []
        assert reopened.record.count(JOURNAL.name) == 9 and reopened.record.count(CODE.name) == 3
        collection = reopened.index._collection(JOURNAL.name)
        assert collection.count() == 9 and reopened.index._collection(CODE.name).count() == 3
        assert collection.get(ids=[doomed.id])["ids"] == []
        assert doomed.id not in collection.query(query_embeddings=[query], n_results=9)["ids"][0]
        assert [r.record.id for r in reopened.recall("storm over the harbour", JOURNAL, k=1)] == [later.id]
        assert "python" in reopened.recall("generators", CODE, k=1)[0].record.text
        assert len(reopened.record.page(JOURNAL.name, 0, 50).records) == 9
        reopened.add_entry(JOURNAL, "After the reopen: still writing.")
        assert reopened.record.count(JOURNAL.name) == 10
    finally:
        reopened.close()
    assert eraser.find_text(data_dir, needles) == []


IDEAS = Mode(name="ideas", title="Ideas", system_prompt="Ideas.")

_FRESH_PROCESS = """
import json, sys
from pathlib import Path
from tui.adapters import eraser
from tui.domain.modes import JOURNAL
from tui.services.engine import open_store
from tui.services.settings import Settings

ask = json.loads(sys.stdin.read())
data_dir = Path(ask["data_dir"])
store = open_store(Settings(data_dir=data_dir, ollama_host=ask["host"], stall_timeout=2.0, connect_timeout=2.0))
try:
    answer = {"hits_after_open": len(eraser.find_text(data_dir, ask["needles"])),
              "journal": store.record.count(JOURNAL.name), "ideas": store.record.count("ideas"),
              "chroma_has_doomed": store.index._collection(JOURNAL.name).get(ids=[ask["doomed"]])["ids"] != [],
              "doomed_recalled": any(r.record.id == ask["doomed"]
                                     for r in store.recall(ask["query"], JOURNAL, k=20))}
    store.add_entry(JOURNAL, "A fresh process writes too: fog over the fields at dawn.")
    answer["journal_after"] = store.index._collection(JOURNAL.name).count()
    answer["hits_after_write"] = len(eraser.find_text(data_dir, ask["needles"]))
finally:
    store.close()
print(json.dumps(answer))
"""


def test_forget_then_keep_writing_then_a_fresh_process_leaves_no_byte(store, settings, clock, data_dir):
    """Chroma makes a collection's HNSW index (its first write in a process, every reopen of a small
    one) by writing uninitialised memory to data_level0.bin and length.bin: in the process that held
    the text, possibly the forgotten text. Forget, keep writing in the same process (a new mode's
    collection gets its first index now), close; then a fresh process opens, reads, writes, closes."""
    for n in range(3):
        clock.advance(minutes=1)
        store.add_entry(JOURNAL, f"Day {n}: weeded the vegetable garden and planted beans.")
    clock.advance(minutes=1)
    doomed = store.add_entry(JOURNAL, FIRST)
    clock.advance(minutes=1)
    store.update_text(doomed.id, EDITED)
    collection = store.index._collection(JOURNAL.name)
    for _ in range(20):  # the payloads pass through Chroma's heap again and again
        collection.get(include=["metadatas", "documents", "embeddings"])
    needles = [MARKER, FIRST, EDITED, _lemmatized(FIRST), _lemmatized(EDITED)]
    store.delete(doomed.id)
    store.forget([doomed.id])
    assert eraser.find_text(data_dir, needles) == []

    clock.advance(minutes=1)
    idea = store.add_entry(IDEAS, "Idea: a rain gauge made from a jam jar.")  # a new collection's first index
    clock.advance(minutes=1)
    store.add_entry(JOURNAL, "Later: a thunderstorm rolled over the harbour at night.")
    assert store.index._collection(IDEAS.name).get(ids=[idea.id])["ids"] == [idea.id]
    store.close()
    assert eraser.find_text(data_dir, needles) == []

    ask = {"data_dir": str(data_dir), "host": settings.ollama_host, "needles": needles, "doomed": doomed.id,
           "query": EDITED}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _FRESH_PROCESS], input=json.dumps(ask), capture_output=True,
                          text=True, timeout=300, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\nfresh process: {time.perf_counter() - started:.1f} s, {answer}")
    assert answer == {"hits_after_open": 0, "journal": 4, "ideas": 1, "chroma_has_doomed": False,
                      "doomed_recalled": False, "journal_after": 5, "hits_after_write": 0}
    assert eraser.find_text(data_dir, needles) == []


def _hnsw_segment(chroma_dir: Path) -> Path:
    (segment,) = [path.parent for path in chroma_dir.glob("*/header.bin")]
    return segment


def _hnsw_header(segment: Path) -> tuple[int, int, int]:
    _version, _offset, max_elements, count, per_element, _label, _data = struct.unpack_from(
        "=i6Q", (segment / "header.bin").read_bytes())
    return max_elements, count, per_element


def test_scrub_hnsw_zeroes_only_the_bytes_past_the_stored_elements(tmp_path):
    """Garbage is planted where a new index's uninitialised memory lands; the stored elements (vectors,
    labels, links, lengths) stay byte for byte, and Chroma loads, reads, queries and grows the index."""
    import chromadb
    import numpy as np

    chroma_dir = tmp_path / "chroma"
    vectors = np.random.default_rng(7).random((25, 384), dtype=np.float32)
    client = chromadb.PersistentClient(path=str(chroma_dir))
    collection = client.create_collection(  # persisted every 10 writes: a header with 25 elements
        "scrubbed", configuration={"hnsw": {"space": "cosine", "sync_threshold": 10, "batch_size": 10}},
        embedding_function=None)
    collection.add(ids=[f"v{n}" for n in range(25)], embeddings=vectors.tolist())
    segment = _hnsw_segment(chroma_dir)
    max_elements, count, per_element = _hnsw_header(segment)
    assert (max_elements, count) == (100, 25) and (segment / "index_metadata.pickle").exists()

    data, lengths = segment / "data_level0.bin", segment / "length.bin"
    planted = FIRST.encode()
    with data.open("r+b") as handle:
        for offset in (count * per_element, 60 * per_element + 331, data.stat().st_size - len(planted)):
            handle.seek(offset)
            handle.write(planted)
    with lengths.open("r+b") as handle:
        handle.seek(count * 4)
        handle.write(MARKER.encode())
    live_data, live_lengths = data.read_bytes()[:count * per_element], lengths.read_bytes()[:count * 4]
    sizes = {path.name: path.stat().st_size for path in segment.iterdir()}
    links = (segment / "link_lists.bin").read_bytes()
    assert eraser.find_text(chroma_dir, [FIRST])

    scrub = eraser.scrub_hnsw(chroma_dir)
    assert scrub.segments == 1 and scrub.bytes_zeroed >= 3 * len(planted) + len(MARKER)
    assert eraser.find_text(chroma_dir, [FIRST, MARKER]) == []
    assert data.read_bytes()[:count * per_element] == live_data
    assert not data.read_bytes()[count * per_element:].strip(b"\0")
    assert lengths.read_bytes()[:count * 4] == live_lengths and not lengths.read_bytes()[count * 4:].strip(b"\0")
    assert (segment / "link_lists.bin").read_bytes() == links
    assert {path.name: path.stat().st_size for path in segment.iterdir()} == sizes
    assert eraser.scrub_hnsw(chroma_dir).bytes_zeroed == 0

    # The open client keeps working and persisting (80 more: the index grows past its 100 places).
    more = np.random.default_rng(8).random((80, 384), dtype=np.float32)
    collection.add(ids=[f"w{n}" for n in range(80)], embeddings=more.tolist())
    assert eraser.scrub_hnsw(chroma_dir).segments == 1
    client.close()
    client = chromadb.PersistentClient(path=str(chroma_dir))
    try:
        collection = client.get_collection("scrubbed")
        assert collection.count() == 105 and _hnsw_header(segment)[1] >= 100
        for name, vector in (("v7", vectors[7]), ("v24", vectors[24]), ("w79", more[79])):
            assert collection.query(query_embeddings=[vector.tolist()], n_results=1)["ids"] == [[name]]
        got = collection.get(ids=["v3"], include=["embeddings"])["embeddings"][0]
        assert np.allclose(np.asarray(got), vectors[3], atol=1e-6)
    finally:
        client.close()


def test_scrub_hnsw_refuses_a_header_it_does_not_know_and_changes_nothing(tmp_path):
    segment = tmp_path / "chroma" / "4f41f165-0000-4000-8000-000000000000"
    segment.mkdir(parents=True)
    header = struct.pack("=i6Q", 2, 0, 100, 0, 1676, 1668, 132) + bytes(48)
    (segment / "header.bin").write_bytes(header)
    (segment / "data_level0.bin").write_bytes(FIRST.encode() * 10)
    with pytest.raises(eraser.EraseError, match="layout"):
        eraser.scrub_hnsw(tmp_path / "chroma")
    assert (segment / "data_level0.bin").read_bytes() == FIRST.encode() * 10
    (segment / "header.bin").unlink()
    with pytest.raises(eraser.EraseError, match="no header"):
        eraser.scrub_hnsw(tmp_path / "chroma")
    assert eraser.scrub_hnsw(tmp_path / "absent") == eraser.HnswScrub(0, 0, 0.0)


def test_chroma_refuses_to_scrub_an_entry_that_is_still_stored(store, data_dir):
    record = store.add_entry(JOURNAL, "Still here, not deleted.")
    with pytest.raises(eraser.EraseError, match="still stored"):
        eraser.scrub_chroma(data_dir / "chroma", [record.id])
    assert store.record.get(record.id).text == "Still here, not deleted."
    assert store.index._collection(JOURNAL.name).get(ids=[record.id])["ids"] == [record.id]


def test_compacting_leaves_no_deleted_bytes_with_another_connection_open(tmp_path):
    path = tmp_path / "own.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    writer.executemany("INSERT INTO note (body) VALUES (?)",
                       [(f"filler {n} " * 20,) for n in range(200)] + [(f"secret {MARKER} secret",)])
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    assert reader.execute("SELECT COUNT(*) FROM note").fetchone()[0] == 201
    writer.execute("DELETE FROM note WHERE body LIKE ?", (f"%{MARKER}%",))  # no secure_delete: bytes stay
    assert eraser.find_text(tmp_path, [MARKER])

    reader.execute("BEGIN")  # another connection in the same process is mid-read for a moment
    reader.execute("SELECT COUNT(*) FROM note").fetchone()
    release = threading.Timer(0.3, lambda: reader.execute("COMMIT"))
    release.start()
    eraser.compact_sqlite(writer)
    release.join()

    assert eraser.find_text(tmp_path, [MARKER]) == []
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert reader.execute("SELECT COUNT(*) FROM note").fetchone()[0] == 200
    writer.execute("INSERT INTO note (body) VALUES ('after')")
    assert reader.execute("SELECT COUNT(*) FROM note").fetchone()[0] == 201
    writer.close()
    reader.close()


def test_the_search_for_forgotten_text_skips_only_the_rewritten_model(tmp_path):
    """The models dir holds the bundled model rewritten (no entry ever goes there, 24 MB): the
    search reads every other file, a stray copy of the text next to it included."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "minilm.onnx").write_bytes(b"\0weights" + FIRST.encode() + b"\0")
    (tmp_path / "models-notes.txt").write_text(FIRST)
    (tmp_path / "chroma").mkdir()
    (tmp_path / "chroma" / "models").write_text(FIRST)

    hits = {hit.path.relative_to(tmp_path).as_posix() for hit in eraser.find_text(tmp_path, [FIRST])}

    assert hits == {"models-notes.txt", "chroma/models"}
