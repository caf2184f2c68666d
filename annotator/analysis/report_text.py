"""Plain-text and CSV renderings of an agreement report (CLI output, GUI export)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.analysis.agreement import RATIO_FLAG, AgreementReport
from annotator.safe_output import csv_writer, open_output

if TYPE_CHECKING:
    from annotator.analysis.multi_agreement import ManyReport


def _f(x: float | None, fmt: str = ".3f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return format(x, fmt)


def agreement_text(r: AgreementReport, name_a: str = "A", name_b: str = "B") -> list[str]:
    head = f"agreement {name_a} vs {name_b}: {r.n_frames} frames, tolerance "
    lines = [head + f"{r.tolerance_frames} frames"]
    if len(r.takes) > 1:
        lines.append(f"{len(r.takes)} takes, pooled (per take below)")
    lines += _two_body(r)
    if len(r.takes) > 1:
        for t in r.takes:
            lines.append("")
            lines.append(f"take {t.media}: {t.n_frames} frames")
            lines += _two_body(t)
    return lines


def _two_body(r: AgreementReport) -> list[str]:
    lines = [
        (
            "per AU (frame slices)   face  AU    kappa   agree%  frames A  frames B"
            "  kappa+side  intensity qwk (frames)"
        )
    ]
    for a in r.aus:
        lines.append(
            f"                        {a.face:<5} {a.au:<4} {_f(a.kappa):>7} "
            f"{_f(a.percent, '.1f'):>8} {a.frames_a:>9} {a.frames_b:>9}"
            f" {_f(a.kappa_with_side):>11}  {_f(a.intensity_kappa_quadratic):>7} "
            f"({a.intensity_frames})"
        )
    for e in r.emotions:
        lines.append(
            f"emotion (per frame)     {e.face:<5}      {_f(e.kappa):>7} {_f(e.percent, '.1f'):>8}"
        )
    lines.append(
        f"FACS events: {len(r.pairs)} items; agreement ratio mean over items "
        f"{_f(r.mean_ratio)}, pooled {_f(r.overall_ratio)} (side compared; pooled ignoring "
        f"side {_f(r.overall_ratio_ignoring_side)}; flag < {RATIO_FLAG:.2f})"
    )
    for p in r.pairs:
        sa = f"{p.a.onset_frame}-{p.a.offset_frame} {p.a.code}" if p.a else "-"
        sb = f"{p.b.onset_frame}-{p.b.offset_frame} {p.b.code}" if p.b else "-"
        flag = "  LOW" if p.flagged else ""
        lines.append(
            f"  {p.face:<5} A {sa:<24} B {sb:<24} IoU {p.iou:.2f} ratio {p.ratio:.2f}{flag}"
        )
    for rule, ev in r.events_by_rule.items() or {r.matching: r.events}.items():
        lines.append(
            f"event matching {rule} (IoU >= 0.5): precision {_f(ev.precision)} recall "
            f"{_f(ev.recall)} F1 {_f(ev.f1)} ({ev.tp} matched, A {ev.n_reference}, "
            f"B {ev.n_predicted})"
        )
    if r.timing:
        t = r.timing
        lines.append(
            f"timing B - A over {t.n} pairs (mean / mean abs, frames): onset "
            f"{_f(t.onset_mean, '.2f')} / {_f(t.onset_abs, '.2f')}, apex "
            f"{_f(t.apex_mean, '.2f')} / {_f(t.apex_abs, '.2f')}, offset "
            f"{_f(t.offset_mean, '.2f')} / {_f(t.offset_abs, '.2f')}"
        )
    em = r.emotion_events
    lines.append(
        f"emotion events: precision {_f(em.precision)} recall {_f(em.recall)} F1 "
        f"{_f(em.f1)}, same label on {_f(r.emotion_label_agreement, '.1f')}% of matches"
    )
    return lines


def write_agreement_csv(path: str | Path, r: AgreementReport) -> None:
    """One table: a row per AU kappa, per emotion kappa and per event pair."""
    path = Path(path)
    with open_output(path) as fh:
        w = csv_writer(fh)
        w.writerow(
            [
                "kind",
                "face",
                "au",
                "kappa",
                "percent",
                "a_onset",
                "a_offset",
                "a_aus",
                "b_onset",
                "b_offset",
                "b_aus",
                "iou",
                "ratio",
                "flagged",
            ]
        )
        for a in r.aus:
            w.writerow(["au", a.face, a.au, _f(a.kappa, ".6f"), _f(a.percent, ".3f"), *[""] * 9])
        for e in r.emotions:
            w.writerow(["emotion", e.face, "", _f(e.kappa, ".6f"), _f(e.percent, ".3f"), *[""] * 9])
        for p in r.pairs:
            w.writerow(
                [
                    "event",
                    p.face,
                    "",
                    "",
                    "",
                    p.a.onset_frame if p.a else "",
                    p.a.offset_frame if p.a else "",
                    p.a.code if p.a else "",
                    p.b.onset_frame if p.b else "",
                    p.b.offset_frame if p.b else "",
                    p.b.code if p.b else "",
                    f"{p.iou:.4f}",
                    f"{p.ratio:.4f}",
                    int(p.flagged),
                ]
            )
        w.writerow(
            ["overall", "", "", "", "", "", "", "", "", "", "", "", _f(r.overall_ratio, ".4f"), ""]
        )


def many_text(r: ManyReport) -> list[str]:
    """Three or more coders: per AU alpha, Fleiss' kappa, pairwise kappas; event groups."""
    lines = [
        (
            f"agreement of {len(r.coders)} coders ({', '.join(r.coders)}): {r.n_frames} "
            f"frames, tolerance {r.tolerance_frames} frames"
        )
    ]
    if len(r.takes) > 1:
        lines.append(f"{len(r.takes)} takes, pooled")
    lines.append(
        "per AU (frame slices)  face  AU    alpha(nominal)  fleiss_kappa  "
        "alpha(intensity, interval)  all agree%"
    )
    for a in r.aus:
        lines.append(
            f"                       {a.face:<5} {a.au:<4} {_f(a.krippendorff_alpha):>14} "
            f"{_f(a.fleiss_kappa):>13} {_f(a.krippendorff_alpha_intensity):>27} "
            f"{_f(a.percent_all_agree, '.1f'):>11}"
        )
        pairs = ", ".join(f"{x}-{y} {_f(v)}" for (x, y), v in a.cohen_kappa_pairs.items())
        lines.append(f"{'':<29}cohen_kappa: {pairs}")
    for e in r.emotions:
        lines.append(
            f"emotion (per frame)    {e['face']:<5} alpha "
            f"{_f(e['krippendorff_alpha'])} fleiss_kappa {_f(e['fleiss_kappa'])}"
        )
    agreed = sum(g.agreed for g in r.groups)
    lines.append(
        f"FACS events: {len(r.groups)} groups, {agreed} agreed (a majority of "
        f"{len(r.coders) // 2 + 1} coders at IoU >= 0.5)"
    )
    for g in r.groups:
        who = "; ".join(
            f"{c} {e.onset_frame}-{e.offset_frame} {e.code}" for c, e in g.members.items()
        )
        lines.append(f"  {g.face:<5} {'agreed  ' if g.agreed else 'disputed'} {who}")
    return lines


