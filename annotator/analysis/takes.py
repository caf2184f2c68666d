"""Which takes of several coders' projects are the same video.

Coders' projects of one study come from one template, but each coder may have added takes
in another order, so takes are matched by the video itself: by sha256 when both files
record it, else by file name. A take of one coder that another coder's project lacks, or
one file name with two different hashes, means the projects are not of the same videos:
comparing them would produce numbers about nothing, so it is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from annotator.model import Event, Media, Project


class TakeMismatch(ValueError):
    """Two coders' projects that are not of the same videos; ``first`` and ``other`` are
    the indices of the two projects, so the caller can name both files."""

    def __init__(self, first: int, other: int, message: str) -> None:
        super().__init__(message)
        self.first = first
        self.other = other


def video_name(m: Media) -> str:
    return m.path.replace("\\", "/").rsplit("/", 1)[-1]


def _same(a: Media, b: Media) -> bool:
    if a.sha256 and b.sha256:
        return a.sha256 == b.sha256
    return video_name(a) == video_name(b)


def match_takes(projects: Sequence[Project]) -> list[tuple[Media, ...]]:
    """Per take of the first project, the same video in every project (in project order)."""
    ref = list(projects[0].media.values())
    if not ref:
        raise TakeMismatch(0, 0, "the first project has no video")
    out: list[list[Media]] = [[m] for m in ref]
    for k, p in enumerate(projects[1:], start=1):
        theirs = list(p.media.values())
        for m in ref:
            twin = next((t for t in theirs if t.sha256 and m.sha256 and t.sha256 == m.sha256), None)
            if twin is None:
                named = [t for t in theirs if video_name(t) == video_name(m)]
                if named and all(t.sha256 and m.sha256 for t in named):
                    raise TakeMismatch(
                        0,
                        k,
                        f"same video {video_name(m)} with different hashes "
                        f"({m.sha256[:12]}... and {named[0].sha256[:12]}...)",
                    )
                twin = named[0] if named else None
            if twin is None:
                have = ", ".join(video_name(t) for t in theirs) or "no video"
                raise TakeMismatch(0, k, f"different videos ({video_name(m)} against {have})")
            out[ref.index(m)].append(twin)
        extra = [t for t in theirs if not any(_same(t, m) for m in ref)]
        if extra:
            raise TakeMismatch(
                0, k, f"different videos ({video_name(extra[0])} is only in the second file)"
            )
    return [tuple(t) for t in out]


def take_frames(medias: Sequence[Media | None], events: Sequence[Sequence[Event]]) -> int:
    """Frames of one take all coders saw; refuses videos of different lengths."""
    counts = {m.frame_count for m in medias if m is not None and m.frame_count}
    if len(counts) > 1:
        a, b = sorted(counts)[:2]
        raise ValueError(f"the projects code videos of different lengths ({a} and {b} frames)")
    n = next(iter(counts), 0)
    last = max((e.offset_frame + 1 for evs in events for e in evs), default=0)
    return max(n, last)
