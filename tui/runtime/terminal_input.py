"""Terminal input that never ends the app or scrambles a paste. Tied to textual 8.2.8 internals.

Two bugs in Textual's Linux input path, both fixed here without copying Textual's code:

1. ``LinuxDriver.run_input_thread`` (textual/drivers/linux_driver.py) decodes stdin with
   ``getincrementaldecoder("utf-8")()``: strict, so one invalid byte (a paste from a non-UTF-8
   source) raises ``UnicodeDecodeError`` in the input thread, ``_run_input_thread`` panics and the
   app exits (status 0), losing the draft. Textualize/textual#6456.
2. ``XTermParser.parse`` (textual/_xterm_parser.py) treats an ESC *inside* a bracketed paste
   (``ESC[200~ … ESC[201~``) as the start of a key sequence: what follows it is re-issued as key
   presses (ESC shown as ``^``) *before* the paste, and the paste itself keeps only the text in
   front of the first ESC, minus its last character. So ``before ESC[31mred ESC[0m after`` became
   the keys ``^[31mred^[0m after`` then ``Paste("before ")``; a line end after an ESC even
   arrives as an Enter key and submits the prompt half-pasted.

The fix: :class:`PasteSafeLinuxDriver` runs Textual's own ``run_input_thread`` code with two of
the module globals it looks up swapped — ``getincrementaldecoder`` (now builds a decoder that
replaces bad bytes with U+FFFD) and ``XTermParser`` (now :class:`PasteSafeXTermParser`, which
takes a bracketed paste whole, before the stock parser sees any of it). If a Textual upgrade
renames either global or moves the decoder, the swap silently stops working: tests/app/
test_input_paste.py feeds real bytes through the app's driver and fails then. Re-check on every
Textual upgrade; drop this module once Textual decodes with ``errors="replace"`` and reads
pastes literally.

What a paste stores: the person's text in order, with terminal escape sequences (colours,
titles, hyperlinks) and other control characters removed, line ends as ``\\n``, tabs kept.
"""

from __future__ import annotations

import codecs
import functools
import logging
import re
import types
from collections.abc import Callable, Generator

from textual import constants, events
from textual._parser import ParseEOF, ParseTimeout, Read1, TokenCallback
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.driver import Driver

try:  # termios: not on Windows, where Textual uses its WindowsDriver (not covered here)
    from textual.drivers import linux_driver as _linux_driver
except ImportError:  # pragma: no cover
    _linux_driver = None

log = logging.getLogger(__name__)

TEXTUAL_CHECKED = "8.2.8"
"""The Textual version whose internals this module was written against and tested on."""

HOOKED_GLOBALS = ("getincrementaldecoder", "XTermParser")
"""Names ``LinuxDriver.run_input_thread`` looks up in its module at run time; we rebind both."""

ESC = "\x1b"

_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]               # CSI: colours, cursor moves
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC: titles, hyperlinks, clipboard
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?       # DCS / SOS / PM / APC strings
    | \x1b[()][0-9A-Za-z]                 # character-set selection, e.g. ESC(B from tput sgr0
    | \x9b[0-?]*[ -/]*[@-~]               # 8-bit CSI
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # a lone ESC too; \t and \n are kept


