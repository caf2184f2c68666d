"""Candidate and ground-truth interval tables (CSV), and the MEGC spotting evaluation.

Candidates are written with frame indices (the canonical time) plus seconds from the
video's real timestamps for people reading the table: ``onset_s`` and ``offset_s`` are the
start times of the onset and offset frames, as in the events CSV. Ground truth may be a CSV with
onset/offset columns (dataset sheets name them differently) or a Facet project, whose
overlapping AU events form the expressions (``project_intervals``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from annotator.analysis.intervals import Scores, greedy_match
from annotator.analysis.spotting import Candidate
from annotator.model import Project
from annotator.model.scale import MicroRule, micro_rule
from annotator.model.timebase import Timebase
from annotator.safe_output import csv_writer, open_output

FIELDS = [
    "video",
    "face",
    "onset_frame",
    "apex_frame",
    "offset_frame",
    "onset_s",
    "offset_s",
    "score",
    "label",  # what moved ("mouth", "brows+eyes") or "AU45 blink"; empty for box spotting
]
_ONSET = ("onset_frame", "onset", "onsetframe", "onset frame", "start_frame", "start")
_OFFSET = ("offset_frame", "offset", "offsetframe", "offset frame", "end_frame", "end")
_APEX = ("apex_frame", "apex", "apexframe", "apex frame")
_FACE = ("face", "face_id", "subject")
_VIDEO = ("video", "filename", "file")


@dataclass(frozen=True, slots=True)
class Interval:
    video: str
    face: str
    onset_frame: int
    offset_frame: int
    apex_frame: int | None = None


def write_candidates(
    path: str | Path,
    candidates: Iterable[Candidate],
    *,
    video: str = "",
    timebase: Timebase | None = None,
) -> int:
    """Write the table (atomically: a half-written CSV must never look complete)."""
    path = Path(path)
    n = 0
    with open_output(path) as fh:
        w = csv_writer(fh)
        w.writerow(FIELDS)
        for c in candidates:
            # seconds mean what they mean in the events CSV: the start of that frame
            on_s = f"{round(timebase.time_s(c.onset_frame), 6)}" if timebase else ""
            off_s = f"{round(timebase.time_s(c.offset_frame), 6)}" if timebase else ""
            w.writerow(
                [
                    video,
                    c.face,
                    c.onset_frame,
                    c.apex_frame,
                    c.offset_frame,
                    on_s,
                    off_s,
                    f"{c.score:.3f}",
                    c.label,
                ]
            )
            n += 1
    return n


def _pick(header: dict[str, str], names: tuple[str, ...]) -> str | None:
    for n in names:
        if n in header:
            return header[n]
    return None


def _int(value: str | None, where: str) -> int | None:
    if value is None:
        return None
    v = value.strip()
    if v in ("", "/", "-", "-1", "NULL", "?", "None"):
        return None
    try:
        return int(float(v))
    except ValueError:
        raise ValueError(f"{where}: '{value}' is not a frame number") from None


def read_intervals(path: str | Path) -> list[Interval]:
    """Intervals from a candidates/truth CSV (a project is read by the caller and passed
    to :func:`project_intervals`: analysis does not depend on the file formats layer)."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    if not rows:
        raise ValueError(f"{path}: empty file")
    header = {h.strip().lower(): h for h in rows[0]}
    cols = {h.strip().lower(): k for k, h in enumerate(rows[0])}
    on_key, off_key = _pick(header, _ONSET), _pick(header, _OFFSET)
    if on_key is None or off_key is None:
        raise ValueError(f"{path}: needs onset and offset columns (e.g. onset_frame, offset_frame)")
    apex_key, face_key, video_key = (
        _pick(header, _APEX),
        _pick(header, _FACE),
        _pick(header, _VIDEO),
    )

    def col(row: list[str], key: str | None) -> str | None:
        if key is None:
            return None
        k = cols[key.strip().lower()]
        return row[k] if k < len(row) else None

    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"{path}:{n}"
        onset, offset = _int(col(row, on_key), where), _int(col(row, off_key), where)
        if onset is None or offset is None:
            raise ValueError(f"{where}: onset and offset are required")
        if offset < onset:
            raise ValueError(f"{where}: offset {offset} is before onset {onset}")
        out.append(
            Interval(
                (col(row, video_key) or "").strip(),
                (col(row, face_key) or "").strip(),
                onset,
                offset,
                _int(col(row, apex_key), where),
            )
        )
    return out


