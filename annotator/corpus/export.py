"""``corpus export``: one sheet or table for the whole dataset.

``casme``: the CASME II layout (Subject, Filename, OnsetFrame, ...) with one row per FACS
event of every clip, Subject and Filename from the corpus (the clip's folder and name);
``.xlsx`` or CSV by the output's suffix. ``csv`` and ``parquet``: the events table of every
project (``subject``, ``clip``, ``coder`` first, then the events CSV columns), taken from the
query index, so unchanged projects are not read again.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from annotator.corpus.folder import Corpus
from annotator.corpus.jobs import Progress, casme_clip, run_clips

FORMATS = ("casme", "csv", "parquet")


def export_corpus(
    corpus: Corpus,
    to: str,
    output: str | Path,
    *,
    source: str = "gold",
    workers: int | None = None,
    scheduler: str | None = None,
    on_result: Progress | None = None,
) -> tuple[Path, int, int, list[Any]]:
    """Write the table; returns the file, the row count, the projects in it and the
    failures (a failed clip is listed and left out, it never stops the export)."""
    if to not in FORMATS:
        raise ValueError(f"--to {to}: use one of {', '.join(FORMATS)}")
    if source not in ("gold", "all", *corpus.coders):
        raise ValueError(
            f"--source {source}: use gold, all or a coder ({', '.join(corpus.coders)})"
        )
    out = Path(output)
    if to == "casme":
        return _casme(corpus, out, source, workers, scheduler, on_result)
    from annotator.corpus.index import update_index

    table, upd = update_index(corpus, workers=workers, scheduler=scheduler, on_result=on_result)
    rows = table if source == "all" else table[table["coder"] == source]
    if to == "parquet":
        from annotator.io.common import write_atomic

        buf = io.BytesIO()
        rows.to_parquet(buf, index=False)
        write_atomic(out, buf.getvalue())
    else:
        from annotator.io.common import write_atomic

        write_atomic(out, rows.to_csv(index=False, lineterminator="\r\n"))
    return out, len(rows), len(set(rows["project"])), upd.failures


def _casme(
    corpus: Corpus,
    out: Path,
    source: str,
    workers: int | None,
    scheduler: str | None,
    on_result: Progress | None,
) -> tuple[Path, int, int, list[Any]]:
    import shutil
    import tempfile

    from annotator.io.common import write_atomic
    from annotator.io.sheets import CASME2_HEADER

    if source == "all":
        raise ValueError(
            "--source all: a CASME sheet holds one coding per clip; use gold or a coder"
        )
    base = corpus.folder / ".facet"
    base.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=base, prefix="export-"))
    try:
        results = run_clips(
            [c.id for c in corpus.clips],
            scratch,
            casme_clip,
            (str(corpus.folder), source),
            workers=workers,
            scheduler=scheduler,
            on_result=on_result,
        )
        rows: list[list[Any]] = [list(CASME2_HEADER)]
        for r in results:
            if r.ok:
                rows += json.loads(Path(r.output).read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "CASME2-coding"
        for row in rows:
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        write_atomic(out, buf.getvalue())
    else:
        text = io.StringIO()
        w = csv.writer(text, lineterminator="\r\n")
        w.writerows(rows)
        write_atomic(out, text.getvalue())
    return out, len(rows) - 1, sum(r.ok for r in results), [r for r in results if not r.ok]
