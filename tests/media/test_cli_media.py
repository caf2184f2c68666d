"""``annotator probe`` / ``annotator frame``: through argparse and as a real subprocess."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator import cli_media
from annotator.media import MediaError
from annotator.media.barcode import read_index

ROOT = Path(__file__).resolve().parents[2]


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli_media.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_probe_json(make_clip, capsys) -> None:
    clip = make_clip("ntsc")
    assert _run(["probe", str(clip.path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["frame_count"] == 90 and info["fps"] == "30000/1001"


def test_probe_text(make_clip, capsys) -> None:
    assert _run(["probe", str(make_clip("vfr").path)]) == 0
    out = capsys.readouterr().out
    assert "70 decodable" in out and "variable frame rate" in out


def test_frame_png_is_exact(make_clip, tmp_path) -> None:
    clip = make_clip("long_gop250")
    out = tmp_path / "f.png"
    assert _run(["frame", str(clip.path), "--index", "217", "-o", str(out)]) == 0
    img = cli_media.read_png(out)
    assert img.shape == (120, 160, 3) and read_index(img) == 217


def test_errors_are_one_line(tmp_path, make_clip) -> None:
    with pytest.raises(MediaError) as e:
        _run(["probe", str(tmp_path / "missing.mp4")])
    assert "\n" not in str(e.value) and "missing.mp4" in str(e.value)
    with pytest.raises(ValueError, match="out of range"):
        _run(["frame", str(make_clip("ntsc").path), "--index", "90", "-o", str(tmp_path / "x.png")])


def test_png_round_trip(tmp_path) -> None:
    import numpy as np

    rgb = np.random.default_rng(0).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    cli_media.write_png(tmp_path / "a.png", rgb)
    np.testing.assert_array_equal(cli_media.read_png(tmp_path / "a.png"), rgb)


def test_subprocess_cli(make_clip, tmp_path) -> None:
    """The lead's ``python -m annotator`` wires these commands; errors stay one line."""
    clip = make_clip("cfr25_gop50")
    run = [sys.executable, "-m", "annotator"]
    r = subprocess.run(
        [*run, "probe", str(clip.path), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    if r.returncode != 0 and "invalid choice" in r.stderr:
        pytest.skip("annotator CLI does not register cli_media yet")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["frame_count"] == 120
    out = tmp_path / "f.png"
    r = subprocess.run(
        [*run, "frame", str(clip.path), "--index", "77", "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert read_index(cli_media.read_png(out)) == 77
    r = subprocess.run(
        [*run, "probe", str(tmp_path / "nope.mp4")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "nope.mp4" in r.stderr
    assert "Traceback" not in r.stderr
