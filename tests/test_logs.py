"""The log file (annotator/logs.py): run.py holds the records made before its first
picture and writes them to the file when it is attached; nothing logged is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CODE = """
import logging, sys
from annotator.logs import attach_log_file, log_file, setup_logging
setup_logging(file_later=True)
logging.getLogger("facet.test").info("before the file")
print("modules", "logging.handlers" in sys.modules, log_file().exists())
if sys.argv[1] == "attach":
    attach_log_file()
    print("attached", "before the file" in log_file().read_text())
    logging.getLogger("facet.test").warning("after the file")
    print("after", "after the file" in log_file().read_text())
"""


def _run(tmp_path: Path, mode: str) -> tuple[list[str], Path]:
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        HOME=str(tmp_path),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    out = subprocess.run(
        [sys.executable, "-c", _CODE, mode], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    logs = list(tmp_path.rglob("facet.log"))
    assert len(logs) == 1
    return out.stdout.splitlines(), logs[0]


def test_records_before_the_file_is_attached_are_written_to_it(tmp_path: Path) -> None:
    lines, log = _run(tmp_path, "attach")
    assert lines == ["modules False False", "attached True", "after True"]
    text = log.read_text()
    assert text.index("before the file") < text.index("after the file")


def test_held_records_are_written_at_exit_when_never_attached(tmp_path: Path) -> None:
    lines, log = _run(tmp_path, "exit")
    assert lines == ["modules False False"]
    assert "INFO facet.test: before the file" in log.read_text()
