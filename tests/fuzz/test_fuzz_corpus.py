"""A generated corpus of hostile files through every subcommand, each in its own process
under resource limits: exit code 0 or 1, no traceback, every error line names the file,
memory bounded (RLIMIT_AS), inputs unchanged (checksums), nothing written outside.

CI runs a fixed sample (``SAMPLE`` cases chosen by a fixed seed); ``FACET_FUZZ_FULL=1``
runs every case (marked slow)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

FULL = os.environ.get("FACET_FUZZ_FULL") == "1"

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 3 * 2**30  # address space per command; 1e8 nominal frames needed 5.5 GB
TIMEOUT_S = 240
SAMPLE = 8


def _base_doc() -> dict:
    return {
        "schema_version": 2,
        "title": "hostile",
        "annotator": "",
        "media": [{"id": "m1", "path": "missing.mp4", "frame_count": 250, "fps": "25/1"}],
        "faces": [{"id": "A", "name": "Ada"}],
        "events": [
            {
                "id": 1,
                "face": "A",
                "media": "m1",
                "kind": "au",
                "onset_frame": 5,
                "apex_frame": 9,
                "offset_frame": 20,
                "au": 12,
                "code": "12",
            }
        ],
        "markers": [],
        "curves": [],
    }


def _mut(**changes) -> str:
    doc = _base_doc()
    for path, value in changes.items():
        target = doc
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        target[keys[-1]] = value
    return json.dumps(doc)


PROJECTS: dict[str, bytes] = {
    "float_onset": _mut(events__0__onset_frame=30.0).encode(),
    "apex_past_end": _mut(events__0__apex_frame=500.0).encode(),
    "nan": _mut(events__0__confidence=float("nan")).encode(),
    "infinity": b'{"schema_version": 2, "title": "x", "media": [], "faces": [], "events": [], "a": 1e999}',
    "surrogate": _mut(title="\ud800").encode(),
    "zero_fps": _mut(media__0__fps="0/1").encode(),
    "huge_claim": _mut(media__0__frame_count=10**8).encode(),
    "slash_face": _mut(faces__0__id="sub/01", events__0__face="sub/01").encode(),
    "dotdot_face": _mut(faces__0__id="/../../x", events__0__face="/../../x").encode(),
    "empty": b"",
    "garbage": bytes(range(256)) * 4,
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "big_int": _mut(events__0__id=10**30).encode(),
    "not_object": b"[1, 2, 3]",
    "bom_only": b"\xef\xbb\xbf",
    "newer": b'{"schema_version": 99}',
}


def _xlsx_without_dimension(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "Subject",
            "Filename",
            "",
            "OnsetFrame",
            "ApexFrame",
            "OffsetFrame",
            "",
            "Action Units",
            "Estimated Emotion",
        ]
    )
    ws.append(["1", "EP1", "", 10, 12, 20, "", "12", "happiness"])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                x = re.sub(r"<dimension[^>]*/>", "", data.decode())
                rows = "".join(
                    f'<row r="{r}"><c r="XFD{r}" t="inlineStr"><is><t>x</t></is></c></row>'
                    for r in range(10, 3000)
                )
                data = x.replace("</sheetData>", rows + "</sheetData>").encode()
            zout.writestr(item, data)
    tmp.unlink()


IMPORTS: dict[str, tuple[str, bytes | None]] = {
    "garbage.srt": ("srt", b"1\nnot a time\nhello\n"),
    "nul.srt": ("srt", b"\x00\x00\x00"),
    "latin1.srt": ("srt", "1\n00:00:01,000 --> 00:00:02,000\ncaf\xe9\n".encode("latin-1")),
    "inf.csv": (
        "casme",
        (
            b"Subject,Filename,,OnsetFrame,ApexFrame,OffsetFrame,,Action Units,"
            b"Estimated Emotion\n1,EP1,,inf,nan,1e999,,6B12C,happiness\n"
        ),
    ),
    "wide.csv": ("casme", (",".join(["x"] * 5000) + "\n").encode()),
    "nodim.xlsx": ("casme", None),
    "bad.eaf": ("eaf", b"<ANNOTATION_DOCUMENT><TIER TIER_ID='../../x'>"),
    "nan.openface.csv": (
        "openface",
        (b"frame, face_id, timestamp, confidence, success, AU12_r\n1, 0, 0.0, nan, 1, inf\n"),
    ),
}


def _cases(tmp: Path) -> list[tuple[str, list[str], list[Path]]]:
    """(case id, argv, input files) for every subcommand and hostile file."""
    good = tmp / "good.facet.json"
    good.write_text(json.dumps(_base_doc()), encoding="utf-8")
    cases = []
    for name, data in PROJECTS.items():
        f = tmp / f"{name}.facet.json"
        f.write_bytes(data)
        out = tmp / "out"
        for cmd in (
            ["validate", f],
            ["info", f],
            ["stats", f, "--charts", out / f"c-{name}"],
            ["agree", good, f, "--csv", out / f"agree-{name}.csv"],
        ):
            cases.append((f"{cmd[0]}-{name}", cmd, [f, good]))
        for fmt in (
            "json",
            "csv",
            "frames-csv",
            "eaf",
            "casme",
            "report",
            "edl",
            "markers-csv",
            "clips",
            "review",
        ):
            cases.append(
                (
                    f"export-{fmt}-{name}",
                    ["export", f, "--to", fmt, "-o", out / f"{name}-{fmt}.x"],
                    [f],
                )
            )
    for name, (kind, data) in IMPORTS.items():
        f = tmp / name
        if data is None:
            _xlsx_without_dimension(f)
        else:
            f.write_bytes(data)
        into = tmp / f"into-{name}.facet.json"
        into.write_text(json.dumps(_base_doc()), encoding="utf-8")
        cases.append((f"import-{name}", ["import", kind, f, "--into", into], [f]))
    return [(cid, [str(a) for a in argv], ins) for cid, argv, ins in cases]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"


def _limits() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run_case(tmp: Path, cid: str, argv: list[str], inputs: list[Path]) -> None:
    before = {p: _digest(p) for p in inputs}
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "annotator.cli", *argv],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
        preexec_fn=_limits,
        errors="replace",
    )
    err = proc.stderr
    assert proc.returncode in (0, 1), (cid, proc.returncode, err[-2000:])
    assert "Traceback" not in err and "internal error" not in err, (cid, err[-2000:])
    if proc.returncode == 1:
        lines = [ln for ln in err.splitlines() if ln.strip() and "warning:" not in ln]
        assert lines, (cid, "failed without a message")
        names = {Path(a).name for a in argv} | {Path(a).name.split(".")[0] for a in argv}
        for ln in lines:
            assert any(n and n in ln for n in names), (cid, ln)
    after = {p: _digest(p) for p in inputs}
    assert after == before, (cid, "an input changed")
    outside = [p for p in tmp.parent.iterdir() if p.name in ("x", "escape")]
    assert not outside, (cid, outside)


def _all_cases(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corpus")
    return tmp, _cases(tmp)


@pytest.mark.timeout(1200)
def test_corpus_sample(tmp_path_factory):
    """The fixed-seed sample CI runs (a different, fixed choice of cases each release)."""
    tmp, cases = _all_cases(tmp_path_factory)
    must = {
        "validate-float_onset",
        "stats-huge_claim",
        "export-csv-surrogate",
        "export-clips-dotdot_face",
        "import-nodim.xlsx",
        "validate-deep",
    }
    chosen = [c for c in cases if c[0] in must]
    rest = [c for c in cases if c[0] not in must]
    chosen += random.Random(16).sample(rest, SAMPLE)
    for cid, argv, inputs in chosen:
        _run_case(tmp, cid, argv, inputs)


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)
@pytest.mark.skipif(not FULL, reason="full corpus: set FACET_FUZZ_FULL=1")
def test_corpus_full(tmp_path_factory):
    tmp, cases = _all_cases(tmp_path_factory)
    failures = []
    for cid, argv, inputs in cases:
        try:
            _run_case(tmp, cid, argv, inputs)
        except AssertionError as e:
            failures.append(str(e)[:300])
    assert not failures, "\n".join(failures)
