#!/usr/bin/env python3
"""End-to-end under Xvfb: the real app (``run.py PROJECT``), real keys (xdotool), real
processes. Three scenarios from issue 11, each checked from the window titles, the files
on disk and screenshots:

  import   with the project open in the app, ``annotator import srt`` adds dialogue to
           the same file from the command line; then a code typed in the app and Ctrl+S:
           the app asks (File changed on disk), Return merges, the file holds both.
  crash    an edit, autosave, kill -9; reopen, Return (Recover is the default): the title
           marks unsaved work (``*``) and closing asks.
  second   a second app instance on the same project is offered read-only; Return opens
           it read-only (``[read-only]`` in the title).

    .venv/bin/python tests/e2e/xvfb_documents.py [--out DIR] [--only NAME]

Exit status 0 when every scenario passed, 77 when Xvfb/xdotool/import are missing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from xvfb_common import (  # noqa: E402
    key,
    lacks_tools,
    launch,
    out_folder,
    private_home,
    start_xvfb,
    stop,
)

SRT = """1
00:00:01,000 --> 00:00:02,000
Hello there.

2
00:00:03,000 --> 00:00:04,500
Second line.
"""


class Session:
    """One Xvfb display with private settings; apps are started and killed on it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.env = dict(os.environ)
        self.xvfb: subprocess.Popen[bytes] | None = None
        self.apps: list[subprocess.Popen[bytes]] = []
        self.shots = 0

    def start(self) -> None:
        self.xvfb = start_xvfb("1366x768x24", self.env)
        self.env["FACET_NO_VLC"] = "1"
        home = private_home(self.env, self.out)
        conf = home / "xdg_config_home" / "Facet" / "Facet.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text("[General]\nautosave_s=1\n")  # autosave every second

    def app(self, project: Path, name: str) -> subprocess.Popen[bytes]:
        proc = launch(ROOT / "run.py", [str(project)], self.env, self.out / f"{name}.log")
        self.apps.append(proc)
        return proc

    def windows(self, pattern: str, pid: int | None = None) -> list[str]:
        """Visible windows whose title matches ``pattern`` (a Python regex: xdotool's own
        matching does not handle the em dash in our titles)."""
        import re

        cmd = ["xdotool", "search", "--onlyvisible"]
        if pid is not None:
            cmd += ["--pid", str(pid)]
        cmd += ["--name", "."]
        res = subprocess.run(cmd, env=self.env, capture_output=True, text=True, check=False)
        return [w for w in res.stdout.split() if re.search(pattern, self.title(w))]

    def title(self, wid: str) -> str:
        res = subprocess.run(
            ["xdotool", "getwindowname", wid],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return res.stdout.strip()

    def wait_window(self, pattern: str, pid: int | None = None, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.windows(pattern, pid)
            if found:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"no window named {pattern!r} within {timeout} s")

    def wait_title(self, wid: str, check, what: str, timeout: float = 30) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        title = ""
        while time.monotonic() < deadline:
            title = self.title(wid)
            if check(title):
                return title
            time.sleep(0.2)
        raise AssertionError(f"title {title!r}: expected {what}")

    def focus(self, wid: str) -> None:
        subprocess.run(
            ["xdotool", "windowactivate", "--sync", wid],
            env=self.env,
            capture_output=True,
            check=False,
        )
        subprocess.run(
            ["xdotool", "windowfocus", "--sync", wid],
            env=self.env,
            capture_output=True,
            check=False,
        )

    def key(self, *keys: str, wid: str | None = None) -> None:
        if wid is not None:
            self.focus(wid)
        for k in keys:
            key(self.env, k)
            time.sleep(0.15)

    def shot(self, name: str) -> Path:
        self.shots += 1
        path = self.out / f"{self.shots:02d}_{name}.png"
        subprocess.run(
            ["import", "-window", "root", str(path)],
            env=self.env,
            capture_output=True,
            timeout=30,
            check=False,
        )
        return path

    def kill_apps(self) -> None:
        for proc in self.apps:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        self.apps.clear()

    def stop(self) -> None:
        self.kill_apps()
        stop([self.xvfb], 10)


def fresh_project(out: Path, name: str) -> Path:
    from annotator.demo import write_demo

    return write_demo(out / name)


def events_of(path: Path) -> list[dict[str, object]]:
    return json.loads(path.read_text(encoding="utf-8"))["events"]


def dialogue_of(path: Path) -> list[dict[str, object]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [m for m in doc["markers"] if m.get("kind") == "dialogue"]


def main_window(s: Session, proc: subprocess.Popen[bytes]) -> str:
    return s.wait_window(r"— Facet$", proc.pid)


def scenario_import(s: Session) -> None:
    project = fresh_project(s.out, "import")
    events_before = len(events_of(project))
    app = s.app(project, "import-app")
    win = main_window(s, app)
    s.wait_title(win, lambda t: "demo.facet.json" in t and "*" not in t, "the project, saved")
    srt = project.with_name("lines.srt")
    srt.write_text(SRT, encoding="utf-8")
    cli = subprocess.run(
        [sys.executable, "-m", "annotator.cli", "import", "srt", str(srt), "--into", str(project)],
        env=s.env,
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    # the CLI saw the app's lock: one line on stderr, the import still written
    said = [line for line in cli.stderr.splitlines() if "is open in Facet" in line]
    assert len(said) == 1 and "will merge this import on its next save" in said[0], cli.stderr
    lines = dialogue_of(project)
    assert len(lines) == 2, f"the CLI import gave {len(lines)} dialogue markers"
    s.key("4", "Return", wid=win)  # code AU4 at the current frame (quick code field)
    s.wait_title(win, lambda t: "*" in t, "unsaved work after coding")
    s.key("ctrl+s", wid=win)
    ask = s.wait_window("File changed on disk", app.pid)
    s.shot("import-asks")
    s.key("Return", wid=ask)  # Merge is the default
    s.wait_title(win, lambda t: "*" not in t, "saved after the merge")
    events = events_of(project)
    aus = [e for e in events if e.get("au") == 4 and e.get("code") == "4"]
    assert dialogue_of(project) == lines, "the CLI's dialogue is gone from the file"
    assert len(aus) == 1 and len(events) == events_before + 1, (len(aus), len(events))
    s.shot("import-merged")
    s.kill_apps()


def scenario_crash(s: Session) -> None:
    from annotator.io.project_file import autosave_path

    project = fresh_project(s.out, "crash")
    app = s.app(project, "crash-app")
    win = main_window(s, app)
    s.wait_title(win, lambda t: "demo.facet.json" in t and "*" not in t, "the project, saved")
    s.key("6", "Return", wid=win)
    s.wait_title(win, lambda t: "*" in t, "unsaved work")
    auto = autosave_path(project)
    deadline = time.monotonic() + 30
    while not auto.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert auto.exists(), "no autosave within 30 s"
    time.sleep(0.5)
    os.kill(app.pid, signal.SIGKILL)
    app.wait(10)
    again = s.app(project, "crash-reopen")
    ask = s.wait_window("Recover unsaved work", again.pid)
    s.shot("crash-recover-question")
    s.key("Return", wid=ask)  # Recover is the default button
    win = main_window(s, again)
    title = s.wait_title(win, lambda t: "*" in t, "recovered work marked unsaved")
    print(f"  after recovery: {title!r}", flush=True)
    s.shot("crash-recovered")
    s.key("ctrl+q", wid=win)
    s.wait_window("Unsaved changes", again.pid)
    s.shot("crash-close-asks")
    s.kill_apps()


def scenario_second(s: Session) -> None:
    project = fresh_project(s.out, "second")
    first = s.app(project, "second-first")
    win1 = main_window(s, first)
    s.wait_title(win1, lambda t: "demo.facet.json" in t, "the project")
    second = s.app(project, "second-second")
    ask = s.wait_window("Project in use", second.pid)
    s.shot("second-offered-read-only")
    s.key("Return", wid=ask)  # Open read-only is the default
    win2 = main_window(s, second)
    title = s.wait_title(win2, lambda t: "[read-only]" in t, "a read-only window")
    print(f"  second instance: {title!r}", flush=True)
    s.shot("second-read-only")
    s.kill_apps()


SCENARIOS = {"import": scenario_import, "crash": scenario_crash, "second": scenario_second}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--only", choices=sorted(SCENARIOS))
    args = ap.parse_args(argv)
    if lacks_tools():
        return 77
    out = out_folder(args.out, "facet-e2e-docs-")
    s = Session(out)
    s.start()
    failed = []
    try:
        for name, run in SCENARIOS.items():
            if args.only and name != args.only:
                continue
            print(f"{name}:", flush=True)
            try:
                run(s)
            except AssertionError as e:
                failed.append(name)
                s.shot(f"{name}-failed")
                print(f"  FAIL {e}", flush=True)
                s.kill_apps()
            else:
                print("  ok", flush=True)
    finally:
        s.stop()
    print("FAIL " + ", ".join(failed) if failed else "PASS", flush=True)
    print(f"screenshots and logs in {out}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
