"""Logging to a rotating file in the user's log folder, so details never need a traceback
on screen."""

from __future__ import annotations

import atexit
import logging
from pathlib import Path

import platformdirs


def log_file() -> Path:
    return Path(platformdirs.user_log_dir("facet")) / "facet.log"


class _Held(logging.Handler):
    """The records made before the log file is attached (:func:`attach_log_file`)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < 10_000:
            self.records.append(record)


def _add_file(root: logging.Logger, path: Path) -> logging.Handler | None:
    import logging.handlers  # ~10 ms (socket, pickle): after run.py's first picture

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=2, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return handler


def setup_logging(*, verbose: bool = False, file_later: bool = False) -> Path:
    """Log to the rotating file :func:`log_file`. ``file_later`` (``run.py``): records are
    held until :func:`attach_log_file` (called after the first picture, and at exit)."""
    path = log_file()
    root = logging.getLogger()
    if getattr(root, "_facet_configured", False):
        return path
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if file_later:
        root.addHandler(_Held())
        atexit.register(attach_log_file)
    else:
        _add_file(root, path)
    if verbose:
        console = logging.StreamHandler()
        console.setLevel(logging.DEBUG)
        root.addHandler(console)
    root._facet_configured = True  # type: ignore[attr-defined]
    return path


def attach_log_file() -> None:
    """Replace the held records by the log file, writing them to it first."""
    root = logging.getLogger()
    for held in [h for h in root.handlers if isinstance(h, _Held)]:
        root.removeHandler(held)
        handler = _add_file(root, log_file())
        for record in held.records if handler is not None else ():
            handler.handle(record)
