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

`csv_cell` keeps a spreadsheet from reading a text cell as a formula (OWASP, "CSV Injection") and cleans the cell;
`json_text` writes JSON whose strings hold nothing a terminal acts on (as \\u escapes, so the data is unchanged).

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
    if text.isprintable():
        # the common case costs one scan, in any script: Python's "printable" excludes every control (Cc),
        # format character (Cf: the bidi controls), line and paragraph separator and lone surrogate
        out = text
    else:
        out = _UNSAFE.sub("", _BREAKS.sub(" ", _ESCAPES.sub("", text)))
    if limit is not None and len(out) > limit:
        out = out[: max(0, limit - 1)] + ELLIPSIS if limit > 0 else ""
    return out


def clean_name(text: object) -> str:
    """A name (symbol name, title): cleaned, surrounding spaces stripped, at most NAME_MAX characters."""
    if type(text) is str and len(text) <= NAME_MAX and text.isprintable() and text.strip() == text:
        return text  # a plain name, as nearly every one is: one scan
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
    """A value ready for csv.writer: text is cleaned (a CSV is read in terminals too: `cat`, `less`), and text
    that a spreadsheet would run as a formula gets a leading `'`, also when only spaces or removed control
    characters stand before the formula; numbers (int, float, Decimal, bool) and None stay what they are."""
    if isinstance(value, str):
        text = clean(value, None)
        if value.startswith(_FORMULA_START) or text.lstrip(" ").startswith(_FORMULA_START):
            return "'" + text
        return text
    return value


# What json.dumps(..., ensure_ascii=False) leaves as it is inside strings although a terminal acts on it: the C1
# controls (U+0080-U+009F), DEL, the bidi controls, the line separators and lone surrogates (C0 it escapes).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_text(doc: object, **kwargs: object) -> str:
    """`json.dumps(doc, ensure_ascii=False, **kwargs)` with every character a terminal would act on written as a
    \\uXXXX escape (only ever inside strings, so the JSON means the same): names in any script stay readable and a
    document printed to a terminal is safe even if an unclean string reached it."""
    import json

    text = json.dumps(doc, ensure_ascii=False, **kwargs)  # type: ignore[arg-type]
    if text.isascii():
        return text
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
