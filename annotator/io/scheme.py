"""Coding schemes: a project's vocabulary, AU set, colours and code hotkeys as one file.

A study hands every coder the same scheme so their projects use the same labels, AUs and
keys (``annotator scheme export|import``, ``corpus init --scheme``). The file is plain JSON::

    {"scheme_version": 1, "name": "...", "emotions": [...], "aus": [1, 2, 4, ...],
     "colours": {"au:12": "#e6553a", "emotion:fear": "#3a8ee6", "face:A": "#4cb050"},
     "code_hotkeys": {"Ctrl+1": "6+12", "Ctrl+Shift+F": "fear"}}

Code hotkeys are stored as plain data (key sequence in Qt's portable text form -> a FACS
code or an emotion label); the key map of the GUI decides how it binds them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from annotator.io.common import write_atomic
from annotator.model import Project
from annotator.model.entities import Vocabulary

SCHEME_VERSION = 1
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class SchemeError(ValueError):
    """A scheme file that cannot be used; the message names the file and the problem."""


def scheme_of(project: Project, name: str = "") -> dict[str, Any]:
    v = project.vocabulary
    colours = dict(v.colours)
    colours.update({f"face:{f.id}": f.colour for f in project.faces.values()})
    return {
        "scheme_version": SCHEME_VERSION,
        "name": name or project.title,
        "emotions": list(v.emotions),
        "aus": list(v.aus) or project.aus_in_use(),
        "colours": colours,
        "code_hotkeys": dict(v.code_hotkeys),
    }


def export_scheme(project: Project, out: str | os.PathLike[str], name: str = "") -> Path:
    return write_atomic(out, json.dumps(scheme_of(project, name), indent=2) + "\n")


def read_scheme(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked scheme; ``SchemeError`` names the file and the first problem."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchemeError(f"{path}: no such scheme file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemeError(f"{path}: not a readable scheme file ({exc})") from None

    def bad(where: str, what: str) -> SchemeError:
        return SchemeError(f"{path}: {where}: {what}")

    if not isinstance(doc, dict) or doc.get("scheme_version") != SCHEME_VERSION:
        raise bad("/scheme_version", f"must be {SCHEME_VERSION}")
    emotions = doc.get("emotions", [])
    if not isinstance(emotions, list) or not all(
        isinstance(e, str) and e.strip() for e in emotions
    ):
        raise bad("/emotions", "must be a list of non-empty labels")
    aus = doc.get("aus", [])
    if not isinstance(aus, list) or not all(type(a) is int and 0 <= a <= 99 for a in aus):
        raise bad("/aus", "must be a list of AU numbers 0-99")
    colours = doc.get("colours", {})
    if not isinstance(colours, dict):
        raise bad("/colours", "must be an object")
    for k, c in colours.items():
        if not isinstance(c, str) or not _COLOUR.match(c):
            raise bad(f"/colours/{k}", "must be a colour #rrggbb")
    keys = doc.get("code_hotkeys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) and v for v in keys.values()):
        raise bad("/code_hotkeys", "must map key sequences to codes or labels")
    return {
        "scheme_version": SCHEME_VERSION,
        "name": str(doc.get("name", "")),
        "emotions": list(dict.fromkeys(e.strip() for e in emotions)),
        "aus": sorted(set(aus)),
        "colours": dict(colours),
        "code_hotkeys": dict(keys),
    }


def apply_scheme(project: Project, scheme: dict[str, Any]) -> None:
    """Put the scheme's vocabulary into ``project``; labels still used by events stay (a
    scheme never orphans coded work). Face colours apply to the faces they name."""
    in_use = [e.emotion for e in project.events.values() if e.emotion]
    emotions = list(dict.fromkeys([*scheme["emotions"], *in_use])) or list(
        project.vocabulary.emotions
    )
    lane_colours = {k: c for k, c in scheme["colours"].items() if not k.startswith("face:")}
    project.set_vocabulary(
        Vocabulary(emotions, list(scheme["aus"]), lane_colours, dict(scheme["code_hotkeys"]))
    )
    for k, c in scheme["colours"].items():
        fid = k.removeprefix("face:")
        if k.startswith("face:") and fid in project.faces:
            project.update_face(fid, colour=c)
