from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from annotator.io.clips import export_clips
from annotator.io.common import Cancelled, open_frames
from annotator.io.report import export_report
from annotator.model import EventKind


def count_frames(path) -> tuple[int, tuple[int, int]]:
    import av

    with av.open(str(path)) as c:
        frames = [f for f in c.decode(video=0)]
        return len(frames), (frames[0].width, frames[0].height)


def test_clips_frames_manifest_and_apex(demo_source, tmp_path):
    p = demo_source.project
    emotions = {e.id for e in p.events.values() if e.kind is EventKind.EMOTION}
    out = export_clips(
        p, tmp_path / "clips", source=demo_source, events=emotions, margin=3, crop=True
    )
    with open(out / "manifest.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {int(r["event_id"]) for r in rows} == emotions
    with open_frames(demo_source.video("m1")) as fs:
        for r in rows:
            e = p.events[int(r["event_id"])]
            first, last = int(r["clip_first_frame"]), int(r["clip_last_frame"])
            assert first == max(0, e.onset_frame - 3) and last == min(249, e.offset_frame + 3)
            n, size = count_frames(out / r["clip_file"])
            assert n == int(r["clip_frames"]) == last - first + 1
            assert size == (int(r["crop_w"]), int(r["crop_h"]))
            import cv2

            png = cv2.cvtColor(cv2.imread(str(out / r["apex_file"])), cv2.COLOR_BGR2RGB)
            x, y, w, h = (int(r[k]) for k in ("crop_x", "crop_y", "crop_w", "crop_h"))
            assert np.array_equal(png, fs.frame(e.apex_frame)[y : y + h, x : x + w])


def test_clips_uncropped_and_cancel_leaves_nothing(demo_source, tmp_path):
    p = demo_source.project
    out = export_clips(p, tmp_path / "one", source=demo_source, events={9}, margin=0)
    n, size = count_frames(next(out.glob("*.mp4")))
    assert n == 9 and size == (640, 360)

    def cancel(done: int, total: int) -> bool:
        return done < 20

    with pytest.raises(Cancelled):
        export_clips(p, tmp_path / "cancelled", source=demo_source, progress=cancel)
    assert not list((tmp_path / "cancelled").glob("*.mp4"))
    with pytest.raises(ValueError, match="no event 999"):
        export_clips(p, tmp_path / "x", source=demo_source, events={999})


def test_report_is_self_contained(demo_source, tmp_path):
    out = export_report(demo_source.project, tmp_path / "r.html", source=demo_source)
    html = out.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<script" not in html
    srcs = re.findall(r'src="([^"]+)"', html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert len(srcs) == 2 + len(demo_source.project.events)  # 2 timelines + a still per event
    assert "<td>AU12</td><td>Lip corner puller</td>" in html
    assert html.count('class="micro"') == 5  # blink, Ben's smile (AU + emotion), anger x2


def test_report_without_video(coded_project, tmp_path):
    html = export_report(coded_project, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Apex stills are missing" in html and "nominal timing" in html
