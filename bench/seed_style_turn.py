"""One turn the way the original prototype did it, as the yardstick for ``bench_ask.py``: import
mem0 with a Chroma config, ``Memory.from_config``, search, ``ollama.chat``, add. Nothing else — no
outbox, no lock, no record database, no privacy hardening, no config file, no streaming.

    python bench/seed_style_turn.py --data-dir /tmp/x "Long day. The move is stressing me out."

The embedder is mindpane's bundled MiniLM, plugged into mem0 the way tui/adapters/mem0_embedding.py
does it (mem0 has no public way to register one), so both sides embed with the same model. Ollama
is reached at ``OLLAMA_HOST`` (the benchmark's stand-in). Run it with HOME and MEM0_DIR pointing at
temporary dirs (bench_ask.py does): mem0 writes under them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODEL = "gemma3:4b-it-qat"
USER = "seed-user"
SYSTEM = "You are a gentle journaling companion. Past entries:\n{memories}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("text")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MEM0_DIR", str(args.data_dir / "mem0"))
    os.environ["MEM0_TELEMETRY"] = "False"
    os.environ["ANONYMIZED_TELEMETRY"] = "False"

    import ollama
    from mem0 import Memory
    from mem0.embeddings.base import EmbeddingBase
    from mem0.utils.factory import EmbedderFactory

    from tui.adapters.bundled_embedder import BundledEmbedder

    class Bundled(EmbeddingBase):
        _model: BundledEmbedder | None = None

        def embed(self, text, memory_action=None):
            if Bundled._model is None:
                Bundled._model = BundledEmbedder()
            return Bundled._model.embed([text])[0]

    sys.modules[__name__].Bundled = Bundled  # the factory imports the class by dotted name
    EmbedderFactory.provider_to_class["seedbundled"] = f"{__name__}.Bundled"
    host = os.environ.get("OLLAMA_HOST", "http://127.0.0.1:11434")
    host = host if host.startswith("http") else f"http://{host}"
    memory = Memory.from_config({
        "vector_store": {"provider": "chroma", "config": {"collection_name": "journal",
                                                          "path": str(args.data_dir / "chroma")}},
        "embedder": {"provider": "seedbundled"},  # no "config": mem0 validates it against its own list
        "llm": {"provider": "ollama", "config": {"model": MODEL, "ollama_base_url": host}},
        "history_db_path": str(args.data_dir / "history.db"),
    })
    found = memory.search(args.text, filters={"user_id": USER}, top_k=5).get("results", [])
    for item in found:
        print(f"{item.get('score', 0):.2f}  {item['memory'][:60]}")
    messages = [{"role": "system", "content": SYSTEM.format(memories="\n".join(i["memory"] for i in found))},
                {"role": "user", "content": args.text}]
    reply = ollama.Client(host=host).chat(model=MODEL, messages=messages)["message"]["content"]
    print(reply)
    memory.add([{"role": "user", "content": args.text}, {"role": "assistant", "content": reply}],
               user_id=USER, infer=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
