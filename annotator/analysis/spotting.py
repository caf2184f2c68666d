"""Spotting assist: short facial movements as candidate onset/apex/offset intervals.

In the spirit of the MEGC baselines (frame-difference features inside face regions, a
threshold relative to the video's own noise, peaks grouped into intervals), kept cheap
enough to run several times faster than real time:

1. Motion per face and frame: the mean absolute luma difference between frame ``t`` and
   ``t - 1`` inside the face box, both cut with the *same* box, minimised over one-pixel
   shifts. Cutting both frames with one box means box jitter never reads as movement; the
   shift search absorbs slow head drift, which moves the whole face at once, while an
   expression changes part of it.
2. Smoothing over ~0.12 s and an adaptive threshold, median + ``z`` x MAD of the video's
   own signal: compression noise differs between videos by an order of magnitude.
3. Intervals: frames above the threshold, joined across short pauses (the movement slows
   to a stop at the apex) and across longer pauses while the face has not returned to its
   pre-onset appearance (an expression held at its apex).

Automatic spotting is weak (published MEGC F1 is 0.04-0.44): the output is a list of
candidates a person accepts or rejects, never events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from annotator.analysis.faces import Box, BoxesAt, HaarTracker, project_boxes
from annotator.analysis.video import Progress, ShouldStop, VideoInfo, iter_luma
from annotator.model import Project

log = logging.getLogger(__name__)

THUMB = 32  # side of the per-frame face thumbnail kept for apex and return-to-neutral tests


@dataclass(frozen=True, slots=True)
class Candidate:
    """A spotted movement on one face; frames inclusive, ``score`` = peak over threshold."""

    face: str
    onset_frame: int
    apex_frame: int
    offset_frame: int
    score: float
    label: str = ""  # what moved: a region ("mouth", "brows+eyes") or "AU45 blink"
    au: int | None = None  # set when the candidate is one AU (45 for a blink)

    @property
    def interval(self) -> tuple[int, int]:
        return (self.onset_frame, self.offset_frame)


@dataclass(frozen=True, slots=True)
class SpotParams:
    smooth_s: float = 0.12  # moving-average window
    z: float = 4.0  # threshold = median + z * MAD (of the smoothed signal)
    floor: float = 0.05  # minimum threshold in grey levels (still video, clean codec)
    short_pause_s: float = 0.2  # always join movements closer than this
    hold_max_s: float = 2.0  # join longer pauses, up to this, while the face stays changed
    min_frames: int = 2
    shift: int = 1  # shift search radius for head drift, in pixels per 240 px of face height
    max_crop: int = 160  # face crops larger than this are scaled down (speed)


@dataclass
class FaceTrack:
    """Per-frame motion and thumbnails of one face (NaN motion where the face is absent)."""

    motion: np.ndarray
    thumbs: np.ndarray  # (frames, THUMB, THUMB) uint8

    @classmethod
    def empty(cls, n: int) -> FaceTrack:
        return cls(np.full(n, np.nan, np.float32), np.zeros((n, THUMB, THUMB), np.uint8))


@dataclass
class SpotResult:
    info: VideoInfo
    candidates: list[Candidate]
    tracks: dict[str, FaceTrack] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- signal
def _crop(luma: np.ndarray, box: Box) -> tuple[int, int, int, int] | None:
    h, w = luma.shape
    x0, y0 = max(0, int(round(box[0]))), max(0, int(round(box[1])))
    x1, y1 = min(w, int(round(box[0] + box[2]))), min(h, int(round(box[1] + box[3])))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    return x0, y0, x1, y1


def motion(prev: np.ndarray, cur: np.ndarray, shift: int = 1, step: int = 1) -> float:
    """Mean |cur - prev| minimised over integer shifts of up to ``shift`` pixels.

    Large faces are sampled every ``step`` pixels instead of being scaled down: shifts stay
    whole pixels of the video, so a one-pixel head drift is still cancelled exactly.
    """
    h, w = cur.shape
    r = shift
    c = np.ascontiguousarray(cur[r : h - r : step, r : w - r : step])
    best = float("inf")
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            p = np.ascontiguousarray(prev[r + dy : h - r + dy : step, r + dx : w - r + dx : step])
            best = min(best, cv2.norm(c, p, cv2.NORM_L1))
    return best / c.size


def face_tracks(
    info: VideoInfo,
    boxes_at: BoxesAt,
    params: SpotParams = SpotParams(),
    *,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> dict[str, FaceTrack]:
    """One sequential decode pass computing every face's motion signal and thumbnails."""
    n = info.frame_count
    tracks: dict[str, FaceTrack] = {}
    prev: np.ndarray | None = None
    prev_index = -2
    for i, y in iter_luma(info, progress=progress, should_stop=should_stop):
        for fid, box in boxes_at(i, y).items():
            rect = _crop(y, box)
            if rect is None:
                continue
            x0, y0, x1, y1 = rect
            track = tracks.get(fid)
            if track is None:
                track = tracks[fid] = FaceTrack.empty(n)
            cur = y[y0:y1, x0:x1]
            track.thumbs[i] = cv2.resize(cur, (THUMB, THUMB), interpolation=cv2.INTER_AREA)
            if prev is not None and prev_index == i - 1:
                p = prev[y0:y1, x0:x1]
                step = max(1, -(-max(cur.shape) // params.max_crop))
                # head drift per frame grows with the face's size on screen
                radius = params.shift * max(1, int(round(cur.shape[0] / 240)))
                track.motion[i] = motion(p, cur, radius, step)
        prev = y.copy()
        prev_index = i
    return tracks


# --------------------------------------------------------------------------- intervals
def _smooth(x: np.ndarray, w: int) -> np.ndarray:
    if w <= 1:
        return x.copy()
    k = np.ones(w) / w
    pad = w // 2
    xp = np.pad(x, (pad, w - 1 - pad), mode="edge")
    return np.convolve(xp, k, mode="valid")


def threshold_of(signal: np.ndarray, params: SpotParams) -> float:
    med = float(np.median(signal))
    mad = float(np.median(np.abs(signal - med))) * 1.4826
    return max(params.floor, med + params.z * mad)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(
        zip(np.flatnonzero(d == 1).tolist(), (np.flatnonzero(d == -1) - 1).tolist(), strict=True)
    )


def _deviation(thumbs: np.ndarray, ref: int, frames: range) -> np.ndarray:
    """Mean |thumb_f - thumb_ref| for each frame f: how far the face is from frame ``ref``."""
    base = thumbs[ref].astype(np.float32)
    sel = thumbs[frames.start : frames.stop].astype(np.float32)
    return np.abs(sel - base).mean(axis=(1, 2)) if len(sel) else np.zeros(0)


def _held(thumbs: np.ndarray, run: list[int], gap: range, keep: float = 0.5) -> bool:
    """Is the face still changed over the pause ``gap`` (an apex held), compared with how
    far the movement ``run`` took it from its pre-onset frame?

    Absolute distances: a face drifting inside its box over a long pause can look
    "still changed"; runs seeded by a single-frame jump never get here (see caller).
    """
    ref = max(run[0] - 1, 0)
    peak = _deviation(thumbs, ref, range(run[0], run[1] + 1)).max(initial=0.0)
    pause = _deviation(thumbs, ref, gap)
    return bool(peak > 0 and len(pause) and pause.min() >= keep * peak)


def candidates_from_track(
    face: str, track: FaceTrack, fps: float, params: SpotParams = SpotParams()
) -> tuple[list[Candidate], float]:
    """Intervals of one face's motion signal (pure: unit-tested on synthetic signals)."""
    m = np.nan_to_num(track.motion, nan=0.0).astype(np.float64)
    if len(m) < 3 or not np.isfinite(track.motion).any():
        return [], float("nan")
    w = max(1, int(round(params.smooth_s * fps)) | 1)
    s = _smooth(m, w)
    thr = threshold_of(s[np.isfinite(track.motion)], params)
    runs = _runs(s > thr)

    def moving_frames(run: list[int] | tuple[int, int]) -> int:
        return int(np.sum(m[run[0] : run[1] + 1] > thr))

    short = max(1, int(round(params.short_pause_s * fps)))
    hold = max(short, int(round(params.hold_max_s * fps)))
    merged: list[list[int]] = []
    for a, b in runs:
        if merged:
            gap = a - merged[-1][1] - 1
            # a movement changes the face on at least two frames (leaving and coming back);
            # a single-frame jump (a keyframe's compression change, a flash) cannot be the
            # first half of a held expression
            if gap <= short or (
                gap <= hold
                and moving_frames(merged[-1]) >= 2
                and _held(track.thumbs, merged[-1], range(merged[-1][1], a))
            ):
                merged[-1][1] = b
                continue
        merged.append([a, b])
    out = []
    for a, b in merged:
        if moving_frames((a, b)) < 2:
            continue
        # motion at t is the change from t-1 to t: a run [a, b] moves away from frame a-1
        # and is back at frame b, so the changed frames are a .. b-1
        # the smoothed run is up to w // 2 frames wider on each side: trim it to the
        # first and last frames whose own motion passes the threshold
        above = np.flatnonzero(m[a : b + 1] > thr)
        if len(above):
            a, b = a + int(above[0]), a + int(above[-1])
        onset, offset = a, max(a, b - 1)
        if offset - onset + 1 < params.min_frames:
            continue
        # apex: furthest from both the frame before onset and the frame after offset, which
        # cancels most of a slow drift of the face inside its box
        frames = range(onset, offset + 1)
        after = min(offset + 1, len(m) - 1)
        dev = _deviation(track.thumbs, max(onset - 1, 0), frames) + _deviation(
            track.thumbs, after, frames
        )
        apex = onset + int(np.argmax(dev))
        out.append(Candidate(face, onset, apex, offset, float(s[a : b + 1].max() / thr)))
    return out, thr


def spot(
    video: str | Path,
    *,
    project: Project | None = None,
    params: SpotParams = SpotParams(),
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    boxes_at: BoxesAt | None = None,
) -> SpotResult:
    """Candidates for every face of ``video``: with face boxes (``boxes_at``, or a
    ``project``'s keyed boxes) pixel motion inside them; otherwise every face is tracked
    and its landmark motion per region is used (:mod:`spotting_tracks`; blinks come out as
    AU45 candidates). The Haar detector is the fallback when the model wheel is missing."""
    if boxes_at is None and project is None:
        from annotator.analysis.face_models import models_available

        if models_available():
            from annotator.analysis.spotting_tracks import spot_tracks

            return spot_tracks(video, progress=progress, should_stop=should_stop)
    info = VideoInfo.of(video)
    if boxes_at is None:
        boxes_at = (
            project_boxes(project)
            if project is not None
            else HaarTracker(every=max(1, int(round(float(info.fps)))))
        )
    tracks = face_tracks(info, boxes_at, params, progress=progress, should_stop=should_stop)
    result = SpotResult(info, [], tracks)
    for fid, track in tracks.items():
        cands, thr = candidates_from_track(fid, track, float(info.fps), params)
        result.candidates += cands
        result.thresholds[fid] = thr
    result.candidates.sort(key=lambda c: (c.onset_frame, c.face))
    return result


ProgressFn = Callable[[int, int], None]
