"""The sliced loader (issue 18) gives exactly ``load_project``'s project, or its errors.

It parses the events array a slice at a time (so a worker never holds the GIL long); any
file not laid out one event per line, or with any problem, must come out of the real
loader, word for word."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from annotator.io import project_slices
from annotator.io.project_file import ProjectFileError, dump_bytes, load_project, save_project
from annotator.io.project_slices import _sliced, load_project_sliced, split_events

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import large_project  # noqa: E402


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("slices") / "p.facet.json"
    save_project(large_project.build(3000, frames=2000), path)
    return path


def outcome(path: Path) -> tuple[str, object]:
    """What a loader makes of ``path``: the saved bytes of the project, or the problems."""
    try:
        return "ok", dump_bytes(load_project(path).project)
    except ProjectFileError as e:
        return "error", e.problems


def sliced_outcome(path: Path) -> tuple[str, object]:
    try:
        return "ok", dump_bytes(load_project_sliced(path).project)
    except ProjectFileError as e:
        return "error", e.problems


def test_a_facet_file_is_read_in_slices_into_the_same_project(written: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(project_slices, "SLICE_BYTES", 4096)  # many slices
    split = split_events(written.read_bytes())
    assert split is not None and len(split[1]) > 50
    fast = _sliced(written)
    assert fast is not None  # the sliced path, not the fallback
    assert dump_bytes(fast.project) == dump_bytes(load_project(written).project)
    assert fast.path == written and fast.notes == load_project(written).notes


def sub(raw: bytes, pattern: bytes, new: bytes) -> bytes:
    changed = re.sub(pattern, lambda _m: new, raw, count=1)
    assert changed != raw, pattern
    return changed


def variants(raw: bytes) -> dict[str, bytes]:
    lines = raw.split(b"\n")
    first = next(i for i, line in enumerate(lines) if line.startswith(b"  {"))
    last = max(i for i, line in enumerate(lines) if line.startswith(b"  {"))
    out = {}
    out["trailing comma after the last event"] = b"\n".join(
        lines[:last] + [lines[last] + b","] + lines[last + 1 :]
    )
    out["missing comma between events"] = b"\n".join(
        lines[: first + 5] + [lines[first + 5].rstrip(b",")] + lines[first + 6 :]
    )
    split = re.sub(rb', ?"kind"', b',\n   "kind"', lines[first + 700], count=1)
    out["an event over two lines"] = b"\n".join(
        lines[: first + 700] + [split] + lines[first + 701 :]
    )

    def at(i: int, pattern: bytes, new: bytes) -> bytes:
        changed = re.sub(pattern, new, lines[first + i], count=1)
        assert changed != lines[first + i]
        return b"\n".join(lines[: first + i] + [changed] + lines[first + i + 1 :])

    out["duplicate id in another slice"] = at(2000, rb'"id": ?\d+', b'"id": 1')
    out["NaN in an event"] = at(1500, rb'"onset_frame": ?\d+', b'"onset_frame": NaN')
    out["an event in the header"] = sub(raw, rb'"title": ?"large"', b'"title": "events"')
    out["windows line ends"] = raw.replace(b"\n", b"\r\n")
    out["one line"] = b"".join(line.strip() for line in lines)
    out["offset past the end"] = sub(raw, rb'"offset_frame": ?1999', b'"offset_frame": 5000')
    out["unknown face"] = sub(raw, rb'"face": ?"B"', b'"face": "Z"')
    out["lone surrogate"] = sub(raw, rb'"code": ?"1"', b'"code": "\\ud800"')
    out["no events key"] = sub(raw, rb'"events": ?\[', b'"evnts": [')
    return out


def test_every_odd_file_comes_out_as_the_real_loader_says(
    written: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(project_slices, "SLICE_BYTES", 4096)
    for what, data in variants(written.read_bytes()).items():
        path = tmp_path / "odd.facet.json"
        path.write_bytes(data)
        assert sliced_outcome(path) == outcome(path), what


def test_real_project_files_load_alike(demo_project_path: Path) -> None:
    assert sliced_outcome(demo_project_path) == outcome(demo_project_path)
