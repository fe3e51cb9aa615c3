"""Outside text made safe to show: the one sanitizer every name, message and file field passes through.

Everything aiwatch shows comes from outside — a data source's names and error messages, watchlist, config and
portfolio files, CSV imports. Such text is data, never control: a name carrying `ESC ] 0 ; … BEL` would retitle
the user's terminal, `ESC [ 2 J` clear it, `ESC ] 52` write its clipboard, and a bidirectional override would
make a line read other than it is. Text is cleaned where it enters the model (the parsers, the file loaders), so
nothing downstream — the board's hand-built strips, `print`, the log, a CSV cell — ever sees a control character.

`clean` removes, whatever goes in:
- escape sequences whole (CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`, DCS / SOS / PM / APC `ESC P|X|^|_ … ST`,
  and two-character `ESC x`), so no fragment such as "[2J" is left behind;
- every other C0 control (U+0000–U+001F), DEL (U+007F) and C1 control (U+0080–U+009F: a UTF-8 terminal reads
  U+009B as CSI); tab, newline and the other line breaks become one space;
- bidirectional embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
  U+061C), and the line and paragraph separators U+2028 / U+2029;
- lone surrogates (which cannot be encoded, so cannot be written to a terminal or a file);
and caps the length (an ellipsis marks a cut).

`csv_cell` keeps a spreadsheet from reading a text cell as a formula (OWASP, "CSV Injection").

This module imports nothing of aiwatch: every layer may use it.
"""

from __future__ import annotations

import re

NAME_MAX = 200  # a display name, a symbol's short or long name, a watchlist or portfolio title
MESSAGE_MAX = 500  # an error or status message from a source, a problem found in a file
ELLIPSIS = "…"

# Escape sequences as ECMA-48 defines them, matched whole (an unterminated string runs to the end of the text).
_ESCAPES = re.compile(
    r"""
    \x1b\[ [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?          # CSI: parameters, intermediates, final byte
    | \x1b[\]PX^_] .*? (?: \x07 | \x1b\\ | \x9c | $ )      # OSC, DCS, SOS, PM, APC: up to BEL or ST
    | \x9b [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?          # CSI as the single C1 code point
    | [\x9d\x90\x98\x9e\x9f] .*? (?: \x07 | \x1b\\ | \x9c | $ )  # OSC, DCS, SOS, PM, APC as C1 code points
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                       # any other escape: ESC, intermediates, final
    """,
    re.VERBOSE | re.DOTALL,
)
_BREAKS = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]")
# Everything else that must never reach a terminal: C0, DEL, C1, bidi controls and marks, lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean(text: object, limit: int | None = NAME_MAX) -> str:
    """`text` (str() of it when it is not a string) with no control character, escape sequence or bidi
    control, line breaks turned into spaces, cut to `limit` characters (None: no cap) with an ellipsis."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if text.isprintable() and text.isascii():
        out = text  # the common case: plain ASCII names and messages cost one scan
    else:
        out = _UNSAFE.sub("", _BREAKS.sub(" ", _ESCAPES.sub("", text)))
    if limit is not None and len(out) > limit:
        out = out[: max(0, limit - 1)] + ELLIPSIS if limit > 0 else ""
    return out


def clean_name(text: object) -> str:
    """A name (symbol name, title): cleaned, surrounding spaces stripped, at most NAME_MAX characters."""
    return clean(clean(text, None).strip(), NAME_MAX)


def clean_message(text: object) -> str:
    """A message (a source's error, a problem in a file): cleaned, at most MESSAGE_MAX characters."""
    return clean(text, MESSAGE_MAX)


def clean_lines(text: object, limit: int | None = MESSAGE_MAX) -> list[str]:
    """Multi-line text (several problems in one notice) as cleaned lines, each capped at `limit`."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return [clean(line, limit) for line in re.split(r"\r\n|[\n\r\v\f\x85\u2028\u2029]", text)]


# A cell a spreadsheet would evaluate: OWASP lists = + - @ and the tab and carriage return before them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value ready for csv.writer: text that a spreadsheet would run as a formula gets a leading `'`;
    numbers (int, float, Decimal, bool) and None stay what they are."""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return value
