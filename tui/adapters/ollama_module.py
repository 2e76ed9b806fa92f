"""``import ollama`` without its import-time side effect on OLLAMA_HOST.

The package makes a default client from OLLAMA_HOST when it is imported, and an address it cannot
parse ("http://[::1") raised there, before mindpane could say what was wrong. mindpane never uses
that default client: settings read the variable first and each client is given its host.
"""

from __future__ import annotations

import os

_from_env = os.environ.pop("OLLAMA_HOST", None)
try:
    import ollama
finally:
    if _from_env is not None:
        os.environ["OLLAMA_HOST"] = _from_env

__all__ = ["ollama"]
