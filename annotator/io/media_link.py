"""Link projects to their videos: relative paths, content hashes, and relink checks.

A project whose video moved or changed must never open silently against the wrong file:
``check_media`` reports each missing or changed video so the GUI can ask to relink and the
CLI can say so in one line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from annotator.model.entities import Media
from annotator.model.project import Project

log = logging.getLogger(__name__)

_HASH_CACHE = Path(platformdirs.user_cache_dir("facet")) / "sha256.json"


_FP_BLOCK = 64 * 1024
_FP_SAMPLES = 16


def file_fingerprint(path: str | os.PathLike[str]) -> str:
    """A fast change detector: size, mtime and 16 sampled 64 KB blocks (first, last and
    evenly between), hashed. Milliseconds for any size; a rewrite, truncation or append
    changes it. Not a content hash: ``file_sha256`` follows in the background."""
    path = Path(path)
    st = path.stat()
    h = hashlib.sha256(f"{st.st_size}|{st.st_mtime_ns}".encode())
    with open(path, "rb") as f:
        span = max(st.st_size - _FP_BLOCK, 0)
        for k in range(_FP_SAMPLES):
            f.seek(span * k // (_FP_SAMPLES - 1))
            h.update(f.read(_FP_BLOCK))
    return h.hexdigest()


def _key(path: Path) -> str:
    st = path.stat()
    return f"{path}|{st.st_size}|{st.st_mtime_ns}"


def _read_cache() -> dict[str, str]:
    try:
        data = json.loads(_HASH_CACHE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def cached_sha256(path: str | os.PathLike[str]) -> str | None:
    """The sha256 of ``path`` if it is known without reading the file: remembered for
    this (path, size, mtime), or for a file with the same fingerprint (a moved or copied
    video). ``None`` when the whole file would have to be read."""
    path = Path(path).resolve()
    cache = _read_cache()
    known = cache.get(_key(path))
    if known is None:  # moved or copied (same size, mtime, sampled content): the fingerprint
        try:
            known = cache.get("fp:" + file_fingerprint(path))
        except OSError:
            return None
    return known


def file_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of a file, remembered by (path, size, mtime) so reopening a project is instant.

    Reads the whole file (seconds for a long video): the GUI calls it off its thread,
    after the first picture (see :func:`cached_sha256` for the instant check).
    """
    path = Path(path).resolve()
    key = _key(path)
    cache = _read_cache()
    if key in cache:
        return cache[key]
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    cache = _read_cache()  # another thread or process may have added entries meanwhile
    cache[key] = digest
    try:
        cache["fp:" + file_fingerprint(path)] = digest
    except OSError:
        pass
    try:
        _HASH_CACHE.parent.mkdir(parents=True, exist_ok=True)
        tmp = _HASH_CACHE.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(dict(list(cache.items())[-2000:])), encoding="utf-8")
        os.replace(tmp, _HASH_CACHE)
    except OSError:
        log.debug("hash cache not written", exc_info=True)
    return digest


def stored_path(video: str | os.PathLike[str], project_path: str | os.PathLike[str] | None) -> str:
    """Relative to the project's folder when possible (projects move with their videos)."""
    video = Path(video).resolve()
    if project_path is not None:
        base = Path(project_path).resolve().parent
        try:
            return Path(os.path.relpath(video, base)).as_posix()
        except ValueError:  # another drive on Windows
            pass
    return video.as_posix()


def resolve(media: Media, project_path: str | os.PathLike[str] | None) -> Path:
    p = Path(media.path)
    if not p.is_absolute() and project_path is not None:
        p = Path(project_path).resolve().parent / p
    return p


@dataclass(frozen=True)
class MediaProblem:
    media_id: str
    path: Path
    problem: str  # "missing" | "changed"

    def message(self) -> str:
        if self.problem == "missing":
            return f"{self.path}: video not found (moved or renamed?); relink it"
        return f"{self.path}: video content changed since the project was made (sha256 differs)"


def check_media_quick(
    project: Project, project_path: str | os.PathLike[str] | None
) -> tuple[list[MediaProblem], list[tuple[str, Path]]]:
    """What can be said without reading whole videos: missing files, and changed ones
    whose hash is remembered; plus ``(media id, path)`` of the videos whose full sha256
    must still be computed (in the background) before they count as unchanged."""
    problems: list[MediaProblem] = []
    pending: list[tuple[str, Path]] = []
    for m in project.media.values():
        p = resolve(m, project_path)
        if not p.is_file():
            problems.append(MediaProblem(m.id, p, "missing"))
        elif m.sha256:
            known = cached_sha256(p)
            if known is None:
                pending.append((m.id, p))
            elif known != m.sha256:
                problems.append(MediaProblem(m.id, p, "changed"))
    return problems, pending


def check_media(
    project: Project, project_path: str | os.PathLike[str] | None
) -> list[MediaProblem]:
    out = []
    for m in project.media.values():
        p = resolve(m, project_path)
        if not p.is_file():
            out.append(MediaProblem(m.id, p, "missing"))
        elif m.sha256 and file_sha256(p) != m.sha256:
            out.append(MediaProblem(m.id, p, "changed"))
    return out


def media_from_video(
    video: str | os.PathLike[str],
    project_path: str | os.PathLike[str] | None,
    media_id: str = "m1",
    *,
    sha256: bool = True,
) -> tuple[Media, object]:
    """Probe ``video`` exactly (decodable frame count, real timestamps) and describe it.

    Returns the Media value and the Timebase of its real timestamps. ``sha256=False``
    leaves the hash empty unless it is already known (the GUI hashes in the background
    after showing the first picture; reading a 1.4 GB file took 3.9 s).
    """
    from annotator.media import FrameSource  # decoding is only needed here

    with FrameSource(Path(video), prefetch=False) as src:
        return media_from_source(src, video, project_path, media_id, sha256=sha256)


def media_from_source(
    src: Any,
    video: str | os.PathLike[str],
    project_path: str | os.PathLike[str] | None,
    media_id: str = "m1",
    *,
    sha256: bool = True,
) -> tuple[Media, object]:
    """:func:`media_from_video` for a video already open in ``src`` (a FrameSource):
    the player's own source describes it, so the file is not opened and indexed twice
    on the way to the first picture."""
    media = Media(
        id=media_id,
        path=stored_path(video, project_path),
        sha256=file_sha256(video) if sha256 else (cached_sha256(video) or ""),
        width=src.width,
        height=src.height,
        frame_count=src.frame_count,
        fps=src.fps,
        codec=src.codec,
        vfr=bool(src.vfr),
    )
    return media, src.timebase


def relink(
    project: Project,
    media_id: str,
    new_video: str | os.PathLike[str],
    project_path: str | os.PathLike[str] | None,
) -> Media:
    """Point a media entry at a new file; refuses a video with a different frame count."""
    media, _ = media_from_video(new_video, project_path, media_id)
    old = project.media[media_id]
    if old.frame_count and media.frame_count != old.frame_count:
        raise ValueError(
            f"{new_video}: has {media.frame_count} frames, the project's video had "
            f"{old.frame_count}; events would land on other frames"
        )
    new, _ = project.update_media(
        media_id,
        path=media.path,
        sha256=media.sha256,
        width=media.width,
        height=media.height,
        codec=media.codec,
        vfr=media.vfr,
    )
    return new
