"""``--to review``: a folder with ``index.html`` an actor or an editor opens offline.

For each note (and plain marker) a still of its first frame with the note's drawing burned
in, a short clip of every range, and the scene breakdown (per-shot summary). The page has
no scripts and no external links; stills and clips sit next to it in ``stills/`` and
``clips/`` with relative links, so the folder can be zipped, mailed or copied to a phone
(H.264 in MP4 plays in every mobile browser). Stills are scaled to at most
``still_width`` pixels so the page stays light on a phone.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from annotator.io.common import ExportSource, Progress, media_name, tick, write_atomic
from annotator.model import Marker, MarkerKind, Project
from annotator.model.timecode import frame_to_smpte
from annotator.review.burn import burn_shapes
from annotator.review.shots import breakdown
from annotator.safe_output import child_path, output_folder

CSS = """
:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#666;--line:#ddd;--acc:#c98a00}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#141414;--muted:#aaa;--line:#333}}
body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;padding:16px;
max-width:980px;color:var(--fg);background:var(--bg)}
h1{font-size:24px;margin:4px 0}h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid
var(--acc);padding-bottom:4px}.meta{color:var(--muted)}
.note{border:1px solid var(--line);border-radius:10px;padding:12px;margin:14px 0}
.note h3{margin:0 0 6px;font-size:17px}.tc{font:600 15px ui-monospace,monospace;
color:var(--acc)}img.still,video{width:100%;height:auto;border-radius:6px;display:block;
margin-top:8px;background:#000}table{border-collapse:collapse;width:100%;font-size:14px}
td,th{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap}.micro{color:#d0453a;font-weight:600}
blockquote{margin:8px 0 0;padding:2px 10px;border-left:3px solid #3a8ee6;font-style:italic}
"""

#: Kinds that get a card in the review (cuts are in the breakdown; dialogue is context).
CARD_KINDS = (MarkerKind.NOTE, MarkerKind.MARKER)


def review_items(project: Project) -> list[Marker]:
    """Notes and markers in playback order: one card each."""
    return sorted(
        (m for m in project.markers.values() if m.kind in CARD_KINDS),
        key=lambda m: (m.media, m.start_frame, m.end_frame, m.id),
    )


def spoken_during(project: Project, m: Marker) -> list[str]:
    """Dialogue lines overlapping the note: does the face contradict what is said?"""
    return [
        d.text
        for d in sorted(project.markers.values(), key=lambda d: d.start_frame)
        if d.kind is MarkerKind.DIALOGUE
        and d.media == m.media
        and d.start_frame <= m.end_frame
        and d.end_frame >= m.start_frame
    ]


def still_name(m: Marker) -> str:
    return f"stills/{m.kind.value}{m.id:04d}.jpg"


def clip_name(m: Marker) -> str:
    return f"clips/{m.kind.value}{m.id:04d}.mp4"


def _scaled(rgb: np.ndarray, max_width: int) -> tuple[np.ndarray, float]:
    import cv2

    h, w = rgb.shape[:2]
    if w <= max_width:
        return rgb, 1.0
    scale = max_width / w
    size = (max_width, max(2, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), scale


def _jpeg(rgb: np.ndarray) -> bytes:
    import cv2

    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88]
    )
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def _summary_html(project: Project) -> str:
    esc = html.escape
    media = project.primary_media
    rows = []
    faces = project.faces
    for s in breakdown(project):
        fps = media.fps if media else 25
        names = ", ".join(faces[f].name for f in s.faces) or "—"
        micro = f'<span class="micro">{s.micro_expressions}</span>' if s.micro_expressions else "0"
        lines = "<br>".join(esc(t) for t in s.dialogue) or ""
        rows.append(
            f"<tr><td class=n>{s.shot.index}</td>"
            f"<td class=n>{frame_to_smpte(s.shot.start_frame, fps)}</td>"
            f"<td class=n>{s.duration_s:.2f} s</td><td>{esc(names)}</td>"
            f"<td>{esc(s.dominant_emotion or '—')}</td><td class=n>{micro}</td>"
            f"<td>{lines}</td></tr>"
        )
    return (
        "<table><tr><th>Shot</th><th>Start</th><th>Duration</th><th>Faces</th>"
        "<th>Dominant emotion</th><th>Micro</th><th>Dialogue</th></tr>" + "".join(rows) + "</table>"
    )


def review_html(project: Project, items: list[Marker], clips: set[int]) -> str:
    """The page, given which items got a clip (stills exist for every item)."""
    esc = html.escape
    cards = []
    for m in items:
        fps = project.media[m.media].fps if m.media in project.media else 25
        tc = frame_to_smpte(m.start_frame, fps)
        span = f"{tc} – {frame_to_smpte(m.end_frame, fps)}" if m.end_frame > m.start_frame else tc
        by = f" · {esc(m.author)}" if m.author else ""
        lines = spoken_during(project, m)
        said = "".join(f"<blockquote>{esc(t)}</blockquote>" for t in lines)
        video = (
            f'<video controls loop muted playsinline preload="metadata" '
            f'poster="{still_name(m)}" src="{clip_name(m)}"></video>'
            if m.id in clips
            else ""
        )
        cards.append(
            f'<section class="note" id="{m.kind.value}{m.id}"><h3>{esc(m.text or m.kind.value)}'
            f'</h3><div><span class="tc">{span}</span> <span class="meta">frame '
            f"{m.start_frame}{'–' + str(m.end_frame) if m.end_frame > m.start_frame else ''}"
            f" · {esc(media_name(project, m.media))}{by}</span></div>"
            f'{said}<img class="still" src="{still_name(m)}" alt="frame {m.start_frame}">{video}'
            f"</section>"
        )
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>Review: {esc(project.title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{esc(project.title)}</h1><p class=meta>Review notes · {len(items)} notes"
        f"{' · ' + esc(project.annotator) if project.annotator else ''}</p>"
        "<h2>Notes</h2>"
        + ("".join(cards) or "<p class=meta>No notes.</p>")
        + "<h2>Scene breakdown</h2>"
        + _summary_html(project)
        + "</body></html>\n"
    )


def export_review(
    project: Project,
    out: str | os.PathLike[str],
    *,
    source: ExportSource | None = None,
    progress: Progress | None = None,
    still_width: int = 960,
    clip_margin: int = 5,
    max_clip_frames: int = 600,
    **_: Any,
) -> Path:
    """Write ``out/index.html`` with ``stills/`` and ``clips/``; needs the videos."""
    from annotator.io.clips import _encode, _read
    from annotator.io.common import open_frames

    out = Path(out)
    items = review_items(project)
    for mid in {m.media for m in items}:
        if source is None or source.video(mid) is None:
            raise ValueError(
                f"{media_name(project, mid)}: video not found; the review needs "
                "the video for its stills (relink it)"
            )
    output_folder(out)
    made: list[Path] = []
    clips: set[int] = set()
    try:
        for d in ("stills", "clips"):
            output_folder(child_path(out, d))
        done = 0
        for mid in dict.fromkeys(m.media for m in items):  # one decoder per video
            with open_frames(source.video(mid)) as fs:  # type: ignore[arg-type,union-attr]
                fps = project.media[mid].fps or fs.fps
                for m in (m for m in items if m.media == mid):
                    rgb, scale = _scaled(fs.frame(m.start_frame), still_width)
                    made.append(
                        write_atomic(
                            child_path(out, still_name(m)),
                            _jpeg(burn_shapes(rgb, m.drawing, scale)),
                        )
                    )
                    if m.end_frame > m.start_frame:
                        first = max(0, m.start_frame - clip_margin)
                        last = min(
                            fs.frame_count - 1,
                            m.end_frame + clip_margin,
                            first + max_clip_frames - 1,
                        )
                        size = (rgb.shape[1] // 2 * 2, rgb.shape[0] // 2 * 2)
                        frames = (
                            _scaled(a, still_width)[0][: size[1], : size[0]]
                            for _i, a in _read(fs, first, last)
                        )
                        path = child_path(out, clip_name(m))
                        _encode(path, frames, size, fps)
                        made.append(path)
                        clips.add(m.id)
                    done += 1
                    tick(progress, done, len(items) + 1)
        made.append(write_atomic(child_path(out, "index.html"), review_html(project, items, clips)))
    except BaseException:
        for p in made:
            p.unlink(missing_ok=True)
        for d in ("stills", "clips"):
            if (out / d).is_dir() and not any((out / d).iterdir()):
                shutil.rmtree(out / d, ignore_errors=True)
        raise
    return out
