"""Follow every face through a video: a detector every few frames, landmarks in between.

Per frame, each live track's region comes from its previous frame's 468-point mesh (MediaPipe's
own tracking scheme: landmarks are cheaper and steadier than detection); the mesh's presence
score says when the face is lost. Every ``detect_every_s`` (and on every frame while no face is
known) BlazeFace full-range looks for faces; a detection no live track covers starts a track,
unless it looks like a face lost in the last ``reid_s`` seconds (an occlusion or a cut away
and back), which then continues under its old id. Appearance for that test is a hue-saturation
histogram of the eye-aligned face crop, averaged over the track.

Memory is bounded: per track only a few numbers per frame stay in memory (box, score,
signals, region motion); the landmarks go to ``sink`` as they are found (the caller spools
them to disk).
"""

from __future__ import annotations

import logging
import math
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from annotator.analysis.cuts import _hist as _shot_hist
from annotator.analysis.face_models import (
    EYE_CONTOUR_L,
    EYE_CONTOUR_R,
    BlazeFace,
    Detection,
    EyeRefiner,
    FaceMesh,
    Roi,
    _prestride,
    landmark_box,
    roi_from_detection,
    roi_from_landmarks,
)
from annotator.analysis.prefetch import prefetch
from annotator.analysis.reid import LinkParams, Segment, appearance, link_segments, similarity
from annotator.analysis.signals import REGIONS, SIGNALS, region_motion, signals
from annotator.analysis.video import Cancelled, Progress, ShouldStop, VideoInfo
from annotator.media import MediaError

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
Sink = Callable[[int, int, np.ndarray, np.ndarray], None]  # (track, frame, box, landmarks)
REGION_NAMES = tuple(REGIONS)
EYE_IDS = EYE_CONTOUR_R + EYE_CONTOUR_L


@dataclass(frozen=True, slots=True)
class TrackParams:
    detect_every_s: float = 0.3
    min_score: float = 0.55  # detector score
    mesh_min: float = 0.5  # mesh presence score below which the face is lost
    match_iou: float = 0.25
    reid_s: float = 30.0
    reid_min: float = 0.85  # histogram correlation needed to continue a lost track
    reid_near: float = 0.6  # ... or this much when it reappears near where it was lost
    # after the pass, tracks that never overlap are joined when they look alike (analysis.reid)
    link: LinkParams | None = LinkParams()
    cut_floor: float = 0.2  # shot-change score (see analysis.cuts) ending every track
    min_track_s: float = 0.25  # shorter tracks are dropped (passing faces, false alarms)
    missed_rounds: int = 3  # detector rounds in a row without confirming a track -> lost
    tile_above: int = 720  # taller frames are also searched in overlapping tiles
    max_faces: int = 12
    refine_eyes: bool = True  # the iris model's eyelids (blinks); the mesh's barely move
    # run the eye model on every n-th frame of a track; in between the last correction of
    # the eye contours is carried over (the eye model costs more than the mesh)
    eye_every: int = 2  # same blinks found on the samples as with 1, ~30 % faster


