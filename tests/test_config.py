"""config.toml: defaults written on first run, every bad value named with its key and replaced by its default."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from tui.cli import build_parser, main
from tui.config import DEFAULT_TEXT, DEFAULTS, append_alert, load_config

pytestmark = pytest.mark.usefixtures("user_dirs")


def test_first_run_writes_commented_defaults(tmp_path):
    config, problems = load_config()
    path = tmp_path / "cfg" / "config.toml"
    assert path.read_text() == DEFAULT_TEXT
    assert problems == []
    assert config == DEFAULTS.__class__(path=path)
    # every setting is described in the file (commented out) and the file parses
    tomllib.loads(DEFAULT_TEXT)
    for key in ("default_watchlist", "fps", "stale_after", "theme", "log_level", "proxy", "alert_command",
                "alert_bell", "[keys]", "[[alerts]]", "[reference]"):
        assert key in DEFAULT_TEXT


def test_good_values(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('default_watchlist = "chips"\nfps = 2\nstale_after = 30\ntheme = "light"\nproxy = "http://p:1"\n'
                 'log_level = "debug"\nalert_command = "cat"\nalert_bell = false\n[keys]\nquit = "ctrl+q"\n'
                 '"board.up" = "w"\n[[alerts]]\nkind = "price"\nsymbol = "NVDA"\nabove = 200\n'
                 '[reference]\nsp500_total_cap = { value = 5.7e13, as_of = 2025-11-21, source = "S&P" }\n')
    c, problems = load_config(p)
    assert problems == []
    assert (c.default_watchlist, c.fps, c.stale_after, c.theme, c.textual_theme, c.proxy, c.log_level) == (
        "chips", 2.0, 30.0, "light", "textual-light", "http://p:1", "DEBUG")
    assert c.alert_command == "cat" and c.alert_bell is False
    assert dict(c.keys) == {"app.quit": "ctrl+q", "board.up": "w"}
    assert c.alerts == ({"kind": "price", "symbol": "NVDA", "above": 200},)
    assert c.reference["sp500_total_cap"]["value"] == 5.7e13
    assert c.reference["sp500_total_cap"]["as_of"] == date(2025, 11, 21)


@pytest.mark.parametrize(("line", "key", "field", "default"), [
    ('fps = "fast"', "fps", "fps", 5.0),
    ("fps = 500", "fps", "fps", 5.0),
    ("stale_after = -1", "stale_after", "stale_after", 60.0),
    ("theme = 3", "theme", "theme", "dark"),
    ('log_level = "LOUD"', "log_level", "log_level", "INFO"),
    ('proxy = "127.0.0.1:7890"', "proxy", "proxy", ""),
    ("alert_bell = 1", "alert_bell", "alert_bell", True),
    ("default_watchlist = 3", "default_watchlist", "default_watchlist", "ai-rivals"),
])
def test_bad_value_named_and_default_used(tmp_path, line, key, field, default):
    p = tmp_path / "c.toml"
    p.write_text(line + "\n")
    c, problems = load_config(p)
    assert getattr(c, field) == default
    assert len(problems) == 1 and f": {key}:" in problems[0] and str(p) in problems[0]


def test_bad_tables_named(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('speed = 3\n[keys]\nquit = 5\n[[alerts]]\nkind = "price"\nsymbol = "NVDA"\n'
                 '[[alerts]]\nkind = "weather"\n[reference]\nx = { value = 1 }\ny = 3\n')
    c, problems = load_config(p)
    text = "\n".join(problems)
    for where in ("speed: unknown setting", "keys.quit:", "alerts[1]: above/below", "alerts[2]: kind:",
                  "reference.x.as_of", "reference.y:"):
        assert where in text
    assert c.keys == {} and c.alerts == () and c.reference == {}


def test_broken_toml_and_missing_explicit_file(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("fps = = 3\n")
    c, problems = load_config(p)
    assert c.fps == 5.0 and "not valid TOML" in problems[0]
    c, problems = load_config(tmp_path / "absent.toml")
    assert "no such config file" in problems[0]
    assert not (tmp_path / "absent.toml").exists()


def test_append_alert_keeps_comments(tmp_path):
    load_config()
    path = tmp_path / "cfg" / "config.toml"
    append_alert({"kind": "move", "symbol": "NVDA", "pct": 5.0}, path)
    text = path.read_text()
    assert "# HTTP(S) proxy for every source" in text  # comments survive
    c, problems = load_config(path)
    assert problems == [] and c.alerts == ({"kind": "move", "symbol": "NVDA", "pct": 5.0},)


def test_cli_uses_config_and_command_line_wins(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('stale_after = 30\nlog_level = "DEBUG"\nproxy = "http://p:1"\ndefault_watchlist = "chips"\n')
    from tui.cli import _apply_config

    args = build_parser().parse_args(["--config", str(p)])
    _apply_config(args)
    assert (args.stale_after, args.log_level, args.proxy) == (30.0, "DEBUG", "http://p:1")
    # the config's list is opened by the app or snapshot (reported and replaced by ai-rivals if it does not load);
    # args.watchlist is only what the command line asked for, which must load
    assert args.watchlist is None and args.config_obj.default_watchlist == "chips"
    args = build_parser().parse_args(["--config", str(p), "--stale-after", "5", "--log-level", "ERROR", "-w", "evs"])
    _apply_config(args)
    assert (args.stale_after, args.log_level, args.watchlist) == (5.0, "ERROR", "evs")


def test_help_of_every_command_is_complete(capsys):
    for argv in ([], ["snapshot"], ["simulate"], ["check"], ["serve"]):
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        out = capsys.readouterr().out
        assert "usage: aiwatch" in out
        if argv != ["simulate"] and argv != ["check"]:
            assert "--config" in out
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--host" in out and "--port" in out and "127.0.0.1" in out and "no login" in out


async def test_an_unknown_theme_is_reported_by_the_app_and_dark_kept():
    """The config loader is Textual-free: the app checks a theme's name against Textual's when it applies it."""
    from ui_support import StaticRuntime, watchlists

    from tui.app import AiwatchApp
    from tui.config import Config

    app = AiwatchApp(StaticRuntime(), watchlists(), config=Config(theme="no-such-theme"))
    async with app.run_test(size=(80, 24)):
        assert app.theme == "textual-dark"
        assert any(p.startswith("theme: unknown theme 'no-such-theme'") for p in app.config_problems)
    light = AiwatchApp(StaticRuntime(), watchlists(), config=Config(theme="light"))
    async with light.run_test(size=(80, 24)):
        assert light.theme == "textual-light" and not light.config_problems


def test_the_templates_example_alert_rules_parse_and_name_what_ships():
    """The commented examples in a new config.toml, uncommented, are rules that load and that name things that exist:
    a z-score example whose pair matched no shipped pair would never fire for a user who copied it."""
    import tomllib

    from tui.alerts import _slug, parse_rule
    from tui.config import DEFAULT_TEXT
    from tui.watchlists import load_all

    block = DEFAULT_TEXT[DEFAULT_TEXT.index("# [[alerts]]"):]
    lines = []
    for line in block.splitlines():
        if line == "#":
            continue
        if not line.startswith("# "):
            break
        lines.append(line[2:].split("   #")[0])
    rules = [parse_rule(d) for d in tomllib.loads("\n".join(lines))["alerts"]]
    assert {r.kind for r in rules} >= {"price", "move", "zscore", "concentration"}
    pairs = {name for wl in load_all().watchlists.values() for p in wl.pairs for name in (p.name.lower(), _slug(p.name))}
    for rule in rules:
        if rule.kind == "zscore":
            assert rule.pair.lower() in pairs, rule.pair
