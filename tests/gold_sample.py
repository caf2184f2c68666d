"""A gold project with disputes, made the way a study makes one: two coders' projects of
the demo video, then ``annotator merge`` (used by the GUI and the Xvfb adjudication tests).

ann codes 6+12 at 20-70 and AU4 at 120-140; bob codes 12 at 22-72, AU4 at 121-141 and AU9
at 180-200. Merged: AU4 agreed; disputes 6+12 against 12 (20-72) and bob's lone AU9.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

CODINGS = {
    "ann": [(12, 20, 70, 40), (6, 20, 70, 40), (4, 120, 140, 130)],
    "bob": [(12, 22, 72, 42), (4, 121, 141, 131), (9, 180, 200, 190)],
}


def make_gold(folder: Path, demo_dir: Path) -> Path:
    from annotator.cli import main
    from annotator.io.project_file import load_project, save_project
    from annotator.model import Event, EventKind

    shutil.copy(demo_dir / "demo.mp4", folder / "demo.mp4")
    paths = []
    for name, events in CODINGS.items():
        base = load_project(demo_dir / "demo.facet.json").project
        for eid in list(base.events):
            base.remove_event(eid)
        for au, on, off, apex in events:
            base.add_event(Event(0, "A", EventKind.AU, on, off, apex, au=au, annotator=name))
        base.title, base.annotator = "demo", name
        path = folder / f"{name}.facet.json"
        save_project(base, path)
        doc = json.loads(path.read_text())
        doc["media"][0]["path"] = "demo.mp4"  # next to the copied video
        path.write_text(json.dumps(doc))
        paths.append(str(path))
    gold = folder / "gold.facet.json"
    if main(["merge", *paths, "-o", str(gold)]) != 0:
        raise RuntimeError("merge failed")
    return gold
