"""Shot boundaries (hard cuts) from colour-histogram and pixel differences.

Why not PySceneDetect: it installs from PyPI and its AdaptiveDetector is the model for
this one, but it brings its own decoding layer (OpenCV or PyAV backends with their own
frame numbering and seeking) plus click/tqdm, while Facet needs cut frames on the exact
indices of its PTS table and already decodes sequentially for spotting. Sixty lines of
numpy over a 64-pixel-wide picture give the same rule on our indices.

Score per frame: the mean of (a) half the L1 distance between consecutive HSV histograms
and (b) the mean absolute pixel difference, both in [0, 1]. A cut at frame ``t`` (the
first frame of the new shot) needs a score above an absolute floor, ``ratio`` times the
mean score of its neighbours within ``window`` frames (fast motion raises the neighbours
too, a cut stands alone) and the largest score within ``min_shot`` frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from annotator.analysis.video import Progress, ShouldStop, VideoInfo, iter_luma
from annotator.safe_output import csv_writer, open_output

SMALL_W = 64
_BINS = (16, 8, 8)


@dataclass(frozen=True, slots=True)
class CutParams:
    ratio: float = 3.0
    floor: float = 0.12
    window: int = 4
    min_shot: int = 5


@dataclass(frozen=True, slots=True)
class Cut:
    frame: int  # first frame of the new shot
    score: float


def _small_rgb(size: tuple[int, int]) -> Any:
    def convert(frame: Any) -> np.ndarray:
        rgb: np.ndarray = frame.reformat(width=size[0], height=size[1], format="rgb24").to_ndarray()
        return rgb

    return convert


def _hist(rgb: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    parts = [
        cv2.calcHist([hsv], [c], None, [b], [0, 180 if c == 0 else 256]).ravel()
        for c, b in enumerate(_BINS)
    ]
    h = np.concatenate(parts)
    return np.asarray(h / (h.sum() / 3))


def frame_scores(
    info: VideoInfo, *, progress: Progress | None = None, should_stop: ShouldStop | None = None
) -> np.ndarray:
    """Difference of each frame from the previous one (0 for frame 0 and unknown frames)."""
    w = SMALL_W
    h = max(8, int(round(w * info.height / max(info.width, 1))) // 2 * 2)
    scores = np.zeros(info.frame_count, np.float64)
    prev: tuple[int, np.ndarray, np.ndarray] | None = None
    for i, rgb in iter_luma(
        info, progress=progress, should_stop=should_stop, convert=_small_rgb((w, h))
    ):
        hist = _hist(rgb)
        px = rgb.astype(np.int16)
        if prev is not None and prev[0] == i - 1:
            hist_d = float(np.abs(hist - prev[1]).sum()) / 6  # 3 histograms, each L1 <= 2
            pix_d = float(np.abs(px - prev[2]).mean()) / 255
            scores[i] = 0.5 * (hist_d + pix_d)
        prev = (i, hist, px)
    return scores


def cuts_from_scores(scores: np.ndarray, params: CutParams = CutParams()) -> list[Cut]:
    """The adaptive-threshold rule (pure, so it is tested on made-up scores too)."""
    n = len(scores)
    out: list[Cut] = []
    for t in range(1, n):
        s = float(scores[t])
        if s < params.floor:
            continue
        lo, hi = max(1, t - params.window), min(n, t + params.window + 1)
        neighbours = np.concatenate([scores[lo:t], scores[t + 1 : hi]])
        base = float(neighbours.mean()) if len(neighbours) else 0.0
        if s < params.ratio * base:
            continue
        a, b = max(1, t - params.min_shot + 1), min(n, t + params.min_shot)
        if s < float(scores[a:b].max()):
            continue
        if out and t - out[-1].frame < params.min_shot:
            continue
        out.append(Cut(t, s))
    return out


def detect_cuts(
    video: str | Path,
    params: CutParams = CutParams(),
    *,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> tuple[VideoInfo, list[Cut]]:
    info = VideoInfo.of(video)
    return info, cuts_from_scores(
        frame_scores(info, progress=progress, should_stop=should_stop), params
    )


def write_cuts(path: str | Path, cuts: list[Cut], info: VideoInfo) -> None:
    path = Path(path)
    with open_output(path) as fh:
        w = csv_writer(fh)
        w.writerow(["frame", "time_s", "score"])
        for c in cuts:
            w.writerow([c.frame, f"{info.timebase.time_s(c.frame):.3f}", f"{c.score:.4f}"])
