"""Editing watchlist files from the app: add a symbol, remove one, create a new list.

Edits go through tomlkit so the file's comments and layout survive. Every save is atomic (a temp file in the
same folder, checked by the watchlist loader, then renamed over the old file): a crash or a kill halfway leaves
the old file whole. Editing a shipped list writes a user copy in `<config>/watchlists/` that overrides it.
A save never replaces a file the edit was not made from (`tui.atomic`): a user copy that is there but did not
load (a mistake in it) or was written after aiwatch loaded its lists is left alone, and the edit is refused with
the file to fix. Nothing here imports Textual.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Table

from tui import paths
from tui.atomic import ANY, NotOverwritten, atomic_write_text
from tui.model import Watchlist
from tui.sanitize import clean_name
from tui.watchlists import load_file, symbol_problem

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9\-_]{0,39}$")
CN_SUFFIXES = (".HK", ".SS", ".SZ")


class EditError(ValueError):
    """An edit that cannot be made; the message says why, for the user."""


def guess_side(symbol: str) -> str:
    return "cn" if symbol.upper().endswith(CN_SUFFIXES) else "us"


def target_path(watchlist: Watchlist, user_dir: Path | None = None) -> Path:
    """Where an edit of `watchlist` is saved: its own file if it is the user's, else a user copy."""
    if not watchlist.shipped and watchlist.path is not None:
        return Path(watchlist.path)
    return (user_dir or paths.user_watchlists_dir()) / f"{watchlist.name}.toml"


def _source(watchlist: Watchlist, user_dir: Path | None) -> tuple[tomlkit.TOMLDocument, Path, bytes | None]:
    """The document an edit of `watchlist` starts from, the file it is saved to, and what that file must still
    hold for the save to replace it (None: no file may be there).

    Refused (EditError naming the file) when the save would replace a file this edit was not made from: a user
    copy of a shipped list that is there but did not load, or appeared after aiwatch loaded its lists."""
    if watchlist.path is None:
        raise EditError(f"watchlist {watchlist.name!r} has no file to edit")
    source = Path(watchlist.path)
    target = target_path(watchlist, user_dir)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise EditError(f"cannot read {source}: {exc.strerror or exc}") from None
    if target != source:
        expect = None
        if target.exists():
            raise EditError(_not_the_list_on_screen(target, watchlist))
    else:
        expect = data
    try:
        doc = tomlkit.parse(data.decode("utf-8"))
    except (UnicodeDecodeError, TOMLKitError, ValueError) as exc:
        raise EditError(f"{source} changed since aiwatch loaded it and is no longer valid ({exc}): fix it "
                        "(aiwatch check lists its problems), then try again") from None
    return doc, target, expect


def _not_the_list_on_screen(target: Path, watchlist: Watchlist) -> str:
    """Why a save to `target` (a user copy of the shipped list on screen) is refused, and what to do."""
    _, problems = load_file(target, shipped=False)
    if problems:
        first = problems[0]
        where = f"line {first.line}: " if first.line else ""
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return (f"your {target} did not load ({where}{first.message}{more}), so the shipped {watchlist.name!r} "
                f"is on screen; saving would replace your file. Fix it (aiwatch check {target}) or move it "
                "away, then try again")
    return (f"your {target} was written after aiwatch loaded its lists, so the shipped {watchlist.name!r} is on "
            "screen; saving would replace your file. Restart aiwatch to use it, then try again")


def save_atomic(path: Path, text: str, *, check: bool = True, expect: bytes | None | object = ANY
                ) -> Watchlist | None:
    """Write `text` to `path` atomically; with `check`, the watchlist loader must accept it before the rename;
    `expect`: what `path` must hold for it to be replaced (None: nothing may be there; see tui.atomic).

    Returns the loaded watchlist (when checked). On any failure the old file is untouched."""
    loaded: Watchlist | None = None

    def must_load(tmp: Path) -> None:
        nonlocal loaded
        # the temp copy is loaded under its own name; the watchlist is renamed after its final file below
        loaded, problems = load_file(tmp, shipped=False)
        if loaded is None:
            raise EditError("; ".join(p.message for p in problems) or "the edited file does not load")

    try:
        atomic_write_text(path, text, check=must_load if check else None, expect=expect)
    except NotOverwritten as exc:
        raise EditError(f"not saved: {exc}, and is left as it is") from None
    if loaded is not None:
        from dataclasses import replace

        loaded = replace(loaded, name=path.stem, path=path, shipped=False)
    log.info("saved watchlist %s", path)
    return loaded


