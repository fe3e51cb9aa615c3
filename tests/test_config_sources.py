"""Choosing and redirecting the China sources: `[sources]` in config.toml (bad values named, defaults kept),
`--china-source` for one run, `--tencent-url` / `AIWATCH_TENCENT_URL` and `--sina-url` / `AIWATCH_SINA_URL` (never
badged as the real hosts), and `aiwatch snapshot --demo` with Yahoo alone: 15 minutes late, and said so."""

from __future__ import annotations

import json
import tomllib

from e2e_support import aiwatch

from tui.cli import build_parser, china_sources, serve_app_args
from tui.config import DEFAULT_TEXT, parse_config
from tui.feeds.endpoints import SINA_URL, TENCENT_URL, ChinaEndpoints
from tui.runtime import Runtime


def test_config_sources_default_to_tencent_and_bad_values_are_named():
    config, problems = parse_config(tomllib.loads(DEFAULT_TEXT))
    assert dict(config.sources) == {"hk": "tencent", "cn": "tencent"} and not problems
    config, problems = parse_config({"sources": {"hk": "Sina", "cn": "bing", "jp": "yahoo"}})
    assert dict(config.sources) == {"hk": "sina", "cn": "tencent"}
    assert any("sources.cn" in p and "bing" in p and "'tencent'" in p for p in problems)
    assert any("sources.jp" in p and "unknown market group" in p for p in problems)
    config, problems = parse_config({"sources": "tencent"})
    assert dict(config.sources) == {"hk": "tencent", "cn": "tencent"} and "sources: expected a table" in problems[0]
    assert "[sources]" in DEFAULT_TEXT and '# hk = "tencent"' in DEFAULT_TEXT


def test_config_sources_the_command_line_wins_for_one_run():
    args = build_parser().parse_args(["--china-source", "yahoo"])
    args.config_obj, _ = parse_config({"sources": {"hk": "sina"}})
    assert china_sources(args) == {"hk": "yahoo", "cn": "yahoo"}
    args = build_parser().parse_args([])
    args.config_obj, _ = parse_config({"sources": {"hk": "sina"}})
    assert china_sources(args) == {"hk": "sina", "cn": "tencent"}
    serve = build_parser().parse_args(["serve", "--china-source", "sina", "--tencent-url", "http://127.0.0.1:9"])
    passed = serve_app_args(serve)  # each browser tab's aiwatch gets the same choice
    assert passed[passed.index("--china-source") + 1] == "sina"
    assert passed[passed.index("--tencent-url") + 1] == "http://127.0.0.1:9"


def test_config_sources_endpoints_from_flags_and_environment(monkeypatch):
    monkeypatch.delenv("AIWATCH_TENCENT_URL", raising=False)
    monkeypatch.delenv("AIWATCH_SINA_URL", raising=False)
    real = ChinaEndpoints.from_env()
    assert (real.tencent, real.sina) == (TENCENT_URL, SINA_URL) and not real.redirected("tencent")
    monkeypatch.setenv("AIWATCH_TENCENT_URL", "http://relay.example:8080/qt/")
    env = ChinaEndpoints.from_env()
    assert env.tencent == "http://relay.example:8080/qt" and env.redirected("tencent") and not env.is_local("tencent")
    assert ChinaEndpoints.from_env(tencent_url="http://127.0.0.1:9").tencent == "http://127.0.0.1:9"  # flag wins
    rt = Runtime(demo=False, sina_url="http://user:secret@127.0.0.1:7000/?k=v")
    assert rt.source == "other" and rt.source_url == "http://relay.example:8080/qt"  # never called Tencent's
    assert "not Tencent: relay.example:8080" in rt.source_label and "not Sina: 127.0.0.1:7000" in rt.source_label
    info = {s["name"]: s for s in rt.sources_info()}
    assert info["sina"]["source_url"] == "http://127.0.0.1:7000" and "secret" not in json.dumps(info)
    assert info["yahoo"]["source"] == "yahoo" and info["yahoo"]["source_url"] is None
    # a redirected quote page that is not used says nothing
    quiet = Runtime(demo=False, china_sources={"hk": "yahoo", "cn": "yahoo"})
    assert quiet.source == "yahoo" and quiet.source_label == "Yahoo Finance"
    assert [s["name"] for s in quiet.sources_info()] == ["yahoo"]


def test_config_sources_yahoo_only_snapshot_is_fifteen_minutes_late_and_says_so(tmp_path):
    done = aiwatch("snapshot", "--demo", "--at", "2026-11-25T02:30:00Z", "--speed", "0", "-w", "chips",
                   "--format", "json", "--china-source", "yahoo", env={"AIWATCH_CONFIG_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [s["name"] for s in doc["sources"]] == ["yahoo"] and doc["sources"][0]["source"] == "demo"
    smic = next(q for q in doc["quotes"] if q["symbol"] == "0981.HK")
    assert (smic["source_name"], smic["delay_minutes"]) == ("yahoo", 15)
    default = aiwatch("snapshot", "--demo", "--at", "2026-11-25T02:30:00Z", "--speed", "0", "-w", "chips",
                      "--format", "csv", env={"AIWATCH_CONFIG_DIR": str(tmp_path)})
    assert default.returncode == 0, default.stderr
    header, *rows = default.stdout.splitlines()
    cols = header.split(",")
    smic_row = dict(zip(cols, next(r for r in rows if r.startswith("0981.HK")).split(","), strict=True))
    assert (smic_row["source_name"], smic_row["quote_source"], smic_row["delay_minutes"]) == ("tencent", "poll", "0")
    assert smic_row["data_source"] == "demo" and smic_row["no_trade"] == "False"
