"""Reading a JSON export an entry at a time: ``{"key": value, ..., "entries": [entry, ...], ...}``.

The buffer holds about one entry (or one 64 KiB chunk), never the file. A place where the text stops
being JSON raises :class:`Broken` with the line and column and what is wrong in plain words ("the
file ends in the middle of a string"); so does nesting too deep for the parser and a number too long
to read (Python's own errors there are a ``RecursionError`` and a ``ValueError``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TextIO

CHUNK = 1 << 16


class Broken(Exception):
    """The file stops being valid JSON at ``line``, ``column`` (both from 1)."""

    def __init__(self, where: tuple[int, int], what: str) -> None:
        super().__init__(what)
        self.line, self.column = where
        self.what = what


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_JSON_WORDS = {
    "Unterminated string starting at": ("a string is not closed", "the file ends in the middle of a string"),
    "Expecting value": ("expected a value", "the file ends where a value should be"),
    "Expecting ',' delimiter": ("expected a comma", "the file ends in the middle of an entry"),
    "Expecting ':' delimiter": ("expected a colon after a key", "the file ends in the middle of an entry"),
    "Expecting property name enclosed in double quotes": ("expected a key in double quotes",
                                                          "the file ends in the middle of an entry"),
    "Invalid control character at": ("a control character (a raw line break or tab) inside a string",) * 2,
    "Invalid \\escape": ("a backslash escape that JSON does not have",) * 2,
    "Invalid \\uXXXX escape": ("a \\u escape without four hex digits",) * 2,
    "Extra data": ("more text after the end",) * 2,
}
"""Python's JSON errors in plain words: (in the middle of the file, where the file ends)."""


def _plain(message: str, at_end: bool) -> str:
    words = _JSON_WORDS.get(message)
    return words[at_end] if words else message[:1].lower() + message[1:]


class JsonReader:
    """Streams ``{"key": value, ..., "entries": [entry, ...], ...}`` an entry at a time (see above)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._buffer = ""
        self._pos = 0
        self._line = 1  # the line of self._buffer[0]
        self._column = 0  # and how far into that line it is
        self._eof = False
        self._decoder = json.JSONDecoder()
        self.in_entries = False

    def _more(self, want: int = 0) -> bool:
        if self._eof:
            return False
        data = self._stream.read(max(CHUNK, want))
        if not data:
            self._eof = True
            return False
        newline = self._buffer.rfind("\n", 0, self._pos)
        self._line += self._buffer.count("\n", 0, self._pos)
        self._column = self._pos - newline - 1 if newline >= 0 else self._column + self._pos
        self._buffer = self._buffer[self._pos:] + data
        self._pos = 0
        return True

    def line(self, pos: int | None = None) -> int:
        return self._line + self._buffer.count("\n", 0, self._pos if pos is None else pos)

    def where(self, pos: int | None = None) -> tuple[int, int]:
        """The line and column (from 1) of ``pos`` in the buffer (default: the reading position)."""
        pos = self._pos if pos is None else pos
        newline = self._buffer.rfind("\n", 0, pos)
        return self.line(pos), pos - newline if newline >= 0 else self._column + pos + 1

    def _peek(self) -> str:
        while True:
            self._pos = _WHITESPACE.match(self._buffer, self._pos).end()
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._more():
                return ""

    def _take(self, expected: str, after: str) -> None:
        found = self._peek()
        if found != expected:
            shown = repr(found) if found else "the end of the file"
            raise Broken(self.where(), f"not valid JSON: expected {expected!r} {after}, found {shown}")
        self._pos += 1

    def _value(self) -> object:
        if not self._peek():
            raise Broken(self.where(), "not valid JSON: the file ends too soon")
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self._buffer) - 8 or exc.msg.startswith("Unterminated string")
                if cut and self._more(len(self._buffer)):
                    continue
                at_end = self._eof and (exc.msg.startswith("Unterminated string")
                                        or exc.pos >= len(self._buffer.rstrip()) - 8)
                raise Broken(self.where(exc.pos), f"not valid JSON: {_plain(exc.msg, at_end)}") from None
            except RecursionError:
                raise Broken(self.where(), "not valid JSON here: nested too deeply "
                                            "(lists or objects inside each other a thousand levels deep)") from None
            except ValueError as exc:  # a number too long to convert (Python limits digits)
                raise Broken(self.where(), f"a number here cannot be read: {str(exc).split(';')[0][:120]}") \
                    from None
            if end >= len(self._buffer) and self._more():  # a number may go on in the next chunk
                continue
            self._pos = end
            return value

    def events(self) -> Iterator[tuple[str, object, int, object]]:
        """("key", name, line, value) for each top-level key but "entries", and ("entry", n, line,
        value) for each of its entries, in file order."""
        self._take("{", "at the start")
        if self._peek() == "}":
            self._pos += 1
        else:
            while True:
                self._peek()
                at = self.where()
                line = at[0]
                key = self._value()
                if not isinstance(key, str):
                    raise Broken(at, "not valid JSON: expected a key in double quotes")
                self._take(":", f"after {key!r}")
                if key == "entries":
                    yield from self._entries()
                else:
                    yield "key", key, line, self._value()
                found = self._peek()
                if found == "}":
                    self._pos += 1
                    break
                self._take(",", "between keys")
        if self._peek():
            raise Broken(self.where(), "not valid JSON: more text after its end")

    def _entries(self) -> Iterator[tuple[str, object, int, object]]:
        self._take("[", 'after "entries"')
        self.in_entries = True
        if self._peek() == "]":
            self._pos += 1
        else:
            number = 0
            while True:
                number += 1
                self._peek()
                line = self.line()
                yield "entry", number, line, self._value()
                found = self._peek()
                if found == "]":
                    self._pos += 1
                    break
                self._take(",", f"after entry {number}")
        self.in_entries = False
