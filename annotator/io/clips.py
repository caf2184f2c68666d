"""Per-event clips for dataset builders: an mp4 per event, an apex PNG, and ``manifest.csv``.

Each clip holds the event's frames plus ``margin`` frames either side (clamped to the
video), decoded frame-exactly by ``FrameSource`` and encoded with PyAV (libx264, yuv420p,
constant rate at the video's nominal fps, one frame per source frame, so a clip of N
source frames has exactly N frames). With ``crop=True`` the picture is cut to the face box
at the apex (or the middle frame), enlarged by ``crop_pad`` and held for the whole clip so
the clip has one size. The apex PNG is the uncompressed apex frame (cropped the same way).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from annotator.io.common import ExportSource, Progress, tick, write_atomic
from annotator.io.events_csv import ordered_events
from annotator.model import Event, EventKind, Project
from annotator.safe_output import child_path, output_folder, output_path, safe_cell, safe_name

MANIFEST_COLUMNS = (
    "event_id",
    "face",
    "kind",
    "label",
    "code",
    "onset_frame",
    "apex_frame",
    "offset_frame",
    "clip_first_frame",
    "clip_last_frame",
    "clip_frames",
    "clip_file",
    "apex_file",
    "crop_x",
    "crop_y",
    "crop_w",
    "crop_h",
    "fps",
)


def clip_stem(e: Event) -> str:
    """``event0007_<face>_<label>``: the face id comes from sheets and EAF tier names, so it
    is sanitised (``sub/01`` -> ``sub_01``, no ``..``, bounded) like the label."""
    label = re.sub(r"[^A-Za-z0-9]+", "-", e.label or e.kind.value).strip("-")[:24]
    return (
        f"event{e.id:04d}_{safe_name(e.face, max_len=32, fallback='face')}_{label or e.kind.value}"
    )


def crop_box(
    project: Project, e: Event, width: int, height: int, pad: float = 0.15
) -> tuple[int, int, int, int] | None:
    """Face box around the apex (else the middle frame), padded, clamped, even-sized."""
    face = project.faces.get(e.face)
    if face is None:
        return None
    frame = e.apex_frame if e.apex_frame is not None else (e.onset_frame + e.offset_frame) // 2
    box = face.box_at(e.media, frame)
    if box is None:
        return None
    x, y, w, h = box
    x0, y0 = max(0, round(x - pad * w)), max(0, round(y - pad * h))
    x1, y1 = min(width, round(x + w + pad * w)), min(height, round(y + h + pad * h))
    w2, h2 = (x1 - x0) // 2 * 2, (y1 - y0) // 2 * 2
    if w2 < 16 or h2 < 16:
        return None
    return x0, y0, w2, h2


def _read(fs: Any, first: int, last: int) -> Iterable[tuple[int, np.ndarray]]:
    """Frames ``first..last`` in order: a private sequential decoder when the engine has
    one (no cache churn), else exact random access frame by frame."""
    if hasattr(fs, "iter_frames"):
        yield from fs.iter_frames(first, last + 1)
    else:
        for i in range(first, last + 1):
            yield i, fs.frame(i)


def _encode(path: Path, frames: Iterable[np.ndarray], size: tuple[int, int], fps: Any) -> int:
    from annotator.media.encode import VideoWriter

    with (
        output_path(path, suffix=".mp4") as tmp,
        VideoWriter(
            tmp, size=size, fps=fps, options={"preset": "veryfast", "crf": "18", "threads": "1"}
        ) as writer,
    ):
        for arr in frames:
            writer.write(arr)
    return writer.count


def export_clips(
    project: Project,
    out: str | os.PathLike[str],
    *,
    source: ExportSource | None = None,
    events: set[int] | None = None,
    margin: int = 5,
    crop: bool = False,
    crop_pad: float = 0.15,
    progress: Progress | None = None,
    **_: Any,
) -> Path:
    """Write clips, apex PNGs and ``manifest.csv`` into the folder ``out``."""
    import cv2

    from annotator.io.common import open_frames

    out = Path(out)
    chosen = [
        e
        for e in ordered_events(project, events)
        if e.kind is not EventKind.NOTE or events is not None
    ]
    if events is not None:
        unknown = sorted(set(events) - set(project.events))
        if unknown:
            raise ValueError(f"--events: no event {unknown[0]} in the project")
    by_media: dict[str, list[Event]] = {}
    for e in chosen:
        by_media.setdefault(e.media, []).append(e)
    output_folder(out)
    taken: set[str] = {"manifest.csv"}
    rows: list[list[Any]] = []
    total = sum(e.offset_frame - e.onset_frame + 1 + 2 * margin for e in chosen) or 1
    done = 0
    written: list[Path] = []
    try:
        for mid, evs in by_media.items():
            video = source.video(mid) if source else None
            if video is None:
                m = project.media[mid]
                raise ValueError(f"{m.path}: video not found; clips need the video (relink it)")
            with open_frames(video) as fs:
                fps = project.media[mid].fps or fs.fps
                for e in evs:
                    if e.onset_frame >= fs.frame_count:
                        raise ValueError(
                            f"{video.name}: event {e.id} starts at frame "
                            f"{e.onset_frame}, past the video's last frame "
                            f"{fs.frame_count - 1}"
                        )
                    first = max(0, e.onset_frame - margin)
                    last = min(fs.frame_count - 1, e.offset_frame + margin)
                    box = crop_box(project, e, fs.width, fs.height, crop_pad) if crop else None
                    x, y, w, h = box or (0, 0, fs.width // 2 * 2, fs.height // 2 * 2)

                    apex = (
                        e.apex_frame
                        if e.apex_frame is not None
                        else (e.onset_frame + e.offset_frame) // 2
                    )
                    apex = min(max(apex, first), last)
                    stills: list[np.ndarray] = []

                    def frames(
                        first: int = first,
                        last: int = last,
                        x: int = x,
                        y: int = y,
                        w: int = w,
                        h: int = h,
                        apex: int = apex,
                        stills: list[np.ndarray] = stills,
                    ) -> Iterable[np.ndarray]:
                        nonlocal done
                        for i, arr in _read(fs, first, last):
                            if i == apex:
                                stills.append(arr[y : y + h, x : x + w])
                            yield arr[y : y + h, x : x + w]
                            done += 1
                            tick(progress, done, total)

                    clip = child_path(out, f"{clip_stem(e)}.mp4", taken)
                    stem = clip.stem
                    png_path = child_path(out, f"{stem}.png", taken)
                    n = _encode(clip, frames(), (w, h), fps)
                    written.append(clip)
                    if n != last - first + 1:
                        raise ValueError(
                            f"{clip.name}: {n} frames decoded, expected {last - first + 1}"
                        )
                    still = stills[0] if stills else fs.frame(apex)[y : y + h, x : x + w]
                    ok, png = cv2.imencode(
                        ".png",
                        cv2.cvtColor(still, cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_PNG_COMPRESSION, 9],
                    )
                    if not ok:
                        raise ValueError(f"{stem}.png: PNG encoding failed")
                    write_atomic(png_path, png.tobytes())
                    written.append(png_path)
                    code = (e.code or e.au_code) if e.kind is EventKind.AU else ""
                    rows.append(
                        [
                            e.id,
                            e.face,
                            e.kind.value,
                            e.label,
                            code,
                            e.onset_frame,
                            e.apex_frame,
                            e.offset_frame,
                            first,
                            last,
                            n,
                            clip.name,
                            png_path.name,
                            x if box else "",
                            y if box else "",
                            w if box else "",
                            h if box else "",
                            f"{fps}",
                        ]
                    )
    except BaseException:
        for p in written:  # cancelled or failed: no partial set of clips
            p.unlink(missing_ok=True)
        raise
    buf = io.StringIO()
    w_ = csv.writer(buf, lineterminator="\r\n")
    w_.writerow(MANIFEST_COLUMNS)
    for r in rows:
        w_.writerow(["" if c is None else safe_cell(c) if isinstance(c, str) else c for c in r])
    write_atomic(out / "manifest.csv", buf.getvalue())
    return out
