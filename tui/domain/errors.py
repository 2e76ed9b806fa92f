"""Errors as values the UI can show: a one-line message plus a hint on how to fix it.

Adapters translate library exceptions into these once, at their boundary, so the CLI and the
TUI never see an httpx, ollama or chromadb exception.
"""

from __future__ import annotations


class MindpaneError(Exception):
    """Base of every error a person may be shown."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ChatError(MindpaneError):
    """The chat model could not produce (all of) a reply."""


class OllamaUnreachable(ChatError):
    """Nothing answers at the configured Ollama address."""


class ModelNotFound(ChatError):
    """Ollama answers but does not have the requested model."""


class ModelStalled(ChatError):
    """Ollama stopped sending bytes for longer than the stall timeout."""


class ReplyInterrupted(ChatError):
    """The reply broke off mid-stream; ``partial`` holds what arrived before the cut."""

    def __init__(self, message: str, hint: str = "", partial: str = "") -> None:
        super().__init__(message, hint)
        self.partial = partial


class ContextFull(ReplyInterrupted):
    """The model's context filled up: Ollama ended the reply early (``done_reason`` "length") or
    refused a prompt longer than its context. Asking again should send a smaller prompt."""


class StoreError(MindpaneError):
    """The memory store could not be opened or used."""


class StoreLocked(StoreError):
    """Another running mindpane holds the store."""


class WrongPassphrase(MindpaneError):
    """The passphrase does not unlock the journal (or cannot be used: empty, too long)."""


class JournalLocked(MindpaneError):
    """The journal is locked and was opened without its key: ask for the passphrase first."""


class KeyFileError(MindpaneError):
    """A locked journal's key file is missing, damaged or of an unknown kind."""


class EmbedderError(MindpaneError):
    """The embedding model is missing, corrupt, or unreachable."""


class MemoryNotFound(StoreError):
    """An id that names no memory (deleted meanwhile, or never existed)."""


class DiskFull(StoreError):
    """The disk holding the data dir has no room: nothing was written, the text is kept."""


class HubError(MindpaneError):
    """The sync hub cannot be used: unreachable, refused the login, TLS failed, not a mindpane hub,
    another journal's, or a newer mindpane's."""


class NotAHub(HubError):
    """The hub's database holds no mindpane journal yet (``mindpane sync init`` makes one)."""


class HubWantsPassword(HubError):
    """The hub asks for a password and none was given (one can be typed, if there is a terminal)."""


class HubTampered(MindpaneError):
    """A row from the hub does not authenticate, or breaks the order of an entry's versions (edited,
    replayed, reordered or another journal's): refused, reported, never applied."""