def _instruments(doc: tomlkit.TOMLDocument) -> AoT:
    inst = doc.get("instrument")
    if not isinstance(inst, AoT):
        raise EditError("the file has no [[instrument]] tables")
    return inst


def add_symbol(watchlist: Watchlist, symbol: str, name: str, side: str, *, note: str = "", kind: str | None = None,
               user_dir: Path | None = None) -> Watchlist:
    """Append an [[instrument]] for `symbol` and save; returns the watchlist as saved."""
    symbol = symbol.strip()
    problem = symbol_problem(symbol)
    if problem:
        raise EditError(problem)
    if symbol in watchlist.symbols:
        raise EditError(f"{symbol} is already on {watchlist.title}")
    side = side.strip().lower()
    if side not in ("us", "cn"):
        raise EditError(f"side must be \"us\" or \"cn\", not {side!r}")
    name = clean_name(name) or symbol  # a source's name or what was typed: outside text, as the loader reads it
    doc, target, expect = _source(watchlist, user_dir)
    table = tomlkit.table()
    table.add("symbol", symbol)
    table.add("name", name)
    table.add("side", side)
    if kind:
        table.add("kind", kind)
    if note:
        table.add("note", note)
    _instruments(doc).append(table)
    return save_atomic(target, tomlkit.dumps(doc), expect=expect)


def remove_symbol(watchlist: Watchlist, symbol: str, *, user_dir: Path | None = None) -> Watchlist:
    """Remove `symbol`'s [[instrument]] (and it from any pair; a pair left with an empty side goes); save."""
    if symbol not in watchlist.symbols:
        raise EditError(f"{symbol} is not on {watchlist.title}")
    if len(watchlist.instruments) <= 1:
        raise EditError("a watchlist needs at least one symbol: delete the file instead")
    doc, target, expect = _source(watchlist, user_dir)
    aot = _instruments(doc)
    for i in range(len(aot) - 1, -1, -1):
        if str(aot[i].get("symbol", "")).strip() == symbol:
            del aot[i]
    pairs = doc.get("pair")
    if isinstance(pairs, AoT):
        for i in range(len(pairs) - 1, -1, -1):
            pair: Table = pairs[i]
            drop = False
            for side in ("us", "cn"):
                value = pair.get(side)
                if isinstance(value, str):
                    if value.strip() == symbol:
                        drop = True
                elif isinstance(value, list):
                    kept = [v for v in value if str(v).strip() != symbol]
                    if not kept:
                        drop = True
                    elif len(kept) != len(value):
                        arr = tomlkit.array()
                        arr.extend(kept)
                        pair[side] = arr
            if drop:
                del pairs[i]
        if len(pairs) == 0:
            del doc["pair"]
    return save_atomic(target, tomlkit.dumps(doc), expect=expect)


NEW_HEADER = """\
# aiwatch watchlist created in the app. The format: docs/watchlists.md (or the comments of a shipped list).
# [[instrument]]: symbol, name, side ("us" or "cn"); optional company, note, kind. [[pair]]: name, us, cn.
"""


def create_watchlist(name: str, title: str, symbol: str, symbol_name: str, side: str, *,
                     existing: set[str] | None = None, user_dir: Path | None = None) -> Watchlist:
    """A new user watchlist `<name>.toml` holding one symbol (a list needs at least one)."""
    name = name.strip().lower()
    if not NAME_RE.match(name):
        raise EditError("a watchlist name is lower case letters, digits, - or _ (it becomes the file name)")
    if existing and name in existing:
        raise EditError(f"there is already a watchlist named {name!r}")
    path = (user_dir or paths.user_watchlists_dir()) / f"{name}.toml"
    if path.exists():
        raise EditError(f"{path} exists already")
    symbol = symbol.strip()
    problem = symbol_problem(symbol)
    if problem:
        raise EditError(problem)
    side = side.strip().lower()
    if side not in ("us", "cn"):
        raise EditError(f"side must be \"us\" or \"cn\", not {side!r}")
    doc = tomlkit.document()
    for line in NEW_HEADER.splitlines():
        doc.add(tomlkit.comment(line.lstrip("# ")))
    doc.add("title", clean_name(title) or name)
    aot = tomlkit.aot()
    t = tomlkit.table()
    t.add("symbol", symbol)
    t.add("name", clean_name(symbol_name) or symbol)
    t.add("side", side)
    aot.append(t)
    doc.add("instrument", aot)
    return save_atomic(path, tomlkit.dumps(doc), expect=None)  # a file of that name appearing meanwhile is kept
