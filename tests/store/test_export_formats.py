"""What export writes is always valid for its format: JSON a strict parser reads (no bare NaN even
when an older mindpane let one into the record), and Markdown where the model's reply keeps its
own Markdown while the person's text stays literal and nothing in either can act on a viewer."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime

import pytest

from tests.store.test_export_import import cli, fill, other
from tui.domain.modes import JOURNAL
from tui.domain.records import content_key

pytestmark = pytest.mark.usefixtures("keep_umask")

AT = datetime(2025, 5, 4, 9, 0, tzinfo=UTC)


def strict(text: str) -> object:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_json_export_is_valid_json_even_with_nan_metadata_in_the_record(settings, clock, tmp_path):
    fill(settings, clock, [(JOURNAL, "An ordinary day.", "", None, AT)])
    text = "Measured the river."
    with sqlite3.connect(settings.data_dir / "entries.db") as db:  # as an older mindpane let it in
        db.execute("INSERT INTO entry (id, mode, text, reply, created_at, updated_at, metadata, content_key) "
                   "VALUES ('nan-1', 'journal', ?, '', ?, ?, ?, ?)",
                   (text, AT.isoformat(), AT.isoformat(), '{"depth": NaN, "peak": Infinity, "low": -Infinity}',
                    content_key("journal", AT, text)))

    code, out, err = cli(settings, "export")

    assert code == 0, err
    entries = strict(out)["entries"]
    metadata = next(e["metadata"] for e in entries if e["id"] == "nan-1")
    assert (metadata["depth"], metadata["peak"], metadata["low"]) == ("NaN", "Infinity", "-Infinity")
    path = tmp_path / "out.json"
    path.write_text(out, encoding="utf-8")
    assert cli(other(settings, tmp_path), "import", str(path))[0] == 0  # and it imports back


REPLY = """Use `pd.read_csv` with **chunksize**:

```python
for chunk in pd.read_csv(path, chunksize=10_000):
    total += chunk["x"].sum()
```

- it keeps memory flat
- see [the docs](https://pandas.pydata.org/)"""


def test_markdown_export_keeps_the_replys_markdown_and_the_texts_literal(settings, clock):
    fill(settings, clock, [(JOURNAL, "How do I read a *huge* `csv`?", REPLY, {"model": "m:1"}, AT)])

    code, out, _ = cli(settings, "export", "--format", "md")

    assert code == 0
    assert "How do I read a \\*huge\\* \\`csv\\`?" in out  # the person's text: literal
    assert "> Use `pd.read_csv` with **chunksize**:" in out  # the reply: its own Markdown
    assert "> ```python\n> for chunk in pd.read_csv(path, chunksize=10_000):\n" in out
    assert "> - it keeps memory flat" in out and "> - see [the docs](https://pandas.pydata.org/)" in out
    assert "\\`pd.read\\_csv\\`" not in out


def test_a_replys_html_images_and_escapes_cannot_act_on_a_viewer(settings, clock):
    reply = ("Try <img src=x onerror=alert(1)> and ![track](http://attacker.example/pixel.png) \x1b[31mred\n"
             "or `<b>` in code")
    fill(settings, clock, [(JOURNAL, "Something harmless.", reply, None, AT)])

    code, out, _ = cli(settings, "export", "--format", "md")

    assert code == 0
    assert not re.search(r"(?<!\\)<img", out) and "\\<img src=x onerror=alert(1)>" in out
    assert not re.search(r"(?<!\\)!\[", out) and "\\![track](http://attacker.example/pixel.png)" in out
    assert "\x1b" not in out
    assert "`<b>`" in out  # code stays code
