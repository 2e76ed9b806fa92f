"""The config file as a person uses it: where it lives, what it may say and what wins over it, the
modes it defines, and how a broken one is reported once and never stops the journal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import mindpane
from tui import cli
from tui.domain.modes import builtin_modes
from tui.services.config import ConfigError, load_config, load_modes, problems_message, update_config
from tui.services.settings import DEFAULT_MODEL, DEFAULT_OLLAMA_HOST, DEFAULT_THEME, resolve_settings

STANDUP = '''
[modes.standup]
title = "Stand-up"
system_prompt = "You run a short daily stand-up: ask what was done, what is next, what blocks."
recall_size = 3
metadata = { team = "core" }
recall_from = ["journal"]
'''


@pytest.fixture
def config_file(isolated_home: Path) -> Path:
    """Where the config lives by default in the isolated home (not created)."""
    return isolated_home / ".config" / "mindpane" / "config.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def loaded(path: Path, env: dict | None = None):
    return load_config(path, env or {})


# -- where the file is ------------------------------------------------------------------------


def test_the_config_file_lives_in_the_user_config_dir_unless_env_or_flag_say_otherwise(config_file, tmp_path):
    assert load_config(None, {}).path == config_file
    assert load_config(None, {}).path_source == "default"
    env = {"MINDPANE_CONFIG": str(tmp_path / "env.toml")}
    assert load_config(None, env).path == tmp_path / "env.toml"
    assert load_config(None, env).path_source == "env"
    assert load_config(tmp_path / "flag.toml", env).path == tmp_path / "flag.toml"
    assert load_config(tmp_path / "flag.toml", env).path_source == "flag"


def test_no_file_means_the_built_in_defaults_and_no_problems(config_file):
    config = load_config(None, {})
    settings = resolve_settings(env={}, config=config)
    assert not config.exists and config.problems == []
    assert settings.ollama_host == DEFAULT_OLLAMA_HOST
    assert settings.model_for(None) == DEFAULT_MODEL
    assert settings.theme == DEFAULT_THEME
    assert load_modes(config) == builtin_modes()


# -- precedence: flag > env > file > default ---------------------------------------------------

FILE_VALUES = '''
ollama_host = "http://file-host:1"
model = "file-model"
embedder = "ollama:file-embed"
stall_timeout = 30
theme = "nord"
data_dir = "/from/file"
'''


@pytest.mark.parametrize(("setting", "flag", "env_name", "env_value", "file_value", "default"), [
    ("ollama_host", None, "OLLAMA_HOST", "http://env-host:2", "http://file-host:1", DEFAULT_OLLAMA_HOST),
    ("model", "flag-model", "MINDPANE_MODEL", "env-model", "file-model", DEFAULT_MODEL),
    ("embedder", None, "MINDPANE_EMBEDDER", "ollama:env-embed", "ollama:file-embed", "bundled"),
    ("stall_timeout", None, "MINDPANE_STALL_TIMEOUT", "45", 30.0, 120.0),
    ("data_dir", "/from/flag", "MINDPANE_DATA_DIR", "/from/env", Path("/from/file"), None),
    ("theme", None, None, None, "nord", DEFAULT_THEME),
])
def test_flag_beats_env_beats_file_beats_default(config_file, setting, flag, env_name, env_value, file_value,
                                                 default):
    def value(settings):
        return settings.model_for(None) if setting == "model" else getattr(settings, setting)

    bare = resolve_settings(env={}, config=loaded(config_file))
    assert bare.sources[setting] == "default"
    if default is not None:
        assert value(bare) == default

    config = loaded(write(config_file, FILE_VALUES))
    assert config.problems == []
    from_file = resolve_settings(env={}, config=config)
    assert (value(from_file), from_file.sources[setting]) == (file_value, "file")

    if env_name:
        env = {env_name: env_value}
        from_env = resolve_settings(env=env, config=config)
        expected = float(env_value) if setting == "stall_timeout" else env_value
        assert (str(value(from_env)), from_env.sources[setting]) == (str(expected), "env")
    if flag:
        flags = {"data_dir": flag} if setting == "data_dir" else {"model": flag}
        from_flag = resolve_settings(**flags, env={env_name: env_value}, config=config)
        assert (str(value(from_flag)), from_flag.sources[setting]) == (flag, "flag")


def test_the_files_model_is_the_default_and_a_modes_own_model_wins_over_it(config_file):
    config = loaded(write(config_file, 'model = "file-model"\n[modes.code]\nmodel = "qwen2.5-coder:7b"\n'))
    settings = resolve_settings(env={}, config=config)
    modes = load_modes(config)
    assert settings.model_for(modes["journal"].model) == "file-model"
    assert settings.model_for(modes["code"].model) == "qwen2.5-coder:7b"
    forced = resolve_settings(env={"MINDPANE_MODEL": "forced"}, config=config)
    assert forced.model_for(modes["code"].model) == "forced"


def test_resolve_settings_alone_honours_the_config_file_named_by_the_environment(tmp_path):
    path = write(tmp_path / "elsewhere.toml", 'ollama_host = "http://file-host:1"\n')
    settings = resolve_settings(env={"MINDPANE_CONFIG": str(path)})
    assert settings.ollama_host == "http://file-host:1"
    assert settings.config_path == path


def test_a_relative_data_dir_in_the_file_is_relative_to_the_file(tmp_path):
    config = loaded(write(tmp_path / "conf" / "config.toml", 'data_dir = "journal-data"\n'))
    assert resolve_settings(env={}, config=config).data_dir == tmp_path / "conf" / "journal-data"


# -- modes ----------------------------------------------------------------------------------------


def test_a_mode_table_overrides_fields_of_a_built_in_mode_and_a_new_id_adds_one(config_file):
    config = loaded(write(config_file, '[modes.journal]\nrecall_size = 8\ntitle = "Diary"\n' + STANDUP))
    modes = load_modes(config)
    assert config.problems == []
    assert list(modes) == ["journal", "code", "standup"]
    journal = modes["journal"]
    assert (journal.title, journal.recall_size) == ("Diary", 8)
    assert journal.system_prompt == builtin_modes()["journal"].system_prompt
    assert modes["code"] == builtin_modes()["code"]
    standup = modes["standup"]
    assert standup.name == "standup" and standup.title == "Stand-up"
    assert standup.recall_size == 3 and standup.recall_from == ("journal",)
    assert standup.stamp() == {"team": "core", "mode": "standup"}
    assert modes["code"].recall_from == ()


def test_a_new_mode_without_a_title_is_titled_after_its_id(config_file):
    modes = load_modes(loaded(write(config_file, '[modes.retro]\nsystem_prompt = "Run a retro."\n')))
    assert modes["retro"].title == "Retro"


# -- a bad config: defaults for what is broken, the rest kept, one message -------------------------


def only_problem(config):
    assert len(config.problems) == 1, config.problems
    return config.problems[0]


def test_a_syntax_error_is_reported_with_its_line_and_every_default_is_used(config_file):
    config = loaded(write(config_file, 'theme = "nord"\nmodel = "x\n'))
    problem = only_problem(config)
    assert problem.line == 2
    assert (resolve_settings(env={}, config=config).theme, load_modes(config)) == (DEFAULT_THEME, builtin_modes())
    message = problems_message(config.problems)
    assert str(config_file) in message and "line 2" in message


def test_an_unknown_key_is_named_with_its_line_and_the_rest_is_kept(config_file):
    config = loaded(write(config_file, 'theme = "nord"\n\ncolour = "blue"\n'))
    problem = only_problem(config)
    assert (problem.key, problem.line) == ("colour", 3)
    assert resolve_settings(env={}, config=config).theme == "nord"
    assert "unknown" in problem.message


def test_a_wrong_type_falls_back_to_the_default_for_that_setting_only(config_file):
    config = loaded(write(config_file, 'model = "mine"\nstall_timeout = "slow"\n'))
    problem = only_problem(config)
    assert (problem.key, problem.line) == ("stall_timeout", 2)
    settings = resolve_settings(env={}, config=config)
    assert (settings.stall_timeout, settings.model_for(None)) == (120.0, "mine")


def test_a_new_mode_without_a_prompt_is_left_out(config_file):
    config = loaded(write(config_file, 'theme = "nord"\n\n[modes.standup]\ntitle = "Stand-up"\n'))
    problem = only_problem(config)
    assert (problem.key, problem.line) == ("modes.standup", 3)
    assert "system_prompt" in problem.message
    assert list(load_modes(config)) == ["journal", "code"]


def test_a_bad_mode_id_is_left_out(config_file):
    config = loaded(write(config_file, '[modes."Stand Up"]\nsystem_prompt = "Hi."\n\n[modes.ok_1-x]\n'
                                       'system_prompt = "Fine."\n'))
    problem = only_problem(config)
    assert (problem.key, problem.line) == ('modes."Stand Up"', 1)
    assert list(load_modes(config)) == ["journal", "code", "ok_1-x"]


def test_a_negative_recall_size_keeps_the_default_size_and_the_other_fields(config_file):
    config = loaded(write(config_file, '[modes.journal]\ntitle = "Diary"\nrecall_size = -2\n'))
    problem = only_problem(config)
    assert (problem.key, problem.line) == ("modes.journal.recall_size", 3)
    journal = load_modes(config)["journal"]
    assert (journal.title, journal.recall_size) == ("Diary", 5)


@pytest.mark.parametrize(("text", "key"), [
    ('[modes.code]\nmin_relevance = 2.5\n', "modes.code.min_relevance"),
    ('[modes.code]\ncontext_length = 100\n', "modes.code.context_length"),
    ('[modes.code]\ncontext_length = "8k"\n', "modes.code.context_length"),
    ('[modes.code]\nkeep_unanswered = "yes"\n', "modes.code.keep_unanswered"),
    ('[modes.code]\ncolour = "red"\n', "modes.code.colour"),
    ('[modes.code]\nrecall_from = ["journal", "nowhere"]\n', "modes.code.recall_from"),
    ('[modes.code]\nmetadata = { tags = ["a"] }\n', "modes.code.metadata.tags"),
    ('[modes.code]\nmetadata = { mode = "x" }\n', "modes.code.metadata.mode"),
    ('embedder = "word2vec"\n', "embedder"),
    ('stall_timeout = 0\n', "stall_timeout"),
    ('theme = "no-such-theme"\n', "theme"),
    ('modes = 3\n', "modes"),
    ('[modes]\ncode = "x"\n', "modes.code"),
])
def test_each_bad_field_is_one_problem_naming_it(config_file, text, key):
    config = loaded(write(config_file, text))
    problem = only_problem(config)
    assert problem.key == key
    assert problem.line is not None and problem.path == config_file


def test_a_mode_can_choose_its_context_length(config_file):
    config = loaded(write(config_file, '[modes.code]\ncontext_length = 16384\n[modes.journal]\ncontext_length = 1.5\n'))
    problem = only_problem(config)
    assert problem.key == "modes.journal.context_length" and "whole number of tokens" in str(problem)
    modes = load_modes(config)
    assert (modes["code"].context_length, modes["journal"].context_length) == (16384, None)


def test_a_recall_from_list_keeps_its_known_ids(config_file):
    config = loaded(write(config_file, '[modes.code]\nrecall_from = ["journal", "nowhere"]\n'))
    assert load_modes(config)["code"].recall_from == ("journal",)


def test_the_problems_are_one_message_naming_the_file_line_and_field(config_file):
    config = loaded(write(config_file, 'colour = "blue"\n[modes.journal]\nrecall_size = -1\n'))
    message = problems_message(config.problems)
    assert message.count(str(config_file)) == 1
    assert "line 1" in message and "colour" in message
    assert "line 3" in message and "modes.journal.recall_size" in message
    assert problems_message([]) == ""


def test_an_unreadable_config_is_a_problem_not_a_crash(config_file):
    config_file.mkdir(parents=True)
    config = loaded(config_file)
    assert only_problem(config).path == config_file
    assert load_modes(config) == builtin_modes()


# -- writing: update_config keeps the person's comments --------------------------------------------


def test_update_config_keeps_comments_and_layout(config_file):
    write(config_file, '# my mindpane\ntheme = "textual-dark"  # dark for the evening\n\n'
                       '[modes.journal]\n# my diary\ntitle = "Diary"\n')
    update_config(config_file, "theme", "nord")
    update_config(config_file, "modes.journal.model", "llama3.2")
    update_config(config_file, "modes.code.model", "qwen2.5-coder:7b")
    text = config_file.read_text(encoding="utf-8")
    assert text.startswith('# my mindpane\ntheme = "nord"  # dark for the evening\n')
    assert '[modes.journal]\n# my diary\ntitle = "Diary"\nmodel = "llama3.2"\n' in text
    config = loaded(config_file)
    assert config.problems == []
    assert resolve_settings(env={}, config=config).theme == "nord"
    modes = load_modes(config)
    assert (modes["journal"].title, modes["journal"].model) == ("Diary", "llama3.2")
    assert modes["code"].model == "qwen2.5-coder:7b"


def test_update_config_writes_through_a_symlinked_config(config_file, tmp_path):
    real = write(tmp_path / "dotfiles" / "mindpane.toml", '# kept in my dotfiles\ntheme = "nord"\n')
    config_file.parent.mkdir(parents=True)
    config_file.symlink_to(real)
    update_config(config_file, "theme", "gruvbox")
    assert config_file.is_symlink()
    assert real.read_text(encoding="utf-8") == '# kept in my dotfiles\ntheme = "gruvbox"\n'


def test_nothing_reads_a_config_outside_the_test(config_file):
    assert load_config().path == config_file


def test_update_config_creates_the_file_when_there_is_none(config_file):
    update_config(config_file, "theme", "nord")
    assert loaded(config_file).values == {"theme": "nord"}


def test_update_config_never_writes_over_a_broken_file_or_writes_a_bad_value(config_file):
    write(config_file, 'theme = "nord"\nmodel = "x\n')
    with pytest.raises(ConfigError):
        update_config(config_file, "theme", "gruvbox")
    assert config_file.read_text(encoding="utf-8") == 'theme = "nord"\nmodel = "x\n'
    config_file.write_text("", encoding="utf-8")
    for key, value in (("colour", "x"), ("stall_timeout", -1), ("modes.code.recall_size", "many"),
                       ("modes.Bad Id.model", "x")):
        with pytest.raises(ConfigError):
            update_config(config_file, key, value)
    assert config_file.read_text(encoding="utf-8") == ""


# -- the `mindpane config` commands ---------------------------------------------------------------


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_config_path_prints_where_the_file_is(capsys, config_file, tmp_path, monkeypatch):
    assert run_cli(capsys, "config", "path") == (0, f"{config_file}\n", "")
    monkeypatch.setenv("MINDPANE_CONFIG", str(tmp_path / "env.toml"))
    assert run_cli(capsys, "config", "path")[1] == f"{tmp_path / 'env.toml'}\n"
    flag = tmp_path / "flag.toml"
    assert run_cli(capsys, "--config", str(flag), "config", "path")[1] == f"{flag}\n"


def test_config_init_writes_every_setting_and_both_modes_and_never_overwrites(capsys, config_file):
    code, out, err = run_cli(capsys, "config", "init")
    assert code == 0 and str(config_file) in out and err == ""
    text = config_file.read_text(encoding="utf-8")
    for name in ("ollama_host", "model", "embedder", "stall_timeout", "theme", "data_dir",
                 "[modes.journal]", "[modes.code]", "system_prompt", "recall_size", "min_relevance",
                 "keep_unanswered", "recall_from", "placeholder", "intro", "entry_label", "reply_label"):
        assert name in text, name
    assert text.count("\n#") > 10  # commented
    config = loaded(config_file)
    assert config.problems == []
    assert load_modes(config) == builtin_modes()
    defaults = resolve_settings(env={}, config=load_config(config_file.parent / "absent.toml", {}))
    written = resolve_settings(env={}, config=config)
    for name in ("ollama_host", "embedder", "stall_timeout", "theme"):
        assert getattr(written, name) == getattr(defaults, name), name
    assert written.model_for(None) == DEFAULT_MODEL

    config_file.write_text(text + "# mine\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "config", "init")
    assert code == 1 and out == ""
    assert err.strip() == f"mindpane: {config_file} already exists; not overwriting it"
    assert config_file.read_text(encoding="utf-8").endswith("# mine\n")


def test_config_show_prints_each_value_and_where_it_came_from(capsys, config_file, monkeypatch):
    write(config_file, 'theme = "nord"\nstall_timeout = 30\n\n[modes.code]\nmodel = "qwen2.5-coder:7b"\n'
          + STANDUP)
    monkeypatch.setenv("OLLAMA_HOST", "http://env-host:2")

    def show(*flags: str):
        code, out, err = run_cli(capsys, *flags, "config", "show")
        assert code == 0 and err == ""
        lines = out.splitlines()

        def line(prefix: str, after: str | None = None) -> str:
            start = lines.index(after) if after else 0
            return next(text for text in lines[start:] if text.startswith(prefix))

        return out, line

    out, line = show()
    assert str(config_file) in out
    assert line("theme ").endswith("# file") and '"nord"' in line("theme ")
    assert line("stall_timeout ").endswith("# file")
    assert line("ollama_host ").endswith("# env OLLAMA_HOST") and "env-host" in line("ollama_host ")
    assert line("model ").endswith("# default")
    assert line("embedder ").endswith("# default")
    assert line("model ", "[modes.code]").endswith("# file") and "qwen2.5-coder:7b" in line("model ", "[modes.code]")
    assert line("title ", "[modes.code]").endswith("# default")
    assert line("title ", "[modes.standup]").endswith("# file")
    assert '"Stand-up"' in line("title ", "[modes.standup]")
    assert line("recall_from ", "[modes.standup]").endswith("# file")
    assert line("min_relevance ", "[modes.standup]").endswith("# default")
    assert line("# context_length is not set", "[modes.standup]").endswith("# default")

    _, line = show("--model", "flag-model")
    assert line("model ").endswith("# flag") and "flag-model" in line("model ")
    assert line("model ", "[modes.code]").endswith("# flag")


def test_config_check_is_quiet_when_fine_and_lists_every_problem_otherwise(capsys, config_file):
    code, out, _ = run_cli(capsys, "config", "check")
    assert code == 0 and "no config file" in out
    write(config_file, STANDUP)
    code, out, _ = run_cli(capsys, "config", "check")
    assert code == 0 and "ok" in out
    write(config_file, 'colour = "blue"\n[modes.journal]\nrecall_size = -1\n')
    code, out, err = run_cli(capsys, "config", "check")
    assert code == 1 and err == ""
    assert f"{config_file}:1: colour:" in out
    assert f"{config_file}:3: modes.journal.recall_size:" in out


def test_a_bad_config_is_printed_once_on_stderr_and_the_command_still_runs(capsys, config_file):
    write(config_file, 'colour = "blue"\n')
    code, out, err = run_cli(capsys, "config", "path")
    assert (code, out) == (0, f"{config_file}\n")
    assert err.count("colour") == 1 and err.count(str(config_file)) == 1 and "line 1: colour" in err


def test_a_config_flag_naming_a_missing_file_changes_nothing(capsys, tmp_path):
    code, out, err = run_cli(capsys, "--config", str(tmp_path / "none.toml"), "config", "show")
    assert code == 0 and err == "" and "does not exist" in out


# -- a user mode end to end, from the shell --------------------------------------------------------


def test_a_mode_from_the_config_answers_from_the_shell_with_its_own_prompt(cli_env, ollama_stub, config_file,
                                                                           data_dir):
    write(config_file, STANDUP)
    ollama_stub.script("What blocks you today?")
    result = mindpane(cli_env, "ask", "--mode", "standup", "Yesterday I fixed the importer.")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "No earlier stand-up entries recalled." in result.stdout
    system = ollama_stub.chat_requests[-1]["messages"][0]["content"]
    assert system.startswith("You run a short daily stand-up")

    journal = mindpane(cli_env, "ask", "Quiet day.")
    assert "daily stand-up" not in ollama_stub.chat_requests[-1]["messages"][0]["content"]
    assert journal.returncode == 0

    unknown = mindpane(cli_env, "ask", "--mode", "retro", "Anything?")
    assert unknown.returncode == 2 and "standup" in unknown.stderr


def test_a_broken_config_never_blocks_a_journal_entry_from_the_shell(cli_env, ollama_stub, config_file):
    write(config_file, 'model = "x\n')
    result = mindpane(cli_env, "ask", "Still writing.")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count(str(config_file)) == 1 and "line 1" in result.stderr
    assert ollama_stub.chat_requests[-1]["messages"][-1]["content"] == "Still writing."
    assert json.dumps(ollama_stub.chat_requests[-1]["model"]) == '"gemma3:4b-it-qat"'


@pytest.mark.parametrize("host", ["http://[::1", "http://127.0.0.1:port", "http://[zz]:1"])
def test_an_ollama_address_that_cannot_be_parsed_is_a_config_problem(capsys, config_file, host):
    """Issue #18, item 11: it passed `config check`, then `ask` and `doctor` ended in a traceback."""
    write(config_file, f'ollama_host = "{host}"\n')

    code, out, _ = run_cli(capsys, "config", "check")

    assert code == 1 and f"{config_file}:1: ollama_host:" in out


@pytest.mark.parametrize("host", ["http://[::1", "http://127.0.0.1:port"])
def test_ask_with_an_unusable_ollama_host_says_so_and_keeps_the_entry(cli_env, host):
    cli_env["OLLAMA_HOST"] = host

    result = mindpane(cli_env, "ask", "A note kept whatever the address.")

    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Ollama address" in result.stderr and "is not usable" in result.stderr
    assert "Invalid chat request" not in result.stderr
    assert "A note kept whatever the address." in mindpane(cli_env, "search", "address").stdout
