"""No orphan build processes: the proxy build child exits when the app does, however the
app ends (issue 19). Runs the real app (``run.py VIDEO``, offscreen) on a clip it is told
to build a proxy for, finds the build child in /proc, ends the app, and checks the child
is gone within a few seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"annotator.media.proxy_build" in cmd:
            out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_build_child_exits_with_the_app(make_clip, tmp_path: Path, sig: int) -> None:
    clip = make_clip("long_gop250")
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        FACET_NO_VLC="1",
        FACET_ALWAYS_PROXY="1",
        FACET_PROXY_THROTTLE_S="0.2",  # a build that is surely still running when we kill
        FACET_PROXY_SEGMENT="40",
        FACET_CACHE_DIR=str(tmp_path / "cache"),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local"),
        PYTHONPATH=str(ROOT),
    )
    app = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), str(clip.path)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        children: list[int] = []
        for _ in range(600):  # the app starts and opens the clip (slow on a loaded box)
            children = _children(app.pid)
            if children or app.poll() is not None:
                break
            time.sleep(0.1)
        assert children, "the app started no proxy build"
        app.send_signal(sig)
        app.wait(30)
        for _ in range(100):
            if not any(_alive(c) for c in children):
                break
            time.sleep(0.1)
        assert not any(_alive(c) for c in children), f"build outlived the app ({sig!r})"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        for c in _children(1) + children:
            if _alive(c) and c in children:
                os.kill(c, signal.SIGKILL)