@dataclass
class Track:
    """One face followed through the video; arrays are filled when :meth:`finish` runs."""

    index: int
    # flat typed arrays, ~100 bytes per frame: an hour at 25 fps is ~9 MB per face
    frames: array[int] = field(default_factory=lambda: array("i"))
    boxes: array[float] = field(default_factory=lambda: array("f"))
    scores: array[float] = field(default_factory=lambda: array("f"))
    sig: array[float] = field(default_factory=lambda: array("f"))
    motion: array[float] = field(default_factory=lambda: array("f"))
    box: Box = (0.0, 0.0, 0.0, 0.0)  # the latest box
    eye_offset: np.ndarray | None = None  # eye model minus mesh, eye contour points
    hist: np.ndarray | None = None
    looks: int = 0  # appearance samples so far
    start_look: np.ndarray | None = None  # sum of the first START_LOOKS samples
    look_sum: np.ndarray | None = None  # sum of all samples
    first_box: Box = (0.0, 0.0, 0.0, 0.0)
    last_lm: np.ndarray | None = None
    last_frame: int = -1
    missed: int = 0
    alive: bool = True

    def add(self, frame: int, lm: np.ndarray, score: float, hist: np.ndarray | None) -> None:
        box = landmark_box(lm)
        if self.last_lm is not None and self.last_frame == frame - 1:
            rm = region_motion(self.last_lm, lm)
            mot = np.array([rm[r] for r in REGION_NAMES], np.float32)
        else:
            mot = np.full(len(REGION_NAMES), np.nan, np.float32)
        self.frames.append(frame)
        self.boxes.extend(box)
        self.box = box
        self.scores.append(score)
        self.sig.extend(signals(lm).tolist())
        self.motion.extend(mot.tolist())
        if len(self.frames) == 1:
            self.first_box = box
        if hist is not None:
            self.hist = hist if self.hist is None else 0.7 * self.hist + 0.3 * hist
            self.look_sum = hist.copy() if self.look_sum is None else self.look_sum + hist
            if self.looks < START_LOOKS:
                self.start_look = hist.copy() if self.start_look is None else self.start_look + hist
            self.looks += 1
        self.last_lm = lm
        self.last_frame = frame

    def segment(self) -> Segment | None:
        if self.hist is None or self.look_sum is None or self.start_look is None:
            return None
        return Segment(
            self.index,
            self.frames[0],
            self.frames[-1],
            self.first_box,
            self.box,
            self.start_look / min(self.looks, START_LOOKS),
            self.hist,
            self.look_sum / self.looks,
        )

    def arrays(self) -> TrackArrays:
        return TrackArrays(
            self.index,
            np.frombuffer(self.frames, np.int32).astype(np.int64),
            np.frombuffer(self.boxes, np.float32).reshape(-1, 4).copy(),
            np.frombuffer(self.scores, np.float32).copy(),
            np.frombuffer(self.sig, np.float32).reshape(-1, len(SIGNALS)).copy(),
            np.frombuffer(self.motion, np.float32).reshape(-1, len(REGION_NAMES)).copy(),
        )


@dataclass
class TrackArrays:
    """A finished track: frames ascending, with box (x, y, w, h), score, signals (columns in
    :data:`SIGNALS` order) and region motion (:data:`REGION_NAMES`) per frame."""

    index: int
    frames: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    signals: np.ndarray
    motion: np.ndarray
    # indices of later tracks joined into this one by re-identification (their landmark
    # rows went to the sink under those indices)
    merged: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.frames)


_ARRAY_FIELDS = ("frames", "boxes", "scores", "signals", "motion")


@dataclass
class TrackResult:
    info: VideoInfo
    tracks: list[TrackArrays]
    warnings: list[str] = field(default_factory=list)
    frames_read: int = 0


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _covers(track_box: Box, box: Box, iou: float) -> bool:
    """Same face: the boxes overlap enough, or one box's centre lies inside the other (a
    detector's square box around a mesh's brow-to-chin box can overlap little)."""
    if _iou(track_box, box) >= iou:
        return True
    for a, b in ((track_box, box), (box, track_box)):
        cx, cy = b[0] + b[2] / 2, b[1] + b[3] / 2
        if a[0] <= cx <= a[0] + a[2] and a[1] <= cy <= a[1] + a[3]:
            return True
    return False


HIST_EVERY = 5  # a track's appearance is sampled on every 5th frame (running mean 0.7/0.3)
START_LOOKS = 5  # samples averaged for a track's appearance at its start
_hist = appearance  # the names this module used before analysis.reid existed
_similar = similarity


