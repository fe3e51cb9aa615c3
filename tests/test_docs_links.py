"""The README and docs/: every relative link leads to a file (and a heading) that exists, the picture is there,
and the README's first screen keeps the two commands `.ci/run` and a newcomer rely on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text("utf-8"), flags=re.DOTALL)
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_leads_somewhere(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text("utf-8"), flags=re.DOTALL)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # http(s), mailto: not checked (no network in tests)
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists() or (anchor and dest.suffix == ".md" and anchor not in anchors(dest)):
            broken.append(target)
    assert not broken, f"{page.name}: links to nothing: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_file_named_in_the_docs_exists(page: Path) -> None:
    """Paths in backquotes (`tui/core/history.py`, `tests/test_soak.py`, `test_soak.py`) name files that exist."""
    missing = []
    for name in re.findall(r"`((?:tui|tests|bench|docs|watchlists)/[\w/.-]+\.(?:py|toml|md|svg)|test_\w+\.py)`",
                           page.read_text("utf-8")):
        path = ROOT / "tests" / name if name.startswith("test_") else ROOT / name
        if not path.exists():
            missing.append(name)
    assert not missing, f"{page.name} names files that do not exist: {missing}"


def test_readme_first_screen_has_the_picture_and_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text("utf-8").splitlines()
    first_screen = "\n".join(lines[:40])
    assert "](docs/screenshot.svg)" in first_screen and (ROOT / "docs" / "screenshot.svg").stat().st_size > 10_000
    assert "pip install . && aiwatch --demo" in first_screen
    assert "pip install '.[test]' && python -m pytest" in first_screen
    assert "pip install '.[test]' && python -m pytest" in (ROOT / ".ci" / "run").read_text("utf-8")


def test_docs_name_no_issue_numbers() -> None:
    """The docs say what a thing is and why, not which request produced it."""
    for page in PAGES:
        found = re.findall(r"\b[Ii]ssues? #?\d+", page.read_text("utf-8"))
        assert not found, f"{page.name}: {found}"
