"""Which models Ollama has, pulling one, and choosing a mode's model — against the stand-in server:
the adapter, ``mindpane models [pull NAME]``, and the TUI's model picker and pull dialog."""

from __future__ import annotations

import argparse
import asyncio
import io
import time
import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, ProgressBar, Static

from tests.ollama_stub import DEFAULT_MODEL, OllamaStub, unused_port_url
from tests.tui_support import SIZE, make_app, ollama_text, run_command, send, settle
from tui.adapters.ollama_chat import OllamaChat
from tui.cli import models as cli_models
from tui.domain.errors import OllamaUnreachable
from tui.domain.llm_models import ModelInfo, PullFailed, PullProgress, UnknownModel
from tui.domain.modes import builtin_modes
from tui.screens.model_screen import ModelScreen
from tui.screens.pull_screen import PullScreen
from tui.services.models import PullTally

CODER = "qwen2.5-coder:7b"
UNKNOWN_ON_REGISTRY = "pull model manifest: file does not exist"


def chat_for(url: str) -> OllamaChat:
    return OllamaChat(url, connect_timeout=2.0, stall_timeout=5.0)


def code_uses(model: str) -> dict:
    modes = builtin_modes()
    modes["code"] = replace(modes["code"], model=model)
    return modes


# -- the adapter -----------------------------------------------------------------------------------


def test_list_models_gives_name_size_and_date(ollama_stub: OllamaStub) -> None:
    ollama_stub.add_model(CODER, size=4_680_000_000, modified="2025-03-04T05:06:07Z")

    models = chat_for(ollama_stub.url).list_models()

    assert models == [
        ModelInfo(DEFAULT_MODEL, 3_300_000_000, datetime(2025, 1, 1, tzinfo=UTC)),
        ModelInfo(CODER, 4_680_000_000, datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)),
    ]


def test_list_models_when_ollama_is_down_is_unreachable() -> None:
    url = unused_port_url()
    with pytest.raises(OllamaUnreachable) as info:
        chat_for(url).list_models()
    assert info.value.message == f"Ollama is not reachable at {url}"


def test_pull_streams_progress_and_then_the_model_is_listed(ollama_stub: OllamaStub) -> None:
    chat = chat_for(ollama_stub.url)

    progress = list(chat.pull(CODER))

    assert progress[0].status == "pulling manifest"
    assert progress[-1].succeeded
    downloads = [p for p in progress if p.total]
    assert downloads and downloads[-1].completed == downloads[-1].total
    assert ollama_stub.pull_requests == [{"model": CODER, "insecure": False, "stream": True}]
    assert CODER in [m.name for m in chat.list_models()]


def test_pull_of_a_name_the_registry_does_not_know_says_so(ollama_stub: OllamaStub) -> None:
    ollama_stub.pull_fails = UNKNOWN_ON_REGISTRY

    with pytest.raises(UnknownModel) as info:
        list(chat_for(ollama_stub.url).pull("gemma9:typo"))

    assert info.value.message == "The Ollama registry has no model named gemma9:typo"
    assert "ollama.com/library" in info.value.hint
    assert UNKNOWN_ON_REGISTRY in info.value.hint
    assert ollama_stub.models == {DEFAULT_MODEL}


@pytest.mark.parametrize("status", [None, 500])
def test_pull_failure_carries_the_servers_reason(ollama_stub: OllamaStub, status: int | None) -> None:
    ollama_stub.pull_fails = "max retries exceeded: dial tcp: lookup registry.ollama.ai: no such host"
    ollama_stub.pull_status = status

    with pytest.raises(PullFailed) as info:
        list(chat_for(ollama_stub.url).pull(CODER))

    assert not isinstance(info.value, UnknownModel)
    assert info.value.message == f"Pulling {CODER} failed: max retries exceeded: dial tcp: lookup " \
        "registry.ollama.ai: no such host"
    assert ollama_stub.models == {DEFAULT_MODEL}


def test_pull_when_ollama_is_down_is_unreachable() -> None:
    with pytest.raises(OllamaUnreachable):
        next(chat_for(unused_port_url()).pull(CODER))


def test_closing_a_pull_mid_way_closes_the_connection(ollama_stub: OllamaStub) -> None:
    ollama_stub.pull_slow = True
    stream = chat_for(ollama_stub.url).pull(CODER)
    assert next(stream).status == "pulling manifest"
    assert next(stream).total

    stream.close()  # what a consumer that stops iterating does

    assert ollama_stub.pull_closed.wait(5)
    assert not ollama_stub.has_model(CODER)


