"""The shipped watchlists travel in the wheel (`tui/_watchlists/`) and are found after a real install."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.name for p in (ROOT / "watchlists").glob("*.toml"))

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None,
    reason="build backend hatchling is not installed (and cannot be fetched offline): pip install hatchling",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(out),
        ],
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (found,) = out.glob("aiwatch-*.whl")
    return found


def test_wheel_contains_the_shipped_watchlists(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tui/_watchlists/ai-rivals.toml" in names
    assert {f"tui/_watchlists/{n}" for n in SHIPPED} <= names
    assert "tui/watchlists.py" in names


def test_installed_package_finds_its_watchlists(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    script = (
        "import json, tui.paths, tui.watchlists as w\n"
        "r = w.load_all()\n"
        "print(json.dumps({'dir': str(tui.paths.shipped_watchlists_dir()), 'names': list(r.watchlists),"
        " 'problems': [str(p) for p in r.problems]}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    env["AIWATCH_CONFIG_DIR"] = str(tmp_path / "config")
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert Path(got["dir"]) == site / "tui" / "_watchlists"
    assert got["problems"] == []
    assert got["names"][0] == "ai-rivals"
    assert sorted(f"{n}.toml" for n in got["names"]) == SHIPPED
