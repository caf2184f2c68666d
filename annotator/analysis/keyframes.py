"""Tracked boxes to keyframes, and tracks to the project's faces.

A track has a box on every frame; the project stores keyframes that ``Face.box_at``
interpolates linearly. :func:`simplify` keeps as few keyframes as hold the interpolated box
within ``tol`` pixels of the tracked one (each coordinate) on every frame: greedy, each key
reaching as far as the interpolation stays within the tolerance.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from annotator.model import Face, FaceBox, Project
from annotator.model.entities import FACE_COLOURS

TRACK = "track"


def smooth_boxes(frames: np.ndarray, boxes: np.ndarray, width: int = 5) -> np.ndarray:
    """Centred moving average over ``width`` frames inside each run of consecutive frames
    (a landmark box jitters by a pixel or two; a keyframe per jitter would be useless)."""
    out = boxes.astype(np.float64).copy()
    if len(frames) < 3 or width < 2:
        return out
    breaks = np.flatnonzero(np.diff(frames) != 1) + 1
    for seg in np.split(np.arange(len(frames)), breaks):
        if len(seg) < 3:
            continue
        w = min(width, len(seg) | 1 if len(seg) % 2 else len(seg) - 1)
        pad = w // 2
        k = np.ones(w) / w
        for c in range(4):
            x = np.pad(boxes[seg, c].astype(np.float64), pad, mode="edge")
            out[seg, c] = np.convolve(x, k, mode="valid")
    return out


def simplify(
    frames: np.ndarray, boxes: np.ndarray, tol: float = 3.0, max_span: int = 600
) -> list[int]:
    """Indices (into ``frames``) of the keyframes to keep; every run of consecutive frames
    keeps its first and last frame, so nothing is interpolated across a gap's ends."""
    n = len(frames)
    if n == 0:
        return []
    keys: list[int] = []
    breaks = np.flatnonzero(np.diff(frames) != 1) + 1
    for seg in np.split(np.arange(n), breaks):
        i = int(seg[0])
        end = int(seg[-1])
        keys.append(i)
        while i < end:
            j = i + 1
            best = j
            while j <= end and j - i <= max_span:
                t = (frames[i : j + 1] - frames[i]) / max(frames[j] - frames[i], 1)
                interp = boxes[i] + (boxes[j] - boxes[i]) * t[:, None]
                if np.abs(interp - boxes[i : j + 1]).max() > tol:
                    break
                best = j
                j += 1
            keys.append(best)
            i = best
    return sorted(set(keys))


@dataclass
class TrackInput:
    """What applying needs from a finished track: its frames and (smoothed) boxes."""

    index: int
    frames: np.ndarray
    boxes: np.ndarray


def _mean_iou(face: Face, media: str, t: TrackInput) -> float:
    take = np.linspace(0, len(t.frames) - 1, min(len(t.frames), 40)).astype(int)
    total = 0.0
    for k in take:
        b = face.box_at(media, int(t.frames[k]))
        if b is None:
            return 0.0
        x, y, w, h = (float(v) for v in t.boxes[k])
        ix = max(0.0, min(b[0] + b[2], x + w) - max(b[0], x))
        iy = max(0.0, min(b[1] + b[3], y + h) - max(b[1], y))
        inter = ix * iy
        union = b[2] * b[3] + w * h - inter
        total += inter / union if union > 0 else 0.0
    return total / len(take)


def plan_faces(
    project: Project, media: str, tracks: list[TrackInput], fps: float, tol: float = 3.0
) -> tuple[list[Face], dict[int, str]]:
    """The faces after applying ``tracks`` to ``media`` (changed and new ones only) and which
    face each track became.

    A track continues the existing face whose boxes it overlaps most (mean IoU >= 0.3), so
    running the tracker again updates faces instead of adding new ones; otherwise it goes
    to a face with no boxes on this media yet (longest track first: the "Face A" a new
    project starts with), else to a new face. Tracked keyframes replace the face's earlier
    tracked ones on this media; hand-keyed boxes stay and win: tracked keys within half a
    second of one are left out.
    """
    faces = dict(project.faces)
    with_boxes = [f for f in faces.values() if any(b.media == media for b in f.boxes)]
    pairs = sorted(
        ((_mean_iou(f, media, t), f.id, t.index) for f in with_boxes for t in tracks), reverse=True
    )
    assign: dict[int, str] = {}
    used: set[str] = set()
    for iou, fid, ti in pairs:
        if iou < 0.3:
            break
        if fid in used or ti in assign:
            continue
        assign[ti] = fid
        used.add(fid)
    free = [
        f.id
        for f in faces.values()
        if f.id not in used and not any(b.media == media for b in f.boxes)
    ]
    taken_ids = set(faces)
    for t in sorted(tracks, key=lambda t: -len(t.frames)):
        if t.index in assign:
            continue
        if free:
            assign[t.index] = free.pop(0)
            continue
        fid = _next_id(taken_ids)
        taken_ids.add(fid)
        faces[fid] = Face(fid, f"Face {fid}", FACE_COLOURS[len(faces) % len(FACE_COLOURS)])
        assign[t.index] = fid
    guard = max(1, round(0.5 * fps))
    changed: list[Face] = []
    for t in tracks:
        face = faces[assign[t.index]]
        hand = [b for b in face.boxes if b.media == media and b.source != TRACK]
        hand_frames = np.array(sorted(b.frame for b in hand), np.int64)
        keep_other = [b for b in face.boxes if b.media != media]
        new = []
        for k in simplify(t.frames, t.boxes, tol):
            fr = int(t.frames[k])
            if len(hand_frames) and np.abs(hand_frames - fr).min() <= guard:
                continue
            x, y, w, h = (round(float(v), 2) for v in t.boxes[k])
            new.append(FaceBox(media, fr, x, y, max(w, 0.0), max(h, 0.0), TRACK))
        boxes = sorted((*keep_other, *hand, *new), key=lambda b: (b.media, b.frame))
        faces[face.id] = dataclasses.replace(face, boxes=tuple(boxes))
        changed.append(faces[face.id])
    # faces the tracker no longer finds on this media lose their old tracked keys
    for f in with_boxes:
        if f.id not in {c.id for c in changed} and any(
            b.media == media and b.source == TRACK for b in f.boxes
        ):
            changed.append(
                dataclasses.replace(
                    f,
                    boxes=tuple(b for b in f.boxes if not (b.media == media and b.source == TRACK)),
                )
            )
    return changed, assign


def _next_id(taken: set[str]) -> str:
    """Like ``Project.next_face_id`` (A..Z, A1..Z1, ...) over ids not yet handed out."""
    for i in range(26 * 27):
        fid = chr(65 + i % 26) + (str(i // 26) if i >= 26 else "")
        if fid not in taken:
            return fid
    raise ValueError("too many faces")
