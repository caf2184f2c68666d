#!/usr/bin/env python3
"""End-to-end under Xvfb: adjudicate a gold project in the real window with keys only.

    .venv/bin/python tests/e2e/xvfb_adjudicate.py [--out DIR] [--shot docs/adjudication.png]

1. Writes the demo video, two coders' projects and ``annotator merge``s them into
   ``gold.facet.json`` (two disputes: 6+12 against 12, and one coder's lone AU9).
2. Runs ``run.py gold.facet.json`` with a read-only probe (open disputes, the status bar's
   adjudication text, unsaved changes, active window) written as JSON every 50 ms.
3. Sends keys with xdotool, no mouse: Alt+Shift+F (frames from bob), Alt+Shift+Return
   (settle: combined), Ctrl+Alt+2 (accept bob's AU9), Ctrl+Z, Ctrl+Shift+Z, Ctrl+S, and
   checks the probe after each; then Ctrl+Q.
4. The saved gold file must validate, hold provenance for every event and export to a CASME
   II sheet. Exit 0 when all held; screenshots and report.json go to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "tests", Path(__file__).resolve().parent):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from xvfb_common import lacks_tools, launch, out_folder, run_probed  # noqa: E402


def run_app(project: str, probe_path: str) -> int:
    from PySide6.QtWidgets import QApplication

    def state_of(w: Any) -> dict[str, object] | None:
        adj = getattr(w, "adjudication", None)
        if adj is None or not w.isVisible() or adj.project is None:
            return None
        return {
            "open": len(adj.project.open_disputes()),
            "disputes": len(adj.project.disputes),
            "status": adj.label.text(),
            "dirty": adj.project.dirty,
            "active": QApplication.activeWindow() is not None,
        }

    return run_probed([project], probe_path, state_of, 50)


class AdjudicationDriver:
    def __init__(self, out: Path) -> None:
        from xvfb_keys import Driver

        self.out = out
        self.x = Driver(out, use_vlc=False)
        self.x.probe = out / "probe.json"
        self.steps: list[dict[str, object]] = []

    def wait(self, name: str, check, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        st: dict[str, object] | None = None
        while time.monotonic() < deadline:
            st = self.x.state()
            if st is not None and check(st):
                self.x.screenshot(name)
                self.steps.append({"step": name, "ok": True, **st})
                print(f"  {name:<16} ok   open {st['open']}  {st['status'][:90]}", flush=True)
                return True
            time.sleep(0.1)
        self.steps.append({"step": name, "ok": False, **(st or {})})
        print(f"  {name:<16} FAIL {st}", flush=True)
        return False

    def run(self, shot: Path | None) -> bool:
        import subprocess

        from gold_sample import make_gold

        from annotator.demo import write_demo

        self.x.start_xvfb()
        demo = self.out / "demo"
        demo.mkdir(exist_ok=True)
        write_demo(demo)
        work = self.out / "study"
        work.mkdir(exist_ok=True)
        gold = make_gold(work, demo)
        args = ["--app", str(gold), "--probe", str(self.x.probe)]
        self.x.app = launch(Path(__file__).resolve(), args, self.x.env, self.out / "app.log")
        ok = self.wait(
            "opened", lambda s: s["disputes"] == 2 and s["open"] == 2 and s["active"], timeout=60
        )
        time.sleep(1.0)  # the first paint
        plan = [
            (
                "alt+shift+f",
                "frames from bob",
                lambda s: "frames from bob, code from ann" in s["status"],
            ),
            ("alt+shift+Return", "settle combined", lambda s: s["open"] == 1),
            ("ctrl+alt+2", "accept bob", lambda s: s["open"] == 0 and "0 of 2 left" in s["status"]),
            ("ctrl+z", "undo", lambda s: s["open"] == 1),
            ("ctrl+shift+z", "redo", lambda s: s["open"] == 0),
            ("ctrl+s", "save", lambda s: not s["dirty"]),
        ]
        for keysym, name, check in plan:
            if not ok:
                break
            self.x.key(keysym)
            ok &= self.wait(name, check)
        if shot is not None and ok:
            self.x.key("alt+d")  # nothing open: the status says so, the lanes stay
            time.sleep(0.8)
            import cv2

            rgb = self.x.screenshot("final")
            small = cv2.resize(rgb[..., ::-1], None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
            shot.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(shot), small, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        self.x.key("ctrl+q")
        if self.x.app is not None:
            try:
                self.x.app.wait(20)
            except subprocess.TimeoutExpired:
                ok = False
                print("  app did not quit on Ctrl+Q", flush=True)
        ok &= self.check_file(gold)
        (self.out / "report.json").write_text(json.dumps({"ok": ok, "steps": self.steps}, indent=1))
        return ok

    def check_file(self, gold: Path) -> bool:
        from annotator.cli import main as cli

        doc = json.loads(gold.read_text())
        decisions = sorted(e["provenance"]["decision"] for e in doc["events"])
        settled = all(d.get("decision") and d.get("decided_by") for d in doc["disputes"])
        valid = cli(["validate", str(gold)]) == 0
        sheet = self.out / "gold_casme.xlsx"
        exported = cli(["export", str(gold), "--to", "casme", "-o", str(sheet)]) == 0
        ok = (
            valid
            and exported
            and settled
            and decisions == ["accepted", "agreed", "combined", "combined"]
        )
        print(
            f"  file: valid {valid}, decisions {decisions}, all settled {settled}, "
            f"CASME export {exported}",
            flush=True,
        )
        return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", help=argparse.SUPPRESS)
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--shot", type=Path, help="also save a small screenshot here")
    args = ap.parse_args(argv)
    if args.app:
        return run_app(args.app, args.probe)
    if lacks_tools():
        return 77
    out = out_folder(args.out, "facet-adjudicate-")
    drv = AdjudicationDriver(out)
    try:
        ok = drv.run(args.shot)
    finally:
        drv.x.stop()
    print(f"{'PASS' if ok else 'FAIL'}: screenshots and report in {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
