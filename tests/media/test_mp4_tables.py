"""MP4/MOV frame tables read from the sample tables must equal the demuxed packet scan."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from annotator.media import FrameSource
from annotator.media.barcode import read_index
from annotator.media.mp4_tables import index_from_sample_tables
from annotator.media.pts_index import _index_from_packets, pick_video_stream
from tests.media.conftest import CLIP_SPECS, SAMPLE_VIDEOS


def _both(path: Path) -> tuple[tuple[list[int], list[int]] | None, tuple[list[int], list[int]]]:
    with av.open(str(path)) as c:
        vs = pick_video_stream(c)
        tables = index_from_sample_tables(path, c, vs)
    with av.open(str(path)) as c:
        vs = pick_video_stream(c)
        pts, keys, ok = _index_from_packets(c, vs)
    assert ok
    return tables, (pts, keys)


MP4_CLIPS = [n for n, spec in CLIP_SPECS.items() if spec.get("ext", ".mp4") in (".mp4", ".mov")]


@pytest.mark.parametrize("name", MP4_CLIPS)
def test_tables_equal_packets_on_barcode_clips(make_clip, name: str) -> None:
    clip = make_clip(name)
    tables, packets = _both(clip.path)
    assert tables is not None, "an MP4 written by FFmpeg must be readable from its tables"
    assert tables == packets
    with FrameSource(clip.path, index_cache_dir=False, prefetch=False) as src:
        assert src.index_method == "tables"
        assert src.frame_count == clip.n_frames
        for i in (0, clip.n_frames // 2, clip.n_frames - 1):
            assert read_index(src.frame(i)) == i


@pytest.mark.parametrize(
    "name",
    [
        "pyfeat_no_face.mp4",  # edit list: three packets before it are never shown
        "face_recognition_short_hamilton_clip.mp4",  # first PTS 10214
        "pyfeat_face_noface_hevc_vfr.mov",  # negative composition offsets in a v0 ctts
        "pyfeat_noface_face_hevc_vfr.mov",
        "pyfeat_WolfgangLanger_Pexels.mp4",
    ],
)
def test_tables_equal_packets_on_real_samples(name: str) -> None:
    path = SAMPLE_VIDEOS / name
    if not path.exists():
        pytest.skip(f"sample video {name} not available")
    tables, packets = _both(path)
    assert tables is not None
    assert tables[0] == packets[0]
    assert tables[1] == packets[1]


def test_other_containers_are_demuxed(make_clip) -> None:
    clip = make_clip("start_pts_mkv")
    with av.open(str(clip.path)) as c:
        assert index_from_sample_tables(clip.path, c, pick_video_stream(c)) is None
    with FrameSource(clip.path, index_cache_dir=False, prefetch=False) as src:
        assert src.index_method == "packets"


def test_a_truncated_mp4_is_not_trusted_from_its_tables(make_clip, tmp_path: Path) -> None:
    """The moov (written first, as cameras and 'faststart' files do) lists every sample,
    but the data of the last frames is cut off: the tail check must notice."""
    clip = make_clip("cfr25_gop50")
    fast = tmp_path / "fast.mp4"
    with (
        av.open(str(clip.path)) as src,
        av.open(str(fast), "w", options={"movflags": "faststart"}) as out,
    ):
        ov = out.add_stream_from_template(src.streams.video[0])
        for p in src.demux(video=0):
            if p.size:
                p.stream = ov
                out.mux(p)
    data = fast.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    with av.open(str(fast)) as c:
        entries = list(c.streams.video[0].index_entries)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: entries[-10].pos])
    with FrameSource(cut, index_cache_dir=False, prefetch=False) as src:
        assert src.index_method != "tables"
        assert src.frame_count < clip.n_frames
        assert np.all(np.diff(src.pts) > 0)
        assert read_index(src.frame(src.frame_count - 1)) == src.frame_count - 1
