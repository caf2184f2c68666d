"""What the Xvfb end-to-end scripts share: a private X display, the app started on it with a
read-only probe, xdotool keys and screenshots.

The scripts run as programs (``python tests/e2e/xvfb_keys.py``), so this module is imported
by name from their folder. Each script keeps what it checks; here is only how it gets there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "xdotool", "import")
XDG_VARS = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


def tools_missing(tools: Iterable[str] = TOOLS) -> list[str]:
    return [t for t in tools if shutil.which(t) is None]


def lacks_tools(tools: Iterable[str] = TOOLS) -> bool:
    """True, after one line on stderr, when a tool is missing (the script then exits 77:
    the test wrapper skips)."""
    missing = tools_missing(tools)
    if missing:
        print(f"needs {', '.join(missing)}", file=sys.stderr)
    return bool(missing)


def out_folder(out: Path | None, prefix: str) -> Path:
    """``--out``, or a fresh temporary folder; made."""
    folder = out or Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------- the display (outside the app)
def start_xvfb(screen: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Xvfb on a free display (``-displayfd``: no clash with other sessions), ``screen`` as
    ``WxHxD``; ``env`` is pointed at it (DISPLAY, the xcb platform, no Wayland)."""
    r, w = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(w,),
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as fh:
        display = fh.readline().strip()
    if not display:
        raise RuntimeError("Xvfb did not report a display")
    env["DISPLAY"] = f":{display}"
    env.pop("WAYLAND_DISPLAY", None)
    env["QT_QPA_PLATFORM"] = "xcb"
    return xvfb


def private_home(env: dict[str, str], out: Path) -> Path:
    """Settings, caches and logs of the app under ``out/home`` (never the user's)."""
    home = out / "home"
    for var in XDG_VARS:
        env[var] = str(home / var.lower())
    return home


def start_openbox(env: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """openbox on the display when installed (a title bar must fit too), else None."""
    wm = shutil.which("openbox")
    if not wm:
        return None
    proc = subprocess.Popen([wm], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    return proc


def launch(
    script: Path, args: list[str], env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """``python script args`` from the repository root, its output in ``log``."""
    out = open(log, "wb")  # noqa: SIM115 - lives as long as the app
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        env=env,
        cwd=str(ROOT),
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def read_probe(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def key(env: dict[str, str], keysym: str) -> None:
    subprocess.run(["xdotool", "key", "--clearmodifiers", keysym], env=env, check=True)


def grab_screen(env: dict[str, str]) -> Any:
    """The whole screen as a BGR array. PPM: no compression on the way out, so the grab is
    quick while playing."""
    import cv2
    import numpy as np

    ppm = subprocess.run(
        ["import", "-window", "root", "-silent", "ppm:-"],
        env=env,
        capture_output=True,
        check=True,
        timeout=20,
    ).stdout
    return cv2.imdecode(np.frombuffer(ppm, np.uint8), cv2.IMREAD_COLOR)


def stop(procs: Iterable[subprocess.Popen[bytes] | None], wait_s: float) -> None:
    """Terminate what still runs, in the given order; kill what does not end in ``wait_s``."""
    for p in procs:
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(wait_s)
            except subprocess.TimeoutExpired:
                p.kill()


# ---------------------------------------------------------------- app mode (inside the app)
def run_probed(
    args: list[str],
    probe_path: str,
    state_of: Callable[[Any], dict[str, Any] | None],
    interval_ms: int,
) -> int:
    """``run.py args`` (the real app), plus a read-only probe timer: every ``interval_ms``
    the state of the first top-level widget ``state_of`` answers for (it returns None for
    the others) goes to ``probe_path`` as JSON, stamped ``t``, replaced atomically."""
    import runpy

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])

    def write_probe() -> None:
        for w in QApplication.topLevelWidgets():
            state = state_of(w)
            if state is None:
                continue
            state["t"] = time.time()
            tmp = probe_path + ".tmp"
            with open(tmp, "w") as fh:
                json.dump(state, fh)
            os.replace(tmp, probe_path)
            return

    timer = QTimer(app)
    timer.timeout.connect(write_probe)
    timer.start(interval_ms)
    sys.argv = [str(ROOT / "run.py"), *args]
    try:
        runpy.run_path(str(ROOT / "run.py"), run_name="__main__")
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


# ---------------------------------------------------------------- the pytest wrappers
def run_script(
    name: str,
    args: list[str],
    timeout: float,
    tools: Iterable[str] = TOOLS,
    drop_env: Iterable[str] = ("QT_QPA_PLATFORM",),
) -> str:
    """Run the script ``tests/e2e/<name>`` as a test: skip when a tool is missing or the
    script exits 77 (a missing tool or library), fail with the tail of its output unless it
    exits 0 and says PASS. Returns its stdout for further checks."""
    import pytest

    missing = tools_missing(tools)
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    dropped = set(drop_env)
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    cmd = [sys.executable, str(Path(__file__).with_name(name)), *args]
    proc = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode == 77:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "PASS" in proc.stdout
    return proc.stdout
