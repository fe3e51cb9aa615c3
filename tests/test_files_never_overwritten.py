"""No user file is lost: the app never writes over a file it could not read, and says which file to fix.

Through the keys a user presses (Pilot, demo runtime, frozen clock): an edit of a watchlist whose user copy did
not load (or appeared after start) is refused and the file left byte for byte; two exports in one second keep
both; an alert added over a config.toml that does not parse is kept for the session and the file left alone.
And the shared rule itself (`tui.atomic`), which portfolio files and any other writer use.
"""

from __future__ import annotations

import os

import pytest
from e2e_support import demo_app, type_into, until_ready, wait_for

from tui.atomic import NotOverwritten, atomic_write_text, write_new_file
from tui.config import Config
from tui.screens.dialogs import AddSymbolScreen, ConfirmScreen
from tui.widgets.board import QuoteBoard

pytestmark = pytest.mark.usefixtures("user_dirs")

# the mistake from the report: [instrument] where [[instrument]] is meant
BROKEN_CHIPS = ('# my own chips list\ntitle = "My chips"\n[instrument]\nsymbol = "NVDA"\nname = "Nvidia"\n'
                'side = "us"\n')
MY_CHIPS = 'title = "My chips"\n[[instrument]]\nsymbol = "NVDA"\nname = "Nvidia"\nside = "us"\n'


def files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def messages(app) -> str:
    return "\n".join(n.message for n in app._notifications)


async def add_symbol_keys(app, pilot, symbol: str) -> None:
    await pilot.press("a")
    await wait_for(lambda: isinstance(app.screen, AddSymbolScreen))
    await type_into(pilot, symbol)
    await pilot.press("enter")


async def test_an_edit_never_replaces_a_user_list_that_did_not_load(tmp_path):
    """The report's steps: the user's chips.toml has a mistake, the shipped list is kept (and said so); then 2, a,
    AAPL, Enter. The edit is refused, naming the file, the line and what to do; the file is left byte for byte,
    and nothing else is written beside it. `d` then `y` is refused the same way."""
    folder = tmp_path / "cfg" / "watchlists"
    folder.mkdir(parents=True)
    mine = folder / "chips.toml"
    mine.write_text(BROKEN_CHIPS, encoding="utf-8")
    before = files(folder)
    app = demo_app("ai-rivals")
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        # said so: counted in a short notice, the text kept where the help and the palette show it
        assert "problems in your config or watchlist files: ? shows them" in messages(app)
        assert any("keeping the shipped 'chips'" in str(p) for p in app.problems)
        await pilot.press("2")
        assert app.watchlist.name == "chips" and app.watchlist.shipped
        await add_symbol_keys(app, pilot, "AAPL")
        await wait_for(lambda: "AAPL not added" in messages(app))
        told = messages(app)
        assert f"your {mine} did not load (line 3: write each instrument as [[instrument]]" in told
        assert "saving would replace your file" in told and f"aiwatch check {mine}" in told
        assert "AAPL" not in app.watchlist.symbols
        assert files(folder) == before
        app.query_one(QuoteBoard).move_cursor(0)
        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: "not removed" in messages(app))
        assert files(folder) == before
        await pilot.press("q")


async def test_an_edit_never_replaces_a_user_list_written_after_start(tmp_path):
    """A user copy saved (by an editor, another aiwatch) after this app loaded its lists is not the list on
    screen: an edit is refused rather than replace it with the shipped list plus one symbol."""
    folder = tmp_path / "cfg" / "watchlists"
    app = demo_app("chips")
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        assert app.watchlist.shipped
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "chips.toml").write_text(MY_CHIPS, encoding="utf-8")
        before = files(folder)
        await add_symbol_keys(app, pilot, "AAPL")
        await wait_for(lambda: "AAPL not added" in messages(app))
        assert "was written after aiwatch loaded its lists" in messages(app) and "Restart aiwatch" in messages(app)
        assert files(folder) == before
        await pilot.press("q")


async def test_two_exports_in_the_same_second_keep_both(tmp_path):
    """`e` twice on a frozen clock (the same second): the second export gets `-2`, the first is left whole."""
    app = demo_app("chips")
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        await pilot.press("e")
        await wait_for(lambda: app.last_export is not None)
        first = app.last_export
        first_bytes = [p.read_bytes() for p in first]
        await pilot.press("e")
        await wait_for(lambda: app.last_export != first)
        second = app.last_export
        assert [p.name for p in second] == [p.name.replace(".csv", "-2.csv") for p in first]
        assert [p.read_bytes() for p in first] == first_bytes
        assert all(p.exists() for p in second)
        await wait_for(lambda: second[0].name in messages(app))  # the file's name on a line of its own
        assert sorted(os.listdir(first[0].parent)) == sorted(p.name for p in (*first, *second))
        await pilot.press("q")


async def test_an_alert_over_a_config_that_does_not_parse_names_the_file_and_leaves_it(tmp_path):
    cfg = tmp_path / "cfg" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    text = "# mine\nfps = 2\nthis is = = not toml\n"
    cfg.write_text(text, encoding="utf-8")
    app = demo_app(config=Config(path=cfg))
    async with app.run_test(size=(120, 40)) as pilot:
        await until_ready(app)
        await pilot.press("exclamation_mark")
        await wait_for(lambda: app.screen.query("#filter-input"))
        await type_into(pilot, "above 9999")
        await pilot.press("enter")
        await wait_for(lambda: "session only" in messages(app))
        assert f"{cfg} is not valid TOML" in messages(app) and "fix it" in messages(app)
        await pilot.press("q")
    assert cfg.read_text(encoding="utf-8") == text
    assert sorted(os.listdir(cfg.parent)) == ["config.toml"]


def test_a_file_changed_since_it_was_read_is_not_replaced(tmp_path):
    path = tmp_path / "book.toml"
    path.write_text("a = 1\n", encoding="utf-8")
    read = path.read_bytes()
    path.write_text("a = 2  # the user's edit meanwhile\n", encoding="utf-8")
    with pytest.raises(NotOverwritten, match="changed since aiwatch read it") as caught:
        atomic_write_text(path, "a = 3\n", expect=read)
    assert caught.value.path == path
    assert path.read_text(encoding="utf-8") == "a = 2  # the user's edit meanwhile\n"
    atomic_write_text(path, "a = 3\n", expect=path.read_bytes())  # based on what is there: replaced
    assert path.read_text(encoding="utf-8") == "a = 3\n"
    with pytest.raises(NotOverwritten, match="exists already"):
        atomic_write_text(path, "a = 4\n", expect=None)
    assert path.read_text(encoding="utf-8") == "a = 3\n"
    assert sorted(os.listdir(tmp_path)) == ["book.toml"]  # no temp file left by the refusals


def test_new_files_take_the_next_free_name(tmp_path):
    paths = [write_new_file(tmp_path, "trades-20261124T150000Z", ".csv", f"n,{i}\n") for i in range(3)]
    assert [p.name for p in paths] == ["trades-20261124T150000Z.csv", "trades-20261124T150000Z-2.csv",
                                       "trades-20261124T150000Z-3.csv"]
    assert [p.read_text() for p in paths] == ["n,0\n", "n,1\n", "n,2\n"]
