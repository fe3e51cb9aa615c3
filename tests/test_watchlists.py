"""Watchlist loading and validation: shipped files, broken files, overrides, `check`."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tui import paths
from tui.model import Side
from tui.watchlists import Problem, check, load_all, load_file, run_check, symbol_problem

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "watchlists"
SHIPPED_NAMES = ["ai-rivals", "chips", "evs", "openai-vs-deepseek", "mag7"]

GOOD = """\
title = "Mine"
order = 7

[[instrument]]
symbol = "NVDA"
name = "Nvidia"
side = "us"

[[instrument]]
symbol = "0981.HK"
name = "SMIC"
side = "cn"

[[pair]]
name = "chips"
us = "NVDA"
cn = "0981.HK"
"""


def universe() -> set[str]:
    """The simulator's symbol universe, read from docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    section = text.split("## Symbol universe", 1)[1].split("\n## ", 1)[0]
    symbols: set[str] = set()
    for line in section.splitlines()[1:]:
        line = re.sub(r"\([^)]*\)", " ", line)
        line = re.sub(r"^\s*[A-Za-z ]+:", " ", line)
        symbols.update(tok for tok in line.split() if symbol_problem(tok) is None)
    return symbols


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


# -- shipped ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_shipped_file_loads_without_problems(name: str) -> None:
    watchlist, problems = load_file(SHIPPED / f"{name}.toml", shipped=True)
    assert problems == []
    assert watchlist is not None and watchlist.name == name and watchlist.title
    for inst in watchlist.instruments:
        assert inst.note.strip(), f"{inst.symbol} in {name} has no note"


def test_shipped_symbols_are_in_the_simulator_universe() -> None:
    known = universe()
    assert {"NVDA", "0981.HK", "688981.SS", "^GSPC", "9984.T", "002594.SZ"} <= known
    result = load_all(SHIPPED, SHIPPED / "no-user-dir")
    for watchlist in result.watchlists.values():
        assert set(watchlist.symbols) <= known, (watchlist.name, set(watchlist.symbols) - known)


def test_shipped_display_order_and_default(tmp_path: Path) -> None:
    result = load_all(SHIPPED, tmp_path / "none")
    assert result.problems == []
    assert list(result.watchlists) == SHIPPED_NAMES
    assert result.default == "ai-rivals"
    assert result.orders["ai-rivals"] == 1
    assert all(w.shipped for w in result.watchlists.values())


