"""``exports/`` holds the demo project in every format; it must match what the code writes.

Regenerate with ``annotator export-samples`` when a format changes on purpose.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from annotator.io.regen import SAMPLES, regenerate

EXPORTS = Path(__file__).resolve().parents[2] / "exports"
FIX = "run `annotator export-samples` and commit exports/"


@pytest.fixture(scope="module")
def fresh(demo_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    regenerate(out, demo_dir=demo_dir)
    return out


def _json(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8"))
    for m in doc["media"]:
        m["sha256"] = ""  # x264 output differs between builds; the frames do not
    return doc


def _report(path: Path) -> str:
    return re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,IMAGE", path.read_text(encoding="utf-8"))


def _xlsx(path: Path) -> list[tuple]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    rows = [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    return rows


def _clips(path: Path) -> tuple:
    import av

    counts = {}
    for mp4 in sorted(path.glob("*.mp4")):
        with av.open(str(mp4)) as c:
            counts[mp4.name] = sum(1 for _ in c.decode(video=0))
    with open(path / "manifest.csv", encoding="utf-8", newline="") as f:
        manifest = list(csv.reader(f))
    return manifest, counts, sorted(p.name for p in path.iterdir())


def normalised(path: Path):
    if path.is_dir():
        return _clips(path)
    if path.name.endswith(".json"):
        return _json(path)
    if path.suffix == ".html":
        return _report(path)
    if path.suffix == ".xlsx":
        return _xlsx(path)
    return path.read_text(encoding="utf-8")


def test_exports_folder_has_every_sample():
    names = {p.name for p in EXPORTS.iterdir()} - {"README.md"}
    assert names == {name for _fmt, name, _o in SAMPLES}, FIX


@pytest.mark.parametrize("name", [name for _fmt, name, _o in SAMPLES])
def test_exports_are_up_to_date(fresh, name):
    committed = EXPORTS / name
    assert committed.exists(), FIX
    assert normalised(fresh / name) == normalised(committed), f"exports/{name} is stale: {FIX}"
