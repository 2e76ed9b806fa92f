"""The running app's machinery between the screens and the services: the turn controller and its
session, the app's messages, workers and their failures, the detached-thread collector, terminal
input, the clipboard and bundled resources. Imports nothing of ``tui.screens`` or ``tui.widgets``
beyond what each module documents."""