def test_pull_tally_adds_up_layers_and_ends_at_one() -> None:
    tally = PullTally()
    assert tally.add(PullProgress("pulling manifest")).fraction is None
    tally.add(PullProgress("pulling aaa", 50, 100, "sha256:a"))
    state = tally.add(PullProgress("pulling bbb", 0, 100, "sha256:b"))
    assert (state.completed, state.total, state.fraction) == (50, 200, 0.25)
    assert tally.add(PullProgress("success")).fraction == 1.0


# -- the CLI ---------------------------------------------------------------------------------------


def run_cli(settings, *argv: str, modes: dict | None = None) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="mindpane")
    cli_models.add_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = cli_models.run(settings, parser.parse_args(["models", *argv]), out, err, modes=modes)
    return code, out.getvalue(), err.getvalue()


def row(out: str, name: str) -> str:
    [line] = [line for line in out.splitlines() if f" {name} " in f"{line} "]
    return line


def test_cli_lists_models_and_marks_the_one_each_mode_uses(settings, ollama_stub: OllamaStub) -> None:
    ollama_stub.add_model(CODER, size=4_680_000_000, modified="2025-03-04T05:06:07Z")
    ollama_stub.add_model("llama3.2:1b", size=1_300_000_000)

    code, out, err = run_cli(settings, modes=code_uses(CODER))

    assert (code, err) == (0, "")
    assert row(out, DEFAULT_MODEL).split() == ["*", DEFAULT_MODEL, "3.3", "GB", "2025-01-01", "journal"]
    assert row(out, CODER).split() == ["*", CODER, "4.7", "GB", "2025-03-04", "code"]
    assert row(out, "llama3.2:1b").split() == ["llama3.2:1b", "1.3", "GB", "2025-01-01"]


def test_cli_names_a_modes_model_that_is_not_pulled(settings, ollama_stub: OllamaStub) -> None:
    code, out, _ = run_cli(settings, modes=code_uses(CODER))

    assert code == 0
    line = row(out, CODER)
    assert "not pulled" in line and "code" in line
    assert f"mindpane models pull {CODER}" in line


def test_cli_models_when_ollama_is_down_exits_1_with_one_line(settings) -> None:
    down = replace(settings, ollama_host=unused_port_url())

    code, out, err = run_cli(down)

    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert err.startswith(f"mindpane: Ollama is not reachable at {down.ollama_host}")


def test_cli_pull_shows_progress_and_the_model_is_listed_after(settings, ollama_stub: OllamaStub) -> None:
    code, out, err = run_cli(settings, "pull", CODER)

    assert code == 0
    assert "100%" in err
    assert f"Pulled {CODER}" in out
    code, out, _ = run_cli(settings)
    assert CODER in out


def test_cli_pull_failure_exits_1_with_the_message(settings, ollama_stub: OllamaStub) -> None:
    ollama_stub.pull_fails = UNKNOWN_ON_REGISTRY

    code, out, err = run_cli(settings, "pull", "gemma9:typo")

    assert (code, out) == (1, "")
    assert err.splitlines()[-1].startswith("mindpane: The Ollama registry has no model named gemma9:typo")
    assert ollama_stub.models == {DEFAULT_MODEL}


# -- the TUI ---------------------------------------------------------------------------------------


async def until(pilot: Pilot, condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Process the app's messages until ``condition()`` holds (a worker in another thread is
    producing what it waits for, so ``settle`` cannot be used: that worker never ends)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        await pilot.pause()


def options(screen: ModelScreen) -> list[str]:
    listing = screen.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


def dialog_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def test_picker_choice_is_used_by_the_next_turn_and_saved(settings, clock, ollama_stub, tmp_path):
    ollama_stub.add_model(CODER)
    config = tmp_path / "config.toml"
    settings = replace(settings, config_path=config)
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "model")
        screen = app.screen
        assert isinstance(screen, ModelScreen)
        rows = options(screen)
        assert [r.split()[:2] for r in rows] == [["✓", DEFAULT_MODEL], [CODER, "3.3"]]
        assert "journal" in rows[0]

        screen.query_one(OptionList).highlighted = 1
        await pilot.press("enter")
        await settle(pilot)

        assert not isinstance(app.screen, ModelScreen)
        assert app.workspace.model_for(app.mode) == CODER
        assert ollama_text(app) == f"ollama ✓ {CODER}"
        await send(pilot, "Which model answers now?")
        assert ollama_stub.chat_requests[-1]["model"] == CODER
        assert tomllib.loads(config.read_text())["modes"]["journal"]["model"] == CODER


