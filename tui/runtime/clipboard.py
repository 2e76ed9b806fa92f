"""Copying text for the person: over OSC 52 (``App.copy_to_clipboard``), with a notice of what went."""

from __future__ import annotations

from textual.app import App


def copy_with_notice(app: App, text: str) -> None:
    """Copy ``text`` and say how many lines went; a notice instead when there is nothing to copy."""
    if not text:
        app.notify("No reply to copy yet.", markup=False)
        return
    app.copy_to_clipboard(text)
    lines = text.count("\n") + 1
    app.notify(f"Copied {lines} line{'s' if lines != 1 else ''} to the clipboard.", markup=False)