class FaceTracker:
    """Stateful per-frame tracker; feed it frames in order with :meth:`step`."""

    def __init__(
        self, fps: float, params: TrackParams = TrackParams(), sink: Sink | None = None
    ) -> None:
        self.params = params
        self.fps = fps
        self.detector = BlazeFace("full", min_score=params.min_score)
        self.mesh = FaceMesh()
        self.eyes = EyeRefiner() if params.refine_eyes else None
        self.tracks: list[Track] = []
        self.sink = sink
        self.detect_every = max(1, round(params.detect_every_s * fps))
        self._last_detect = -(10**9)
        self._round = 0
        self._prev_small: tuple[np.ndarray, np.ndarray] | None = None
        self._scores: list[float] = []
        self.cuts: list[int] = []

    def _shot_changed(self, frame: int, rgb: np.ndarray) -> bool:
        """A hard cut, judged causally like analysis.cuts: colour histogram and pixel
        difference of a 64 px picture against the previous frame, well above both a floor
        and the recent frames' scores (fast motion raises those too)."""
        small = cv2.resize(_prestride(rgb, 64), (64, 36), interpolation=cv2.INTER_AREA)
        hist = _shot_hist(small)
        cut = False
        if self._prev_small is not None:
            ph, ps = self._prev_small
            score = 0.5 * (float(np.abs(hist - ph).sum()) / 6) + 0.5 * float(
                np.abs(small.astype(np.int16) - ps).mean() / 255
            )
            recent = self._scores[-4:]
            cut = score > self.params.cut_floor and (
                not recent or score > 3 * (sum(recent) / len(recent))
            )
            self._scores.append(score)
            if cut:
                self.cuts.append(frame)
        self._prev_small = (hist, small.astype(np.int16))
        return cut

    # ------------------------------------------------------------------ detection
    def detect(self, rgb: np.ndarray) -> list[Detection]:
        h, w = rgb.shape[:2]
        dets = self.detector(rgb)
        if h > self.params.tile_above:
            # small faces vanish in a 192 px picture of the whole frame: also look in one of
            # six overlapping tiles (two rows of three, each ~ half the frame's height) per
            # round, in turn, so a small face is found within six rounds
            th, tw = int(h * 0.55), int(w * 0.4)
            tiles = [(tx, ty) for ty in (0, h - th) for tx in (0, (w - tw) // 2, w - tw)]
            tx, ty = tiles[self._round % len(tiles)]
            dets += self.detector(rgb, (tx, ty, tw, th))
            dets = self._dedupe(dets)
        self._round += 1
        return dets

    @staticmethod
    def _dedupe(dets: list[Detection]) -> list[Detection]:
        out: list[Detection] = []
        for d in sorted(dets, key=lambda d: -d.score):
            if all(_iou(d.box, o.box) < 0.3 for o in out):
                out.append(d)
        return out

    # ------------------------------------------------------------------ per frame
    def step(self, frame: int, rgb: np.ndarray) -> None:
        p = self.params
        h, w = rgb.shape[:2]
        if self._shot_changed(frame, rgb):
            for t in self.tracks:
                t.alive = False
            self._last_detect = -(10**9)
        live = [t for t in self.tracks if t.alive]
        rois = [roi_from_landmarks(t.last_lm) for t in live if t.last_lm is not None]
        kept: list[tuple[Track, np.ndarray, float, Roi]] = []
        for t, roi, (lm, score) in zip(live, rois, self.mesh.batch(rgb, rois), strict=True):
            bx = landmark_box(lm)
            inside = (
                bx[2] > 4 and bx[0] + bx[2] > 0 and bx[1] + bx[3] > 0 and bx[0] < w and bx[1] < h
            )
            ob = t.box
            jump = math.hypot(
                bx[0] + bx[2] / 2 - ob[0] - ob[2] / 2, bx[1] + bx[3] / 2 - ob[1] - ob[3] / 2
            ) > 0.6 * max(ob[2], 1.0)
            if score < p.mesh_min or not inside or jump or t.last_frame < frame - 1:
                t.alive = False
                continue
            kept.append((t, lm, score, roi))
        for (t, _lm, score, roi), lm in zip(
            kept, self._eyes(rgb, [k[1] for k in kept], [k[0] for k in kept], frame), strict=True
        ):
            # the appearance is a slow running mean: sampled every few frames is enough
            due_hist = len(t.frames) % HIST_EVERY == 0
            self._record(t, frame, lm, score, _hist(rgb, roi) if due_hist else None)
        self._drop_duplicates()
        live = [t for t in self.tracks if t.alive]
        due = frame - self._last_detect >= self.detect_every
        if not live and frame - self._last_detect >= max(1, self.detect_every // 3):
            due = True
        if not due:
            return
        self._last_detect = frame
        dets = self.detect(rgb)
        confirmed: set[int] = set()
        for d in dets:
            hits = [t for t in live if _covers(t.box, d.box, p.match_iou)]
            if hits:
                confirmed.add(max(hits, key=lambda t: _iou(d.box, t.box)).index)
                continue
            if len([t for t in self.tracks if t.alive]) >= p.max_faces:
                continue
            roi = roi_from_detection(d)
            lm, score = self.mesh(rgb, roi)
            if score < p.mesh_min:
                continue
            # the mesh's own region is tighter and eye-aligned: one refinement step
            roi = roi_from_landmarks(lm)
            lm, score = self.mesh(rgb, roi)
            if score < p.mesh_min:
                continue
            box = landmark_box(lm)
            if any(_covers(t.box, box, p.match_iou) for t in self.tracks if t.alive):
                continue
            hist = _hist(rgb, roi)
            t = self._reidentify(frame, hist, box) or self._new_track()
            t.alive, t.missed = True, 0
            self._record(t, frame, self._eyes(rgb, [lm], [t], frame)[0], score, hist)
            confirmed.add(t.index)
        for t in live:
            if t.index in confirmed:
                t.missed = 0
            else:
                t.missed += 1
                if t.missed >= p.missed_rounds:
                    t.alive = False

    def _eyes(
        self, rgb: np.ndarray, lms: list[np.ndarray], tracks: list[Track], frame: int
    ) -> list[np.ndarray]:
        if self.eyes is None or not lms:
            return lms
        n = max(1, self.params.eye_every)
        due = [
            k
            for k, t in enumerate(tracks)
            if t.eye_offset is None or (frame - t.frames[0] if t.frames else 0) % n == 0
        ]
        out = list(lms)
        if due:
            for k, lm in zip(due, self.eyes.refine(rgb, [lms[k] for k in due]), strict=True):
                tracks[k].eye_offset = (lm - lms[k])[list(EYE_IDS)]
                out[k] = lm
        for k, t in enumerate(tracks):
            if k not in due and t.eye_offset is not None:
                lm = lms[k].copy()
                lm[list(EYE_IDS)] += t.eye_offset
                out[k] = lm
        return out

    def _record(
        self, t: Track, frame: int, lm: np.ndarray, score: float, hist: np.ndarray | None
    ) -> None:
        t.add(frame, lm, score, hist)
        if self.sink is not None:
            self.sink(t.index, frame, np.asarray(t.box, np.float32), lm)

    def _new_track(self) -> Track:
        t = Track(len(self.tracks))
        self.tracks.append(t)
        return t

    def _reidentify(self, frame: int, hist: np.ndarray, box: Box) -> Track | None:
        """A lost track this face continues: a very similar appearance anywhere (after a
        cut), or a fairly similar one close to where it was lost within two seconds (an
        occlusion, a turn away)."""
        p = self.params
        window = p.reid_s * self.fps
        best, best_sim = None, 0.0
        for t in self.tracks:
            if t.alive or t.hist is None or frame - t.last_frame > window:
                continue
            sim = _similar(t.hist, hist)
            ob = t.box
            near = frame - t.last_frame <= 2 * self.fps and math.hypot(
                box[0] + box[2] / 2 - ob[0] - ob[2] / 2, box[1] + box[3] / 2 - ob[1] - ob[3] / 2
            ) < max(ob[2], box[2])
            log.debug(
                "frame %d: re-id candidate track %d similarity %.2f near %s",
                frame,
                t.index,
                sim,
                near,
            )
            if (sim >= p.reid_min or (near and sim >= p.reid_near)) and sim > best_sim:
                best, best_sim = t, sim
        return best

    def _drop_duplicates(self) -> None:
        """Two live tracks on one face (a detection started a second one): keep the older."""
        live = [t for t in self.tracks if t.alive]
        for i, a in enumerate(live):
            for b in live[i + 1 :]:
                if a.alive and b.alive and _iou(a.box, b.box) > 0.5:
                    (b if len(b.frames) <= len(a.frames) else a).alive = False

    def finish(self) -> list[TrackArrays]:
        """The tracks, those of one face after a cut or an absence joined (analysis.reid);
        ones still shorter than ``min_track_s`` are dropped."""
        min_len = max(2, round(self.params.min_track_s * self.fps))
        tracks = [t for t in self.tracks if t.frames]
        chains = [[t.index] for t in tracks]
        if self.params.link is not None:
            segs = [s for t in tracks if (s := t.segment()) is not None]
            linked = link_segments(segs, self.fps, self.params.link)
            seen = {i for c in linked for i in c}
            chains = linked + [[t.index] for t in tracks if t.index not in seen]
        out = []
        for chain in chains:
            parts = [self.tracks[i].arrays() for i in chain]
            if sum(len(a) for a in parts) < min_len:
                continue
            if len(parts) == 1:
                out.append(parts[0])
                continue
            log.info("tracks %s are one face (re-identified)", chain)
            cat = {f: np.concatenate([getattr(a, f) for a in parts]) for f in _ARRAY_FIELDS}
            out.append(TrackArrays(chain[0], **cat, merged=tuple(chain[1:])))
        return sorted(out, key=lambda a: a.index)


# --------------------------------------------------------------------------- decoding
def iter_rgb(
    info: VideoInfo,
    warnings: list[str],
    *,
    should_stop: ShouldStop | None = None,
    progress: Progress | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Frames as RGB in presentation order; a packet that fails to decode is skipped with a
    warning instead of ending the pass."""
    try:
        container = av.open(str(info.path))
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{info.path.name}: cannot open ({exc})") from exc
    total = info.frame_count
    step = max(1, total // 200)
    bad = 0
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        fallback = 0
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError as exc:
                bad += 1
                if bad <= 3:
                    warnings.append(
                        f"{info.path.name}: skipped an unreadable frame near "
                        f"frame {fallback} ({exc})"
                    )
                continue
            for fr in frames:
                if should_stop is not None and should_stop():
                    raise Cancelled()
                pts = fr.pts if fr.pts is not None else fr.dts
                if pts is None:
                    i = fallback
                else:
                    i = int(np.searchsorted(info.pts, pts))
                    if i >= total or int(info.pts[i]) != pts:
                        continue
                fallback = i + 1
                yield i, fr.to_ndarray(format="rgb24")
                if progress is not None and (i % step == 0 or i == total - 1):
                    progress(i + 1, total)
    finally:
        container.close()
    if bad > 3:
        warnings.append(f"{info.path.name}: {bad} unreadable packets skipped in all")


def track_video(
    video: str | Path | VideoInfo,
    params: TrackParams = TrackParams(),
    *,
    sink: Sink | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    frames: Any = None,
) -> TrackResult:
    """Track every face of ``video`` in one decoding pass (``frames``: an iterable of
    ``(index, rgb)`` to use instead of decoding, e.g. a looped clip for the bench)."""
    info = video if isinstance(video, VideoInfo) else VideoInfo.of(video)
    fps = float(info.fps) if info.fps else 25.0
    if not math.isfinite(fps) or fps <= 0:
        fps = 25.0
    tracker = FaceTracker(fps, params, sink)
    result = TrackResult(info, [])
    # decoding runs in its own thread, a few frames ahead (see analysis.prefetch); progress
    # is reported from this thread, as the frames are tracked
    source = (
        frames
        if frames is not None
        else prefetch(iter_rgb(info, result.warnings, should_stop=should_stop))
    )
    total = info.frame_count
    every = max(1, total // 200)
    n = 0
    for i, rgb in source:
        if should_stop is not None and should_stop():
            raise Cancelled()
        tracker.step(i, rgb)
        n += 1
        if progress is not None and frames is None and (i % every == 0 or i == total - 1):
            progress(i + 1, total)
    result.frames_read = n
    result.tracks = tracker.finish()
    return result