def clean_pasted_text(text: str) -> str:
    """``text`` as the person meant it: escape sequences and control characters removed (a lone
    ESC goes, the text after it stays), ``\\r\\n`` and ``\\r`` line ends made ``\\n``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


class PasteSafeXTermParser(XTermParser):
    """Textual's parser with bracketed pastes read literally, up to the closing ``ESC[201~``.

    It sits in front of the stock ``parse`` generator: every character passes straight through,
    except that an ESC is held until the next characters show whether it opens ``ESC[200~``. If
    they do, the paste is collected here and sent as one :class:`events.Paste` (the stock parser
    never sees it); if not, the held characters are handed on, unchanged and in order, so keys,
    mouse reports and the Escape key (after the same ``ESCAPE_DELAY``) behave as before.
    """

    def parse(self, token_callback: TokenCallback) -> Generator[Read1, str, None]:
        stock = super().parse(token_callback)
        awaiting = next(stock)
        held = ""  # an ESC and what followed it, while they may still open a paste
        try:
            while True:
                try:
                    character = yield self.read1(constants.ESCAPE_DELAY) if held else awaiting
                except (ParseTimeout, ParseEOF) as ending:
                    for held_character in held:
                        awaiting = stock.send(held_character)
                    held = ""
                    awaiting = stock.throw(ending)
                    continue
                if not held and character != ESC:
                    awaiting = stock.send(character)
                    continue
                if held and BRACKETED_PASTE_START.startswith(held + character):
                    held += character
                    if held == BRACKETED_PASTE_START:
                        held = ""
                        if awaiting.timeout is not None:  # the stock parser was inside a sequence: end it
                            awaiting = stock.throw(ParseTimeout())
                        text, ended = yield from self._read_paste()
                        self.debug_log(f"PASTE {text!r}")
                        token_callback(events.Paste(clean_pasted_text(text)))
                        if ended:
                            awaiting = stock.throw(ParseEOF())
                    continue
                for held_character in held:  # not a paste: hand on what was held, in order
                    awaiting = stock.send(held_character)
                held = ""
                if character == ESC:
                    held = ESC
                else:
                    awaiting = stock.send(character)
        except StopIteration:  # the stock parser has ended (end of input)
            return

    def _read_paste(self) -> Generator[Read1, str, tuple[str, bool]]:
        """The pasted text up to ``ESC[201~``, and whether input ended first."""
        text: list[str] = []
        tail = ""
        while True:
            try:
                character = yield self.read1()
            except ParseEOF:
                return "".join(text), True
            text.append(character)
            tail = (tail + character)[-len(BRACKETED_PASTE_END):]
            if tail == BRACKETED_PASTE_END:
                return "".join(text[: -len(BRACKETED_PASTE_END)]), False


def _replacing_decoder(encoding: str) -> Callable[[], codecs.IncrementalDecoder]:
    """Stands in for ``codecs.getincrementaldecoder`` in ``run_input_thread``: the decoder it
    builds turns a byte that is not valid UTF-8 into U+FFFD instead of raising."""
    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


def hook_points_present() -> bool:
    """Does Textual's ``run_input_thread`` still look up the globals we rebind?"""
    if _linux_driver is None:  # pragma: no cover
        return False
    return set(HOOKED_GLOBALS) <= set(_linux_driver.LinuxDriver.run_input_thread.__code__.co_names)


def _rebound(function: types.FunctionType, module: types.ModuleType, **replaced: object) -> types.FunctionType:
    """``function``'s own code, run with some of its module's globals replaced (not patched:
    the module itself is untouched)."""
    namespace = {**vars(module), **replaced}
    return types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                              function.__closure__)


if _linux_driver is not None:

    class PasteSafeLinuxDriver(_linux_driver.LinuxDriver):
        """Textual's Linux driver whose input thread survives bad bytes and reads pastes whole."""

        run_input_thread = _rebound(_linux_driver.LinuxDriver.run_input_thread, _linux_driver,
                                    getincrementaldecoder=_replacing_decoder, XTermParser=PasteSafeXTermParser)

    if not hook_points_present():  # pragma: no cover - only after a Textual upgrade
        log.warning("textual's LinuxDriver.run_input_thread no longer uses %s: the input fixes in %s "
                    "(written for textual %s) are not active", HOOKED_GLOBALS, __name__, TEXTUAL_CHECKED)


def safe_driver_class(chosen: type[Driver]) -> type[Driver]:
    """The driver to use instead of ``chosen`` (Textual's own choice): ours for Textual's Linux
    driver, anything else (headless, Windows, web, ``TEXTUAL_DRIVER``) unchanged."""
    if _linux_driver is not None and chosen is _linux_driver.LinuxDriver:
        return PasteSafeLinuxDriver
    return chosen