async def test_picker_when_ollama_is_down_shows_why(settings, clock):
    settings = replace(settings, ollama_host=unused_port_url())
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_pick_model()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ModelScreen)
        assert dialog_text(screen, ".model-state").startswith(
            f"Ollama is not reachable at {settings.ollama_host}")
        assert options(screen) == []


async def test_missing_model_is_pulled_from_the_picker_with_progress(settings, clock, ollama_stub):
    ollama_stub.models = {"other:1b"}
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert ollama_text(app).startswith("model not pulled")
        app.action_pick_model()
        await settle(pilot)
        assert options(app.screen)[0].startswith(f"↓ Pull {DEFAULT_MODEL}")

        await pilot.press("enter")  # the pull option is highlighted first
        await settle(pilot)

        screen = app.screen
        assert isinstance(screen, PullScreen)
        assert screen.query_one(ProgressBar).percentage == 1.0
        assert dialog_text(screen, ".pull-state") == f"✓ {DEFAULT_MODEL} is ready"
        assert ollama_stub.has_model(DEFAULT_MODEL)
        assert ollama_text(app) == f"ollama ✓ {DEFAULT_MODEL}"
        await pilot.press("escape")
        app.action_pick_model()
        await settle(pilot)
        assert options(app.screen)[0].split()[:2] == ["✓", DEFAULT_MODEL]


async def test_failed_pull_shows_the_message_and_changes_nothing(settings, clock, ollama_stub):
    ollama_stub.models = {"other:1b"}
    ollama_stub.pull_fails = UNKNOWN_ON_REGISTRY
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "pull model")

        screen = app.screen
        assert isinstance(screen, PullScreen)
        assert dialog_text(screen, ".pull-state") == f"The Ollama registry has no model named {DEFAULT_MODEL}"
        assert ollama_stub.models == {"other:1b"}
        assert ollama_text(app).startswith("model not pulled")


async def test_escape_cancels_a_pull_and_closes_the_connection(settings, clock, ollama_stub):
    ollama_stub.models = {"other:1b"}
    ollama_stub.pull_slow = True
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_pull_model()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PullScreen)
        bar = screen.query_one(ProgressBar)
        await until(pilot, lambda: (bar.progress or 0) > 0)

        await pilot.press("escape")

        assert not isinstance(app.screen, PullScreen)
        assert await asyncio.to_thread(ollama_stub.pull_closed.wait, 5)
        await settle(pilot)
        assert ollama_stub.models == {"other:1b"}
        assert ollama_text(app).startswith("model not pulled")


# -- embedding models are not chat models (issue #18) -----------------------------------------------


@pytest.fixture
def with_embedders(ollama_stub: OllamaStub) -> OllamaStub:
    """Two embedding models as Ollama lists them: all-minilm (family bert), nomic-embed-text (nomic-bert)."""
    ollama_stub.add_model("all-minilm", size=45_000_000)
    ollama_stub.add_model("nomic-embed-text", size=274_000_000)
    ollama_stub.add_model(CODER)
    return ollama_stub


def test_the_listing_tells_embedding_models_from_chat_models(with_embedders: OllamaStub) -> None:
    listed = {model.name: model.embedding_only for model in chat_for(with_embedders.url).list_models()}

    assert listed == {"all-minilm:latest": True, "nomic-embed-text:latest": True, DEFAULT_MODEL: False, CODER: False}


def test_cli_marks_embedding_models_as_not_for_chat(settings, with_embedders: OllamaStub) -> None:
    uses_minilm = replace(settings, embedder="ollama:all-minilm")

    code, out, _ = run_cli(uses_minilm)

    assert code == 0
    assert row(out, "all-minilm:latest").endswith("embeddings only, not for chat (the embedder)")
    assert row(out, "nomic-embed-text:latest").endswith("embeddings only, not for chat")
    assert not row(out, "nomic-embed-text:latest").startswith("*")
    assert "not for chat" not in row(out, CODER) and "not for chat" not in row(out, DEFAULT_MODEL)


async def test_the_picker_offers_only_models_that_can_chat(settings, clock, with_embedders: OllamaStub):
    app = make_app(settings, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_pick_model()
        await settle(pilot)
        screen = app.screen

        assert [r.split()[:2] for r in options(screen)] == [["✓", DEFAULT_MODEL], [CODER, "3.3"]]
        assert dialog_text(screen, ".model-state") == (
            "2 models in Ollama; 2 embedding models (all-minilm:latest, nomic-embed-text:latest) are left out: "
            "they cannot chat")