def write_many_csv(path: str | Path, r: ManyReport) -> None:
    """A row per AU (alpha, Fleiss' kappa, pairwise kappas) and per event group."""
    path = Path(path)
    pairs = [f"cohen_kappa_{x}_{y}" for x, y in (r.aus[0].cohen_kappa_pairs if r.aus else {})]
    with open_output(path) as fh:
        w = csv_writer(fh)
        w.writerow(
            [
                "kind",
                "face",
                "au",
                "krippendorff_alpha",
                "fleiss_kappa",
                "krippendorff_alpha_intensity_interval",
                *pairs,
                "agreed",
                "coders",
            ]
        )
        for a in r.aus:
            w.writerow(
                [
                    "au",
                    a.face,
                    a.au,
                    _f(a.krippendorff_alpha, ".6f"),
                    _f(a.fleiss_kappa, ".6f"),
                    _f(a.krippendorff_alpha_intensity, ".6f"),
                    *(_f(v, ".6f") for v in a.cohen_kappa_pairs.values()),
                    "",
                    "",
                ]
            )
        for g in r.groups:
            who = ";".join(
                f"{c}:{e.onset_frame}-{e.offset_frame}:{e.code}" for c, e in g.members.items()
            )
            w.writerow(["event", g.face, "", "", "", "", *[""] * len(pairs), int(g.agreed), who])
