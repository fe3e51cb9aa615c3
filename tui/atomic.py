"""Writing the user's files: whole or not at all, and never over a file the app did not read.

Two rules for every file aiwatch writes (config, watchlists, exports, portfolios, caches):

1. **Atomic.** A temp file in the same directory, fsync, an optional check of the temp copy, then a rename: a
   reader, a crash or a second instance only ever sees the old file or the whole new one.
2. **Never over a file it could not read.** A change is based on what the app read; if the file on disk is not
   that (it did not load, it is not the one the change was made from, someone wrote it since), the write is
   refused with `NotOverwritten`, which says which file and why, and the file is left exactly as it is. The
   caller tells the user to fix or move that file; nothing is replaced behind their back.

How a writer says what it based its change on (`expect=`):

    text = path.read_bytes()                  # read the file the change is made from ...
    atomic_write_text(path, new, expect=text)  # ... and replace only that: NotOverwritten if it changed since
    atomic_write_text(path, new, expect=None)  # a new file: NotOverwritten if one is there (nothing is clobbered)
    write_new_file(folder, "board-20261124T150000Z", ".csv", text)  # a new file under a free name: -2, -3, …
    atomic_write_text(path, new)               # no expectation: the app's own files (cache, a first config)

`expect=None` is race-free (the new file is hard-linked into place, which fails if a file is there). `expect=bytes`
compares just before the rename: a writer that slips into that instant is not detected, a user's edit minutes
earlier is. Nothing here imports Textual; `tui.portfolio` and any other writer of user files use these."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

ANY = object()  # `expect=ANY`: replace whatever is there (the app's own files only)


class NotOverwritten(OSError):
    """A write refused so as not to lose a file: `path` is there but is not what the change was based on.

    The message is for the user: it names the file and says why (and the caller adds what to do)."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(errno.EEXIST, f"{path} {why}")
        self.path = Path(path)
        self.why = why

    def __str__(self) -> str:
        return f"{self.path} {self.why}"


def read_bytes_or_none(path: Path) -> bytes | None:
    """The file's bytes, None when there is no file: what a change is based on, for `expect=`."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def atomic_write_text(path: Path, text: str, *, check: Callable[[Path], None] | None = None,
                      expect: bytes | None | object = ANY) -> None:
    """Write `text` to `path` atomically. `check(temp_path)` may raise to refuse the new content. `expect`: the
    bytes the change was based on (None: no file may be there), else NotOverwritten and `path` untouched; see
    the module's docstring. On any failure the old file is left as it was, and no temp file is left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(tmp)
        if expect is None:
            _link_new(tmp, path)
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()  # the new file is in place under its own name
        else:
            if expect is not ANY and read_bytes_or_none(path) != expect:
                raise NotOverwritten(path, "changed since aiwatch read it" if path.exists()
                                     else "was removed since aiwatch read it")
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _link_new(tmp: Path, path: Path) -> None:
    """Put `tmp` in place as `path` only if no `path` exists (atomic: link() fails on an existing name)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise NotOverwritten(path, "exists already") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
        # a filesystem without hard links: exclusive create, then the rename over that empty placeholder
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            raise NotOverwritten(path, "exists already") from None
        os.replace(tmp, path)


def write_new_file(folder: Path, stem: str, suffix: str, text: str, *, tries: int = 1000) -> Path:
    """Write `text` to a new file `<stem><suffix>` in `folder`, or `<stem>-2<suffix>`, `-3`, … when taken (two
    exports in one second): an existing file is never replaced. Returns the path written."""
    for n in range(1, tries + 1):
        path = Path(folder) / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        try:
            atomic_write_text(path, text, expect=None)
        except NotOverwritten:
            continue
        return path
    raise NotOverwritten(Path(folder) / f"{stem}{suffix}", f"and {tries - 1} numbered files after it exist")


def _fsync_dir(d: Path) -> None:
    """Make the rename itself durable (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
