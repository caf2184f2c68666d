"""Cohen's, weighted and Fleiss' kappa, Krippendorff's alpha and percent agreement in numpy.

The app must not need scikit-learn at run time, yet published numbers must be the ones
reviewers recompute with ``sklearn.metrics.cohen_kappa_score``; the tests pin the two
together, including sklearn's NaN when both coders used a single identical label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def _codes(
    a: Sequence[object] | np.ndarray, b: Sequence[object] | np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    if a_arr.shape != b_arr.shape or a_arr.ndim != 1:
        raise ValueError("kappa needs two label vectors of the same length")
    labels, inverse = np.unique(np.concatenate([a_arr, b_arr]), return_inverse=True)
    n = len(a_arr)
    return inverse[:n], inverse[n:], len(labels)


def cohen_kappa(a: Sequence[object] | np.ndarray, b: Sequence[object] | np.ndarray) -> float:
    """Unweighted Cohen's kappa, computed the way sklearn does (NaN when p_e = 1).

    sklearn evaluates ``1 - sum(W * C) / sum(W * E)`` with W the off-diagonal indicator;
    using the same form (rather than ``(p_o - p_e) / (1 - p_e)``) keeps the last bits equal.
    """
    ia, ib, k = _codes(a, b)
    if len(ia) == 0:
        return math.nan
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (ia, ib), 1)
    sum0 = confusion.sum(axis=0)
    sum1 = confusion.sum(axis=1)
    expected = np.outer(sum0, sum1) / np.sum(sum0)
    w = np.ones((k, k), dtype=int)
    w.flat[:: k + 1] = 0
    denom = np.sum(w * expected)
    if denom == 0:
        return math.nan
    return float(1 - np.sum(w * confusion) / denom)


def percent_agreement(a: Sequence[object] | np.ndarray, b: Sequence[object] | np.ndarray) -> float:
    """Share of frames with the same label, in percent (NaN for empty vectors)."""
    ia, ib, _ = _codes(a, b)
    if len(ia) == 0:
        return math.nan
    return float(np.mean(ia == ib) * 100.0)


def forgive_within(
    a: np.ndarray, b: np.ndarray, tolerance_frames: int
) -> tuple[np.ndarray, np.ndarray]:
    """Binary vectors with disagreements forgiven when the other coder has the AU within
    ``tolerance_frames`` (coders rarely agree to the exact frame on onsets and offsets).

    A frame where A scores the AU and B does not counts as agreement when B scores it within
    the tolerance, and vice versa; with tolerance 0 the vectors come back unchanged, so the
    kappa is exactly sklearn's on the raw slices.
    """
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if tolerance_frames <= 0:
        return a, b
    return a | (b & _dilate(a, tolerance_frames)), b | (a & _dilate(b, tolerance_frames))


def _dilate(x: np.ndarray, r: int) -> np.ndarray:
    """True where any frame within ``r`` frames is True (a running max via cumulative sums)."""
    c = np.concatenate([[0], np.cumsum(x.astype(np.int64))])
    n = len(x)
    idx = np.arange(n)
    lo = np.clip(idx - r, 0, n)
    hi = np.clip(idx + r + 1, 0, n)
    return np.asarray((c[hi] - c[lo]) > 0)


# --------------------------------------------------------------------------- weighted, many coders
INTENSITY_LEVELS = (1, 2, 3, 4, 5)  # A-E as the ordinal scale FACS defines (trace .. maximum)


def weighted_kappa(
    a: Sequence[int] | np.ndarray,
    b: Sequence[int] | np.ndarray,
    levels: Sequence[int] = INTENSITY_LEVELS,
) -> float:
    """Quadratic-weighted Cohen's kappa on a fixed ordinal scale (intensity A-E as 1-5).

    The scale is fixed rather than taken from the labels that happen to occur, so a pair of
    coders who only used A and E is weighted by (1 - 5)^2, not by the distance of two
    neighbouring labels; it equals ``cohen_kappa_score(a, b, labels=levels,
    weights="quadratic")`` and, like sklearn, is NaN when chance agreement is perfect.
    """
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    if a_arr.shape != b_arr.shape or a_arr.ndim != 1:
        raise ValueError("kappa needs two label vectors of the same length")
    if len(a_arr) == 0:
        return math.nan
    lev = np.asarray(levels)
    k = len(lev)
    ia, ib = np.searchsorted(lev, a_arr), np.searchsorted(lev, b_arr)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (ia, ib), 1)
    sum0 = confusion.sum(axis=0)
    sum1 = confusion.sum(axis=1)
    expected = np.outer(sum0, sum1) / np.sum(sum0)
    idx = np.arange(k)
    w = (idx[:, None] - idx[None, :]) ** 2
    denom = np.sum(w * expected)
    if denom == 0:
        return math.nan
    return float(1 - np.sum(w * confusion) / denom)


def fleiss_kappa(ratings: np.ndarray) -> float:
    """Fleiss' kappa of a (coders x units) label matrix, every coder rating every unit.

    Computed as statsmodels' ``fleiss_kappa(table, method="fleiss")`` on the units x
    categories count table (the tests pin the two together); NaN when every unit got one
    and the same label (chance agreement 1), where statsmodels divides by zero.
    """
    r = np.asarray(ratings)
    if r.ndim != 2 or r.shape[1] == 0 or r.shape[0] < 2:
        return math.nan
    n_rat = r.shape[0]
    _, inv = np.unique(r, return_inverse=True)
    inv = inv.reshape(r.shape)
    k = int(inv.max()) + 1
    table = np.zeros((r.shape[1], k), dtype=np.float64)
    for c in range(k):
        table[:, c] = (inv == c).sum(axis=0)
    p_cat = table.sum(axis=0) / table.sum()
    p_rat = ((table * table).sum(axis=1) - n_rat) / (n_rat * (n_rat - 1.0))
    p_mean = p_rat.mean()
    p_exp = (p_cat * p_cat).sum()
    if p_exp == 1:
        return math.nan
    return float((p_mean - p_exp) / (1 - p_exp))


def krippendorff_alpha(data: np.ndarray, level: str = "nominal") -> float:
    """Krippendorff's alpha of a (coders x units) float matrix, NaN for a missing value.

    ``level`` is ``"nominal"`` (any two different values disagree equally) or ``"interval"``
    (squared difference, for intensity A-E as 1-5). The coincidence matrix is built from
    the distinct units only (a video has thousands of frames but few distinct rows), which
    gives the number the ``krippendorff`` package computes. NaN where that package refuses:
    fewer than two values in the data, or no unit rated by two coders.
    """
    if level not in ("nominal", "interval"):
        raise ValueError(f"unknown level of measurement {level!r}")
    d = np.asarray(data, dtype=np.float64)
    if d.ndim != 2 or d.shape[1] == 0:
        return math.nan
    present = ~np.isnan(d)
    domain = np.unique(d[present])
    if len(domain) <= 1:
        return math.nan
    counts = np.stack([(d == v).sum(axis=0) for v in domain], axis=1)  # units x values
    counts = counts[counts.sum(axis=1) >= 2]
    if len(counts) == 0:
        return math.nan
    rows, weight = np.unique(counts, axis=0, return_counts=True)
    m = rows.sum(axis=1).astype(np.float64)
    per_unit = rows[:, :, None] * rows[:, None, :] - rows[:, None, :] * np.eye(len(domain))[None]
    o = (per_unit / (m - 1)[:, None, None] * weight[:, None, None]).sum(axis=0)
    n_v = o.sum(axis=0)
    e = (np.outer(n_v, n_v) - np.diagflat(n_v)) / (n_v.sum() - 1)
    if level == "nominal":
        dist = 1.0 - np.eye(len(domain))
    else:
        dist = (domain[:, None] - domain[None, :]) ** 2
    denom = (e * dist).sum()
    if denom == 0:
        return math.nan
    return float(1 - (o * dist).sum() / denom)


# --------------------------------------------------------------------------- pooling
def presence_pool(pres: np.ndarray) -> dict[str, list[Any]]:
    """What pooling clips needs of one AU's (coders x frames) presence matrix: the nominal
    coincidence matrix (alpha), Fleiss' per-frame agreement sum and category totals, and
    each pair's 2 x 2 confusion matrix. Sums of these over clips give exactly the numbers
    of the concatenated frames, without keeping the frames."""
    p = np.asarray(pres, dtype=bool)
    k, n = p.shape
    ones = p.sum(axis=0).astype(np.float64)
    zeros = k - ones
    o = np.array(
        [
            [(zeros * (zeros - 1)).sum(), (zeros * ones).sum()],
            [(zeros * ones).sum(), (ones * (ones - 1)).sum()],
        ]
    ) / (k - 1)
    p_rat = ((ones**2 + zeros**2) - k) / (k * (k - 1.0))
    pairs = []
    for i in range(k):
        for j in range(i + 1, k):
            conf = np.zeros((2, 2), dtype=np.int64)
            np.add.at(conf, (p[i].astype(int), p[j].astype(int)), 1)
            pairs.append(conf.tolist())
    return {
        "coincidence": o.tolist(),
        "fleiss": [float(p_rat.sum()), n, float(zeros.sum()), float(ones.sum())],
        "pairs": pairs,
    }


def pooled_numbers(pools: list[dict[str, list[Any]]], k: int) -> dict[str, Any]:
    """Alpha, Fleiss' kappa and pairwise Cohen's kappas of summed ``presence_pool``s."""
    o = np.sum([np.asarray(p["coincidence"]) for p in pools], axis=0)
    n_v = o.sum(axis=0)
    if (n_v > 0).sum() <= 1:
        alpha = math.nan
    else:
        e = (np.outer(n_v, n_v) - np.diagflat(n_v)) / (n_v.sum() - 1)
        d = 1.0 - np.eye(2)
        alpha = float(1 - (o * d).sum() / (e * d).sum())
    f = np.sum([np.asarray(p["fleiss"]) for p in pools], axis=0)
    units = f[1]
    p_cat = f[2:] / (units * k)
    p_exp = float((p_cat**2).sum())
    fleiss = math.nan if p_exp == 1 else float((f[0] / units - p_exp) / (1 - p_exp))
    kappas = []
    for conf in np.sum([np.asarray(p["pairs"]) for p in pools], axis=0):
        sum0, sum1 = conf.sum(axis=0), conf.sum(axis=1)
        expected = np.outer(sum0, sum1) / np.sum(sum0)
        w = 1 - np.eye(2, dtype=int)
        denom = np.sum(w * expected)
        kappas.append(math.nan if denom == 0 else float(1 - np.sum(w * conf) / denom))
    return {"krippendorff_alpha": alpha, "fleiss_kappa": fleiss, "cohen_kappa_pairs": kappas}
