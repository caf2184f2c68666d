"""A cheaper PySide6 check of every module imported after it (start-up, issue 19).

Since PYSIDE-2029, PySide6's import hook (``shibokensupport.feature.feature_imported``)
asks of every module imported after PySide6 whether it uses PySide6, for its optional
``from __feature__ import ...`` switches, by ``inspect.getsource(module)``: linecache
reads and decodes the file, tokenize looks for its encoding cookie. Before the first
picture about 120 modules are imported after PySide6 (the window's own, their stdlib
helpers), and pyqtgraph brings 200 more once the docks are built: 25-100 ms of a 2-core
machine's start-up, also stalls when a module is imported on first use.

:func:`install` keeps the same question, "does the source name PySide6?", but answers it
from the file's bytes (``.py`` files; anything else goes to PySide6's own check). Facet
uses no ``__feature__`` switch; the answer is the same either way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

_MARK = "_facet_fast"


def _fast(upstream: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return upstream(module)
        try:
            with open(path, "rb") as f:
                return b"PySide6" in f.read()
        except OSError:
            return upstream(module)

    setattr(uses_pyside, _MARK, True)
    return uses_pyside


def install() -> bool:
    """Replace PySide6's per-import source check by the byte search; True when installed
    (now or before). Does nothing when PySide6 is not imported yet or has no such check
    (another PySide6 version)."""
    feature: Any = sys.modules.get("shibokensupport.feature")
    upstream = getattr(feature, "_mod_uses_pyside", None)
    if upstream is None:
        return False
    if not getattr(upstream, _MARK, False):
        feature._mod_uses_pyside = _fast(upstream)
    return True
