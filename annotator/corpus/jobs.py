"""Per-clip tasks of the corpus commands, run on the dask runner (``batch.run_batch``).

Each task takes one clip id, does its work from the files alone (it runs in another
process), writes what it found to a JSON or Parquet part file in the run's scratch folder
and returns a ``JobResult``; it never raises, so a broken clip is one failure line and the
run goes on. ``run_clips`` runs the tasks in this process when ``workers`` is 0 (small
corpora, tests), else on a local or remote cluster, with progress per finished clip.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotator.analysis.batch import JobResult
from annotator.corpus.folder import CORPUS_FILE, Clip, Corpus, load_corpus
from annotator.io.events_csv import COLUMNS as EVENT_COLUMNS
from annotator.io.events_csv import NUMERIC as EVENT_NUMERIC

_CACHE: dict[str, tuple[tuple[int, int], Corpus]] = {}


def task_corpus(folder: str) -> Corpus:
    """The corpus a task works on, read once per process while corpus.json is unchanged
    (a worker runs hundreds of tasks; the file is the same for all of them)."""
    st = (Path(folder) / CORPUS_FILE).stat()
    key = (st.st_mtime_ns, st.st_size)
    hit = _CACHE.get(folder)
    if hit is None or hit[0] != key:
        hit = (key, load_corpus(folder))
        _CACHE[folder] = hit
    return hit[1]


def _safe(clip_id: str) -> str:
    return clip_id.replace("/", "__")


def _projects(corpus: Corpus, clip: Clip) -> tuple[list[Any], list[str], list[str]]:
    from annotator.io.project_file import load_project

    paths = [str(corpus.folder / clip.project_path(c)) for c in clip.coders]
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise ValueError(f"{missing[0]}: no such coder file")
    return [load_project(p).project for p in paths], list(clip.coders), paths


def _named(exc: Exception, paths: list[str]) -> str:
    from annotator.analysis.takes import TakeMismatch

    if isinstance(exc, TakeMismatch):
        return f"{paths[exc.first]}, {paths[exc.other]}: {exc}"
    return str(exc)


# --------------------------------------------------------------------------- agree
def agree_clip(clip_id: str, out_dir: str, folder: str, tolerance: int = 0) -> JobResult:
    start = time.perf_counter()
    paths: list[str] = []
    try:
        from annotator.analysis.agreement import compare
        from annotator.analysis.kappa import presence_pool
        from annotator.analysis.multi_agreement import compare_many, presence_matrices
        from annotator.analysis.takes import match_takes

        corpus = task_corpus(folder)
        clip = corpus.clip(clip_id)
        projects, names, paths = _projects(corpus, clip)
        try:
            takes = match_takes(projects)
            if len(projects) == 2:
                report = compare(*projects, tolerance_frames=tolerance).as_dict()
                groups = len(report["pairs"])
                agreed = report["events"]["tp"]
            else:
                report = compare_many(projects, names, tolerance_frames=tolerance).as_dict()
                groups, agreed = report["events"]["groups"], report["events"]["agreed"]
            matrices = presence_matrices(projects, takes)
        except ValueError as exc:
            raise ValueError(_named(exc, paths)) from None
        pools: dict[str, list[Any]] = {}
        for (face, au), pres in matrices:
            pools.setdefault(f"{face}\t{au}", []).append(presence_pool(pres))
        out = Path(out_dir) / f"{_safe(clip_id)}.agree.json"
        out.write_text(
            json.dumps(
                {
                    "clip": clip_id,
                    "coders": names,
                    "report": report,
                    "pools": pools,
                    "groups": groups,
                    "agreed": agreed,
                }
            ),
            encoding="utf-8",
        )
        return JobResult(
            clip_id,
            True,
            groups,
            str(out),
            seconds=time.perf_counter() - start,
            unit="event groups",
        )
    except Exception as exc:  # noqa: BLE001 - a task reports, the run goes on
        return JobResult.failure(clip_id, exc, start)


# --------------------------------------------------------------------------- merge
def coded(corpus: Corpus, clip: Clip) -> bool:
    """Coded by all its coders: every coder's file exists and has events or is marked done."""
    from annotator.corpus.folder import project_state

    for c in clip.coders:
        state, n, _ = project_state(corpus.folder / clip.project_path(c))
        if state == "missing" or state == "unreadable" or (n == 0 and c not in clip.done):
            return False
    return True


