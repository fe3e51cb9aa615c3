"""Logging set-up: one file in the platform's log dir, never the screen.

Every process aiwatch starts (the app, `snapshot`, `serve`'s tabs, the demo simulator's child, the benchmark's
apps) logs here through `setup_logging`. Log records carry outside text (a data source's messages, names from
files), and a log is read in a terminal (`tail -f`), so every line passes through the sanitizer: an escape
sequence in a source's error message cannot reach the terminal of whoever reads the log.
"""

from __future__ import annotations

import logging

from tui.sanitize import clean

LOG_NAME = "aiwatch.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SanitizingFormatter(logging.Formatter):
    """A formatter whose output holds no control character but the newlines between a traceback's lines."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(clean(line, None) for line in super().format(record).split("\n"))


def setup_logging(level: str) -> None:
    """Log to `aiwatch.log` in the platform's log dir (`$AIWATCH_LOG_DIR` moves it) at `level`; never to the
    screen. Without a writable log dir, records are dropped rather than shown."""
    from tui.paths import log_dir

    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    try:
        d = log_dir()
        d.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(d / LOG_NAME, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(SanitizingFormatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
    logging.captureWarnings(True)
