"""Yahoo's streamer protobuf `PricingData`, taken from yfinance without importing yfinance itself.

`import yfinance` runs its `__init__` (about 0.5 s, pulls pandas); the generated `pricing_pb2.py` only needs
protobuf, so it is loaded on its own from yfinance's package folder.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)
_MODULE_NAME = "aiwatch_yfinance_pricing_pb2"


def _load() -> ModuleType:
    existing = sys.modules.get("yfinance.pricing_pb2") or sys.modules.get(_MODULE_NAME)
    if existing is not None:
        return existing
    try:
        spec = importlib.util.find_spec("yfinance")
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        for folder in locations:
            path = Path(folder) / "pricing_pb2.py"
            if not path.is_file():
                continue
            file_spec = importlib.util.spec_from_file_location(_MODULE_NAME, path)
            if file_spec is None or file_spec.loader is None:
                continue
            module = importlib.util.module_from_spec(file_spec)
            sys.modules[_MODULE_NAME] = module
            try:
                file_spec.loader.exec_module(module)
            except Exception:
                del sys.modules[_MODULE_NAME]
                raise
            return module
    except Exception:
        log.debug("loading pricing_pb2 directly failed; importing yfinance", exc_info=True)
    import yfinance.pricing_pb2 as module

    return module


PricingData: Any = _load().PricingData
