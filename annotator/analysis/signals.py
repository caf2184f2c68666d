"""Landmark signals: facial geometry per frame from the 468-point Face Mesh.

Every distance is measured in the face's own frame (rotated so the eye line is horizontal,
which removes head roll) and divided by the inter-ocular distance (IOD, between the two eye
centres), so the signals do not change with the face's size on screen. ``_l`` and ``_r`` are
the subject's own left and right (on an unmirrored video the subject's left eye is on the
right of the picture). Formulas, related AUs and limits: docs/signals.md.
"""

from __future__ import annotations

import math

import numpy as np

from annotator.model.face_signals import PAIRED as PAIRED  # the one list of names
from annotator.model.face_signals import SIGNALS as SIGNALS

# Face Mesh indices (MediaPipe canonical face topology); R/L are the subject's sides.
R_EYE = (33, 133)  # outer, inner corner
L_EYE = (263, 362)
R_LIDS = (159, 145)  # upper, lower lid centre
L_LIDS = (386, 374)
R_BROW = (70, 63, 105, 66, 107)
L_BROW = (300, 293, 334, 296, 336)
R_BROW_INNER, L_BROW_INNER = 107, 336
R_CORNER, L_CORNER = 61, 291
UPPER_LIP_INNER, LOWER_LIP_INNER = 13, 14
NOSE_TIP, FOREHEAD, CHIN = 1, 10, 152

# Regions for spotting: landmark indices whose motion is summed per region.
REGIONS: dict[str, tuple[int, ...]] = {
    "brows": R_BROW + L_BROW + (55, 285, 52, 282),
    "eyes": R_EYE + L_EYE + R_LIDS + L_LIDS + (158, 160, 144, 153, 385, 387, 373, 380),
    "mouth": (61, 291, 0, 17, 13, 14, 37, 267, 84, 314, 40, 270, 91, 321, 78, 308),
}


def signals(lm: np.ndarray) -> np.ndarray:
    """All :data:`SIGNALS` for one face on one frame, from landmarks (468, 3) in pixels."""
    lm = np.asarray(lm, np.float64)
    xy = lm[:, :2]
    r_eye = xy[list(R_EYE)].mean(0)
    l_eye = xy[list(L_EYE)].mean(0)
    axis = l_eye - r_eye
    iod = float(np.hypot(*axis))
    out = np.full(len(SIGNALS), np.nan, np.float32)
    if not np.isfinite(iod) or iod < 1e-6:
        return out
    ux = axis / iod  # towards the subject's left
    uy = np.array([-ux[1], ux[0]])  # down the face
    mid = (r_eye + l_eye) / 2
    u = (xy - mid) @ ux / iod
    v = (xy - mid) @ uy / iod

    def brow(ids: tuple[int, ...], eye: tuple[int, ...]) -> float:
        return float(v[list(eye)].mean() - v[list(ids)].mean())

    def lid(ids: tuple[int, int]) -> float:
        return float(v[ids[1]] - v[ids[0]])

    top = UPPER_LIP_INNER

    def pull(corner: int) -> float:
        return float(abs(u[corner] - u[NOSE_TIP]) + (v[top] - v[corner]))

    def depress(corner: int) -> float:
        return float(v[corner] - v[top])

    vals = {
        "brow_raise_l": brow(L_BROW, L_EYE),
        "brow_raise_r": brow(R_BROW, R_EYE),
        "brow_lower": 1.0
        - float(np.hypot(u[L_BROW_INNER] - u[R_BROW_INNER], v[L_BROW_INNER] - v[R_BROW_INNER])),
        "eye_open_l": lid(L_LIDS),
        "eye_open_r": lid(R_LIDS),
        "lip_corner_pull_l": pull(L_CORNER),
        "lip_corner_pull_r": pull(R_CORNER),
        "lip_corner_depress_l": depress(L_CORNER),
        "lip_corner_depress_r": depress(R_CORNER),
        "mouth_open": float(v[LOWER_LIP_INNER] - v[UPPER_LIP_INNER]),
    }
    vals.update(zip(("head_yaw", "head_pitch", "head_roll"), head_pose(lm), strict=True))
    for p in PAIRED:
        vals[f"asym_{p}"] = vals[f"{p}_l"] - vals[f"{p}_r"]
    for i, name in enumerate(SIGNALS):
        out[i] = vals[name]
    return out


def head_pose(lm: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from the mesh's 3D points (z in pixel scale, away from
    the camera positive): the face's x axis runs from the right to the left eye centre, its
    y axis from forehead to chin, made orthogonal. Yaw > 0: turned to the subject's left
    (AU51); pitch > 0: head up (AU53); roll > 0: tilted toward the subject's left
    shoulder as seen on an unmirrored picture (AU55)."""
    p = np.asarray(lm, np.float64)
    x = p[list(L_EYE)].mean(0) - p[list(R_EYE)].mean(0)
    y = p[CHIN] - p[FOREHEAD]
    nx = np.linalg.norm(x)
    if nx < 1e-9:
        return (math.nan, math.nan, math.nan)
    x = x / nx
    y = y - x * (y @ x)
    ny = np.linalg.norm(y)
    if ny < 1e-9:
        return (math.nan, math.nan, math.nan)
    y = y / ny
    yaw = math.degrees(math.atan2(x[2], math.hypot(x[0], x[1])))
    pitch = math.degrees(math.atan2(-y[2], math.hypot(y[0], y[1])))
    roll = math.degrees(math.atan2(x[1], x[0]))
    return (yaw, pitch, roll)


def region_motion(prev: np.ndarray, cur: np.ndarray) -> dict[str, float]:
    """Mean landmark displacement per region between two frames, in IOD units, after
    removing the whole face's movement (a similarity fit of the rigid points: eye corners,
    nose, forehead, chin), so head motion does not read as an expression."""
    a = np.asarray(prev, np.float64)[:, :2]
    b = np.asarray(cur, np.float64)[:, :2]
    rigid = [*R_EYE, *L_EYE, NOSE_TIP, FOREHEAD, CHIN, 168, 6, 234, 454]
    ca, cb = a[rigid].mean(0), b[rigid].mean(0)
    pa, pb = a[rigid] - ca, b[rigid] - cb
    # similarity transform a -> b (Umeyama without reflection), as a complex number
    za = pa[:, 0] + 1j * pa[:, 1]
    zb = pb[:, 0] + 1j * pb[:, 1]
    k = (np.conj(za) @ zb) / max(float(np.real(np.conj(za) @ za)), 1e-9)
    aa = (a[:, 0] - ca[0]) + 1j * (a[:, 1] - ca[1])
    moved = aa * k + (cb[0] + 1j * cb[1])
    d = np.abs((b[:, 0] + 1j * b[:, 1]) - moved)
    iod = float(np.hypot(*(b[list(L_EYE)].mean(0) - b[list(R_EYE)].mean(0))))
    iod = max(iod, 1e-6)
    return {name: float(d[list(ids)].mean() / iod) for name, ids in REGIONS.items()}
