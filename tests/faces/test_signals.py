"""Landmark signals: invariance to size and roll, and the subject's own sides."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from samples_dir import sample

from annotator.analysis.face_models import BlazeFace, FaceMesh, roi_from_detection
from annotator.analysis.signals import PAIRED, SIGNALS, region_motion, signals

from .conftest import needs_models

pytestmark = needs_models


@pytest.fixture(scope="module")
def mesh() -> np.ndarray:
    img = cv2.cvtColor(cv2.imread(str(sample("images/pyfeat_multi_face.jpg"))), cv2.COLOR_BGR2RGB)
    d = BlazeFace("full")(img)[0]
    return FaceMesh()(img, roi_from_detection(d))[0]


def _rotate(lm: np.ndarray, deg: float, scale: float = 1.0) -> np.ndarray:
    a = math.radians(deg)
    r = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    out = lm.copy()
    c = lm[:, :2].mean(0)
    out[:, :2] = (lm[:, :2] - c) @ r.T * scale + c + 50
    out[:, 2] = lm[:, 2] * scale
    return out


def test_names_are_the_issues(mesh: np.ndarray) -> None:
    assert SIGNALS[:13] == (
        "brow_raise_l",
        "brow_raise_r",
        "brow_lower",
        "eye_open_l",
        "eye_open_r",
        "lip_corner_pull_l",
        "lip_corner_pull_r",
        "lip_corner_depress_l",
        "lip_corner_depress_r",
        "mouth_open",
        "head_yaw",
        "head_pitch",
        "head_roll",
    )
    assert SIGNALS[13:] == tuple(f"asym_{p}" for p in PAIRED)
    s = dict(zip(SIGNALS, signals(mesh), strict=True))
    assert s["asym_eye_open"] == pytest.approx(s["eye_open_l"] - s["eye_open_r"], abs=1e-6)


def test_size_and_roll_do_not_change_expression_signals(mesh: np.ndarray) -> None:
    base = dict(zip(SIGNALS, signals(mesh), strict=True))
    moved = dict(zip(SIGNALS, signals(_rotate(mesh, 20, 2.5)), strict=True))
    for name in SIGNALS:
        if name.startswith("head_"):
            continue
        assert moved[name] == pytest.approx(base[name], abs=1e-3), name
    assert moved["head_roll"] - base["head_roll"] == pytest.approx(20, abs=0.5)


def test_opening_the_mouth_and_raising_one_brow(mesh: np.ndarray) -> None:
    base = dict(zip(SIGNALS, signals(mesh), strict=True))
    lm = mesh.copy()
    x0, x1 = mesh[:, 0].min(), mesh[:, 0].max()
    iod = np.hypot(*(mesh[[263, 362], :2].mean(0) - mesh[[33, 133], :2].mean(0)))
    lm[[14, 17, 152], 1] += 0.3 * iod  # jaw drop
    # the subject's left brow is on the picture's right
    lm[[300, 293, 334, 296, 336], 1] -= 0.1 * iod
    s = dict(zip(SIGNALS, signals(lm), strict=True))
    assert s["mouth_open"] == pytest.approx(base["mouth_open"] + 0.3, abs=0.01)
    assert s["brow_raise_l"] == pytest.approx(base["brow_raise_l"] + 0.1, abs=0.01)
    assert s["brow_raise_r"] == pytest.approx(base["brow_raise_r"], abs=1e-6)
    assert s["asym_brow_raise"] > base["asym_brow_raise"]
    assert x1 > x0


def test_region_motion_ignores_head_motion(mesh: np.ndarray) -> None:
    still = region_motion(mesh, _rotate(mesh, 5, 1.1))
    assert max(still.values()) < 1e-3
    lm = mesh.copy()
    lm[[61, 291], 1] -= 10  # lip corners up
    moved = region_motion(mesh, lm)
    assert moved["mouth"] > 10 * max(moved["brows"], 1e-4)


def test_io_names_match_the_analysis_names() -> None:
    from annotator.io.signals_csv import SIGNAL_NAMES

    assert SIGNAL_NAMES == SIGNALS
