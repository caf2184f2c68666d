"""``annotator track`` as a job the CLI and the GUI share: track, plan, then commit.

:func:`run_tracking` reads a snapshot (the project is not touched) and returns an
:class:`Outcome`: the landmark cache written under a temporary name beside the project and
the faces as they will be. :func:`commit_cache` renames the cache into place; the caller
then applies ``outcome.faces`` and ``outcome.media`` (the CLI directly, the GUI as one undo
step). A cancelled or failed run removes the temporary file: the project stays unchanged.
A run never overwrites the cache the media references (:func:`new_cache_path`): undo in the
GUI points the media back at the previous file, redo at the new one; the CLI, which has no
undo, removes the replaced file once the project is saved.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from annotator.analysis.keyframes import TrackInput, plan_faces, smooth_boxes
from annotator.analysis.signals import SIGNALS
from annotator.analysis.tracking import TrackParams, TrackResult, track_video
from annotator.analysis.video import Progress, ShouldStop, VideoInfo
from annotator.io.landmarks import Spool, is_cache_of, new_cache_path, write_cache
from annotator.io.media_link import resolve
from annotator.model import Face, Media, Project


@dataclass
class Outcome:
    media: Media  # the media entry with its ``landmarks`` reference
    faces: list[Face]  # changed and new faces
    assign: dict[int, str]  # track index -> face id
    cache_tmp: Path | None
    cache_final: Path
    result: TrackResult
    notes: list[str] = field(default_factory=list)

    @property
    def track_count(self) -> int:
        return len(self.result.tracks)

    def summary(self) -> str:
        if not self.track_count:
            return f"{self.result.info.path.name}: no faces found (0 tracks)"
        faces = ", ".join(
            f"{t.index}->{self.assign[t.index]} ({len(t)} frames)" for t in self.result.tracks
        )
        return (
            f"{self.result.info.path.name}: {self.track_count} track"
            f"{'s' if self.track_count != 1 else ''}: {faces}"
        )

    def discard(self) -> None:
        if self.cache_tmp is not None:
            self.cache_tmp.unlink(missing_ok=True)


def run_tracking(
    project: Project,
    project_path: str | os.PathLike[str],
    media_id: str,
    *,
    params: TrackParams | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> Outcome:
    """Track every face of one media of ``project`` (which is only read)."""
    media = project.media.get(media_id)
    if media is None:
        raise ValueError(
            f"no media {media_id!r} in the project (it has {', '.join(project.media) or 'none'})"
        )
    video = resolve(media, project_path)
    if not video.is_file():
        raise ValueError(f"{video}: video not found")
    current = resolve_cache(media, project_path)
    final = new_cache_path(project_path, media_id, current)
    spool = Spool(final.parent)
    tmp: Path | None = None
    try:
        info = VideoInfo.of(video)
        result = track_video(
            info, params or TrackParams(), sink=spool, progress=progress, should_stop=should_stop
        )
        fps = float(info.fps) or 25.0
        inputs = []
        for t in result.tracks:
            t.boxes = smooth_boxes(t.frames, t.boxes).astype(np.float32)
            inputs.append(TrackInput(t.index, t.frames, t.boxes))
        faces, assign = plan_faces(project, media_id, inputs, fps)
        notes = list(result.warnings)
        if not result.tracks:
            notes.append(f"{video.name}: no faces found (0 tracks)")
        tmp = final.with_name(f".{final.name}.new")
        write_cache(
            tmp,
            media=media_id,
            frame_count=info.frame_count,
            spool=spool,
            # a re-identified track's later parts spooled under their own indices
            tracks={
                ti: (assign[t.index], t.frames, t.boxes, t.scores, t.signals)
                for t in result.tracks
                for ti in (t.index, *t.merged)
            },
            signal_names=SIGNALS,
        )
        rel = os.path.relpath(final, Path(project_path).resolve().parent)
        new_media = dataclasses.replace(media, landmarks=Path(rel).as_posix())
        return Outcome(new_media, faces, assign, tmp, final, result, notes)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        spool.close()


def resolve_cache(media: Media, project_path: str | os.PathLike[str]) -> Path | None:
    """The cache file ``media`` references (relative to the project's folder), or None."""
    if not media.landmarks:
        return None
    ref = Path(media.landmarks)
    return ref if ref.is_absolute() else Path(project_path).resolve().parent / ref


def remove_replaced_cache(
    old_media: Media, outcome: Outcome, project_path: str | os.PathLike[str]
) -> None:
    """After the CLI saved a run (no undo there): remove the cache the run replaced, when
    it is one of this project's own cache files for that media."""
    old = resolve_cache(old_media, project_path)
    if (
        old is not None
        and old.resolve() != outcome.cache_final.resolve()
        and is_cache_of(old, project_path, old_media.id)
    ):
        old.unlink(missing_ok=True)


def commit_cache(outcome: Outcome) -> None:
    """Move the new cache over the old one (the project must be saved right after)."""
    if outcome.cache_tmp is not None:
        os.replace(outcome.cache_tmp, outcome.cache_final)
        outcome.cache_tmp = None


def apply_outcome(project: Project, outcome: Outcome) -> None:
    """Apply to the model directly (the CLI; the GUI wraps the same in an undo command)."""
    for face in outcome.faces:
        if face.id in project.faces:
            project.update_face(face.id, boxes=face.boxes)
        else:
            project.add_face(face)
    m = outcome.media
    if project.media[m.id].landmarks != m.landmarks:
        project.update_media(m.id, landmarks=m.landmarks)
