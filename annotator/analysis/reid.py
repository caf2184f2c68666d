"""Re-identification: is a face that appears again the one that was lost?

Appearance of a face (:func:`appearance`): a hue-saturation histogram of the central part of
the eye-aligned crop (skin, hair, lighting) followed by that crop in grey at 16 x 16,
standardised (the face's layout: beard, glasses, brows). :func:`similarity` is the smaller
of the two correlations. On single frames of the samples, the same person scored 0.54-0.93
(ACT409 across its jump cut 0.72-0.84, WolfgangLanger 0.64-0.77), different people <= 0.42
(crowd faces against each other 0.26-0.42, ACT409 against pyfeat_single_face 0.21-0.39).
The mesh's own geometry (3D distance ratios of rigid points) was measured too and does not
tell people apart (same person 0.01-0.05, different people 0.01-0.08): it is not used.

Two stages use it. While tracking, a detection no live track covers continues a track lost
shortly before when it looks very much like it (see ``FaceTracker._reidentify``). After the
pass, :func:`link_segments` joins finished tracks that never overlap in time: a face that
comes back after a cut or after leaving the frame continues the earlier face when its first
frames look like the earlier one's last frames (or their whole-track means match), with a
lower bar when it comes back at about the same place and size (a jump cut, an occlusion).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

from annotator.analysis.face_models import Roi

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
APPEAR_HIST = 128  # hue-saturation bins, then the grey 16 x 16 crop


def appearance(rgb: np.ndarray, roi: Roi) -> np.ndarray:
    """Appearance vector of the face in ``roi`` (see the module docstring)."""
    m = roi.matrix(48)
    crop = cv2.warpAffine(rgb, m, (48, 48), flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP)
    inner = crop[8:40, 8:40]
    hsv = cv2.cvtColor(inner, cv2.COLOR_RGB2HSV)
    h = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256]).reshape(-1)
    grey = (
        cv2.resize(cv2.cvtColor(inner, cv2.COLOR_RGB2GRAY), (16, 16), interpolation=cv2.INTER_AREA)
        .astype(np.float32)
        .reshape(-1)
    )
    grey = (grey - grey.mean()) / max(float(grey.std()), 1.0)
    return np.concatenate([h / max(float(h.sum()), 1.0), grey]).astype(np.float32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The smaller of the colour-histogram and the grey-layout correlations."""
    k = APPEAR_HIST
    colour = float(cv2.compareHist(a[:k], b[:k], cv2.HISTCMP_CORREL))
    layout = float(np.corrcoef(a[k:], b[k:])[0, 1])
    return min(colour, layout if np.isfinite(layout) else 0.0)


def near(a: Box, b: Box) -> bool:
    """About the same place and size: centres within one face width, sizes within 1.5x."""
    d = math.hypot(a[0] + a[2] / 2 - b[0] - b[2] / 2, a[1] + a[3] / 2 - b[1] - b[3] / 2)
    wa, wb = max(a[2], 1e-6), max(b[2], 1e-6)
    return d < max(wa, wb) and max(wa, wb) / min(wa, wb) < 1.5


@dataclass
class Segment:
    """What :func:`link_segments` needs of a finished track."""

    index: int
    start: int
    end: int
    first_box: Box
    last_box: Box
    start_look: np.ndarray  # mean appearance of its first few samples
    end_look: np.ndarray  # running mean at its end
    mean_look: np.ndarray  # mean over the whole track


@dataclass(frozen=True, slots=True)
class LinkParams:
    window_s: float = 30.0  # a face gone longer than this starts a new face
    min_sim: float = 0.75  # similar enough anywhere in the picture
    near_sim: float = 0.5  # ... or this much back at about the same place and size


def link_segments(segs: list[Segment], fps: float, p: LinkParams = LinkParams()) -> list[list[int]]:
    """Chains of track indices (each in time order) that are one face; every index is in
    exactly one chain. Greedy, best similarity first; a track gets at most one predecessor
    and one successor, and only tracks that do not overlap in time are joined."""
    window = p.window_s * fps
    by = {s.index: s for s in segs}
    pairs: list[tuple[float, int, int]] = []
    for a in segs:
        for b in segs:
            gap = b.start - a.end
            if gap <= 0 or gap > window:
                continue
            sim = max(similarity(a.end_look, b.start_look), similarity(a.mean_look, b.mean_look))
            close = near(a.last_box, b.first_box)
            log.debug("link %d -> %d: similarity %.2f near %s", a.index, b.index, sim, close)
            if sim >= p.min_sim or (close and sim >= p.near_sim):
                pairs.append((sim, a.index, b.index))
    nxt: dict[int, int] = {}
    prev: dict[int, int] = {}
    for _sim, a_i, b_i in sorted(pairs, reverse=True):
        if a_i in nxt or b_i in prev:
            continue
        # the chain ending at a must end before b starts (it does: a ends before b), and
        # the chain starting at b must not overlap anything in a's chain
        head = a_i
        while head in prev:
            head = prev[head]
        chain_a = _walk(head, nxt)
        chain_b = _walk(b_i, nxt)
        if any(_overlaps(by[x], by[y]) for x in chain_a for y in chain_b):
            continue
        nxt[a_i], prev[b_i] = b_i, a_i
    chains = [_walk(s.index, nxt) for s in segs if s.index not in prev]
    return sorted(chains, key=lambda c: by[c[0]].start)


def _walk(i: int, nxt: dict[int, int]) -> list[int]:
    out = [i]
    while out[-1] in nxt:
        out.append(nxt[out[-1]])
    return out


def _overlaps(a: Segment, b: Segment) -> bool:
    return a.start <= b.end and b.start <= a.end
