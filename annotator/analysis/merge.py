"""Merge several coders' projects of one video into a gold project.

FACS events (overlapping AU events of a face, as ``agree`` groups them) are grouped across
coders by ``multi_agreement.event_groups``. A group a majority of coders is in, whose AUs a
majority of its members scored (no AU scored by exactly half of them), becomes gold AU
events: per AU, onset, apex and offset are the median of the members' frames (the lower
median for an even count, so frames stay whole), intensity the most common letter (a tie:
the lower median level), each marked ``agreed`` with the coders it came from. Every other
group is a ``Dispute`` holding each member's events unchanged, for an adjudicator.
Emotion events follow the same rule on their own intervals, the label by majority.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import statistics
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from annotator.analysis.agreement import _events, _within
from annotator.analysis.matching import group_events
from annotator.analysis.multi_agreement import EventGroup, event_groups
from annotator.analysis.takes import match_takes
from annotator.model import Event, EventKind, Media, Project
from annotator.model.facs import Intensity
from annotator.model.team import (
    MERGE,
    CoderFile,
    Decision,
    Dispute,
    Provenance,
    TeamInfo,
    Version,
)

RULE = (
    "FACS events grouped across coders at IoU >= 0.5 (one event per coder per group); "
    "agreed when more than half the coders are in a group and every AU is scored by more "
    "or fewer than half its members; frames: lower median; intensity: most common"
)


def _median(values: list[int]) -> int:
    return int(statistics.median_low(values))


def _unit(e: Event) -> tuple[str, int]:
    return (e.side.value if e.side else "", e.au or 0)


def _gold_aus(members: dict[str, list[Event]], media: str) -> list[Event] | None:
    """Gold AU events of an agreed group, or None when some AU splits the members evenly."""
    k = len(members)
    by_unit: dict[tuple[str, int], dict[str, list[Event]]] = {}
    for coder, evs in members.items():
        for e in evs:
            by_unit.setdefault(_unit(e), {}).setdefault(coder, []).append(e)
    out = []
    for unit, per_coder in sorted(by_unit.items(), key=lambda t: (t[0][1], t[0][0])):
        n = len(per_coder)
        if 2 * n == k:
            return None
        if 2 * n < k:
            continue
        spans = [
            (
                min(e.onset_frame for e in es),
                max(e.offset_frame for e in es),
                [e.apex_frame for e in es if e.apex_frame is not None],
                [e.intensity for e in es if e.intensity is not None],
            )
            for es in per_coder.values()
        ]
        on = _median([s[0] for s in spans])
        off = max(on, _median([s[1] for s in spans]))
        apexes = [a for s in spans for a in s[2][:1]]
        apex = min(max(_median(apexes), on), off) if apexes else None
        levels = [s[3][0] for s in spans if s[3]]
        first = next(iter(per_coder.values()))[0]
        out.append(
            Event(
                0,
                first.face,
                EventKind.AU,
                on,
                off,
                apex,
                media=media,
                au=unit[1],
                intensity=_intensity(levels),
                side=first.side,
                code=first.au_code,
                annotator=MERGE,
                provenance=Provenance(Decision.AGREED, tuple(per_coder)),
            )
        )
    if out:
        code = "+".join(e.au_code for e in out)
        out = [dataclasses.replace(e, code=code) for e in out]
    return out


def _intensity(levels: list[Intensity]) -> Intensity | None:
    if not levels:
        return None
    counts = Counter(levels).most_common()
    if len(counts) == 1 or counts[0][1] > counts[1][1]:
        return counts[0][0]
    order = "ABCDE"
    return Intensity(order[_median([order.index(i.value) for i in levels])])


def _rebased(events: list[Event], media: str) -> tuple[Event, ...]:
    return tuple(dataclasses.replace(e, media=media, provenance=None) for e in events)


def merge_projects(
    projects: list[Project],
    names: list[str],
    paths: Sequence[str | Path],
    out_path: str | Path,
    *,
    tolerance_frames: int = 0,
) -> Project:
    """The gold project (not saved); raises ``TakeMismatch`` for projects of other videos."""
    takes = match_takes(projects)
    gold = _template(projects, paths, out_path)
    gold.team = TeamInfo(
        [
            CoderFile(n, _rel(p, out_path), pr.annotator)
            for n, p, pr in zip(names, paths, projects, strict=True)
        ],
        RULE,
        dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    )
    by_id = [p.events for p in projects]
    groups = event_groups(projects, names, takes, tolerance_frames)
    for g in groups:
        gold_media = takes[[video(t) for t in takes].index(g.media)][0].id
        members = {c: [by_id[names.index(c)][i] for i in e.event_ids] for c, e in g.members.items()}
        _place(gold, g, members, gold_media)
    for medias in takes:
        _merge_emotions(gold, projects, names, medias, tolerance_frames)
    return gold


def video(t: tuple[Media, ...]) -> str:
    return t[0].path.replace("\\", "/").rsplit("/", 1)[-1]


def _place(gold: Project, g: EventGroup, members: dict[str, list[Event]], media: str) -> None:
    events = _gold_aus(members, media) if g.agreed else None
    if events:
        for e in events:
            gold.add_event(e)
        return
    _dispute(gold, g.face, media, members)


def _dispute(gold: Project, face: str, media: str, members: dict[str, list[Event]]) -> None:
    did = max(gold.disputes, default=0) + 1
    versions = tuple(Version(c, _rebased(evs, media)) for c, evs in members.items())
    gold.set_dispute(Dispute(did, face, media, versions))


def _merge_emotions(
    gold: Project, projects: list[Project], names: list[str], medias: tuple[Media, ...], tol: int
) -> None:
    em = [_events(p, EventKind.EMOTION, m.id) for p, m in zip(projects, medias, strict=True)]
    for face in sorted({e.face for evs in em for e in evs}):
        fe = [[e for e in evs if e.face == face] for evs in em]
        ints = [[(e.onset_frame, e.offset_frame) for e in evs] for evs in fe]

        def near(
            ca: int, i: int, cb: int, j: int, ints: list[list[tuple[int, int]]] = ints
        ) -> bool:
            return _within(tol, ints[ca][i], ints[cb][j])

        for g in group_events(ints, accept=near if tol else None):
            members = {names[c]: [fe[c][i]] for c, i in g.members.items()}
            labels = Counter(evs[0].emotion for evs in members.values()).most_common()
            single = len(labels) == 1 or labels[0][1] > labels[1][1]
            if g.agreed(len(names)) and single and 2 * labels[0][1] > len(members):
                evs = [v[0] for v in members.values()]
                on = _median([e.onset_frame for e in evs])
                off = max(on, _median([e.offset_frame for e in evs]))
                e = Event(
                    0,
                    face,
                    EventKind.EMOTION,
                    on,
                    off,
                    None,
                    media=medias[0].id,
                    emotion=labels[0][0],
                    annotator=MERGE,
                    provenance=Provenance(Decision.AGREED, tuple(members)),
                )
                gold.add_event(e)
            else:
                _dispute(gold, face, medias[0].id, members)


def _rel(path: str | Path, out_path: str | Path) -> str:
    try:
        return Path(
            os.path.relpath(Path(path).resolve(), Path(out_path).resolve().parent)
        ).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).resolve().as_posix()


def _template(
    projects: list[Project], paths: Sequence[str | Path], out_path: str | Path
) -> Project:
    """The first coder's media (paths re-based on the gold file), every coder's faces and
    emotion labels; no events."""
    first = projects[0]
    gold = Project(title=first.title, annotator=MERGE)
    base = Path(paths[0]).resolve().parent
    for m in first.media.values():
        video_path = Path(m.path) if Path(m.path).is_absolute() else base / m.path
        gold.add_media(dataclasses.replace(m, path=_rel(video_path, out_path)))
    for p in projects:
        for f in p.faces.values():
            if f.id not in gold.faces:
                gold.add_face(f)
        for label in p.vocabulary.emotions:
            gold.add_emotion_label(label)
    return gold
