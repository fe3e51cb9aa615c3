"""A bad `default_watchlist` in config.toml is reported and `ai-rivals` opens: the app and `aiwatch snapshot` never
refuse to start over one setting, and a list of the user's that breaks later never locks them out.

A list asked for on the command line (`--watchlist NAME`) is different: the user asked for that list, so a list
that does not load stops the command (exit status 2) with what to fix, rather than answer with another list.
"""

from __future__ import annotations

import json

from e2e_support import US_OPEN, aiwatch, demo_runtime, wait_for
from pty_support import PtyApp

from tui.app import AiwatchApp
from tui.config import load_config
from tui.screens.help import HelpScreen
from tui.watchlists import load_all

PINNED = ("--demo", "--at", US_OPEN, "--speed", "0")
# a user's own list with the mistake users make: [instrument] for [[instrument]]
BROKEN_LIST = 'title = "Mine"\n[instrument]\nsymbol = "NVDA"\nname = "Nvidia"\nside = "us"\n'


def _home(tmp_path, default: str, broken: bool = False) -> dict[str, str]:
    config = tmp_path / "config"
    (config / "watchlists").mkdir(parents=True)
    (config / "config.toml").write_text(f'default_watchlist = "{default}"\n', encoding="utf-8")
    if broken:
        (config / "watchlists" / f"{default}.toml").write_text(BROKEN_LIST, encoding="utf-8")
    return {"AIWATCH_CONFIG_DIR": str(config), "AIWATCH_LOG_DIR": str(tmp_path / "log"),
            "AIWATCH_DATA_DIR": str(tmp_path / "data"), "AIWATCH_CACHE_DIR": str(tmp_path / "cache")}


def test_snapshot_with_an_unknown_default_watchlist_reports_it_and_shows_ai_rivals(tmp_path):
    env = _home(tmp_path, "nope")
    run = aiwatch("snapshot", *PINNED, "--format", "json", env=env)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["watchlist"] == "ai-rivals"
    config = env["AIWATCH_CONFIG_DIR"] + "/config.toml"
    assert f"warning: {config}: default_watchlist: unknown watchlist 'nope'" in run.stderr
    assert "opening 'ai-rivals'" in run.stderr and "Traceback" not in run.stderr


def test_snapshot_whose_default_list_broke_names_the_file_to_fix(tmp_path):
    env = _home(tmp_path, "mine", broken=True)
    run = aiwatch("snapshot", *PINNED, "--format", "json", env=env)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["watchlist"] == "ai-rivals"
    mine = env["AIWATCH_CONFIG_DIR"] + "/watchlists/mine.toml"
    assert f"{mine}:2: write each instrument as [[instrument]]" in run.stderr  # the list's own problem, with line
    assert f"default_watchlist: the watchlist 'mine' did not load: fix {mine}" in run.stderr
    assert "opening 'ai-rivals'" in run.stderr


def test_an_explicit_watchlist_that_does_not_load_stops_with_what_to_fix(tmp_path):
    env = _home(tmp_path, "mine", broken=True)
    run = aiwatch("snapshot", *PINNED, "--watchlist", "mine", env=env)
    assert run.returncode == 2 and run.stdout == ""
    assert "aiwatch: the watchlist 'mine' did not load: fix " in run.stderr and "mine.toml" in run.stderr
    typo = aiwatch("snapshot", *PINNED, "--watchlist", "chisp", env=env)
    assert typo.returncode == 2 and typo.stdout == ""
    assert "unknown watchlist 'chisp' (did you mean 'chips'?)" in typo.stderr and "ai-rivals" in typo.stderr


def test_the_app_starts_on_ai_rivals_over_a_bad_default_watchlist(tmp_path):
    """`aiwatch` itself, on a terminal: it comes up (it used to exit 2 before drawing anything), on ai-rivals,
    and says which setting it did not use."""
    env = _home(tmp_path, "nope")
    app = PtyApp(tmp_path, *PINNED, size=(100, 30))  # PtyApp's config dir is tmp_path/config: the one written above
    try:
        app.wait_ready()
        assert b"AI rivals" in app.out
        assert f"config problem: {env['AIWATCH_CONFIG_DIR']}/config.toml: default_watchlist: unknown watchlist " \
               "'nope'" in app.log_text()
    finally:
        app.kill()


async def test_a_users_default_list_that_broke_does_not_lock_them_out(tmp_path, monkeypatch):
    """Pilot: the app opens ai-rivals; a notification says there are problems, and the help (`?`) says which file to
    fix and which setting it skipped."""
    env = _home(tmp_path, "mine", broken=True)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config, problems = load_config()
    app = AiwatchApp(demo_runtime(US_OPEN), load_all(), config=config, config_problems=problems)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.watchlist.name == "ai-rivals"
        mine = env["AIWATCH_CONFIG_DIR"] + "/watchlists/mine.toml"
        await wait_for(lambda: any("problems in your config or watchlist files" in n.message
                                   for n in app._notifications))
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        told = app.screen.query_one("#help-problems").plain
        assert f"default_watchlist: the watchlist 'mine' did not load: fix {mine}" in told
        assert "opening 'ai-rivals'" in told
        assert f"{mine}:2: write each instrument as [[instrument]]" in told  # the list's own problem, with line
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("2")  # the other lists work as ever
        assert app.watchlist.name != "ai-rivals"
        await pilot.press("q")