def project_intervals(project: Project) -> list[Interval]:
    """A project's FACS expressions (overlapping AU events per face) as truth intervals."""
    from annotator.analysis.agreement import expression_events
    from annotator.model import EventKind

    media = project.primary_media
    video = Path(media.path).name if media else ""
    events = project.events_of(kind=EventKind.AU)
    return [
        Interval(video, e.face, e.onset_frame, e.offset_frame, e.apex_frame)
        for e in expression_events(events)
    ]


@dataclass(frozen=True, slots=True)
class SpotEvaluation:
    overall: Scores
    micro: Scores
    macro: Scores
    matches: list[tuple[Interval, Interval, float]]
    rule: str = ""  # the micro rule the split used ("" when no timestamps were known)


def _video_key(name: str) -> str:
    return Path(name).stem.casefold() if name else ""


def evaluate(
    candidates: list[Interval],
    truth: list[Interval],
    *,
    fps: float | None = None,
    micro_max_frames: int | None = None,
    timebases: dict[str, Timebase] | None = None,
    timebase: Timebase | None = None,
    rule: MicroRule | None = None,
) -> SpotEvaluation:
    """MEGC rule: a candidate is a true positive when its IoU with a truth interval >= 0.5,
    one-to-one greedy by IoU, counts pooled over videos and faces.

    Videos separate intervals when both tables name them and every candidate's video (file
    stem, case-insensitive) is among the truth's; faces when both name them and every
    candidate face is a truth face (detector ids like ``auto1`` cannot be mapped);
    otherwise any video or face matches.

    Micro and macro are two tasks, as MEGC scores them: the micro truths against the micro
    candidates, the macro truths against the macro candidates, each matched one-to-one on
    its own, so a hit counts once, in one split, and precision never exceeds 1. Which split
    an interval is in comes from real timestamps and ``rule`` (default ``total-0.5s``):
    ``timebases`` per video name, else ``timebase``, else a constant ``fps``;
    ``micro_max_frames`` (a frame-count limit) is kept for old callers. Overall matches
    everything against everything, so a macro-length candidate on a micro truth is an
    overall hit but in neither split.
    """
    truth_videos = {_video_key(i.video) for i in truth}
    use_video = (
        all(i.video for i in candidates + truth)
        and {_video_key(i.video) for i in candidates} <= truth_videos
    )
    # detector face ids (auto1, ...) mean nothing in the truth's naming: then faces are ignored
    use_face = all(i.face for i in candidates + truth) and {i.face for i in candidates} <= {
        i.face for i in truth
    }

    def key(i: Interval) -> tuple[str, str]:
        return (_video_key(i.video) if use_video else "", i.face if use_face else "")

    rule = rule or micro_rule()
    tbs = {_video_key(k): v for k, v in (timebases or {}).items()}
    last = max((i.offset_frame for i in candidates + truth), default=0) + 2
    nominal = Timebase.nominal(last, Fraction(fps).limit_denominator(1001)) if fps else None

    def tb_of(i: Interval) -> Timebase | None:
        return (
            tbs.get(_video_key(i.video))
            or timebase
            or (next(iter(tbs.values())) if len(tbs) == 1 else None)
            or nominal
        )

    known = micro_max_frames is not None or all(tb_of(i) is not None for i in candidates + truth)

    def scale(i: Interval) -> str:
        if micro_max_frames is not None:
            return "micro" if i.offset_frame - i.onset_frame + 1 <= micro_max_frames else "macro"
        tb = tb_of(i)
        return rule.scale(tb, i.onset_frame, i.offset_frame, i.apex_frame) if tb else "macro"

    totals = {"all": Scores(0, 0, 0), "micro": Scores(0, 0, 0), "macro": Scores(0, 0, 0)}
    matches: list[tuple[Interval, Interval, float]] = []

    def match(c: list[Interval], t: list[Interval]) -> list[tuple[int, int, float]]:
        return greedy_match(
            [(i.onset_frame, i.offset_frame) for i in t],
            [(i.onset_frame, i.offset_frame) for i in c],
        )

    for k in sorted({key(i) for i in candidates + truth}):
        c = [i for i in candidates if key(i) == k]
        t = [i for i in truth if key(i) == k]
        m = match(c, t)
        matches += [(t[ti], c[ci], v) for ti, ci, v in m]
        totals["all"] = totals["all"] + Scores(len(m), len(c), len(t))
        if not known:
            continue
        for s in ("micro", "macro"):
            cs = [i for i in c if scale(i) == s]
            ts = [i for i in t if scale(i) == s]
            totals[s] = totals[s] + Scores(len(match(cs, ts)), len(cs), len(ts))
    return SpotEvaluation(
        totals["all"],
        totals["micro"],
        totals["macro"],
        matches,
        rule.name if known and micro_max_frames is None else "",
    )
