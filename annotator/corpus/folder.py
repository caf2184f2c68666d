"""A corpus: a folder of clips, each coded by several coders, with a ``corpus.json``.

Layout (everything relative to the corpus folder)::

    corpus.json                      clips, coders, who codes what, explicit status marks
    coders/<coder>/<clip>.facet.json one project per coder and clip (``corpus init``)
    gold/<clip>.facet.json           the merged and adjudicated project (``corpus merge``)
    .facet/                          the query index and per-run scratch files

A clip's id is its video path below the videos' common folder, without the suffix
(``sub01/EP02_01f``), so two subjects' clips with one file name stay apart; its subject is
the video's parent folder there (the CASME II / SAMM layout ``sub01/EP02_01f.mp4``).

Status of a coder's project: ``missing`` (the file is gone), ``not started`` (no events),
``in progress``, ``done`` (marked with ``corpus mark``); of a clip's gold: ``adjudicated``
when a gold file exists with no open dispute.
"""

from __future__ import annotations

import glob as _glob
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS_FILE = "corpus.json"
CORPUS_VERSION = 1
STATES = ("missing", "not started", "in progress", "done", "adjudicated")


class CorpusError(ValueError):
    """A corpus that cannot be used; the message names the file."""


@dataclass(slots=True)
class Clip:
    id: str
    video: str  # relative to the corpus folder, POSIX separators
    subject: str = ""
    coders: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)  # coders who marked their project done

    @property
    def name(self) -> str:
        """The clip column of dataset sheets: the video's file name without suffix."""
        return Path(self.video).stem

    def project_path(self, coder: str) -> str:
        return f"coders/{coder}/{self.id}.facet.json"

    @property
    def gold_path(self) -> str:
        return f"gold/{self.id}.facet.json"


@dataclass(slots=True)
class Corpus:
    folder: Path
    coders: list[str]
    clips: list[Clip]
    scheme: str = ""  # the coding scheme file applied at init, relative to the folder

    @property
    def path(self) -> Path:
        return self.folder / CORPUS_FILE

    def clip(self, clip_id: str) -> Clip:
        for c in self.clips:
            if c.id == clip_id or c.name == clip_id:
                return c
        raise CorpusError(f"{self.path}: no clip {clip_id!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "corpus_version": CORPUS_VERSION,
            "coders": list(self.coders),
            "scheme": self.scheme,
            "clips": [
                {
                    "id": c.id,
                    "video": c.video,
                    "subject": c.subject,
                    "coders": list(c.coders),
                    "projects": {k: c.project_path(k) for k in c.coders},
                    "gold": c.gold_path,
                    "done": list(c.done),
                }
                for c in self.clips
            ],
        }


def load_corpus(folder: str | os.PathLike[str]) -> Corpus:
    folder = Path(folder)
    path = folder / CORPUS_FILE if folder.is_dir() or not folder.suffix else folder
    if path.name != CORPUS_FILE:
        folder = path.parent
        path = folder / CORPUS_FILE
    else:
        folder = path.parent
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError(f"{path}: no corpus here (run annotator corpus init)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: not a readable corpus file ({exc})") from None
    try:
        clips = [
            Clip(
                c["id"],
                c["video"],
                c.get("subject", ""),
                list(c["coders"]),
                list(c.get("done", [])),
            )
            for c in doc["clips"]
        ]
        return Corpus(folder, list(doc["coders"]), clips, doc.get("scheme", ""))
    except (KeyError, TypeError) as exc:
        raise CorpusError(f"{path}: not a corpus file (missing {exc})") from None


def save_corpus(corpus: Corpus) -> Path:
    """Atomic and durable, through :mod:`annotator.safe_output` like every file Facet writes:
    a temporary file beside the corpus file, fsynced, renamed over it, its mode kept."""
    from annotator.safe_output import write_output

    text = json.dumps(corpus.as_dict(), indent=2) + "\n"
    return write_output(corpus.path, text, fsync=True)


def find_clip_videos(folder: Path, pattern: str) -> list[Path]:
    root = folder if not os.path.isabs(pattern) else Path("/")
    found = sorted(
        Path(p)
        for p in _glob.glob(str(root / pattern) if root != Path("/") else pattern, recursive=True)
    )
    from annotator.analysis.batch import VIDEO_SUFFIXES

    return [p for p in found if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]


def new_corpus(folder: Path, videos: list[Path], coders: list[str], scheme: str = "") -> Corpus:
    """The corpus description (not saved, no projects written)."""
    clips = []
    seen: set[str] = set()
    resolved = [v.resolve() for v in videos]
    root = Path(os.path.commonpath([v.parent for v in resolved])) if resolved else folder
    for v in resolved:
        rel = Path(os.path.relpath(v, folder.resolve())).as_posix()
        within = v.relative_to(root)
        clip_id = within.with_suffix("").as_posix()
        if clip_id in seen:
            continue
        seen.add(clip_id)
        subject = within.parent.name if within.parent != Path(".") else ""
        clips.append(Clip(clip_id, rel, subject, list(coders)))
    return Corpus(folder, list(coders), clips, scheme)


# --------------------------------------------------------------------------- status
def project_state(path: Path) -> tuple[str, int, int]:
    """(state, events, open disputes) of one project file, read without validation (fast:
    status looks at every file of a corpus)."""
    if not path.is_file():
        return "missing", 0, 0
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        n = len(doc.get("events", []))
        open_disputes = sum(1 for d in doc.get("disputes", []) if not d.get("decision"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return "unreadable", 0, 0
    return ("in progress" if n else "not started"), n, open_disputes


@dataclass(slots=True)
class ClipStatus:
    clip: Clip
    coders: dict[str, str]  # coder -> state
    events: dict[str, int]
    gold: str  # "none", "adjudicated", "N disputes open", "unreadable"


def corpus_status(corpus: Corpus) -> list[ClipStatus]:
    out = []
    for c in corpus.clips:
        states, events = {}, {}
        for coder in corpus.coders:
            if coder not in c.coders:
                states[coder] = "-"
                continue
            state, n, _ = project_state(corpus.folder / c.project_path(coder))
            if state in ("in progress", "not started") and coder in c.done:
                state = "done"
            states[coder], events[coder] = state, n
        gstate, _, open_d = project_state(corpus.folder / c.gold_path)
        if gstate == "missing":
            gold = "none"
        elif gstate == "unreadable":
            gold = "unreadable"
        else:
            gold = "adjudicated" if open_d == 0 else f"{open_d} disputes open"
        out.append(ClipStatus(c, states, events, gold))
    return out


def status_counts(rows: list[ClipStatus]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        for s in r.coders.values():
            if s != "-":
                counts[s] = counts.get(s, 0) + 1
        if r.gold == "adjudicated":
            counts["adjudicated"] = counts.get("adjudicated", 0) + 1
    return counts
