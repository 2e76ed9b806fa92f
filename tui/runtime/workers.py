"""How every worker reports back: results as messages, failures in one place.

A worker's ``Worker.StateChanged`` goes to the node that ran it and does not bubble. Screens and
widgets that run workers mix in ``ReportsWorkerFailures``: an unexpected exception (state ERROR)
is handed to the app, whose ``on_worker_state_changed`` logs it and shows it. Workers catch only
the ``MindpaneError`` they have a specific message for.
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState


class ReportsWorkerFailures:
    """Mix into a screen or widget (before the Textual base) that runs workers."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.app.post_message(Worker.StateChanged(event.worker, event.state))  # type: ignore[attr-defined]
