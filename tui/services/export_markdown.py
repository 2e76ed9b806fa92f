"""Markdown export: a ``## YYYY-MM-DD`` section per local day, an entry per ``###`` heading.

The person's text is rendered literally (:func:`literal_markdown`): Markdown and HTML in it are
escaped, code blocks stay code blocks, terminal escapes are dropped. The model's reply is Markdown
already, and is written as such in a blockquote (:func:`reply_markdown`): only what could act on
whoever views the file is neutralised — raw HTML (``<`` escaped), images (``![…](…)`` would fetch
a URL: written as a plain link) and terminal escapes — and never inside code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TextIO

from tui.domain import entry_kind
from tui.domain.flags import reply_wrong
from tui.domain.modes import Mode
from tui.domain.records import MemoryRecord
from tui.text import for_display


def write_markdown(records: Iterator[MemoryRecord], out: TextIO, mode: str | None,
                    modes: Mapping[str, Mode]) -> int:
    title = _mode_title(mode, modes) if mode else None
    out.write(f"# mindpane · {title}\n" if title else "# mindpane\n")
    count, day = 0, None
    for record in records:
        local = record.created_at.astimezone()
        if local.strftime("%Y-%m-%d") != day:
            day = local.strftime("%Y-%m-%d")
            out.write(f"\n## {day}\n")
        known = modes.get(record.mode)
        kind = f" · {entry_kind.QUESTION_LABEL.lower()}" if entry_kind.is_question(record) else ""
        out.write(f"\n### {local.strftime('%H:%M')} · {_mode_title(record.mode, modes)}{kind}\n\n")
        out.write("\n".join(literal_markdown(record.text)) + "\n")
        if record.reply:
            label = known.reply_label if known else "Reply"
            model = record.metadata.get("model")
            caption = f"**{label}**" + (f" · {_inline(str(model))}" if model else "")
            caption += " · marked wrong" if reply_wrong(record.metadata) else ""
            quoted = [caption, "", *reply_markdown(record.reply)]
            out.write("\n" + "\n".join(f"> {line}" if line else ">" for line in quoted) + "\n")
        count += 1
    return count


def _mode_title(name: str, modes: Mapping[str, Mode]) -> str:
    known = modes.get(name)
    return _inline(known.title if known else name)


_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")
_BLOCK_START = re.compile(r"[#>+=-]|\d+[.)]")


def _inline(text: str) -> str:
    """``text`` (one line) with every character Markdown or HTML would act on escaped."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(for_display(text).split()))


def _blocks(lines: list[str]) -> Iterator[tuple[str, str]]:
    """Each line with what it is: ``"fence"`` (a code block's opening fence), ``"code"`` (inside a
    code block, its closing fence included) or ``"prose"``; a block left open gets its closing fence."""
    fence: str | None = None
    for line in lines:
        if fence is not None:
            closing = _FENCE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence) \
                    and not line[closing.end():].strip():
                fence = None
            yield line, "code"
            continue
        opening = _FENCE.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end():]):
            fence = opening.group(1)
            yield line, "fence"
            continue
        yield line, "prose"
    if fence is not None:
        yield fence, "code"


def _without_trailing_blanks(shown: list[str]) -> list[str]:
    while shown and not shown[-1].strip():
        shown.pop()
    return shown


def literal_markdown(text: str) -> list[str]:
    """The lines of ``text`` as Markdown that renders as written: Markdown and HTML in it are
    escaped, fenced code blocks stay code blocks (closed if left open), line breaks are kept,
    and terminal escapes and control characters are dropped."""
    shown: list[str] = []
    prose: list[bool] = []
    for line, kind in _blocks(for_display(text).split("\n")):
        if kind == "prose":
            shown.append(_escape_line(line))
            prose.append(bool(line.strip()))
        else:
            shown.append(line.lstrip(" ") if kind == "fence" else line)
            prose.append(False)
    for index in range(len(shown) - 1):  # a line break inside a paragraph stays a line break
        if prose[index] and prose[index + 1]:
            shown[index] += "  "
    return _without_trailing_blanks(shown)


def _escape_line(line: str) -> str:
    rest = line.lstrip(" \t")
    indent = line[: len(line) - len(rest)].replace("\t", "    ").replace(" ", "\u00a0")
    rest = _INLINE_SPECIAL.sub(r"\\\1", rest.rstrip())
    start = _BLOCK_START.match(rest)
    if start:
        mark = start.group()
        rest = f"{mark[:-1]}\\{mark[-1]}{rest[start.end():]}"
    return indent + rest


_BACKTICKS = re.compile(r"`+")
_RAW = re.compile(r"<|!(?=\[)")
"""What could act on a viewer in the reply's prose: an HTML tag's ``<``, an image's ``!``."""


def reply_markdown(text: str) -> list[str]:
    """The lines of a reply as the Markdown it is, with raw HTML and images made inert outside code
    (code blocks and spans are kept as written), an unclosed code block closed, and terminal
    escapes and control characters dropped."""
    return _without_trailing_blanks([_inert_outside_code(line) if kind == "prose" else line
                                     for line, kind in _blocks(for_display(text).split("\n"))])


def _inert_outside_code(line: str) -> str:
    """``line`` with ``<`` and ``![`` escaped except inside its code spans (a run of backticks up to
    the next run of the same length, as CommonMark pairs them)."""
    parts: list[str] = []
    pos = 0
    while pos < len(line):
        opening = _BACKTICKS.search(line, pos)
        if opening is None:
            break
        closing = next((run for run in _BACKTICKS.finditer(line, opening.end())
                        if len(run.group()) == len(opening.group())), None)
        parts.append(_RAW.sub(r"\\\g<0>", line[pos:opening.start()]))
        if closing is None:  # a lone run of backticks is text
            parts.append(opening.group())
            pos = opening.end()
            continue
        parts.append(line[opening.start():closing.end()])
        pos = closing.end()
    parts.append(_RAW.sub(r"\\\g<0>", line[pos:]))
    return "".join(parts)
