"""Adapters over mem0/Chroma, Ollama and the embedding models. Never import textual here."""