def merge_clip(
    clip_id: str, out_dir: str, folder: str, force: bool = False, tolerance: int = 0
) -> JobResult:
    start = time.perf_counter()
    paths: list[str] = []
    try:
        from annotator.analysis.merge import merge_projects
        from annotator.io.project_file import save_project

        corpus = task_corpus(folder)
        clip = corpus.clip(clip_id)
        gold_path = corpus.folder / clip.gold_path
        if gold_path.exists() and not force:
            return JobResult(
                clip_id,
                True,
                0,
                f"{gold_path} (kept: already merged)",
                seconds=time.perf_counter() - start,
                unit="new gold events",
            )
        projects, names, paths = _projects(corpus, clip)
        gold_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            gold = merge_projects(projects, names, paths, gold_path, tolerance_frames=tolerance)
        except ValueError as exc:
            raise ValueError(_named(exc, paths)) from None
        save_project(gold, gold_path)
        return JobResult(
            clip_id,
            True,
            len(gold.events),
            f"{gold_path} ({len(gold.disputes)} disputes)",
            seconds=time.perf_counter() - start,
            unit="gold events",
        )
    except Exception as exc:  # noqa: BLE001
        return JobResult.failure(clip_id, exc, start)


# --------------------------------------------------------------------------- rows
def project_rows(project: Any, clip: Clip, coder: str, source: str) -> list[dict[str, Any]]:
    """One row per event, with the dataset columns first (subject, clip, coder)."""
    from annotator.io.events_csv import event_row
    from annotator.model import EventKind

    rows = []
    for e in sorted(project.events.values(), key=lambda e: (e.media, e.onset_frame, e.id)):
        row = {
            "subject": clip.subject,
            "clip": clip.name,
            "clip_id": clip.id,
            "coder": coder,
            **event_row(project, e),
        }
        row["emotion"] = e.emotion if e.kind is EventKind.EMOTION else ""
        row["decision"] = e.provenance.decision.value if e.provenance else ""
        row["project"] = source
        rows.append(row)
    return rows


def rows_of(
    chunk: str, out_dir: str, folder: str, chunks: dict[str, list[tuple[str, str, str]]]
) -> JobResult:
    """Index a chunk of projects ``(path, clip id, coder)``: their rows as one Parquet part.
    A project that cannot be read is left out and named in the result's error."""
    start = time.perf_counter()
    try:
        import pandas as pd

        from annotator.io.project_file import load_project

        corpus = task_corpus(folder)
        rows: list[dict[str, Any]] = []
        failed = []
        done = []
        for path, clip_id, coder in chunks[chunk]:
            try:
                project = load_project(corpus.folder / path).project
                rows += project_rows(project, corpus.clip(clip_id), coder, path)
                done.append(path)
            except Exception as exc:  # noqa: BLE001 - one bad file, the chunk goes on
                failed.append(f"{path}: {str(exc).splitlines()[0] if str(exc) else exc}")
        out = Path(out_dir) / f"{chunk}.parquet"
        frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS)) if rows else empty_rows()
        frame.astype(ROW_TYPES).to_parquet(out, index=False)
        (Path(out_dir) / f"{chunk}.json").write_text(json.dumps(done), encoding="utf-8")
        return JobResult(
            chunk,
            not failed,
            len(rows),
            str(out),
            "; ".join(failed),
            seconds=time.perf_counter() - start,
            unit="events",
        )
    except Exception as exc:  # noqa: BLE001
        return JobResult.failure(chunk, exc, start)


# The events CSV's columns (one list, annotator.io.events_csv.COLUMNS) framed by the corpus's own:
# which clip and coder a row came from before, the pooled emotion/decision and project after.
ROW_COLUMNS: tuple[str, ...] = (
    ("subject", "clip", "clip_id", "coder")
    + tuple(c for c in EVENT_COLUMNS if c != "micro_rule")
    + ("emotion", "decision", "project")
)
_FLOATS = {"onset_s", "apex_s", "offset_s", "duration_s", "confidence"}
_INTS = set(EVENT_NUMERIC) - _FLOATS
ROW_TYPES = {
    c: ("Int64" if c in _INTS else "float64" if c in _FLOATS else "string") for c in ROW_COLUMNS
}


