"""Spotting from face tracks: landmark motion per region, and blinks as their own candidates.

Instead of pixel differences inside a hand-drawn box, every face is found and followed by
:mod:`annotator.analysis.tracking`; per region (brows, eyes, mouth) the motion signal is the
mean displacement of the region's mesh points between consecutive frames after removing the
head's own movement (a similarity fit of rigid points), in inter-ocular distances. The
interval logic is spotting's (adaptive threshold over the clip's own noise, joining pauses
while the face stays changed); the "thumbnails" it compares for held apexes are the region's
face-aligned landmark positions. Candidates of one face overlapping across regions merge
(a smile moves mouth and eyes). Blinks are dips of the eye opening below a fraction of its
running median, shorter than half a second: candidates labelled AU45.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from annotator.analysis.keyframes import TrackInput, _mean_iou
from annotator.analysis.signals import L_EYE, R_EYE, REGIONS, SIGNALS
from annotator.analysis.spotting import (
    Candidate,
    FaceTrack,
    SpotParams,
    SpotResult,
    candidates_from_track,
)
from annotator.analysis.tracking import REGION_NAMES, TrackParams, TrackResult, track_video
from annotator.analysis.video import Progress, ShouldStop, VideoInfo
from annotator.model import Face

RIGID = (*R_EYE, *L_EYE, 1, 10, 152, 168, 6, 234, 454)
# landmark-motion spotting: thresholds in inter-ocular distances per frame
REGION_PARAMS = SpotParams(floor=0.006, z=5.0)


@dataclass(frozen=True, slots=True)
class BlinkParams:
    closed: float = 0.6  # eye opening below this fraction of its running median = closed
    window_s: float = 1.5  # running median window
    max_s: float = 0.5  # longer closures are not blinks (eyes closed, AU43)
    min_frames: int = 1


def aligned(lm: np.ndarray) -> np.ndarray:
    """Landmarks in the face's own frame: rigid-point centroid at 0, eye line along x,
    inter-ocular distance 1 (x, y only)."""
    p = np.asarray(lm, np.float64)[:, :2]
    axis = p[list(L_EYE)].mean(0) - p[list(R_EYE)].mean(0)
    iod = max(float(np.hypot(*axis)), 1e-6)
    c, s = axis / iod
    q = p - p[list(RIGID)].mean(0)
    return np.stack([q[:, 0] * c + q[:, 1] * s, -q[:, 0] * s + q[:, 1] * c], 1) / iod


def aligned3d(lm: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """The 3D mesh rotated, scaled and moved onto ``ref`` (the rigid points of the track's
    first frame, centred, inter-ocular distance 1) by a least-squares similarity fit of
    its rigid points (Kabsch): head turns and nods cancel, expressions stay."""
    p = np.asarray(lm, np.float64)
    q = p[list(RIGID)]
    c = q.mean(0)
    q = q - c
    u, sv, vt = np.linalg.svd(q.T @ ref)
    d = np.diag([1.0, 1.0, float(np.sign(np.linalg.det(u @ vt))) or 1.0])
    rot = u @ d @ vt
    scale = float((sv * np.diag(d)).sum()) / max(float((q**2).sum()), 1e-9)
    return np.asarray(((p - c) @ rot) * scale)


def _rigid_ref(lm: np.ndarray) -> np.ndarray:
    p = np.asarray(lm, np.float64)
    iod = max(float(np.linalg.norm(p[list(L_EYE)].mean(0) - p[list(R_EYE)].mean(0))), 1e-6)
    q = p[list(RIGID)]
    return np.asarray((q - q.mean(0)) / iod)


class _Features:
    """Sink for the tracker: each region's aligned points per track and frame (2D, in the
    eye-line frame, for the motion logic; 3D, pose removed, for held changes)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.tracks: dict[int, dict[str, np.ndarray]] = {}
        self.tracks3d: dict[int, dict[str, np.ndarray]] = {}
        self._refs: dict[int, np.ndarray] = {}

    def __call__(self, track: int, frame: int, _box: np.ndarray, lm: np.ndarray) -> None:
        if not 0 <= frame < self.n:
            return
        per = self.tracks.get(track)
        a = aligned(lm)
        if per is None:
            per = self.tracks[track] = {
                r: np.zeros((self.n, len(ids) * 2, 1), np.float32) for r, ids in REGIONS.items()
            }
            self.tracks3d[track] = {
                r: np.full((self.n, len(ids) * 3), np.nan, np.float32) for r, ids in REGIONS.items()
            }
            self._refs[track] = _rigid_ref(lm)
        b = aligned3d(lm, self._refs[track])
        for r, ids in REGIONS.items():
            per[r][frame, :, 0] = a[list(ids)].reshape(-1)
            self.tracks3d[track][r][frame] = b[list(ids)].reshape(-1)


