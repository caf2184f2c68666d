"""Draw docs/signals_plot.png: landmark signals of real clips over time (cv2 only).

Run: ``.venv/bin/python bench/plot_signals.py [OUT.png]``. Each column is a clip, each row a
signal (own y range, the clip's min to max); grey ticks every second. Reads the samples from
FACET_SAMPLES (default ../shared/samples).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotator.analysis.signals import SIGNALS
from annotator.analysis.tracking import track_video

SAMPLES = Path(os.environ.get("FACET_SAMPLES") or ROOT.parent / "shared" / "samples")
CLIPS = [
    ("video/pyfeat_single_face.mp4", "pyfeat_single_face: neutral -> smile"),
    ("video/pyfeat_WolfgangLanger_Pexels.mp4", "WolfgangLanger: looks down, smiles"),
    ("third_party/ACT409_clip1.mp4", "ACT409 clip1: talking, blinks"),
]
ROWS = [
    ("lip_corner_pull", ("lip_corner_pull_l", "lip_corner_pull_r"), (60, 180, 255)),
    ("mouth_open", ("mouth_open",), (80, 200, 80)),
    ("eye_open", ("eye_open_l", "eye_open_r"), (255, 160, 60)),
]
W, H, PAD = 420, 110, 30


def main(out: str) -> None:
    cols = []
    for rel, title in CLIPS:
        r = track_video(SAMPLES / rel)
        tracks = sorted(r.tracks, key=len, reverse=True)[:2]  # a cut splits a person in two
        fps = float(r.info.fps)
        n = r.info.frame_count
        panel = np.full((PAD + len(ROWS) * (H + PAD), W + 20, 3), 255, np.uint8)
        cv2.putText(
            panel, title, (10, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA
        )
        for k, (label, names, colour) in enumerate(ROWS):
            y0 = PAD + k * (H + PAD)
            idx = [SIGNALS.index(s) for s in names]
            vs = [np.nanmean(t.signals[:, idx], axis=1) for t in tracks]
            lo = min(float(np.nanmin(v)) for v in vs)
            hi = max(float(np.nanmax(v)) for v in vs)
            cv2.rectangle(panel, (10, y0), (10 + W, y0 + H), (200, 200, 200), 1)
            for s in range(int(n / fps) + 1):
                x = 10 + int(W * s * fps / max(n - 1, 1))
                cv2.line(panel, (x, y0 + H - 4), (x, y0 + H), (150, 150, 150), 1)
            for t, v in zip(tracks, vs, strict=True):
                xs = 10 + (t.frames * W / max(n - 1, 1)).astype(int)
                ys = y0 + H - 3 - ((v - lo) / max(hi - lo, 1e-6) * (H - 6)).astype(int)
                pts = np.stack([xs, ys], 1).reshape(-1, 1, 2).astype(np.int32)
                cv2.polylines(panel, [pts], False, colour[::-1], 2, cv2.LINE_AA)
            cv2.putText(
                panel,
                f"{label}  {lo:.2f}..{hi:.2f} IOD",
                (14, y0 + 14),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.4,
                (60, 60, 60),
                1,
                cv2.LINE_AA,
            )
        cv2.putText(
            panel,
            f"{n / fps:.1f} s, ticks every second",
            (10, panel.shape[0] - 8),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.38,
            (100, 100, 100),
            1,
            cv2.LINE_AA,
        )
        cols.append(panel)
    cv2.imwrite(out, np.hstack(cols))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "docs" / "signals_plot.png"))
