"""The deals file: every shipped row dated, with a status and a source; a broken row named by file and line and
left out while the others load; a user's file adds and replaces rows; OpenAI's commitments against its revenue."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from tui.core.deals import KINDS, STATUSES, commitments, load_deals, money_in, money_out, shipped_deals_path


def test_deals_every_shipped_row_has_a_date_a_status_and_a_source() -> None:
    path = shipped_deals_path()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    data = load_deals([path])
    assert data.problems == []
    assert isinstance(raw["as_of"], dt.date) and data.as_of == raw["as_of"]
    assert len(data.deals) == len(raw["deal"]) >= 14 and len(data.figures) == len(raw["figure"])
    for row in [*raw["deal"], *raw["figure"]]:
        assert row.get("date"), row
        assert row.get("status") in STATUSES, row
        assert isinstance(row.get("source"), str) and len(row["source"].strip()) > 10, row
    for deal in data.deals:
        assert deal.kind in KINDS and deal.date <= data.as_of, deal.id
        assert deal.parties and deal.payer and deal.payee, deal.id
    ids = [d["id"] for d in raw["deal"]]
    assert len(ids) == len(set(ids))


def test_deals_file_starts_from_the_domain_table() -> None:
    data = load_deals([shipped_deals_path()])
    by_id = {d.id: d for d in data.deals}
    oracle = by_id["openai-oracle-cloud"]
    assert (oracle.size_usd, oracle.status, oracle.payer, oracle.payee) == (300e9, "reported", "openai", "oracle")
    assert by_id["nvidia-openai-loi"].status == "stalled" and by_id["nvidia-openai-loi"].size_usd_max == 100e9
    assert by_id["oracle-bond-2025-09"].kind == "bond" and by_id["meta-bond-2025-10"].size_usd == 30e9
    assert by_id["amd-openai-warrant"].shares == 160e6 and by_id["amd-openai-warrant"].share_symbol == "AMD"
    coreweave = [d for d in data.deals if d.payer == "openai" and d.payee == "coreweave"]
    assert sum(d.size_usd for d in coreweave) == pytest.approx(22.4e9)
    assert by_id["openai-coreweave-march"].date_text == "2025-03"  # the month is all the source gives


def test_deals_openai_commitments_against_its_dated_revenue_is_one_number() -> None:
    data = load_deals([shipped_deals_path()])
    c = commitments(data, "openai")
    # Oracle 300 + Azure 250 + AWS 38 + CoreWeave 11.9 + 4 + 6.5; AMD and Broadcom undisclosed, not guessed
    assert c.flow.low == pytest.approx(610.4e9) and c.flow.undisclosed == 2
    assert c.revenue is not None and c.revenue.period == "2025 H1" and c.revenue.date == dt.date(2025, 6, 30)
    assert c.revenue_annualised_usd == pytest.approx(8.6e9)
    assert c.ratio == pytest.approx(610.4 / 8.6)
    # the stalled Nvidia letter is Nvidia's money, not an OpenAI commitment; bonds are not contract money
    assert all(d.status != "stalled" for d in c.deals)
    assert money_out(data, "nvidia").low == 0 and money_in(data, "oracle").low == pytest.approx(300e9)


def test_deals_broken_rows_are_named_by_file_and_line_and_the_rest_load(tmp_path: Path) -> None:
    path = tmp_path / "deals.toml"
    path.write_text('''as_of = 2026-01-31

[[deal]]
id = "good"
date = 2025-09-10
parties = ["openai", "oracle"]
kind = "compute contract"
size_usd = 1e9
status = "reported"
source = "a newspaper, 2025-09-10"

[[deal]]
id = "no-date"
parties = ["a", "b"]
kind = "equity"
status = "reported"
source = "somewhere"

[[deal]]
id = "bad-status"
date = 2025-01-01
parties = ["a"]
kind = "equity"
status = "rumoured"
source = "somewhere"

[[deal]]
id = "no-source"
date = "2025-02"
parties = ["a"]
kind = "bond"
status = "confirmed"

[[deal]]
id = "bad-size"
date = 2025-01-02
parties = ["a"]
kind = "bond"
status = "confirmed"
source = "x"
size_usd = -5

[[deal]]
id = "good"
date = 2025-01-03
parties = ["a"]
kind = "bond"
status = "confirmed"
source = "x"
colour = "red"
''', encoding="utf-8")
    data = load_deals([path])
    assert [d.id for d in data.deals] == ["good"]
    assert data.deals[0].payer == "openai" and data.deals[0].payee == "oracle"  # parties in order by default
    text = "\n".join(str(p) for p in data.problems)
    lines = {p.message.split(":")[0]: p.line for p in data.problems}
    assert all(str(path) in str(p) for p in data.problems)
    assert "missing 'date'" in text and "status must be one of" in text and "missing 'source'" in text
    assert "size_usd must be a number of at least 0" in text and "duplicate id 'good'" in text
    assert "unknown key 'colour'" in text and "('" not in text
    assert lines["deal 2"] == 12 and lines["deal 3"] == 24 and lines["deal 4"] == 27 and lines["deal 5"] == 41


def test_deals_a_file_that_does_not_parse_is_one_problem_and_controls_are_cleaned(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("as_of = 2026-01-31\n[[deal]\n", encoding="utf-8")
    data = load_deals([bad])
    assert data.deals == () and len(data.problems) == 1 and data.problems[0].line == 2
    evil = tmp_path / "evil.toml"
    evil.write_text('[[deal]]\nid = "x\\u001b]0;owned\\u0007"\ndate = 2025-01-01\nparties = ["a"]\n'
                    'kind = "bond"\nstatus = "reported"\nsource = "\\u001b[2Jnews"\nwhat = "line\\nbreak"\n',
                    encoding="utf-8")
    deal = load_deals([evil]).deals[0]
    assert deal.id == "x" and deal.source == "news" and deal.what == "line break"


def test_deals_a_user_file_adds_rows_and_replaces_one_by_id(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIWATCH_CONFIG_DIR", str(tmp_path))
    (tmp_path / "deals.toml").write_text('''as_of = 2026-11-30

[[deal]]
id = "openai-oracle-cloud"
date = 2025-09-10
parties = ["openai", "oracle"]
kind = "compute contract"
size_usd = 300e9
status = "confirmed"
source = "Oracle 10-Q, checked by me"

[[deal]]
id = "new-deal"
date = 2026-11-01
parties = ["meta", "google"]
kind = "compute contract"
size_usd_min = 1e9
size_usd_max = 2e9
status = "announced"
source = "press release"
''', encoding="utf-8")
    data = load_deals()
    by_id = {d.id: d for d in data.deals}
    assert by_id["openai-oracle-cloud"].status == "confirmed"
    assert by_id["new-deal"].low == 1e9 and by_id["new-deal"].high == 2e9
    assert data.as_of == dt.date(2026, 11, 30) and len(data.paths) == 2
    assert len(data.deals) == len(load_deals([shipped_deals_path()]).deals) + 1
