"""`load_file` never raises: random text and random TOML-ish documents only ever give problems."""

from __future__ import annotations

import atexit
import copy
import shutil
import tempfile
from pathlib import Path

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.model import Watchlist
from tui.watchlists import INSTRUMENT_KEYS, PAIR_KEYS, TOP_KEYS, load_file

SETTINGS = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

_DIR = Path(tempfile.mkdtemp(prefix="aiwatch-fuzz-"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)


def _load_bytes(data: bytes) -> tuple[Watchlist | None, list]:
    path = _DIR / "fuzz.toml"
    path.write_bytes(data)
    return load_file(path)


def _assert_sane(watchlist: Watchlist | None, problems: list) -> None:
    assert (watchlist is None) == bool(problems)
    for p in problems:
        assert "internal error" not in p.message, p
        assert p.line is None or p.line >= 1
        assert str(p).startswith(str(p.path))


symbols = st.sampled_from(
    ["NVDA", "0981.HK", "688981.SS", "^GSPC", "nvda", "700.HK", "", "A B", "TSLA", "1211.HK"]
)
scalars = st.one_of(
    symbols,
    st.sampled_from(["us", "cn", "equity", "index", "fx", "stock"]),
    st.text(max_size=8),
    st.integers(-3, 12),
    st.booleans(),
    st.floats(allow_nan=False),
)
keys = st.one_of(
    st.sampled_from(TOP_KEYS + INSTRUMENT_KEYS + PAIR_KEYS),
    st.text("abcdeiklmnorstuy_", min_size=1, max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)
instrument = st.fixed_dictionaries(
    {},
    optional={
        "symbol": st.one_of(symbols, symbols, scalars),
        "name": st.one_of(st.text(max_size=4), scalars),
        "side": st.one_of(st.sampled_from(["us", "cn"]), scalars),
        "company": st.one_of(st.sampled_from(["a", "b", ""]), scalars),
        "note": scalars,
        "kind": scalars,
        "nmae": scalars,
    },
)
pair_side = st.one_of(symbols, st.lists(symbols, max_size=3), scalars)
pair = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(["p", "q"]), scalars),
        "us": pair_side,
        "cn": pair_side,
        "note": scalars,
        "us2": scalars,
    },
)
structured = st.fixed_dictionaries(
    {
        "title": st.one_of(st.just("t"), scalars),
        "instrument": st.lists(instrument, max_size=5),
        "pair": st.lists(pair, max_size=3),
    },
    optional={"order": scalars, "description": scalars, "extra": values},
)
wild = st.fixed_dictionaries(
    {},
    optional={
        "title": st.one_of(st.text(max_size=5), scalars),
        "order": scalars,
        "description": scalars,
        "instrument": st.one_of(st.lists(instrument, max_size=4), values),
        "pair": st.one_of(st.lists(pair, max_size=3), values),
        "extra": values,
    },
)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    _assert_sane(*_load_bytes(data))


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [
                'title = "x"',
                "[[instrument]]",
                "[[pair]]",
                "[instrument]",
                'symbol = "NVDA"',
                'symbol = "NVDA"',
                'name = "n"',
                'side = "us"',
                'side = "cn"',
                'us = "NVDA"',
                'cn = ["0981.HK"]',
                'symbol = "0981.HK"',
                'kind = "index"',
                "order = 2",
                'note = """',
                '"""',
                "x = [",
                "]",
                "a.b = 1",
                "# c",
                "",
                "=",
                "[[",
                "us = []",
            ]
        ),
        max_size=25,
    )
)
def test_random_tomlish_lines_never_raise(lines: list[str]) -> None:
    _assert_sane(*_load_bytes("\n".join(lines).encode()))


@SETTINGS
@given(st.one_of(structured, wild))
def test_random_documents_never_raise(doc: dict) -> None:
    try:
        text = tomlkit.dumps(doc)
    except Exception:  # noqa: BLE001 - tomlkit cannot write every structure: not our subject
        return
    _assert_sane(*_load_bytes(text.encode()))


VALID = {
    "title": "t",
    "order": 2,
    "instrument": [
        {"symbol": "NVDA", "name": "Nvidia", "side": "us", "company": "nvidia", "note": "n"},
        {"symbol": "0981.HK", "name": "SMIC H", "side": "cn", "company": "smic"},
        {"symbol": "688981.SS", "name": "SMIC A", "side": "cn", "company": "smic"},
        {"symbol": "^GSPC", "name": "S&P 500", "side": "us", "kind": "index"},
    ],
    "pair": [{"name": "p", "us": "NVDA", "cn": ["0981.HK"], "note": "x"}],
}
_TABLE_KEYS = {
    "": TOP_KEYS + ("extra",),
    "instrument": INSTRUMENT_KEYS + ("nmae",),
    "pair": PAIR_KEYS + ("us2",),
}


@st.composite
def mutated(draw: st.DrawFn) -> dict:
    """The valid document with a few keys deleted, replaced or added."""
    doc = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(["", "instrument", "pair"]))
        tables = doc.get(where) if where else None
        if where and not (isinstance(tables, list) and tables and all(isinstance(t, dict) for t in tables)):
            where = ""  # that array was replaced by an earlier mutation
        table = draw(st.sampled_from(doc[where])) if where else doc
        key = draw(st.sampled_from(_TABLE_KEYS[where]))
        if draw(st.booleans()) and key in table:
            del table[key]
        else:
            table[key] = draw(st.one_of(symbols, scalars, st.lists(symbols, max_size=3)))
    return doc


@SETTINGS
@given(mutated())
def test_mutated_valid_documents_never_raise(doc: dict) -> None:
    try:
        text = tomlkit.dumps(doc)
    except Exception:  # noqa: BLE001 - tomlkit cannot write every structure: not our subject
        return
    _assert_sane(*_load_bytes(text.encode()))


def test_the_unmutated_document_is_valid() -> None:
    watchlist, problems = _load_bytes(tomlkit.dumps(VALID).encode())
    assert problems == [] and watchlist is not None and len(watchlist.instruments) == 4
