"""How many tokens a turn asks the model to see at once: Ollama's ``num_ctx``, sent with every
request so that the prompt mindpane fits (``prompt_budget``) is the prompt the model reads.

Without it Ollama uses its own default (2,048 or 4,096 tokens, whatever the model could take) and
cuts a longer prompt silently. The mode's ``context_length`` wins; then a ``num_ctx`` the model's
Modelfile chose; then what the model was made for, at most ``MOST_BY_DEFAULT`` (a model made for
128k tokens would take gigabytes of memory for all of them); with none of these, ``FALLBACK``.
"""

from __future__ import annotations

from tui.domain.llm_models import ContextWindow

FALLBACK = 2048
"""When the model reports nothing: the smallest default Ollama has had, so the prompt fits wherever."""
MOST_BY_DEFAULT = 8192
"""The most asked for unless the mode or the Modelfile say more: room for a dozen memories and a
long answer, in well under a gigabyte of cache for a 4B model."""


def choose_context_length(mode_setting: int | None, window: ContextWindow) -> int:
    """The ``num_ctx`` to send (see the module's order)."""
    if mode_setting:
        return mode_setting
    if window.num_ctx:
        return window.num_ctx
    if window.trained:
        return min(window.trained, MOST_BY_DEFAULT)
    return FALLBACK
