"""Regenerate ``exports/``: the demo project written in every export format.

Run ``annotator export-samples`` (or ``python -m annotator.io.regen``). The demo video is
generated into a temporary folder (it is not committed); paths in the JSON and EAF files
are written portable (file names only) so the output does not depend on where it ran.
``tests/io/test_exports_sync.py`` regenerates into a temporary folder and compares.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from annotator.io.common import attach_timebases
from annotator.io.exporting import export
from annotator.model import EventKind

#: (format, output name, options): what ``exports/`` holds.
SAMPLES: tuple[tuple[str, str, dict[str, object]], ...] = (
    ("json", "demo.facet.json", {"portable": True}),
    ("csv", "demo.events.csv", {}),
    ("frames-csv", "demo.frames.csv", {}),
    ("eaf", "demo.eaf", {"portable": True}),
    ("textgrid", "demo.TextGrid", {}),
    ("casme", "demo.casme2.xlsx", {"layout": "casme2"}),
    ("casme", "demo.casme2.csv", {"layout": "casme2"}),
    ("casme", "demo.samm.csv", {"layout": "samm"}),
    ("clips", "demo-clips", {"crop": True, "margin": 3}),  # emotion events only: small repo
    ("report", "demo.report.html", {}),
)


def regenerate(out_dir: Path, demo_dir: Path | None = None) -> list[Path]:
    """Write every sample into ``out_dir``; ``demo_dir`` reuses an existing demo folder."""
    from annotator.demo import write_demo
    from annotator.io.project_file import load_project

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="facet-regen-") as tmp:
        folder = Path(demo_dir) if demo_dir else Path(tmp)
        project_path = write_demo(folder)
        loaded = load_project(project_path)
        source = attach_timebases(loaded.project, loaded.path)
        emotions = {e.id for e in loaded.project.events.values() if e.kind is EventKind.EMOTION}
        written = []
        for fmt, name, options in SAMPLES:
            opts = dict(options)
            if fmt == "clips":
                opts["events"] = emotions
            written.append(export(fmt, source, out_dir / name, **opts))
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "exports"
    for p in regenerate(out):
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
