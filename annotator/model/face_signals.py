"""Names of the per-frame landmark signals (docs/signals.md), shared by the tracker that
computes them (annotator.analysis.signals) and the signals-csv export (annotator.io), which
may not import each other."""

from __future__ import annotations

PAIRED = ("brow_raise", "eye_open", "lip_corner_pull", "lip_corner_depress")
SIGNALS: tuple[str, ...] = (
    "brow_raise_l",
    "brow_raise_r",
    "brow_lower",
    "eye_open_l",
    "eye_open_r",
    "lip_corner_pull_l",
    "lip_corner_pull_r",
    "lip_corner_depress_l",
    "lip_corner_depress_r",
    "mouth_open",
    "head_yaw",
    "head_pitch",
    "head_roll",
    *(f"asym_{p}" for p in PAIRED),
)