def test_shipped_contents_follow_the_domain() -> None:
    result = load_all(SHIPPED, SHIPPED / "no-user-dir")
    w = result.watchlists
    rivals = w["ai-rivals"]
    assert {(p.us, p.cn) for p in rivals.pairs} >= {(("NVDA",), ("0981.HK",)), (("TSLA",), ("1211.HK",))}
    assert any(p.is_basket for p in rivals.pairs)
    chips = w["chips"]
    assert chips.instrument("0981.HK").company == chips.instrument("688981.SS").company
    evs = w["evs"]
    assert len({evs.instrument(s).company for s in ("1211.HK", "002594.SZ", "BYDDY")}) == 1
    oad = w["openai-vs-deepseek"]
    assert oad.instrument("9984.T").side is Side.US
    assert oad.instrument("BABA").company == oad.instrument("9988.HK").company
    assert oad.instrument("BIDU").company == oad.instrument("9888.HK").company
    basket = next(p for p in oad.pairs if len(p.us) == 7)
    assert set(basket.us) == {"MSFT", "ORCL", "NVDA", "AMD", "AVGO", "CRWV", "9984.T"}
    assert "private" in (SHIPPED / "openai-vs-deepseek.toml").read_text("utf-8")
    mag7 = w["mag7"]
    assert set(mag7.symbols) == {"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "^GSPC"}
    assert mag7.instrument("^GSPC").kind == "index"
    assert [i.kind for i in mag7.instruments].count("equity") == 7


# -- broken files: each gives its message with path and line ----------------------------------------

HEAD = 'title = "t"\n'
NVDA = '[[instrument]]\nsymbol = "NVDA"\nname = "Nvidia"\nside = "us"\n'
SMIC = '[[instrument]]\nsymbol = "0981.HK"\nname = "SMIC"\nside = "cn"\n'

BROKEN = {
    # name: (text, line, part of the message)
    "bad toml": (HEAD + NVDA + "note = \n", 6, "bad TOML"),
    "bad toml unclosed": (HEAD + '[[instrument]\nsymbol = "X"\n', 2, "bad TOML"),
    "unknown top key": (HEAD + 'descripton = "x"\n' + NVDA, 2, "did you mean 'description'"),
    "unknown instrument key": (HEAD + NVDA + 'nmae = "x"\n', 6, "did you mean 'name'"),
    "unknown pair key": (
        HEAD + NVDA + SMIC + '[[pair]]\nname = "p"\nus = "NVDA"\ncn = "0981.HK"\nnots = "x"\n',
        14,
        "did you mean 'note'",
    ),
    "missing title": (NVDA, 1, "missing required key 'title'"),
    "missing symbol": (
        HEAD + NVDA + '[[instrument]]\nname = "x"\nside = "cn"\n',
        6,
        "missing required key 'symbol'",
    ),
    "missing pair side": (
        HEAD + NVDA + SMIC + '[[pair]]\nname = "p"\nus = "NVDA"\n',
        10,
        "missing required key 'cn'",
    ),
    "title not a string": ("title = 3\n" + NVDA, 1, "'title' must be a string, not an integer"),
    "instrument as single table": (HEAD + '[instrument]\nsymbol = "NVDA"\n', 2, "[[instrument]]"),
    "instrument as string": (HEAD + 'instrument = "NVDA"\n', 2, "array of tables"),
    "pair side wrong type": (
        HEAD + NVDA + SMIC + '[[pair]]\nname = "p"\nus = 5\ncn = "0981.HK"\n',
        12,
        "must be a symbol or a list of symbols",
    ),
    "side not us/cn": (HEAD + NVDA.replace('"us"', '"usa"'), 5, 'side must be "us" or "cn"'),
    "unknown kind": (HEAD + NVDA + 'kind = "stock"\n', 6, "unknown kind 'stock'"),
    "equity kind on index": (
        HEAD + NVDA + '[[instrument]]\nsymbol = "^GSPC"\nname = "S"\nside = "us"\nkind = "equity"\n',
        10,
        'set kind = "index"',
    ),
    "duplicate symbol": (HEAD + NVDA + SMIC + NVDA.replace("Nvidia", "again"), 11, "duplicate symbol 'NVDA'"),
    "pair symbol not on list": (
        HEAD + NVDA + SMIC + '[[pair]]\nname = "p"\nus = ["NVDA", "AMD"]\ncn = "0981.HK"\n',
        12,
        "'AMD' is not on this list",
    ),
    "no instruments key": (HEAD, 1, "no instruments"),
    "no instruments": (HEAD + "instrument = []\n", 2, "no instruments"),
    "empty pair side list": (
        HEAD + NVDA + SMIC + '[[pair]]\nname = "p"\nus = []\ncn = "0981.HK"\n',
        12,
        "side 'us' is empty",
    ),
    "empty pair side string": (
        HEAD + NVDA + SMIC + '[[pair]]\nname = "p"\nus = "NVDA"\ncn = ""\n',
        13,
        "side 'cn' is empty",
    ),
    "symbol with whitespace": (HEAD + NVDA.replace('"NVDA"', '"NV DA"'), 3, "contains whitespace"),
    "lowercase suffix": (HEAD + SMIC.replace("0981.HK", "0981.hk"), 3, "0981.HK"),
    "lowercase symbol": (HEAD + NVDA.replace('"NVDA"', '"nvda"'), 3, "upper case"),
    "hk five digits": (HEAD + SMIC.replace("0981.HK", "09992.HK"), 3, "write 9992.HK"),
    "hk three digits": (HEAD + SMIC.replace("0981.HK", "700.HK"), 3, "write 0700.HK"),
    "shanghai .SH": (HEAD + SMIC.replace("0981.HK", "688981.SH"), 3, "688981.SS"),
    "shenzhen not six digits": (HEAD + SMIC.replace("0981.HK", "2594.SZ"), 3, "six digits"),
    "side mismatch": (
        HEAD + NVDA + SMIC + '[[pair]]\nname = "p"\nus = "0981.HK"\ncn = "NVDA"\n',
        12,
        "'0981.HK' is a 'cn' instrument but is named on side 'us'",
    ),
    "company twice in basket": (
        HEAD
        + NVDA
        + SMIC
        + SMIC.replace("0981.HK", "688981.SS").replace('side = "cn"', 'side = "cn"\ncompany = "0981.HK"')
        + '[[pair]]\nname = "p"\nus = "NVDA"\n'
        'cn = ["0981.HK", "688981.SS"]\n',
        18,
        "listings of one company",
    ),
    "company on both sides": (
        HEAD + NVDA + 'company = "x"\n' + SMIC + 'company = "x"\n',
        11,
        "listings of one company share a side",
    ),
    "duplicate pair name": (
        HEAD + NVDA + SMIC + '[[pair]]\nname = "p"\nus = "NVDA"\ncn = "0981.HK"\n' * 2,
        15,
        "duplicate pair name 'p'",
    ),
    "order zero": ("order = 0\n" + HEAD + NVDA, 1, "'order' must be 1 or more"),
    "order not integer": ('order = "1"\n' + HEAD + NVDA, 1, "'order' must be an integer"),
    "inline tables": (
        HEAD + 'instrument = [{symbol = "NVDA", name = "N", side = "us"},\n'
        '  {symbol = "NVDA", name = "M", side = "us"}]\n',
        3,
        "duplicate symbol 'NVDA'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_reports_path_line_and_message(tmp_path: Path, case: str) -> None:
    text, line, message = BROKEN[case]
    path = write(tmp_path, text)
    watchlist, problems = load_file(path)
    assert watchlist is None
    matching = [p for p in problems if message in p.message]
    assert matching, f"{case}: no problem says {message!r}: {[str(p) for p in problems]}"
    assert matching[0].path == path
    assert matching[0].line == line, f"{case}: {matching[0]}"
    assert str(matching[0]).startswith(f"{path}:{line}: ")


def test_not_utf8_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'title = "ok"\nnote = "caf\xe9"\n')
    watchlist, problems = load_file(path)
    assert watchlist is None
    assert [(p.line, p.message) for p in problems] == [(2, "not UTF-8 text")]


def test_problem_str_without_line() -> None:
    assert str(Problem(Path("a/b.toml"), None, "no such file")) == "a/b.toml: no such file"
    assert str(Problem(Path("a/b.toml"), 4, "bad")) == "a/b.toml:4: bad"


@pytest.mark.parametrize(
    "symbol",
    [
        "NVDA",
        "BRK-B",
        "0700.HK",
        "9992.HK",
        "688981.SS",
        "002594.SZ",
        "9984.T",
        "^GSPC",
        "^HSI",
        "HKD=X",
        "EURUSD=X",
        "BYDDY",
        "000001.SS",
    ],
)
def test_good_symbols_pass(symbol: str) -> None:
    assert symbol_problem(symbol) is None


@pytest.mark.parametrize(
    "symbol",
    [
        "",
        "nvda",
        "NV DA",
        " NVDA",
        "0700.hk",
        "700.HK",
        "09992.HK",
        "ABC.HK",
        "688981.SH",
        "68898.SS",
        "99840.T",
        "NVDA!",
        "^gspc",
    ],
)
def test_bad_symbols_fail(symbol: str) -> None:
    assert symbol_problem(symbol)


def test_good_file_loads_and_maps_to_the_model(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + '[[instrument]]\nsymbol = "^HSI"\nname = "HSI"\nside = "cn"\n', "mine.toml")
    watchlist, problems = load_file(path)
    assert problems == []
    assert watchlist.name == "mine" and watchlist.title == "Mine" and not watchlist.shipped
    assert watchlist.path == path
    nvda = watchlist.instrument("NVDA")
    assert (nvda.side, nvda.company, nvda.kind, nvda.note) == (Side.US, "NVDA", "equity", "")
    assert watchlist.instrument("^HSI").kind == "index"  # from the symbol
    assert watchlist.pairs[0].us == ("NVDA",) and not watchlist.pairs[0].is_basket


def test_a_list_may_have_no_pairs(tmp_path: Path) -> None:
    watchlist, problems = load_file(write(tmp_path, HEAD + NVDA))
    assert problems == [] and watchlist.pairs == ()


# -- loading many --------------------------------------------------------------------------------


def test_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    write(shipped, GOOD, "good.toml")
    write(shipped, "title = \n", "bad.toml")
    write(shipped, HEAD + NVDA, "plain.toml")
    write(shipped, "not a watchlist", ".hidden.toml")
    result = load_all(shipped, tmp_path / "user")
    assert list(result.watchlists) == ["good", "plain"]  # order 7 first, then by name
    assert [(p.path.name, p.line) for p in result.problems] == [("bad.toml", 1)]
    assert result.default == "good"


def test_user_file_overrides_shipped_by_name(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    write(user, GOOD.replace('"Mine"', '"My rivals"').replace("order = 7", "order = 1"), "ai-rivals.toml")
    write(user, HEAD + NVDA, "extra.toml")
    result = load_all(SHIPPED, user)
    assert result.problems == []
    rivals = result.watchlists["ai-rivals"]
    assert rivals.title == "My rivals" and not rivals.shipped and rivals.path == user / "ai-rivals.toml"
    assert next(iter(result.watchlists)) == "ai-rivals" and list(result.watchlists)[-1] == "extra"
    assert result.watchlists["chips"].shipped


def test_broken_user_override_keeps_the_shipped_one(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    bad = write(user, HEAD + NVDA.replace('"us"', '"mars"'), "chips.toml")
    result = load_all(SHIPPED, user)
    assert result.watchlists["chips"].shipped
    assert result.watchlists["chips"].title == "AI chips"
    assert {p.path for p in result.problems} == {bad}
    assert any("keeping the shipped 'chips'" in p.message for p in result.problems)


def test_config_dir_env_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path / "cfg"))
    assert paths.user_watchlists_dir() == tmp_path / "cfg" / "watchlists"
    (tmp_path / "cfg" / "watchlists").mkdir(parents=True)
    write(tmp_path / "cfg" / "watchlists", GOOD, "mine.toml")
    result = load_all()
    assert result.problems == []
    assert "mine" in result.watchlists and not result.watchlists["mine"].shipped
    assert set(SHIPPED_NAMES) <= set(result.watchlists)


# -- check ------------------------------------------------------------------------------------------


def test_run_check_good_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, "good.toml")
    out = io.StringIO()
    assert run_check([str(path)], out=out) == 0
    assert out.getvalue().splitlines() == [f"ok: {path}", "ok: 1 watchlist"]


def test_run_check_bad_and_missing_files(tmp_path: Path) -> None:
    good = write(tmp_path, GOOD, "good.toml")
    bad = write(tmp_path, HEAD + NVDA + 'kind = "bond"\n', "bad.toml")
    missing = tmp_path / "missing.toml"
    out = io.StringIO()
    assert run_check([str(good), str(bad), str(missing)], out=out) == 1
    lines = out.getvalue().splitlines()
    assert f"{missing}: no such file" in lines
    assert any(line.startswith(f"{bad}:6: ") and "unknown kind 'bond'" in line for line in lines)
    assert f"ok: {good}" in lines
    assert lines[-1] == "2 problems; 1 of 2 watchlists ok"


def test_run_check_missing_only(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_check([str(tmp_path / "nope.toml")], out=out) == 1
    assert "no such file" in out.getvalue()


def test_run_check_a_folder(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    out = io.StringIO()
    assert run_check([str(tmp_path)], out=out) == 0
    assert out.getvalue().splitlines()[-1] == "ok: 2 watchlists"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_check([str(empty)], out=io.StringIO()) == 1


def test_check_without_paths_covers_shipped_and_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    assert check(None) == []
    out = io.StringIO()
    assert run_check([], out=out) == 0
    assert out.getvalue().splitlines()[-1] == f"ok: {len(SHIPPED_NAMES)} watchlists"
    (tmp_path / "watchlists").mkdir()
    bad = write(tmp_path / "watchlists", "title = [\n", "mine.toml")
    problems = check(None)
    assert [p.path for p in problems] == [bad]
    assert run_check([], out=io.StringIO()) == 1
