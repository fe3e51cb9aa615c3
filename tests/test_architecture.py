"""The layers hold: the import-linter contract in pyproject.toml, checked on the code as it is, and shown to fail
(naming the rule) when a data module imports the user interface or two modules import each other."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())"]


def lint(package_parent: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([*LINT, "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=package_parent,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_layer_contract_is_kept():
    run = lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout


# The modules that make up the user interface and the entry points that start it; every other module of the package
# is data, analytics, a source or the simulator, and must be in the contract's first rule.
UI_AND_ENTRY_POINTS = {"__main__", "app", "cli", "latency", "main_actions", "panel_pace", "refresh_pacer", "screens",
                       "serve", "spark_seeder", "terminal", "theme16", "widgets"}


def test_every_module_outside_the_interface_is_held_by_the_layer_rule():
    """A new module cannot slip past the contract by not being listed: it is either the interface's or held."""
    import pkgutil
    import tomllib

    import tui

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    held = {m.removeprefix("tui.") for m in contracts[0]["source_modules"]}
    modules = {m.name for m in pkgutil.iter_modules(tui.__path__)}
    assert modules - UI_AND_ENTRY_POINTS - held == set(), "add these to the first contract in pyproject.toml"
    assert held <= modules, "the contract names modules that no longer exist"


@pytest.fixture
def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "tui", tmp_path / "tui", ignore=shutil.ignore_patterns("__pycache__", "data"))
    return tmp_path


@pytest.mark.parametrize(("module", "line", "rule"), [
    ("core/store.py", "from textual.widget import Widget", "never import the user interface"),
    ("feeds/yahoo_parse.py", "from tui.widgets import board", "never import the user interface"),
    ("core/valuation.py", "from tui.feeds import endpoints", "do not depend on how data is fetched"),
    ("sim/market.py", "from tui.cli import build_parser", "does not depend on the command line"),
    ("feeds/http.py", "from tui.feeds import transport_curl", "No import cycles"),
])
def test_a_wrong_import_breaks_the_contract_and_names_the_rule(copy_of_the_package, module, line, rule):
    target = copy_of_the_package / "tui" / module
    target.write_text(target.read_text() + f"\n{line}  # a deliberately wrong import\n")
    run = lint(copy_of_the_package)
    assert run.returncode != 0
    broken = [ln for ln in run.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(rule in ln for ln in broken), run.stdout