def empty_rows() -> Any:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=ROW_TYPES[c]) for c in ROW_COLUMNS})


# --------------------------------------------------------------------------- runner
Progress = Callable[[int, int, JobResult], None]


#: below this many tasks a local dask cluster costs more than it saves: starting it takes
#: 5-15 s on a loaded 2-core machine and a short clip's task takes 20-60 ms
#: (bench/bench_corpus.py); ``--workers N`` or ``--scheduler`` force the runner.
DASK_MIN_ITEMS = 500


def run_clips(
    items: list[str],
    out_dir: Path,
    task: Callable[..., JobResult],
    task_args: tuple[Any, ...],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_result: Progress | None = None,
) -> list[JobResult]:
    """``task(item, out_dir, *task_args)`` for every item: in this process when
    ``workers`` is 0, on the dask runner when it is > 0 or a scheduler is given; ``None``
    chooses by size (the runner from ``DASK_MIN_ITEMS`` items, with 2 workers)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not items:
        return []
    if workers is None:
        workers = 2 if len(items) >= DASK_MIN_ITEMS else 0
    if workers <= 0 and not scheduler:
        results = []
        for k, item in enumerate(items, start=1):
            res = task(item, str(out_dir), *task_args)
            results.append(res)
            if on_result is not None:
                on_result(k, len(items), res)
        return results
    from annotator.analysis.batch import run_batch

    return run_batch(
        [Path(i) for i in items],
        out_dir,
        scheduler=scheduler,
        n_workers=max(workers, 1),
        on_result=on_result,
        task=task,
        task_args=task_args,
    )


# --------------------------------------------------------------------------- init, export
def init_clip(clip_id: str, out_dir: str, folder: str, scheme_path: str = "") -> JobResult:
    """Probe the clip's video once and write every coder's empty project that is missing
    (an existing project is never overwritten: init can run again to add clips)."""
    start = time.perf_counter()
    try:
        from annotator.io.media_link import media_from_video
        from annotator.io.project_file import save_project
        from annotator.model import Project

        corpus = task_corpus(folder)
        clip = corpus.clip(clip_id)
        video = corpus.folder / clip.video
        scheme = None
        if scheme_path:
            from annotator.io.scheme import read_scheme

            scheme = read_scheme(corpus.folder / scheme_path)
        made = 0
        media = None
        for coder in clip.coders:
            out = corpus.folder / clip.project_path(coder)
            if out.exists():
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            if media is None:
                media, _ = media_from_video(video, out, "m1")
            project = Project(title=clip.name, annotator=coder)
            from dataclasses import replace

            from annotator.io.media_link import stored_path

            project.add_media(replace(media, path=stored_path(video, out)))
            project.add_face(name=clip.subject or "Face A")
            if scheme is not None:
                from annotator.io.scheme import apply_scheme

                apply_scheme(project, scheme)
            save_project(project, out)
            made += 1
        return JobResult(
            clip_id, True, made, clip.id, seconds=time.perf_counter() - start, unit="new projects"
        )
    except Exception as exc:  # noqa: BLE001
        return JobResult.failure(clip_id, exc, start)


def casme_clip(clip_id: str, out_dir: str, folder: str, coder: str) -> JobResult:
    """CASME II rows of one clip's gold (or a coder's) project, with the corpus' subject
    and clip names, as a JSON part."""
    start = time.perf_counter()
    try:
        from annotator.io.project_file import load_project
        from annotator.io.sheets import sheet_rows

        corpus = task_corpus(folder)
        clip = corpus.clip(clip_id)
        path = corpus.folder / (clip.gold_path if coder == "gold" else clip.project_path(coder))
        if not path.is_file():
            raise ValueError(f"{path}: no such project (not merged yet?)")
        rows = sheet_rows(load_project(path).project, "casme2")[1:]
        for r in rows:
            r[0] = clip.subject or r[0]
            r[1] = clip.name
        out = Path(out_dir) / f"{_safe(clip_id)}.casme.json"
        out.write_text(json.dumps(rows), encoding="utf-8")
        return JobResult(
            clip_id, True, len(rows), str(out), seconds=time.perf_counter() - start, unit="rows"
        )
    except Exception as exc:  # noqa: BLE001
        return JobResult.failure(clip_id, exc, start)
