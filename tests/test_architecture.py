"""The layer contract: the model stays pure, formats and analysis stay headless."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "annotator"


def imported_modules(folder: Path):
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module


@pytest.mark.parametrize(
    "package, forbidden",
    [
        (
            "model",
            (
                "PySide6",
                "vlc",
                "av",
                "cv2",
                "annotator.ui",
                "annotator.media",
                "annotator.io",
                "annotator.commands",
                "annotator.analysis",
            ),
        ),
        ("io", ("PySide6", "vlc", "annotator.ui")),
        ("analysis", ("PySide6", "vlc", "annotator.ui")),
        ("media", ("PySide6", "vlc", "annotator.ui", "annotator.playback", "annotator.commands")),
        ("playback", ("PySide6.QtWidgets", "PySide6.QtGui", "annotator.ui", "annotator.commands")),
        ("commands", ("PySide6.QtWidgets", "annotator.ui")),
        ("ui/keymap", ("PySide6", "vlc", "av")),
        ("workspace", ("PySide6", "vlc", "annotator.ui", "annotator.media", "annotator.commands")),
        (
            "review",
            (
                "PySide6",
                "vlc",
                "annotator.ui",
                "annotator.media",
                "annotator.commands",
                "annotator.io",
            ),
        ),
    ],
)
def test_forbidden_imports(package, forbidden):
    bad = [
        f"{path.relative_to(ROOT)}: imports {name}"
        for path, name in imported_modules(PKG / package)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert bad == []


def test_cli_never_loads_qt_widgets(demo_project_path):
    code = (
        "import sys; from annotator.cli import main; main(['info', sys.argv[1]]);"
        "print('PySide6.QtWidgets' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(demo_project_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr


def test_import_linter_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    if not linter.exists():
        pytest.skip("import-linter not installed")
    proc = subprocess.run([str(linter), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:]
