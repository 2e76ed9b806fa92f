"""Reads a Python traceback pasted into a question: the exception, its message, the frames and the
library at fault. Pure text work (no imports of the code named), so a traceback from any machine,
Python version or virtualenv layout reads the same.

``parse_traceback`` finds the last traceback in a text (for chained exceptions, "During handling of
the above exception…" / "The above exception was the direct cause…", the last one is the one
raised); ``TracebackInfo.key`` is what two exchanges share when they hit the same problem, e.g.
``KeyError@pandas``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADER = re.compile(r"^(?P<indent>[ \t]*)Traceback \(most recent call last\):\s*$")
_FRAME = re.compile(r'^[ \t]*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<function>.+?))?\s*$')
_EXCEPTION = re.compile(r"^(?P<type>(?:[A-Za-z_]\w*\.)*[A-Z]\w*)(?::(?:[ \t]+(?P<message>.*))?)?\s*$")
_LIBRARY_DIRS = re.compile(r"(?:^|/)(?:site-packages|dist-packages)/(?P<rest>.+)$")
_STDLIB_DIR = re.compile(r"(?:^|/)lib/python\d+(?:\.\d+)?t?/(?P<rest>.+)$", re.IGNORECASE)
_BARE_SUFFIXES = ("Error", "Exception", "Warning", "Interrupt", "Exit", "Iteration", "Group")
_COMPILED = (".pyx", ".pxd", ".pxi")
"""Cython sources: pandas and numpy frames name them by a path relative to the package root."""


@dataclass(frozen=True)
class Frame:
    """One ``File "…", line N, in f`` line of a traceback."""

    file: str
    line: int
    function: str | None
    """None for a SyntaxError's location, which names no function."""
    module: str | None
    """Dotted module of a library or standard-library frame (``pandas.core.frame``); None for the
    person's own code."""
    origin: str
    """``library`` (site-/dist-packages or a compiled extension), ``stdlib`` or ``user``."""

    @property
    def package(self) -> str | None:
        """The top-level package: ``pandas`` for ``pandas.core.frame``."""
        return self.module.split(".", 1)[0] if self.module else None


@dataclass(frozen=True)
class TracebackInfo:
    exception: str
    """As Python printed it: ``KeyError``, ``pandas.errors.ParserError``."""
    message: str
    exception_line: str
    """The last line of the traceback, e.g. ``KeyError: 'date'``."""
    frames: tuple[Frame, ...]
    library: str | None
    """The top-level package at fault: the deepest library frame's, else the exception's module's,
    else the deepest standard-library frame's; None when only the person's code is involved."""

    @property
    def key(self) -> str:
        """``KeyError@pandas`` (``KeyError`` without a library): stored with an exchange."""
        return f"{self.exception}@{self.library}" if self.library else self.exception


def split_key(key: str) -> tuple[str, str | None]:
    """``KeyError@pandas`` → (``KeyError``, ``pandas``); ``KeyError`` → (``KeyError``, None)."""
    exception, _, library = key.partition("@")
    return exception, library or None


def _frame(match: re.Match[str]) -> Frame:
    file = match["file"]
    path = file.replace("\\", "/")
    module, origin = None, "user"
    if found := _LIBRARY_DIRS.search(path):
        module, origin = _dotted(found["rest"]), "library"
    elif path.endswith(_COMPILED) and not path.startswith(("/", ".")):
        module, origin = _cython_module(match["function"]) or _dotted(path), "library"
    elif found := _STDLIB_DIR.search(path):
        module, origin = _dotted(found["rest"]), "stdlib"
    return Frame(file, int(match["line"]), match["function"], module, origin)


def _cython_module(function: str | None) -> str | None:
    """Cython names a frame's function in full (``pandas._libs.index.IndexEngine.get_loc``), while
    its file may be bare (``parsers.pyx``): the module is the name up to its class or function."""
    parts = (function or "").split(".")
    if len(parts) < 2:
        return None
    module = []
    for part in parts[:-1]:
        if part[:1].isupper():
            break
        module.append(part)
    return ".".join(module) or None


def _dotted(relative: str) -> str:
    parts = [part for part in relative.split("/") if part]
    last = parts[-1].split(".", 1)[0] if parts else ""
    parts = [*parts[:-1], last] if parts else []
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _library(frames: tuple[Frame, ...], exception: str) -> str | None:
    for frame in reversed(frames):
        if frame.origin == "library" and frame.package:
            return frame.package
    if "." in exception:
        return exception.split(".", 1)[0]
    for frame in reversed(frames):
        if frame.origin == "stdlib" and frame.package:
            return frame.package
    return None


def _scan(text: str) -> list[tuple[int, int, TracebackInfo]]:
    """Every complete traceback in ``text`` with its (start, end) character offsets."""
    found: list[tuple[int, int, TracebackInfo]] = []
    frames: list[Frame] = []
    indent: str | None = None
    """The open traceback's indentation (pasted tracebacks are often indented); None: none open."""
    begun = offset = 0
    for raw in text.splitlines(keepends=True):
        at, offset = offset, offset + len(raw)
        raw = raw.rstrip("\r\n")
        if header := _HEADER.match(raw):
            frames, indent, begun = [], header["indent"], at
            continue
        if frame := _FRAME.match(raw):
            if indent is None:  # a SyntaxError's bare location: ``  File "x.py", line 3``
                frames, indent, begun = [], raw[: len(raw) - len(raw.lstrip())][:-2], at
            frames.append(_frame(frame))
            continue
        if indent is None or not raw.startswith(indent):
            continue
        line = raw[len(indent):]
        if line[:1].isspace() or not (exception := _EXCEPTION.match(line)):
            continue
        if exception["message"] is None and not exception["type"].endswith(_BARE_SUFFIXES):
            continue  # ``KeyboardInterrupt`` has no message; a capitalised word of prose is no exception
        name = exception["type"]
        info = TracebackInfo(name, (exception["message"] or "").strip(), line.strip(), tuple(frames),
                             _library(tuple(frames), name))
        found.append((begun, at + len(raw), info))
        frames, indent = [], None
    return found


def parse_traceback(text: str) -> TracebackInfo | None:
    """The last complete traceback in ``text`` (surrounding prose is ignored), or None.

    A traceback starts at ``Traceback (most recent call last):``, or at a bare ``File "…", line N``
    (how Python reports a SyntaxError in a script), and ends at its exception line.
    """
    found = _scan(text)
    return found[-1][2] if found else None


def traceback_span(text: str) -> tuple[int, int, str] | None:
    """Where the traceback(s) in ``text`` start and end (a chain counts as one), and the last
    exception line; None when ``text`` holds none."""
    found = _scan(text)
    return (found[0][0], found[-1][1], found[-1][2].exception_line) if found else None


def exception_line(text: str) -> str | None:
    """``KeyError: 'date'`` for a text holding a traceback, else None."""
    info = parse_traceback(text)
    return info.exception_line if info else None
