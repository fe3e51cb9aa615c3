"""Where aiwatch keeps things: shipped watchlists, the user's config, cache, logs and exports."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "aiwatch"
_PKG = Path(__file__).resolve().parent


def shipped_watchlists_dir() -> Path:
    """The shipped watchlists: inside the installed package, or `watchlists/` of a source checkout."""
    installed = _PKG / "_watchlists"
    if installed.is_dir():
        return installed
    return _PKG.parent / "watchlists"


def data_dir() -> Path:
    """Reference data shipped in the package (fundamentals baseline, calendars, ADR ratios)."""
    return _PKG / "data"


def config_dir() -> Path:
    env = os.environ.get("AIWATCH_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_config_path(APP)


def user_watchlists_dir() -> Path:
    return config_dir() / "watchlists"


def cache_dir() -> Path:
    env = os.environ.get("AIWATCH_CACHE_DIR")
    return Path(env).expanduser() if env else platformdirs.user_cache_path(APP)


def log_dir() -> Path:
    env = os.environ.get("AIWATCH_LOG_DIR")
    return Path(env).expanduser() if env else platformdirs.user_log_path(APP)


def user_data_dir() -> Path:
    env = os.environ.get("AIWATCH_DATA_DIR")
    return Path(env).expanduser() if env else platformdirs.user_data_path(APP)
