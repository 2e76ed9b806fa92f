"""``MINDPANE_EMBEDDER=ollama:all-minilm`` with the model not pulled (issue #18, item 13): every
``ask`` says which model to pull and how, keeps the entry, and ends without a traceback — the
second one too, which used to fail replaying the first one's kept entry. Once the model is
pulled, the kept entries are stored."""

from __future__ import annotations

from tests.cli.test_cli import mindpane
from tests.ollama_stub import OllamaStub

MODEL = "all-minilm"
SAID = f"The embedding model {MODEL} is not pulled in your Ollama"


def test_every_ask_says_to_pull_the_embedding_model_and_keeps_the_entry(cli_env, ollama_stub: OllamaStub):
    cli_env["MINDPANE_EMBEDDER"] = f"ollama:{MODEL}"

    first = mindpane(cli_env, "ask", "The first entry, written before the pull.")
    second = mindpane(cli_env, "ask", "The second entry, also before the pull.")

    assert "Traceback" not in first.stderr + second.stderr, second.stderr
    for result in (first, second):
        assert result.returncode == 1
        assert SAID in result.stderr and f"ollama pull {MODEL}" in result.stderr
        assert "your entry is kept" in result.stderr
    assert second.stderr.count(SAID) == 1

    ollama_stub.add_model(MODEL)
    third = mindpane(cli_env, "ask", "The third entry, after the pull.")

    assert third.returncode == 0, third.stderr
    found = mindpane(cli_env, "search", "entry").stdout
    for text in ("The first entry, written before the pull.", "The second entry, also before the pull.",
                 "The third entry, after the pull."):
        assert text in found


def test_a_code_question_kept_for_lack_of_the_model_waits_for_ctrl_r(cli_env, ollama_stub: OllamaStub):
    cli_env["MINDPANE_EMBEDDER"] = f"ollama:{MODEL}"

    result = mindpane(cli_env, "ask", "--mode", "code", "How do I reverse a list?")

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert SAID in result.stderr and "your question is kept" in result.stderr and "ctrl+r" in result.stderr


async def test_the_app_says_to_pull_the_embedding_model_and_keeps_the_entry(settings, clock, ollama_stub):
    from dataclasses import replace

    from tests.tui_support import SIZE, make_app, send, settle, status_text
    from tui.runtime.session import TurnState

    without = replace(settings, embedder=f"ollama:{MODEL}")
    app = make_app(without, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = await send(pilot, "Written in the app before the pull.")

        assert view.turn.state is TurnState.FAILED
        assert SAID in status_text(view) and f"ollama pull {MODEL}" in status_text(view)
        assert [p.text for p in app.workspace.journal.record.pending()] == ["Written in the app before the pull."]

        ollama_stub.add_model(MODEL)
        await pilot.press("ctrl+r")
        await settle(pilot)

        assert view.turn.state is TurnState.DONE
        stored = app.workspace.journal.record.page("journal").records
        assert [r.text for r in stored] == ["Written in the app before the pull."]


async def test_the_app_reopened_with_an_entry_waiting_says_to_pull_the_model(settings, clock, ollama_stub):
    """The kept entry is stored as the store opens; without the model, the store error screen says
    what to pull (a message, not a crash), and ctrl+r opens the store once it is pulled."""
    from dataclasses import replace

    from tests.tui_support import SIZE, make_app, settle
    from tui.screens.store_error_screen import StoreErrorScreen
    from tui.services.engine import open_outbox

    without = replace(settings, embedder=f"ollama:{MODEL}")
    outbox = open_outbox(without)
    outbox.put_pending("turn-1", "journal", "Kept from an earlier run.", clock())
    outbox.close()
    app = make_app(without, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StoreErrorScreen)
        assert SAID in app.screen.error.message and f"ollama pull {MODEL}" in app.screen.error.hint

        ollama_stub.add_model(MODEL)
        await pilot.press("ctrl+r")
        await settle(pilot)

        assert app.store_state == "ready"
        assert [r.text for r in app.workspace.journal.record.page("journal").records] == ["Kept from an earlier run."]
