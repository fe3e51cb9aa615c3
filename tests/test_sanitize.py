"""The sanitizer: whatever goes in, nothing a terminal would interpret comes out, and lengths are capped."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.sanitize import (
    MESSAGE_MAX,
    NAME_MAX,
    clean,
    clean_lines,
    clean_message,
    clean_name,
    csv_cell,
    json_text,
)

BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def interpreted(ch: str) -> bool:
    """A code point a terminal acts on rather than shows, or one that cannot be written at all."""
    cp = ord(ch)
    return (cp < 0x20 or 0x7F <= cp <= 0x9F or cp in BIDI or cp in (0x2028, 0x2029)
            or unicodedata.category(ch) == "Cs")


HOSTILE = [
    "\x1b]0;pwned\x07",  # OSC 0: retitle the terminal
    "\x1b]52;c;ZXZpbA==\x1b\\",  # OSC 52: write the clipboard
    "\x1b[2J\x1b[H",  # CSI: clear the screen, home
    "\x9b31m",  # CSI as a C1 code point
    "\x9d0;title\x9c",  # OSC as a C1 code point
    "\x00\x07\x08\x7f",
    "\u202eevil\u202c\u2066x\u2069",
    "\x1bP+q\x1b\\",  # DCS
    "\x1bc",  # RIS: reset the terminal
]

# text that looks like a terminal's input: escapes, controls and bidi marks salted into ordinary characters
_specials = st.sampled_from(["\x1b", "\x9b", "\x9d", "\x9c", "\x07", "[", "]", ";", "\\", "P", "\u202e", "\u2066",
                             "\ud800", "\r", "\n", "\t", "\x00", "\x85", "0", "m"])
hostile_text = st.lists(st.one_of(st.characters(), _specials), max_size=80).map("".join)


@given(hostile_text, st.one_of(st.none(), st.integers(min_value=0, max_value=300)))
@settings(max_examples=600, deadline=None)
def test_no_output_holds_anything_a_terminal_interprets(text: str, limit: int | None) -> None:
    out = clean(text, limit)
    assert not any(interpreted(ch) for ch in out), repr(out)
    assert "\x1b" not in out
    encoded = out.encode("utf-8")  # never fails: no lone surrogate survives
    assert not any(b < 0x20 or b == 0x7F for b in encoded)
    if limit is not None:
        assert len(out) <= limit


@given(hostile_text)
@settings(max_examples=300, deadline=None)
def test_cleaning_twice_changes_nothing(text: str) -> None:
    once = clean(text, None)
    assert clean(once, None) == once


@pytest.mark.parametrize("attack", HOSTILE)
def test_escape_sequences_go_whole(attack: str) -> None:
    out = clean(f"NVIDIA{attack} Corp")
    assert out.startswith("NVIDIA") and out.endswith(" Corp")
    for fragment in ("[2J", "]0;", "52;", "pwned", "ZXZpbA"):
        assert fragment not in out


def test_a_lone_escape_takes_what_a_terminal_would_read_with_it() -> None:
    assert clean("NVIDIA\x1b") == "NVIDIA"
    assert clean("NVIDIA\x1b Corp") == "NVIDIAorp"  # ESC SP C is one sequence to a terminal (ECMA-48)


def test_ordinary_names_pass_unchanged() -> None:
    for name in ("NVIDIA Corporation", "腾讯控股", "SMIC-H (0981.HK)", "Société Générale", "BYD Co. Ltd — H"):
        assert clean(name) == name


def test_line_breaks_become_spaces_and_names_are_stripped() -> None:
    assert clean("two\nlines\there") == "two lines here"
    assert clean_name("  Tesla\r\n") == "Tesla"


def test_lengths_are_capped_with_an_ellipsis() -> None:
    assert len(clean_name("A" * 10_000)) == NAME_MAX
    assert clean_name("A" * 10_000).endswith("…")
    assert len(clean_message("x" * 10_000)) == MESSAGE_MAX
    assert clean("short", 10) == "short"


def test_clean_lines_keeps_the_lines_apart() -> None:
    assert clean_lines("a.toml:3: bad\x1b[2J\r\nb.toml:4: worse") == ["a.toml:3: bad", "b.toml:4: worse"]


def test_non_text_is_shown_as_text() -> None:
    assert clean(None) == ""
    assert clean(12.5) == "12.5"


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_formula_cells_are_neutralised(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize(("cell", "out"), [("\tx", "' x"), ("\r=1", "' =1"), ("\x1b[0m=1+1", "'=1+1"),
                                          ("  @SUM(A1)", "'  @SUM(A1)"), ("a\x1b]0;t\x07b", "ab")])
def test_csv_cells_are_cleaned_and_a_formula_behind_spaces_or_controls_is_neutralised(cell: str, out: str) -> None:
    assert csv_cell(cell) == out


@given(hostile_text)
@settings(max_examples=300, deadline=None)
def test_no_csv_cell_is_a_formula_or_holds_a_control(text: str) -> None:
    out = csv_cell(text)
    assert isinstance(out, str)
    assert not any(interpreted(ch) for ch in out)
    assert out.startswith("'") or not out.lstrip(" ").startswith(("=", "+", "-", "@"))


@given(st.recursive(st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), hostile_text),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(hostile_text, inner, max_size=4)), max_leaves=12))
@settings(max_examples=300, deadline=None)
def test_json_text_means_the_same_and_holds_nothing_a_terminal_acts_on(doc) -> None:
    import json

    text = json_text(doc, indent=2)
    assert not any(interpreted(ch) for ch in text if ch != "\n")
    assert json.loads(text) == json.loads(json.dumps(doc))


def test_csv_numbers_and_plain_text_stay_as_they_are() -> None:
    assert csv_cell(-1.5) == -1.5
    assert csv_cell(3) == 3
    assert csv_cell(None) is None
    assert csv_cell("NVDA") == "NVDA"
