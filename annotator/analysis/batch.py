"""Corpus batches: a folder of videos (spotting) or projects (export) processed in parallel
on a dask.distributed cluster.

A local cluster (two workers: this is a two-core machine) by default; ``scheduler`` joins
an existing cluster when a corpus outgrows one machine. Each video is one task, and a task
never raises: a corrupt or unreadable file becomes a failure line in the summary while the
rest of the batch carries on, because a corpus run that dies on file 37 of 400 wastes hours.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.model import Face

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".mov", ".mkv", ".avi", ".m4v", ".webm", ".mpg", ".mpeg", ".ts", ".mts", ".wmv"}
)


@dataclass(frozen=True, slots=True)
class JobResult:
    video: str
    ok: bool
    candidates: int = 0
    output: str = ""
    error: str = ""
    seconds: float = 0.0
    unit: str = "candidates"  # what ``candidates`` counts, for the summary line

    @classmethod
    def failure(cls, item: str, exc: Exception, start: float) -> JobResult:
        """A task's failure: the first line of the error (or its type), the time since
        ``start`` (``time.perf_counter()``)."""
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return cls(item, False, error=msg, seconds=time.perf_counter() - start)

    def line(self) -> str:
        if self.ok:
            return f"{Path(self.video).name}: {self.candidates} {self.unit} -> {self.output}"
        name = Path(self.video).name
        error = self.error[len(name) + 2 :] if self.error.startswith(f"{name}: ") else self.error
        return f"FAILED {name}: {error}"


def find_videos(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES and not p.name.startswith(".")
    )


FacesLoader = Callable[[Path], tuple[tuple[Face, ...], str] | None]


def spot_one(video: str, out_dir: str, load_faces: FacesLoader | None = None) -> JobResult:
    """One task: spot ``video`` and write ``<stem>.candidates.csv``; never raises.

    ``load_faces(video)`` may supply face boxes (faces and media id), e.g. from a project
    next to the video; it runs inside the task so a broken project fails only its video.
    """
    start = time.perf_counter()
    try:
        from annotator.analysis.candidates_io import write_candidates
        from annotator.analysis.faces import face_boxes
        from annotator.analysis.spotting import spot

        path = Path(video)
        found = load_faces(path) if load_faces is not None else None
        boxes_at = face_boxes(*found) if found else None
        result = spot(path, boxes_at=boxes_at)
        out = Path(out_dir) / f"{path.stem}.candidates.csv"
        n = write_candidates(out, result.candidates, video=path.name, timebase=result.info.timebase)
        return JobResult(video, True, n, str(out), seconds=time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - a task reports, the batch goes on
        return JobResult.failure(video, exc, start)


def run_batch(
    videos: list[Path],
    out_dir: str | Path,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    processes: bool = True,
    on_result: Callable[[int, int, JobResult], None] | None = None,
    load_faces: FacesLoader | None = None,
    task: Callable[..., JobResult] | None = None,
    task_args: tuple[object, ...] = (),
) -> list[JobResult]:
    """Run ``task(item, out_dir, *task_args)`` for every item on a dask cluster (spotting by
    default); results in the order of ``videos``. A task must return a JobResult, never raise.
    """
    from distributed import Client, LocalCluster, as_completed

    if task is None:
        task, task_args = spot_one, (load_faces,)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="10s")
    else:
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    results: dict[str, JobResult] = {}
    try:
        futures = {
            client.submit(task, str(v), str(out_dir), *task_args, pure=False): str(v)
            for v in videos
        }
        for done, fut in enumerate(as_completed(futures), start=1):
            video = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker is one more failure
                res = JobResult(video, False, error=f"worker failed: {exc}")
            results[video] = res
            if on_result is not None:
                on_result(done, len(futures), res)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [results[str(v)] for v in videos]
