"""The demo project: a synthetic video of two cartoon faces with known expressions.

Everything is generated here (no footage is bundled): two drawn faces perform expressions
whose onset, apex and offset frames are known exactly (``DEMO_EXPRESSIONS``), including
micro expressions under 0.5 s. Each frame carries its index as a barcode strip (top left)
and as text (top right), so anyone can check that the frame shown is the frame stored.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from annotator.model import Event, EventKind, Face, FaceBox, Marker, MarkerKind, Project
from annotator.model.entities import au_events
from annotator.model.facs import parse_code

FPS = Fraction(25)
SIZE = (640, 360)
N_FRAMES = 250
BARCODE_BOX = (0, 0, 320, 96)  # x, y, w, h: draw_index paints the top quarter (24 px)
DEMO_NAME = "demo.facet.json"
VIDEO_NAME = "demo.mp4"
FIXED_TIME = "2026-01-01T00:00:00+00:00"


@dataclass(frozen=True)
class Expression:
    face: str
    code: str
    emotion: str
    onset: int
    apex: int
    offset: int


#: The ground truth the video performs. Two are micro expressions (<= 0.5 s at 25 fps).
DEMO_EXPRESSIONS: tuple[Expression, ...] = (
    Expression("A", "6B+12C", "happiness", 20, 40, 70),
    Expression("A", "1+2+5B+26", "surprise", 105, 115, 135),
    Expression("A", "4C", "anger", 180, 184, 188),  # micro: 9 frames = 0.36 s
    Expression("B", "45", "", 50, 52, 54),  # a blink, no emotion
    Expression("B", "12B", "happiness", 90, 93, 97),  # micro smile: 8 frames = 0.32 s
    Expression("B", "1+15C", "sadness", 150, 175, 215),
)

FACES = {"A": ("Ada", "#e6553a", 170), "B": ("Ben", "#3a8ee6", 470)}
_CY = 215


def activation(frame: int, onset: int, apex: int, offset: int) -> float:
    """0 outside [onset, offset], rising smoothly to 1 at apex; > 0 on onset and offset."""
    if frame < onset or frame > offset:
        return 0.0
    if frame <= apex:
        t = (frame - onset + 1) / (apex - onset + 1)
    else:
        t = (offset - frame + 1) / (offset - apex + 1)
    return 0.5 - 0.5 * math.cos(math.pi * t)


def face_state(face: str, frame: int) -> dict[int, float]:
    """Activation of each AU on ``face`` at ``frame`` (max over overlapping expressions)."""
    state: dict[int, float] = {}
    for ex in DEMO_EXPRESSIONS:
        if ex.face != face:
            continue
        a = activation(frame, ex.onset, ex.apex, ex.offset)
        if a <= 0:
            continue
        for unit in parse_code(ex.code).units:
            state[unit.number] = max(state.get(unit.number, 0.0), a)
    return state


def face_centre(face: str, frame: int) -> tuple[int, int]:
    """Faces sway gently so face boxes have something to follow."""
    base_x = FACES[face][2]
    phase = 0.0 if face == "A" else math.pi / 2
    return int(round(base_x + 12 * math.sin(2 * math.pi * frame / N_FRAMES + phase))), _CY


def _draw_face(img: np.ndarray, cx: int, cy: int, au: dict[int, float], colour: str) -> None:
    import cv2

    g = au.get
    skin = (236, 200, 170)
    rim = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    cv2.ellipse(img, (cx, cy), (88, 112), 0, 0, 360, skin, -1, cv2.LINE_AA)
    cv2.ellipse(img, (cx, cy), (88, 112), 0, 0, 360, rim, 4, cv2.LINE_AA)
    if g(6, 0) > 0:  # cheek raiser: blush
        for sx in (-1, 1):
            cv2.circle(
                img,
                (cx + sx * 50, cy + 25),
                int(10 + 8 * g(6, 0)),
                (236, int(200 - 60 * g(6, 0)), int(170 - 40 * g(6, 0))),
                -1,
                cv2.LINE_AA,
            )
    eye_open = max(1.0, 11 * (1 - g(45, 0) - g(43, 0)) + 6 * g(5, 0))
    for sx in (-1, 1):
        ex, ey = cx + sx * 34, cy - 28
        cv2.ellipse(img, (ex, ey), (18, int(eye_open)), 0, 0, 360, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.ellipse(img, (ex, ey), (18, int(eye_open)), 0, 0, 360, (60, 40, 30), 2, cv2.LINE_AA)
        if eye_open > 3:
            cv2.circle(img, (ex, ey), min(7, int(eye_open)), (50, 35, 25), -1, cv2.LINE_AA)
        # brows: AU1 lifts the inner end, AU2 the outer end, AU4 lowers and knits them
        inner_y = ey - 24 - 14 * g(1, 0) + 10 * g(4, 0)
        outer_y = ey - 24 - 14 * g(2, 0) + 2 * g(4, 0)
        inner_x = ex - sx * (14 - 6 * g(4, 0))
        outer_x = ex + sx * 20
        cv2.line(
            img,
            (int(inner_x), int(inner_y)),
            (int(outer_x), int(outer_y)),
            (70, 45, 30),
            5,
            cv2.LINE_AA,
        )
    # mouth: AU12 pulls the corners up, AU15 down, AU26 drops the jaw open
    my = cy + 55
    corner_dy = -16 * g(12, 0) + 14 * g(15, 0)
    opening = 26 * g(26, 0)
    left, right = (cx - 38, int(my + corner_dy)), (cx + 38, int(my + corner_dy))
    mid_top = (cx, int(my + 2 * g(12, 0) - 3 * g(15, 0)))
    mid_bottom = (cx, int(my + 6 * g(12, 0) + opening))
    if opening > 2:
        pts = np.array([left, mid_top, right, mid_bottom], np.int32)
        cv2.fillPoly(img, [pts], (90, 20, 30), cv2.LINE_AA)
    curve = np.array(
        [
            left,
            (cx - 19, int(my + corner_dy / 2 + 3 * g(12, 0))),
            mid_bottom,
            (cx + 19, int(my + corner_dy / 2 + 3 * g(12, 0))),
            right,
        ],
        np.int32,
    )
    cv2.polylines(img, [curve], False, (150, 40, 50), 4, cv2.LINE_AA)


def render_frame(frame: int) -> np.ndarray:
    """The demo picture for ``frame`` as RGB uint8."""
    import cv2

    from annotator.media.barcode import draw_index

    w, h = SIZE
    img = np.empty((h, w, 3), np.uint8)
    img[:] = (42, 46, 56)
    img[96:, :] = np.linspace(56, 36, h - 96, dtype=np.uint8)[:, None, None]
    for fid, (name, colour, _x) in FACES.items():
        cx, cy = face_centre(fid, frame)
        _draw_face(img, cx, cy, face_state(fid, frame), colour)
        cv2.putText(
            img,
            name,
            (cx - 22, cy + 140),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.7,
            (230, 230, 230),
            2,
            cv2.LINE_AA,
        )
    x, y, bw, bh = BARCODE_BOX
    strip = img[y : y + bh, x : x + bw]
    strip[: bh // 4 + 1] = 128
    draw_index(strip, frame)
    cv2.putText(
        img,
        f"frame {frame:4d}",
        (w - 190, 20),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.65,
        (255, 255, 255),
        2,
        cv2.LINE_AA,
    )
    return img


def write_demo_video(path: Path, progress: Callable[[int, int], object] | None = None) -> None:
    """``progress(done, total)`` after every 10 frames (the first launch shows it)."""
    from annotator.media.encode import VideoWriter, x264_params

    options = {
        "preset": "veryfast",
        "crf": "20",
        "threads": "1",
        "x264-params": x264_params(gop=50),
    }
    with VideoWriter(path, size=SIZE, fps=FPS, options=options) as writer:
        for i in range(N_FRAMES):
            writer.write(render_frame(i))
            if progress is not None and (i + 1) % 10 == 0:
                progress(i + 1, N_FRAMES)


def build_demo_project(video: Path, project_path: Path) -> Project:
    """Two faces, each expression coded as AU events plus an emotion event, and notes."""
    from annotator.io.media_link import media_from_video

    project = Project(title="Demo: Ada and Ben", annotator="demo")
    media, timebase = media_from_video(video, project_path, "m1")
    project.add_media(media)
    project.set_timebase("m1", timebase)  # type: ignore[arg-type]
    for fid, (name, colour, _x) in FACES.items():
        boxes = []
        for f in range(0, N_FRAMES, 25):
            cx, cy = face_centre(fid, f)
            boxes.append(FaceBox("m1", f, cx - 95.0, cy - 120.0, 190.0, 240.0))
        project.add_face(Face(fid, name, colour, tuple(boxes)))
    for ex in DEMO_EXPRESSIONS:
        for event in au_events(
            ex.code,
            parse_code(ex.code).units,
            face=ex.face,
            onset_frame=ex.onset,
            apex_frame=ex.apex,
            offset_frame=ex.offset,
            annotator="demo",
        ):
            project.add_event(event)
        if ex.emotion:
            project.add_event(
                Event(
                    id=0,
                    face=ex.face,
                    kind=EventKind.EMOTION,
                    onset_frame=ex.onset,
                    apex_frame=ex.apex,
                    offset_frame=ex.offset,
                    emotion=ex.emotion,
                    annotator="demo",
                    confidence=0.9,
                )
            )
    project.add_marker(
        Marker(0, MarkerKind.NOTE, 90, 97, text="Ben's smile leaks here", author="demo")
    )
    project.add_marker(
        Marker(0, MarkerKind.MARKER, 180, 180, text="Ada: flash of anger", author="demo")
    )
    project.created = project.modified = FIXED_TIME
    return project


def demo_ready(folder: Path) -> bool:
    """True when ``folder`` holds the demo already (opening it is instant)."""
    return (folder / VIDEO_NAME).exists() and (folder / DEMO_NAME).exists()


def write_demo(
    folder: Path, *, force: bool = False, progress: Callable[[int, int], object] | None = None
) -> Path:
    """Write ``demo.mp4`` and ``demo.facet.json`` into ``folder``; reuse an intact demo.

    Never overwrites without ``force``: a demo project whose video is missing (or a video
    without its project, or a project that no longer loads) may hold the user's own work,
    so it is refused with a message naming the file."""
    from annotator.io.project_file import ProjectFileError, load_project, save_project
    from annotator.safe_output import output_folder, output_path

    output_folder(folder)
    video = folder / VIDEO_NAME
    project_path = folder / DEMO_NAME
    if not force and (video.exists() or project_path.exists()):
        if video.exists() and project_path.exists():
            try:
                load_project(project_path)
                return project_path
            except ProjectFileError as e:
                raise ValueError(
                    f"{project_path}: already exists and does not load "
                    f"({e.problems[0]}); not overwritten (use --force)"
                ) from None
        there, missing = (project_path, video) if project_path.exists() else (video, project_path)
        raise ValueError(
            f"{there}: already exists but {missing.name} is missing; not "
            "overwritten (use --force to rewrite the demo, or another folder)"
        )
    with output_path(video, suffix=".mp4") as tmp:
        write_demo_video(tmp, progress)
    project = build_demo_project(video, project_path)
    save_project(project, project_path)
    return project_path
