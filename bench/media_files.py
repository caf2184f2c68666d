"""Bench videos, generated once into /tmp/facet-bench and reused (never committed).

- ``short_clip()``: 1080p H.264, GOP 250, 3 B-frames, 300 frames (the bench_media clip).
- ``long_clip()``: a 30-minute 1080p H.264 file (45,000 frames at 25 fps, GOP 250,
  3 B-frames, x264 ultrafast with CABAC, deblocking and B-pyramid on, crf 28), made in ~40 min on
  2 shared cores.

Content is the real 1080p sample ``facenet_pytorch_crowd_1080p25.mp4`` played forward and
backward (camera footage, so decode cost is real), each frame with its barcode. Frames are
prepared as YUV 4:2:0 once and only the barcode band is redrawn per frame, so encoding is
the only per-frame cost. ``python bench/media_files.py long`` makes the long one.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotator.media.barcode import BAND_FRACTION, draw_index

SAMPLES = Path(os.environ.get("FACET_SAMPLES") or ROOT.parent / "shared" / "samples")
SAMPLE = SAMPLES / "video" / "facenet_pytorch_crowd_1080p25.mp4"
if not SAMPLE.exists():
    SAMPLE = Path("/work/shared/samples/video/facenet_pytorch_crowd_1080p25.mp4")
FOLDER = Path(tempfile.gettempdir()) / "facet-bench"


def _yuv_cycle(w: int, h: int) -> list[np.ndarray]:
    import av

    out = []
    with av.open(str(SAMPLE)) as c:
        for f in c.decode(video=0):
            out.append(f.reformat(width=w, height=h, format="yuv420p").to_ndarray())
    return out + out[-2:0:-1]


def write_clip(
    path: Path,
    n_frames: int,
    *,
    gop: int = 250,
    bframes: int = 3,
    crf: int = 23,
    preset: str = "veryfast",
    size: tuple[int, int] = (1920, 1080),
    fps: int = 25,
    extra: str = "",
) -> Path:
    import av

    if path.exists():
        return path
    FOLDER.mkdir(exist_ok=True)
    w, h = size
    cycle = _yuv_cycle(w, h)
    band_h = max(1, round(h * BAND_FRACTION))
    band_h += band_h % 2
    tmp = path.with_name(path.stem + ".part" + path.suffix)
    t0 = time.time()
    with av.open(str(tmp), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.codec_context.options = {
            "preset": preset,
            "crf": str(crf),
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}"
            + (f":{extra}" if extra else ""),
        }
        canvas = np.zeros((h, w, 3), np.uint8)  # draw_index paints its top band only
        for i in range(n_frames):
            yuv = cycle[i % len(cycle)].copy()
            draw_index(canvas, i)
            # The barcode is black/white: luma from the band, neutral chroma under it.
            yuv[:band_h] = canvas[:band_h, :, 0]
            yuv[h : h + band_h // 4] = 128  # U and V rows covering the band (4:2:0, packed)
            yuv[h + h // 4 : h + h // 4 + band_h // 4] = 128
            frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            frame.pts = i
            for p in s.encode(frame):
                c.mux(p)
            if i and i % 1000 == 0:
                el = time.time() - t0
                print(f"{path.name}: {i}/{n_frames} frames, {i / el:.0f} fps", flush=True)
        for p in s.encode():
            c.mux(p)
    os.replace(tmp, path)
    return path


def short_clip() -> Path:
    return write_clip(FOLDER / "clip_1080p_gop250_b3_300.mp4", 300)


LONG_PERIOD = 250  # the long file repeats one 250-frame GOP: its barcodes count i % 250


def long_clip() -> Path:
    """30 minutes of 1080p: one 250-frame GOP (encoded like the short clip) stream-copied
    180 times with shifted timestamps. Encoding 45,000 distinct frames took 100+ min on the
    shared cores (7 fps), so the barcodes repeat with period 250: a bench checks
    ``read_index(img) == i % 250`` plus, for Facet, the decoded PTS. Decode cost per frame
    is that of the camera footage, as in the short clip."""
    import av

    path = FOLDER / "long_1080p_30min_gop250.mp4"
    if path.exists():
        return path
    seg = write_clip(FOLDER / "gop_1080p_250.mp4", LONG_PERIOD)
    tmp = path.with_name(path.stem + ".part.mp4")
    with av.open(str(seg)) as src:
        packets = [p for p in src.demux(video=0) if p.size]
        sv = src.streams.video[0]
        step = round(LONG_PERIOD / (sv.average_rate * sv.time_base))
        with av.open(str(tmp), "w") as out:
            ov = out.add_stream_from_template(sv)
            for k in range(45_000 // LONG_PERIOD):
                for p in packets:
                    q = av.Packet(bytes(p))
                    q.pts, q.dts = p.pts + k * step, p.dts + k * step
                    q.is_keyframe = p.is_keyframe
                    q.time_base = sv.time_base
                    q.stream = ov
                    out.mux(q)
    os.replace(tmp, path)
    return path


def long_mkv() -> Path:
    """The 30-minute file remuxed (stream copy) to Matroska: a container without sample
    tables, so its index needs the packet scan (bench_index's worker-index case)."""
    path = FOLDER / "long_1080p_30min_gop250.mkv"
    if path.exists():
        return path
    src_path = long_clip()
    tmp = path.with_name(path.stem + ".part.mkv")
    import subprocess

    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(src_path), "-c", "copy", str(tmp)], check=True
    )
    os.replace(tmp, path)
    return path


def expected_index(path: Path, i: int) -> int:
    """The barcode frame ``i`` of a bench file shows."""
    return i % LONG_PERIOD if path.name.startswith("long_") else i


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "short"
    print({"long": long_clip, "mkv": long_mkv}.get(what, short_clip)())
