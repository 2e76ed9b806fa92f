"""The adapters besides the store: Ollama's chat, embed, models and pull through the real client
against tests/ollama_stub.py, and the bundled embedder."""
