"""Cut detection on generated videos with known hard cuts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from analysis_videos import write_shots_video

from annotator.analysis.cuts import cuts_from_scores, detect_cuts, write_cuts
from annotator.analysis.intervals import Scores

CASES = {
    "four_cuts": ([30, 55, 90, 120], 150),
    "short_shots": ([10, 16, 40, 46, 52], 70),
    "no_cut": ([], 60),
}


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shots")
    for name, (cuts, n) in CASES.items():
        write_shots_video(folder / f"{name}.mp4", cuts, n)
    return folder


@pytest.mark.parametrize("name", list(CASES))
def test_hard_cuts_found_with_precision_and_recall_1(shots_dir: Path, name: str) -> None:
    truth, _n = CASES[name]
    _info, found = detect_cuts(shots_dir / f"{name}.mp4")
    got = [c.frame for c in found]
    tp = len(set(got) & set(truth))
    s = Scores(tp, len(got), len(truth))
    assert got == truth, s


def test_cuts_csv(shots_dir: Path, tmp_path: Path) -> None:
    info, found = detect_cuts(shots_dir / "four_cuts.mp4")
    out = tmp_path / "cuts.csv"
    write_cuts(out, found, info)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "frame,time_s,score"
    assert lines[1].startswith("30,1.200,")


def test_adaptive_rule_rejects_sustained_motion() -> None:
    s = np.full(100, 0.02)
    s[40:60] = 0.4  # a fast pan: high, but so are its neighbours
    s[80] = 0.5  # a cut
    assert [c.frame for c in cuts_from_scores(s)] == [80]
