"""``export --to review``: the page parses, every still and clip it names exists, drawings
are burned into the stills, nothing points outside the folder."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.cli import main
from annotator.io.common import load_for_export
from annotator.io.project_file import load_project, save_project
from annotator.model import Marker, MarkerKind, Shape

ARROW = Shape("arrow", ((100.0, 300.0), (300.0, 200.0)), "#ffff00")
CIRCLE = Shape("circle", ((400.0, 100.0), (540.0, 300.0)), "#00ffff")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[str] = []
        self.videos: list[str] = []
        self.links: list[str] = []
        self.sections: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a["src"] or "")
        elif tag == "video":
            self.videos.append(a["src"] or "")
        elif tag == "section":
            self.sections.append(a["id"] or "")
        for key in ("href", "src", "poster"):
            if a.get(key):
                self.links.append(a[key] or "")


@pytest.fixture
def review_project(demo_dir: Path, tmp_path: Path) -> Path:
    for name in ("demo.mp4", "demo.facet.json"):
        shutil.copy(demo_dir / name, tmp_path / name)
    path = tmp_path / "demo.facet.json"
    project = load_project(path).project
    project.update_marker(1, drawing=(ARROW, CIRCLE))
    project.add_marker(Marker(0, MarkerKind.CUT, 125, 125))
    project.add_marker(Marker(0, MarkerKind.NOTE, 200, 200, text="<b>not bold</b>"))
    project.add_marker(Marker(0, MarkerKind.DIALOGUE, 85, 92, text="BEN: I'm fine."))
    save_project(project, path)
    return path


def test_review_export_opens_with_every_still(review_project: Path, capsys) -> None:
    out = review_project.parent / "review"
    assert main(["export", str(review_project), "--to", "review", "-o", str(out)]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(page)
    parser.close()
    project = load_project(review_project).project
    cards = [m for m in project.markers.values() if m.kind in (MarkerKind.NOTE, MarkerKind.MARKER)]
    assert len(parser.imgs) == len(cards) == 3
    for src in parser.links:
        assert not src.startswith(("http:", "https:", "//", "/")), src
        assert (out / src).is_file(), src
    for src in parser.imgs:
        img = cv2.imread(str(out / src))
        assert img is not None and img.shape[:2] == (360, 640)
    assert parser.videos == ["clips/note0001.mp4"]  # the one range
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page and "<b>not bold" not in page
    assert page.count("<blockquote>BEN: I&#x27;m fine.</blockquote>") == 1  # said during note 1
    assert "Scene breakdown" in page and page.count("<tr>") == 1 + 2  # header + two shots

    # The drawing is burned in where it was drawn, in video pixels.
    still = cv2.cvtColor(cv2.imread(str(out / "stills/note0001.jpg")), cv2.COLOR_BGR2RGB)
    mid = still[250, 200].astype(int)  # midpoint of the arrow
    assert mid[0] > 180 and mid[1] > 180 and mid[2] < 120, mid  # yellow
    left = still[200, 400].astype(int)  # left edge of the ellipse
    assert left[1] > 180 and left[2] > 180 and left[0] < 120, left  # cyan
    plain = cv2.imread(str(out / "stills/note0004.jpg"))
    assert plain is not None


def test_review_export_of_a_large_video_scales_stills_and_drawings(review_project: Path) -> None:
    source = load_for_export(review_project)
    from annotator.io.review_export import export_review

    out = export_review(
        source.project, review_project.parent / "small", source=source, still_width=320
    )
    still = cv2.cvtColor(cv2.imread(str(out / "stills/note0001.jpg")), cv2.COLOR_BGR2RGB)
    assert still.shape[:2] == (180, 320)
    assert np.all(still[125, 100].astype(int)[:2] > 160)  # arrow midpoint at half scale
