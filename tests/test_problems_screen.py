"""Problems in the user's files with Pilot against a StaticRuntime: a short toast that fits 80x24 and leaves the DEMO
badge alone, a count in the header, and the problems screen with their text (brackets and all) that the palette and
the help screen open again; an unknown binding id under [keys] is one of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from ui_support import StaticRuntime, wait_for, watchlists

from tui.app import AiwatchApp
from tui.config import Config, parse_config
from tui.screens.help import HelpScreen
from tui.screens.problems import ProblemsScreen
from tui.watchlists import Problem

BRACKETS = "write each instrument as [[instrument]] (an array of tables), not [instrument]"


def make_app(size_keys: dict | None = None) -> AiwatchApp:
    result = watchlists()
    result.problems.append(Problem(Path("/home/me/.config/aiwatch/watchlists/broken.toml"), 3, BRACKETS))
    config, problems = parse_config({"fps": 99, "keys": size_keys or {"sortt": "o", "board.up": "u"}},
                                    Path("/home/me/.config/aiwatch/config.toml"))
    return AiwatchApp(StaticRuntime(), result, config=config, config_problems=problems)


def toasts(app) -> list:
    from textual.widgets._toast import Toast

    return list(app.screen.query(Toast))


async def test_problems_are_counted_toasted_briefly_and_kept_for_the_problems_screen():
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        problems = [str(p) for p in app.problems]
        assert len(problems) == 3
        assert any("fps: 99 is outside 1-30" in p for p in problems)
        # an unknown binding id is reported; a known one is remapped
        assert any("keys.sortt: no key has the id 'app.sortt'; remap ignored" in p for p in problems)
        assert not any("board.up" in p for p in problems)
        await wait_for(pilot, lambda: toasts(app))
        (toast,) = toasts(app)
        badge = app.query_one("#source-badge").region
        assert toast.region.height <= 6 and not toast.region.overlaps(badge)  # short, and never over the DEMO badge
        assert "3 problems in your config or watchlist files: ? shows them" in str(toast.render())
        assert "⚠ 3 problems (?)" in str(app.query_one("#problems-badge").render())
        # the help screen shows them as text: markup would eat "[instrument]"
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = app.screen.query_one("#help-problems").plain
        assert BRACKETS in shown and "/home/me/.config/aiwatch/watchlists/broken.toml:3" in shown
        ids = {i for _, _, i in app.screen.keys}
        assert {"app.sort", "app.filter", "board.up"} <= ids  # the ids [keys] remaps, as the config file says
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        # the toast goes; the problems stay a palette command away
        app.clear_notifications()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"problems found in your config")
        commands = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count and "Problems found" in
                       str(commands.get_option_at_index(0).prompt))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProblemsScreen))
        text = app.screen.query_one("#problems-text").plain
        assert BRACKETS in text and "keys.sortt" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ProblemsScreen))
        await pilot.press("u")  # board.up remapped: works (no error)


async def test_no_problems_no_badge_no_toast():
    app = AiwatchApp(StaticRuntime(), watchlists(), config=Config())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.refreshes >= 2)
        assert not app.query_one("#problems-badge").display and not toasts(app)


@pytest.mark.parametrize("text, where, what", [
    ("/a/b/config.toml: fps: 99 is outside 1-30; using 5", "/a/b/config.toml", "fps: 99 is outside 1-30; using 5"),
    ("/a/w/x.toml:3: unknown key 'symbl'", "/a/w/x.toml:3", "unknown key 'symbl'"),
    ("theme: unknown theme 'x'", "", "theme: unknown theme 'x'"),
])
def test_a_problem_is_split_into_its_file_and_what_is_wrong(text, where, what):
    from tui.screens.problems import split_problem

    assert split_problem(text) == (where, what)
