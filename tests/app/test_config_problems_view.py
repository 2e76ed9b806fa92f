"""A config file with many problems at 80×24: the start-up notice fits the screen and says how to
see the rest; the palette's "Config problems" lists every one, scrolling."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets._toast import Toast  # textual 8.2.8: the notification's widget, not exported

from tests.screen_text import joined, read_through
from tests.tui_support import make_app, run_command, settle
from tui.services.config import load_config

MANY_PROBLEMS = '''colour = "blue"
recall_size = "many"
theme = "mauve-dreams"
ollama_timeout = -3
[modes.code]
recall_size = -1
temperature = "hot"
model = 3
[modes.poetry]
system_prompt = 5
'''


def squeezed(text: str) -> str:
    """Text without its whitespace: what wraps on screen still matches what was written."""
    return "".join(text.split())


async def test_at_80x24_many_config_problems_fit_the_notice_and_all_are_listed(settings, clock, ollama_stub,
                                                                                tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(MANY_PROBLEMS, encoding="utf-8")
    config = load_config(path, {})
    assert len(config.problems) >= 7
    app = make_app(replace(settings, config_path=path), clock, config=config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        (toast,) = app.screen.query(Toast)
        assert app.screen.region.contains_region(toast.region), "the notice is taller than the screen"
        notice = squeezed(joined(await read_through(pilot, toast)))
        assert squeezed(str(path)) in notice and "Configproblems" in notice

        await run_command(pilot, "Config problems")
        drawn = squeezed(joined(await read_through(pilot, app.screen.query_one(".config-problems"))))
        assert squeezed(str(path)) in drawn
        for problem in config.problems:
            assert squeezed(problem.short()) in drawn, problem.short()
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0]
