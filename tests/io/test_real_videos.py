"""Seconds in exports come from the stream's real timestamps (VFR, first PTS not 0)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from iohelpers import sample

from annotator.io.common import load_for_export
from annotator.io.eaf import export_eaf, plan_eaf_import
from annotator.io.events_csv import events_csv_text
from annotator.io.importing import apply_plan, copy_project
from annotator.io.media_link import media_from_video
from annotator.io.project_file import save_project
from annotator.model import Event, EventKind, Face, Project


@pytest.mark.parametrize(
    "video",
    ["video/pyfeat_face_noface_hevc_vfr.mov", "video/face_recognition_short_hamilton_clip.mp4"],
)
def test_exports_use_real_timestamps(video, tmp_path):
    path = sample(video)
    project_path = tmp_path / "v.facet.json"
    p = Project()
    media, timebase = media_from_video(path, project_path)
    p.add_media(media)
    p.add_face(Face("A", "Ada"))
    n = media.frame_count
    spans = [(0, 3), (n // 3, n // 3 + 7), (n // 2, n // 2), (n - 10, n - 1)]
    for on, off in spans:
        p.add_event(Event(0, "A", EventKind.AU, on, off, au=12))
    save_project(p, project_path)
    src = load_for_export(project_path, warn=None)
    assert src.warnings == [] and src.project.has_real_timebase("m1")
    ts = timebase.timestamps
    assert ts[0] == 0.0  # frame 0 is 0.0 s even when the first PTS is not 0
    df = pd.read_csv(io.StringIO(events_csv_text(src.project)))
    for row, (on, off) in zip(df.itertuples(), spans, strict=True):
        assert row.onset_s == pytest.approx(ts[on], abs=1e-6)
        assert row.offset_s == pytest.approx(ts[off], abs=1e-6)
        end = ts[off + 1] if off + 1 < n else ts[off] + timebase.last_frame_duration_s
        assert row.duration_s == pytest.approx(end - ts[on], abs=1e-6)
    out = export_eaf(src.project, tmp_path / "v.eaf", source=src)
    back = copy_project(src.project)
    for e in list(back.events):
        back.remove_event(e)
    apply_plan(back, plan_eaf_import(back, out))
    assert sorted((e.onset_frame, e.offset_frame) for e in back.events.values()) == sorted(spans)
