"""``annotator.review`` is headless logic shared by the GUI, the CLI exports and tests: it
must not import Qt (the import-linter contracts do not name it, so this test does)."""

from __future__ import annotations

import ast
from pathlib import Path

import annotator.review

FORBIDDEN = ("PySide6", "vlc", "annotator.ui", "annotator.commands")


def test_review_package_is_qt_free() -> None:
    folder = Path(annotator.review.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