@dataclass(frozen=True, slots=True)
class HeldParams:
    window_s: float = 1.0
    # mean 3D displacement of a region's points (inter-ocular distances) between the mean
    # shape of the second before and of the second after a frame; absolute, not relative
    # to the clip's own spread: an expressive clip (WolfgangLanger cries, then smiles) has
    # no quiet baseline, and its smile's onset took 1.5 s (slow motion per frame)
    floor: float = 0.045


def held_changes(
    face: str, region: str, points: np.ndarray, fps: float, params: HeldParams = HeldParams()
) -> list[Candidate]:
    """Changes of a region's shape that last: the mean shape over ``window_s`` after a
    frame differs from the one before by more than ``floor`` (NaN rows = face absent; both
    windows must be complete). Catches slow onsets (a smile building over a second or more)
    that frame-to-frame motion misses. Candidate: the change's peak +- half a window."""
    n = len(points)
    w = max(2, round(params.window_s * fps))
    if n < 2 * w + 1:
        return []
    ok = np.isfinite(points).all(axis=1)
    x = np.where(ok[:, None], points, 0.0).astype(np.float64)
    cs = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    cn = np.concatenate([[0], np.cumsum(ok)])
    t = np.arange(w, n - w + 1)
    full = (cn[t] - cn[t - w] == w) & (cn[t + w] - cn[t] == w)
    stat = np.full(n, np.nan)
    stat[t] = np.where(full, np.abs((cs[t + w] - cs[t]) - (cs[t] - cs[t - w])).mean(1) / w, np.nan)
    above = np.nan_to_num(stat, nan=0.0) > params.floor
    out = []
    d = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1, strict=True):
        peak = int(a + np.nanargmax(stat[a : b + 1]))
        onset, offset = max(int(a), peak - w // 2), min(int(b), peak + w // 2)
        score = float(stat[peak] / params.floor)
        out.append(Candidate(face, onset, offset, offset, score, label=region))
    return out


def blinks(
    face: str,
    frames: np.ndarray,
    eye_open: np.ndarray,
    fps: float,
    params: BlinkParams = BlinkParams(),
) -> list[Candidate]:
    """Short dips of the (two-eye mean) opening; ``frames`` ascending, NaN = not found."""
    n = len(frames)
    if n < 5:
        return []
    w = max(3, round(params.window_s * fps) | 1)
    pad = w // 2
    x = np.asarray(eye_open, np.float64)
    xp = np.pad(x, pad, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(xp, w)
    base = np.nanmedian(windows, axis=1)
    ratio = x / np.maximum(base, 1e-6)
    closed = ratio < params.closed
    out: list[Candidate] = []
    d = np.diff(np.concatenate([[0], closed.astype(np.int8), [0]]))
    max_len = max(1, round(params.max_s * fps))
    for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1, strict=True):
        if frames[b] - frames[a] != b - a:  # across a gap in the track
            continue
        # widen to where the lid starts and ends moving: back above 85 % of the baseline
        lo, hi = a, b
        while lo > 0 and ratio[lo - 1] < 0.85 and frames[lo] - frames[lo - 1] == 1:
            lo -= 1
        while hi < n - 1 and ratio[hi + 1] < 0.85 and frames[hi + 1] - frames[hi] == 1:
            hi += 1
        if hi - lo + 1 > max_len or b - a + 1 < params.min_frames:
            continue
        if out and out[-1].onset_frame == int(frames[lo]):
            continue  # two dips inside one closure
        apex = lo + int(np.argmin(ratio[lo : hi + 1]))
        score = float((1 - ratio[apex]) / (1 - params.closed))
        out.append(
            Candidate(
                face,
                int(frames[lo]),
                int(frames[apex]),
                int(frames[hi]),
                score,
                label="AU45 blink",
                au=45,
            )
        )
    return out


def _overlap(a: Candidate, b: Candidate) -> bool:
    return a.face == b.face and a.onset_frame <= b.offset_frame and b.onset_frame <= a.offset_frame


def _merge(cands: list[Candidate]) -> list[Candidate]:
    """Join overlapping movement candidates of one face (regions named in the label)."""
    out: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c.face, c.onset_frame)):
        if out and _overlap(out[-1], c):
            o = out[-1]
            regions = sorted(set(o.label.split("+")) | set(c.label.split("+")))
            apex = o.apex_frame if o.score >= c.score else c.apex_frame
            out[-1] = replace(
                o,
                onset_frame=min(o.onset_frame, c.onset_frame),
                offset_frame=max(o.offset_frame, c.offset_frame),
                apex_frame=apex,
                score=max(o.score, c.score),
                label="+".join(regions),
            )
        else:
            out.append(c)
    return out


