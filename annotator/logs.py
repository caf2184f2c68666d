"""Logging to a rotating file in the user's log folder, so details never need a traceback
on screen."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import platformdirs


def log_file() -> Path:
    return Path(platformdirs.user_log_dir("facet")) / "facet.log"


def setup_logging(*, verbose: bool = False) -> Path:
    path = log_file()
    root = logging.getLogger()
    if getattr(root, "_facet_configured", False):
        return path
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=2, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    except OSError:
        pass
    if verbose:
        console = logging.StreamHandler()
        console.setLevel(logging.DEBUG)
        root.addHandler(console)
    root._facet_configured = True  # type: ignore[attr-defined]
    return path
