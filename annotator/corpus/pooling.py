"""Corpus agreement pooled over clips, from what each clip's task handed back.

Frame-slice numbers pool exactly: each clip returns, per face and AU, the sums that alpha,
Fleiss' kappa and Cohen's kappa are made of (``kappa.presence_pool``), and their sums over
the clips give the numbers of all the clips' frames concatenated. Event numbers pool by
adding counts (MEGC pools the same way): matched pairs and sizes, AUs both scored and AUs
scored, group counts.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

from annotator.analysis.intervals import Scores
from annotator.analysis.kappa import pooled_numbers


def _num(x: Any) -> Any:
    return None if isinstance(x, float) and math.isnan(x) else x


def _units(code: str) -> set[str]:
    return {u for u in code.split("+") if u}


def pooled_agreement(parts: list[dict[str, Any]], coders: list[str]) -> dict[str, Any]:
    by_key: dict[tuple[str, int, tuple[str, ...]], list[dict[str, Any]]] = {}
    for p in parts:
        for key, pools in p["pools"].items():
            face, au = key.split("\t")
            by_key.setdefault((face, int(au), tuple(p["coders"])), []).extend(pools)
    aus = []
    for (face, au, names), pools in sorted(by_key.items()):
        nums = pooled_numbers(pools, len(names))
        aus.append(
            {
                "face": face,
                "au": au,
                "coders": list(names),
                "krippendorff_alpha": _num(nums["krippendorff_alpha"]),
                "fleiss_kappa": _num(nums["fleiss_kappa"]),
                "cohen_kappa_pairs": [
                    {"coders": [x, y], "cohen_kappa": _num(k)}
                    for (x, y), k in zip(
                        combinations(names, 2), nums["cohen_kappa_pairs"], strict=True
                    )
                ],
            }
        )
    groups = sum(p["groups"] for p in parts)
    agreed = sum(p["agreed"] for p in parts)
    out: dict[str, Any] = {
        "clips": len(parts),
        "au": aus,
        "events": {
            "groups": groups,
            "agreed": agreed,
            "agreed_share": _num(agreed / groups if groups else math.nan),
        },
    }
    two = [p["report"] for p in parts if len(p["coders"]) == 2]
    if two:
        ratios, both, total = [], 0, 0
        scores = Scores(0, 0, 0)
        for r in two:
            for pair in r["pairs"]:
                ratios.append(pair["ratio"])
                a = _units(pair["a"]["aus"]) if pair["a"] else set()
                b = _units(pair["b"]["aus"]) if pair["b"] else set()
                both += len(a & b)
                total += len(a) + len(b)
            ev = r["events"]
            scores = scores + Scores(ev["tp"], ev["predicted"], ev["reference"])
        out["facs_ratio_mean_over_items"] = _num(sum(ratios) / len(ratios) if ratios else math.nan)
        out["facs_ratio_pooled"] = _num(2 * both / total if total else math.nan)
        out["event_matching_greedy"] = {k: _num(v) for k, v in scores.as_dict().items()}
    return out


def pooled_text(pooled: dict[str, Any]) -> list[str]:
    def f(x: Any) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    lines = [f"pooled over {pooled['clips']} clips:"]
    for a in pooled["au"]:
        pairs = ", ".join(
            f"{'-'.join(p['coders'])} {f(p['cohen_kappa'])}" for p in a["cohen_kappa_pairs"]
        )
        lines.append(
            f"  {a['face']:<5} AU{a['au']:<4} krippendorff_alpha "
            f"{f(a['krippendorff_alpha'])} fleiss_kappa {f(a['fleiss_kappa'])} "
            f"cohen_kappa {pairs}"
        )
    ev = pooled["events"]
    lines.append(f"  event groups: {ev['agreed']} of {ev['groups']} agreed")
    if "facs_ratio_pooled" in pooled:
        lines.append(
            f"  FACS ratio: mean over items {f(pooled['facs_ratio_mean_over_items'])}"
            f", pooled {f(pooled['facs_ratio_pooled'])}"
        )
    return lines