def _match_faces(res: TrackResult, faces: tuple[Face, ...], media_id: str) -> dict[int, str]:
    with_boxes = [f for f in faces if any(b.media == media_id for b in f.boxes)]
    pairs = sorted(
        (
            (_mean_iou(f, media_id, TrackInput(t.index, t.frames, t.boxes)), f.id, t.index)
            for f in with_boxes
            for t in res.tracks
        ),
        reverse=True,
    )
    out: dict[int, str] = {}
    for iou, fid, ti in pairs:
        if iou >= 0.3 and ti not in out and fid not in out.values():
            out[ti] = fid
    return out


def spot_tracks(
    video: str | Path,
    *,
    params: SpotParams = REGION_PARAMS,
    track_params: TrackParams | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    faces: tuple[Face, ...] = (),
    media_id: str = "m1",
) -> SpotResult:
    """Candidates for every tracked face of ``video``. A track takes the id of the face in
    ``faces`` whose boxes on ``media_id`` it overlaps most (mean IoU >= 0.3, e.g. after
    ``annotator track``); other tracks are named ``T1``, ``T2`` ..."""
    info = VideoInfo.of(video)
    feats = _Features(info.frame_count)
    res: TrackResult = track_video(
        info, track_params or TrackParams(), sink=feats, progress=progress, should_stop=should_stop
    )
    fps = float(info.fps) if info.fps else 25.0
    if not math.isfinite(fps) or fps <= 0:
        fps = 25.0
    result = SpotResult(info, [])
    eye_l, eye_r = SIGNALS.index("eye_open_l"), SIGNALS.index("eye_open_r")
    face_ids = _match_faces(res, faces, media_id)
    for t in res.tracks:
        face = face_ids.get(t.index, f"T{t.index + 1}")
        moves: list[Candidate] = []
        for k, region in enumerate(REGION_NAMES):
            motion = np.full(info.frame_count, np.nan, np.float32)
            ok = (t.frames >= 0) & (t.frames < info.frame_count)
            motion[t.frames[ok]] = t.motion[ok, k]
            points = feats.tracks[t.index][region]
            for m in t.merged:  # re-identified later parts: their own frames, zeros elsewhere
                points = points + feats.tracks[m][region]
            track = FaceTrack(motion, points)
            cands, thr = candidates_from_track(face, track, fps, params)
            result.thresholds[f"{face}/{region}"] = thr
            result.tracks[f"{face}/{region}"] = track
            moves += [replace(c, label=region) for c in cands]
            pts3 = feats.tracks3d[t.index][region]
            for m in t.merged:
                later = feats.tracks3d[m][region]
                pts3 = np.where(np.isfinite(later), later, pts3)
            moves += held_changes(face, region, pts3, fps)
        eyes = np.nanmean(t.signals[:, [eye_l, eye_r]], axis=1)
        bl = blinks(face, t.frames, eyes, fps)
        # an eye movement that is only a blink is reported once, as the blink
        moves = [c for c in moves if not (c.label == "eyes" and any(_overlap(c, b) for b in bl))]
        result.candidates += _merge(moves) + bl
    result.candidates.sort(key=lambda c: (c.onset_frame, c.face, c.label))
    return result
