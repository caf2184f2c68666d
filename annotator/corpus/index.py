"""The corpus query index: every project's events in one Parquet table, rebuilt per project.

``corpus query`` answers ``au == 12 and scale == "micro"`` from ``.facet/index.parquet``.
Before each query the index is brought up to date: a project whose file changed (size or
modification time against ``.facet/index.json``) is re-read, on the dask runner when many
changed; the rows of every other project are reused from the table.

Why pandas and Parquet rather than DuckDB: the query language users write is the one
``DataFrame.query`` reads as it is (``==``, ``and``, ``"micro"`` as a string literal; in
DuckDB's SQL ``"micro"`` is a column name), pandas is already a dependency, and a corpus
of a few hundred thousand events fits in memory many times over; Parquet (pyarrow) keeps
the column types (nullable integers for ``au`` and ``apex_frame``) across runs.
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.analysis.batch import JobResult
from annotator.corpus.folder import Corpus
from annotator.corpus.jobs import (
    ROW_TYPES,
    Progress,
    empty_rows,
    rows_of,
    run_clips,
)
from annotator.safe_output import write_output

INDEX_DIR = ".facet"
GOLD = "gold"  # the coder column of gold projects
CHUNK = 50  # projects per task on the dask runner (a task per project costs more than it reads)


@dataclass(slots=True)
class IndexUpdate:
    rebuilt: int = 0
    reused: int = 0
    removed: int = 0
    failures: list[JobResult] = field(default_factory=list)


def corpus_projects(corpus: Corpus) -> list[tuple[str, str, str]]:
    """(path relative to the corpus, clip id, coder) of every project file that exists."""
    out = []
    for clip in corpus.clips:
        for coder in clip.coders:
            path = clip.project_path(coder)
            if (corpus.folder / path).is_file():
                out.append((path, clip.id, coder))
        if (corpus.folder / clip.gold_path).is_file():
            out.append((clip.gold_path, clip.id, GOLD))
    return out


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_mtime_ns, st.st_size]


def update_index(
    corpus: Corpus,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_result: Progress | None = None,
) -> tuple[Any, IndexUpdate]:
    """The up-to-date table of every project's events, and what it took to get there."""
    import pandas as pd

    folder = corpus.folder / INDEX_DIR
    folder.mkdir(exist_ok=True)
    table_path, manifest_path = folder / "index.parquet", folder / "index.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        table = pd.read_parquet(table_path) if table_path.is_file() else None
    except (OSError, ValueError):  # a damaged index is rebuilt, never trusted
        manifest, table = {}, None
    if table is None:
        manifest = {}
    projects = corpus_projects(corpus)
    stamps = {p: _stamp(corpus.folder / p) for p, _, _ in projects}
    changed = [(p, c, k) for p, c, k in projects if manifest.get(p) != stamps[p]]
    gone = set(manifest) - set(stamps)
    update = IndexUpdate(reused=len(projects) - len(changed), removed=len(gone))
    if not changed and not gone and table is not None:
        return table, update
    scratch = folder / "parts"
    shutil.rmtree(scratch, ignore_errors=True)
    dask = (
        scheduler is not None
        or (workers or 0) > 0
        or (workers is None and len(changed) >= 10 * CHUNK)
    )
    per_task = CHUNK if dask else max(len(changed), 1)
    chunks = {
        f"chunk{k // per_task:05d}": changed[k : k + per_task]
        for k in range(0, len(changed), per_task)
    }
    results = run_clips(
        list(chunks),
        scratch,
        rows_of,
        (str(corpus.folder), chunks),
        workers=(workers or 2) if dask and len(chunks) > 1 else 0,
        scheduler=scheduler,
        on_result=on_result,
    )
    parts, ok = [], set()
    for r in results:
        part = Path(r.output) if r.output else None
        if part is not None and part.is_file():
            parts.append(pd.read_parquet(part))
            ok |= set(json.loads(part.with_suffix(".json").read_text(encoding="utf-8")))
        if not r.ok:
            update.failures.append(r)
    update.rebuilt = len(ok)
    drop = {p for p, _, _ in changed} | gone
    keep = table[~table["project"].isin(drop)] if table is not None else empty_rows()
    frames = [f for f in [keep, *parts] if len(f)]
    new = pd.concat(frames, ignore_index=True) if frames else empty_rows()
    new = new.astype(ROW_TYPES)
    buf = io.BytesIO()
    new.to_parquet(buf, index=False)
    write_output(table_path, buf.getvalue())
    manifest = {p: s for p, s in manifest.items() if p not in drop}
    manifest.update({p: stamps[p] for p in ok})
    write_output(manifest_path, json.dumps(manifest))
    shutil.rmtree(scratch, ignore_errors=True)
    return new, update


def query(table: Any, expr: str) -> Any:
    """Rows matching a pandas query expression; ValueError with one line when it is bad."""
    try:
        return table.query(expr)
    except Exception as exc:  # noqa: BLE001 - pandas raises many kinds for a bad expression
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(
            f"bad query {expr!r}: {msg} (columns: {', '.join(table.columns)})"
        ) from None
