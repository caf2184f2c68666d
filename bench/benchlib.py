"""What the benches share: percentiles, the environment of an app under measurement and the
plain PyAV baseline (seek to the keyframe, decode to the target).

Benches run as programs (``python bench/bench_x.py``), so this module is imported by name
from their folder. Each bench keeps its own measurements and what it prints.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
XDG_VARS = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


def pct(xs: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank; NaN for no values."""
    s = sorted(xs)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))] if s else float("nan")


def offscreen_gui() -> Path:
    """Set up this process for an in-process GUI bench, before PySide6 is imported:
    offscreen platform (unless one is set), no VLC, and settings, caches and logs in a fresh
    temporary home (returned: the bench removes it), never the user's."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["FACET_NO_VLC"] = "1"
    home = Path(tempfile.mkdtemp(prefix="facet-bench-home-"))
    for var in XDG_VARS:
        os.environ[var] = str(home / var.lower())
    return home


def app_env(home: Path) -> dict[str, str]:
    """The environment of ``run.py`` started as a measured subprocess: offscreen, no VLC,
    its own home and caches under ``home``, this repository importable."""
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        FACET_NO_VLC="1",
        HOME=str(home),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        FACET_CACHE_DIR=str(home / "facet-cache"),
        PYTHONPATH=str(ROOT),
    )
    return env


def proxy_build_children(parent: int) -> list[int]:
    """Preview build processes started by ``parent`` (its pid is on their command line:
    ``--parent-pid``), alive or orphaned; a zombie's empty command line does not count."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"annotator.media.proxy_build" in cmd and str(parent).encode() in cmd:
            found.append(int(proc.name))
    return found


class Naive:
    """The baseline: for every request, seek to the keyframe and decode to the target
    (what a player without an index or cache does)."""

    def __init__(
        self,
        path: Path,
        pts: np.ndarray,
        size: tuple[int, int] | None = None,
        threads: str | None = "AUTO",
    ) -> None:
        """``threads="AUTO"``: frame threads (tuned as Facet's decoder is); ``None``: the
        stream as ``av.open`` sets it up (``thread_type`` SLICE, one thread on files with one
        slice per frame, as x264 writes by default)."""
        import av

        self.size = size
        self.c = av.open(str(path))
        self.s = self.c.streams.video[0]
        if threads is not None:
            self.s.thread_type = threads
        self.pts = pts

    def frame(self, i: int) -> np.ndarray:
        """Frame ``i`` as RGB (scaled to ``size`` when given)."""
        target = int(self.pts[i])
        self.c.seek(target, backward=True, any_frame=False, stream=self.s)
        for f in self.c.decode(self.s):
            if f.pts == target:
                if self.size:
                    w, h = self.size
                    return f.reformat(width=w, height=h, format="rgb24").to_ndarray()
                return f.to_ndarray(format="rgb24")
        raise RuntimeError(f"frame {i} not reached")

    def close(self) -> None:
        self.c.close()
