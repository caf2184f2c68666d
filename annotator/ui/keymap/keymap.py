"""KeyMap: the defaults of ``actions.ACTIONS`` with the user's changes and per-code keys.

Qt-free: it validates key sequences itself (Qt's portable text, modifiers in Qt's order
``Meta+Ctrl+Alt+Shift+Key``) so a key map file from another lab is checked before any
shortcut is made, and the README test can read it without a display.

Per-code keys bind one key to a FACS code string (``6+12``) or to an emotion, like ELAN's
controlled-vocabulary shortcuts and BORIS's coding pad: pressing it codes the pending (or
current) frames with that code in one step.

The file a lab shares is JSON::

    {"format": "facet-keymap", "version": 1,
     "keys": {"play.toggle": ["Space"], ...},          # every remappable action
     "codes": [{"key": "Shift+1", "code": "6+12"},
               {"key": "Shift+2", "emotion": "happiness"}],
     "reaction_ms": 200}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.model.facs import parse_code
from annotator.ui.keymap.actions import ACTION_IDS, ACTIONS, Action, Context

FORMAT = "facet-keymap"
VERSION = 1
DEFAULT_REACTION_MS = 0
MAX_REACTION_MS = 2000

_MODIFIERS = ("Meta", "Ctrl", "Alt", "Shift")  # Qt's PortableText order
_NAMED = {
    "space": "Space",
    "return": "Return",
    "enter": "Enter",
    "esc": "Esc",
    "escape": "Esc",
    "tab": "Tab",
    "backtab": "Backtab",
    "backspace": "Backspace",
    "del": "Del",
    "delete": "Del",
    "ins": "Ins",
    "insert": "Ins",
    "home": "Home",
    "end": "End",
    "left": "Left",
    "right": "Right",
    "up": "Up",
    "down": "Down",
    "pgup": "PgUp",
    "page up": "PgUp",
    "pageup": "PgUp",
    "pgdown": "PgDown",
    "page down": "PgDown",
    "pagedown": "PgDown",
    "pause": "Pause",
    "print": "Print",
}
_NAMED.update({f"f{i}": f"F{i}" for i in range(1, 36)})


class KeyMapError(ValueError):
    """A key map file or a key the user typed cannot be used; the message is one line."""


def normalise_key(text: str) -> str:
    """``shift+ctrl+x`` -> ``Ctrl+Shift+X`` (Qt's portable text); raises KeyMapError."""
    raw = text.strip()
    if not raw:
        raise KeyMapError("empty key")
    parts = raw.split("+")
    # "Ctrl++" is Ctrl and the plus key: the empty part after the last "+" is the key "+".
    if raw == "+" or raw.endswith("++"):
        parts = raw[:-2].split("+") + ["+"] if raw != "+" else ["+"]
    *mods, key = [p.strip() for p in parts]
    found: set[str] = set()
    for m in mods:
        name = m.capitalize()
        if name not in _MODIFIERS:
            raise KeyMapError(f"'{text}': unknown modifier '{m}' (use Ctrl, Alt, Shift, Meta)")
        found.add(name)
    if len(key) == 1 and key.isprintable() and not key.isspace():
        name = key.upper()
    elif key.lower() in _NAMED:
        name = _NAMED[key.lower()]
    else:
        raise KeyMapError(f"'{text}': unknown key '{key}'")
    return "+".join([m for m in _MODIFIERS if m in found] + [name])


@dataclass(frozen=True, slots=True)
class CodeKey:
    """A key that codes one thing: a FACS code string or an emotion label."""

    key: str
    code: str = ""
    emotion: str = ""

    @property
    def label(self) -> str:
        return f"emotion {self.emotion}" if self.emotion else f"code {self.code}"

    def to_json(self) -> dict[str, str]:
        return (
            {"key": self.key, "emotion": self.emotion}
            if self.emotion
            else {"key": self.key, "code": self.code}
        )


def make_code_key(key: str, *, code: str = "", emotion: str = "") -> CodeKey:
    """Validated: a normal key, exactly one of a code (that the FACS parser reads without
    a warning) or an emotion label."""
    k = normalise_key(key)
    if bool(code.strip()) == bool(emotion.strip()):
        raise KeyMapError(f"'{key}': give either a FACS code or an emotion")
    if code.strip():
        parsed = parse_code(code)
        if not parsed.units or parsed.warnings:
            why = "; ".join(parsed.warnings) or "no action units"
            raise KeyMapError(f"'{key}': code '{code}': {why}")
        return CodeKey(k, code=parsed.normalised)
    return CodeKey(k, emotion=emotion.strip())


@dataclass(frozen=True, slots=True)
class Conflict:
    key: str
    context: Context
    what: tuple[str, ...]  # action ids or code-key labels

    def message(self) -> str:
        return f"{self.key} is bound twice in {self.context.value}: {', '.join(self.what)}"


@dataclass(slots=True)
class KeyMap:
    """The live key map: defaults, the user's overrides, per-code keys, reaction time."""

    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    codes: list[CodeKey] = field(default_factory=list)
    reaction_ms: int = DEFAULT_REACTION_MS

    # ------------------------------------------------------------------ reading
    @staticmethod
    def actions() -> tuple[Action, ...]:
        return ACTIONS

    def keys(self, action_id: str) -> tuple[str, ...]:
        action = ACTION_IDS[action_id]
        return self.overrides.get(action_id, action.keys)

    def first_key(self, action_id: str) -> str:
        keys = self.keys(action_id)
        return keys[0] if keys else ""

    def action_for(self, key: str, context: Context = Context.PLAYER) -> str | None:
        """The action id ``key`` triggers in ``context`` (None: no action)."""
        k = normalise_key(key)
        for a in ACTIONS:
            if a.context is context and k in self.keys(a.id):
                return a.id
        return None

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(keys, action, context, id) for every action and per-code key: the help table."""
        out = [
            (" / ".join(self.keys(a.id)) or "(none)", a.text, a.context.value, a.id)
            for a in ACTIONS
        ]
        out += [(c.key, f"Code {c.label}", Context.PLAYER.value, "code-key") for c in self.codes]
        return out

    def conflicts(self) -> list[Conflict]:
        """Keys bound to two things in one context (different contexts may share a key:
        the higher precedence wins, see ``Context``)."""
        seen: dict[tuple[str, Context], list[str]] = {}
        for a in ACTIONS:
            for k in self.keys(a.id):
                seen.setdefault((k, a.context), []).append(a.id)
        for c in self.codes:
            seen.setdefault((c.key, Context.PLAYER), []).append(c.label)
        return [Conflict(k, ctx, tuple(w)) for (k, ctx), w in seen.items() if len(w) > 1]

    # ------------------------------------------------------------------ changing
    def set_keys(self, action_id: str, keys: Iterable[str]) -> None:
        """Bind ``action_id`` to ``keys`` (normalised; an empty list unbinds it)."""
        action = ACTION_IDS.get(action_id)
        if action is None:
            raise KeyMapError(f"unknown action '{action_id}'")
        if not action.remappable:
            raise KeyMapError(f"'{action_id}' is a fixed key and cannot be changed")
        new = tuple(dict.fromkeys(normalise_key(k) for k in keys))
        if new == action.keys:
            self.overrides.pop(action_id, None)
        else:
            self.overrides[action_id] = new

    def reset(self, action_id: str | None = None) -> None:
        if action_id is None:
            self.overrides.clear()
        else:
            self.overrides.pop(action_id, None)

    def set_codes(self, codes: Iterable[CodeKey]) -> None:
        self.codes = list(codes)

    def copy(self) -> KeyMap:
        return KeyMap(dict(self.overrides), list(self.codes), self.reaction_ms)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "keys": {a.id: list(self.keys(a.id)) for a in ACTIONS if a.remappable},
            "codes": [c.to_json() for c in self.codes],
            "reaction_ms": self.reaction_ms,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> KeyMap:
        """Read a key map document; raises KeyMapError naming the first problem."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise KeyMapError(f'not a Facet key map (expected "format": "{FORMAT}")')
        if data.get("version") != VERSION:
            raise KeyMapError(f"key map version {data.get('version')!r} is not {VERSION}")
        km = cls()
        keys = data.get("keys", {})
        if not isinstance(keys, Mapping):
            raise KeyMapError("'keys' must be an object of action id -> list of keys")
        for action_id, seqs in keys.items():
            if action_id not in ACTION_IDS:
                raise KeyMapError(f"keys: unknown action '{action_id}'")
            if isinstance(seqs, str):
                seqs = [seqs]
            if not isinstance(seqs, list) or not all(isinstance(s, str) for s in seqs):
                raise KeyMapError(f"keys/{action_id}: must be a list of key strings")
            try:
                km.set_keys(action_id, seqs)
            except KeyMapError as e:
                raise KeyMapError(f"keys/{action_id}: {e}") from None
        codes = data.get("codes", [])
        if not isinstance(codes, list):
            raise KeyMapError("'codes' must be a list")
        for i, c in enumerate(codes):
            if not isinstance(c, Mapping) or not isinstance(c.get("key"), str):
                raise KeyMapError(f'codes/{i}: needs a "key" and a "code" or "emotion"')
            try:
                km.codes.append(
                    make_code_key(
                        c["key"],
                        code=str(c.get("code", "") or ""),
                        emotion=str(c.get("emotion", "") or ""),
                    )
                )
            except KeyMapError as e:
                raise KeyMapError(f"codes/{i}: {e}") from None
        reaction = data.get("reaction_ms", DEFAULT_REACTION_MS)
        if (
            not isinstance(reaction, int)
            or isinstance(reaction, bool)
            or not 0 <= reaction <= MAX_REACTION_MS
        ):
            raise KeyMapError(f"reaction_ms: must be a whole number 0-{MAX_REACTION_MS}")
        km.reaction_ms = reaction
        conflicts = km.conflicts()
        if conflicts:
            raise KeyMapError(conflicts[0].message())
        return km

    @classmethod
    def from_json(cls, text: str) -> KeyMap:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise KeyMapError(f"line {e.lineno} column {e.colno}: {e.msg}") from None
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> KeyMap:
        """Read a shared key map file; KeyMapError's message starts with the file name."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
            return cls.from_json(text)
        except OSError as e:
            raise KeyMapError(f"{p}: {e.strerror or e}") from None
        except UnicodeDecodeError:
            raise KeyMapError(f"{p}: not a UTF-8 text file") from None
        except KeyMapError as e:
            raise KeyMapError(f"{p}: {e}") from None


def readme_table(keymap: KeyMap | None = None) -> str:
    """The README's "Keys" table: one row per README row of the actions, keys joined."""
    km = keymap or KeyMap()
    rows: dict[str, list[str]] = {}
    for a in ACTIONS:
        keys = km.keys(a.id)
        if a.id == "code.type":
            keys = ("0-9",)
        elif a.id.startswith("code.emotion_") or a.id == "code.custom_label":
            rows.setdefault(a.readme_row, [])
            if a.id == "code.emotion_1":
                rows[a.readme_row].append(
                    f"{km.first_key(a.id)} .. {km.first_key('code.custom_label')}"
                )
            continue
        rows.setdefault(a.readme_row, []).append(
            " or ".join(_md_key(k) for k in keys) if keys else "(none)"
        )
    lines = ["| Key | Does |", "|---|---|"]
    for row, keys in rows.items():
        shown = " / ".join(keys)
        lines.append(f"| {shown} | {row} |")
    return "\n".join(lines) + "\n"


def _md_key(k: str) -> str:
    """Keys that Markdown would eat or that read badly bare go in backticks."""
    if any(ch in k for ch in "[]\\|.,`*_") or k in ("0-9",):
        return k if k == "0-9" else f"`{k}`"
    return k
