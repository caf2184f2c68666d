"""A self-contained HTML report: readable offline, mailable as one file.

Per face: a timeline picture (one lane per AU, one for emotions, one for notes; drawn
with OpenCV, which Facet already depends on, and inlined as a base64 PNG), counts per AU
and per emotion with total durations, micro (<= 0.5 s) vs macro counts, and a table of
events with a still of each apex frame (cropped to the face box when there is one).
CSS is inline; there are no scripts and no external links.
"""

from __future__ import annotations

import base64
import html
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from annotator.io.common import ExportSource, Progress, media_name, tick, write_atomic
from annotator.io.events_csv import event_row, ordered_events
from annotator.model import Event, EventKind, Project
from annotator.model.facs import au_name
from annotator.model.scale import micro_rule

CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;
max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;padding-bottom:4px;
border-bottom:3px solid var(--c,#888)}h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:left;vertical-align:middle}th{background:#f3f3f3}td.n{text-align:right}
.meta{color:#666}.micro{color:#b03a2e;font-weight:600}img.still{height:96px;display:block}
img.tl{max-width:100%;border:1px solid #ddd}.counts{display:flex;gap:32px;flex-wrap:wrap}
"""


def _png_b64(rgb: np.ndarray) -> str:
    import cv2

    ok, buf = cv2.imencode(
        ".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9]
    )
    if not ok:
        raise ValueError("PNG encoding failed")
    return base64.b64encode(buf.tobytes()).decode("ascii")


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except (ValueError, IndexError):
        return (128, 128, 128)


def timeline_picture(project: Project, face: str, media_id: str, width: int = 1000) -> np.ndarray:
    """Lanes for each AU of the face, then emotion and note; seconds ruler along the top."""
    import cv2

    tb = project.timebase(media_id)
    n = max(tb.frame_count, 1)
    evs = [e for e in project.events_of(face=face, media=media_id)]
    aus = sorted({e.au for e in evs if e.kind is EventKind.AU and e.au is not None})
    lanes: list[tuple[str, Any]] = [(f"AU{a}", ("au", a)) for a in aus]
    lanes += [("emotion", ("emotion", None)), ("note", ("note", None))]
    label_w, lane_h, top = 90, 18, 22
    h = top + lane_h * len(lanes) + 4
    img = np.full((h, width, 3), 255, np.uint8)
    plot_w = width - label_w - 8

    def x_of(frame: float) -> int:
        return label_w + round(frame / n * plot_w)

    total_s = tb.duration_total_s
    step = next(
        (s for s in (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600) if total_s / s <= 12),
        7200,
    )
    t = 0.0
    while t <= total_s + 1e-9:
        x = x_of(tb.index_at(t))
        cv2.line(img, (x, top - 6), (x, h - 4), (225, 225, 225), 1)
        if x + 30 < width:
            cv2.putText(
                img,
                f"{t:g}s",
                (x + 2, top - 9),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.35,
                (90, 90, 90),
                1,
                cv2.LINE_AA,
            )
        t += step
    colour = _hex_rgb(project.faces[face].colour) if face in project.faces else (90, 90, 90)
    for row, (name, (kind, au)) in enumerate(lanes):
        y = top + row * lane_h
        if row % 2 == 0:
            img[y : y + lane_h, label_w : width - 8] = (248, 248, 248)
        cv2.putText(
            img, name, (4, y + 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (40, 40, 40), 1, cv2.LINE_AA
        )
        for e in evs:
            if e.kind.value != kind or (kind == "au" and e.au != au):
                continue
            x0, x1 = x_of(e.onset_frame), max(x_of(e.offset_frame + 1) - 1, x_of(e.onset_frame))
            shade = colour
            if e.kind is EventKind.AU and e.intensity is not None:
                k = 0.35 + 0.13 * e.intensity.level
                shade = tuple(int(255 - (255 - c) * k) for c in colour)  # type: ignore[assignment]
            cv2.rectangle(img, (x0, y + 3), (x1, y + lane_h - 3), shade, -1)
            if e.apex_frame is not None:
                xa = x_of(e.apex_frame + 0.5)
                cv2.line(img, (xa, y + 1), (xa, y + lane_h - 2), (20, 20, 20), 1)
    return img


def _still(fs: Any, project: Project, e: Event, height: int = 96) -> str | None:
    import cv2

    from annotator.io.clips import crop_box

    frame = e.apex_frame if e.apex_frame is not None else (e.onset_frame + e.offset_frame) // 2
    try:
        arr = fs.frame(frame)
    except Exception:  # noqa: BLE001 - a frame that cannot be decoded gets no still
        return None
    box = crop_box(project, e, fs.width, fs.height)
    if box:
        x, y, w, h = box
        arr = arr[y : y + h, x : x + w]
    scale = height / arr.shape[0]
    small = cv2.resize(
        arr, (max(1, int(arr.shape[1] * scale)), height), interpolation=cv2.INTER_AREA
    )
    return _png_b64(small)


def report_html(
    project: Project,
    source: ExportSource | None = None,
    *,
    progress: Progress | None = None,
    micro: str | None = None,
) -> str:
    esc = html.escape
    rule = micro_rule(micro)
    media = project.primary_media
    mid = media.id if media else "m1"
    video = source.video(mid) if source else None
    events = ordered_events(project)
    tb = project.timebase(mid)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(project.title)} - Facet report</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(project.title)}</h1>",
        (
            f'<p class="meta">Video {esc(media_name(project, mid))}: '
            f"{tb.frame_count} frames, {float(media.fps) if media else 0:g} fps, "
            f"{tb.duration_total_s:.2f} s"
            f"{'' if project.has_real_timebase(mid) else ' (nominal timing: video not found)'}. "
            f"Annotator {esc(project.annotator or '-')}. Last change {esc(project.modified)}. "
            f"{len(events)} events, {len(project.faces)} faces. Micro expression "
            f"({esc(rule.name)}): {esc(rule.description)}.</p>"
        ),
    ]
    fs = None
    if video is not None:
        try:
            from annotator.io.common import open_frames

            fs = open_frames(video)
        except Exception:  # noqa: BLE001 - the report still works without stills
            fs = None
    if fs is None:
        parts.append('<p class="meta">Apex stills are missing: the video was not found.</p>')
    total = len(events) or 1
    done = 0
    try:
        for face in project.faces.values():
            evs = [e for e in events if e.face == face.id]
            parts.append(
                f'<h2 style="--c:{esc(face.colour)}">Face {esc(face.id)}: {esc(face.name)}</h2>'
            )
            if not evs:
                parts.append("<p>No events.</p>")
                continue
            parts.append(
                f'<img class="tl" alt="timeline of {esc(face.name)}" '
                f'src="data:image/png;base64,'
                f'{_png_b64(timeline_picture(project, face.id, mid))}">'
            )
            rows = [event_row(project, e, tb, rule) for e in evs]
            au_stats: dict[int, list[float]] = defaultdict(list)
            emo_stats: dict[str, list[float]] = defaultdict(list)
            scales: Counter[tuple[str, str]] = Counter()
            for e, r in zip(evs, rows, strict=True):
                if e.kind is EventKind.AU and e.au is not None:
                    au_stats[e.au].append(r["duration_s"])
                elif e.kind is EventKind.EMOTION:
                    emo_stats[e.emotion or ""].append(r["duration_s"])
                scales[(e.kind.value, r["scale"])] += 1
            parts.append(
                '<div class="counts"><div><h3>Action units</h3><table>'
                "<tr><th>AU</th><th>name</th><th>events</th><th>total s</th></tr>"
            )
            for au, durs in sorted(au_stats.items()):
                parts.append(
                    f"<tr><td>AU{au}</td><td>{esc(au_name(au))}</td>"
                    f'<td class="n">{len(durs)}</td><td class="n">{sum(durs):.2f}</td></tr>'
                )
            parts.append(
                "</table></div><div><h3>Emotions</h3><table>"
                "<tr><th>emotion</th><th>events</th><th>total s</th></tr>"
            )
            for emo, durs in sorted(emo_stats.items()):
                parts.append(
                    f"<tr><td>{esc(emo)}</td><td class='n'>{len(durs)}</td>"
                    f'<td class="n">{sum(durs):.2f}</td></tr>'
                )
            parts.append(
                "</table></div><div><h3>Micro vs macro</h3><table>"
                "<tr><th>kind</th><th>micro</th><th>macro</th></tr>"
            )
            for kind in ("au", "emotion", "note"):
                if scales[(kind, "micro")] or scales[(kind, "macro")]:
                    parts.append(
                        f"<tr><td>{kind}</td><td class='n'>{scales[(kind, 'micro')]}</td>"
                        f"<td class='n'>{scales[(kind, 'macro')]}</td></tr>"
                    )
            parts.append(
                "</table></div></div><h3>Events</h3><table><tr><th>id</th><th>event</th>"
                "<th>frames (onset-apex-offset)</th><th>seconds</th><th>duration</th>"
                "<th>apex</th></tr>"
            )
            for e, r in zip(evs, rows, strict=True):
                still = _still(fs, project, e) if fs is not None else None
                img = (
                    f'<img class="still" alt="apex of event {e.id}" '
                    f'src="data:image/png;base64,{still}">'
                    if still
                    else ""
                )
                apex = "" if e.apex_frame is None else e.apex_frame
                scale = '<span class="micro">micro</span>' if r["scale"] == "micro" else "macro"
                parts.append(
                    f"<tr><td>{e.id}</td><td>{esc(e.describe())}"
                    f"{' (' + esc(e.code) + ')' if e.kind is EventKind.AU and e.code else ''}</td>"
                    f"<td>{e.onset_frame}-{apex}-{e.offset_frame}</td>"
                    f"<td>{r['onset_s']:.3f}-{r['offset_s']:.3f}</td>"
                    f"<td>{e.duration_frames} fr, {r['duration_s']:.3f} s, {scale}</td>"
                    f"<td>{img}</td></tr>"
                )
                done += 1
                tick(progress, done, total)
            parts.append("</table>")
    finally:
        if fs is not None:
            fs.close()
    parts.append(
        '<p class="meta">Written by Facet. Frames are 0-based and inclusive; seconds '
        "come from the video's frame timestamps.</p></body></html>"
    )
    return "\n".join(parts) + "\n"


def export_report(
    project: Project,
    out: str | os.PathLike[str],
    *,
    source: ExportSource | None = None,
    progress: Progress | None = None,
    micro: str | None = None,
    **_: Any,
) -> Path:
    return write_atomic(
        out, report_html(project, source, progress=progress, micro=micro), newline="\n"
    )
