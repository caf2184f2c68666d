"""The keyboard coding workflow, and ``install_coding(window)`` that wires it all in.

``I``/``P``/``O`` mark onset, apex and offset at the current frame for a pending event on the
selected lane; Enter commits it, Esc drops it. A FACS code typed in the quick field
(``1+2+5B+26``, ``R12A``) creates one AU event per unit with the same frames; Alt+1..9 picks
an emotion. Every edit is a command on the project's undo stack; this module decides what
to create, the commands do it.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from annotator.commands import AddFaceCommand, UpdateEventCommand, push_add_events
from annotator.model.entities import Event, EventKind
from annotator.model.facs import Intensity, ParsedCode, Side, parse_code
from annotator.model.project import ModelError, Project
from annotator.ui.timeline.selection import EventSelection
from annotator.workspace import PendingMark, Workspace

if TYPE_CHECKING:
    from annotator.ui.context import AppContext
    from annotator.ui.docks.install import CodingUi

log = logging.getLogger(__name__)


# The pending mark is the workspace's (one owner); the old name stays for callers.
Pending = PendingMark


class CodingSession(QObject):
    """Turns coding keys into commands; knows the pending event and the palette choices."""

    pending_changed = Signal(object)  # Pending | None
    message = Signal(str)  # a line for the status bar
    events_created = Signal(list)  # ids

    def __init__(
        self,
        workspace: Workspace,
        stack: QUndoStack,
        selection: EventSelection,
        controller: Any = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.stack = stack
        self.selection = selection
        self.controller = controller
        self.intensity: Intensity | None = None  # palette choices for new AU events
        self.side: Side | None = None
        self.emotion: str | None = None  # last emotion picked
        self.recent_aus: list[int] = []
        self._frame = 0
        self.reaction_s = 0.0  # Preferences > Coding > reaction time (see current_frame)
        workspace.events.pending_changed.connect(self._on_pending_changed)

    @property
    def project(self) -> Project:
        return self.workspace.project

    @property
    def media_id(self) -> str | None:
        """The take open in the player (the workspace's); None: the primary."""
        return self.workspace.current_media_id

    @property
    def pending(self) -> PendingMark | None:
        """The mark being made; owned by the workspace (Esc, the timeline and the coding
        bar all see the same one)."""
        return self.workspace.pending

    @pending.setter
    def pending(self, value: PendingMark | None) -> None:
        self.workspace.set_pending(value)

    def _on_pending_changed(self, pending: PendingMark | None) -> None:
        self.pending_changed.emit(pending)
        if pending is not None:
            what = pending.emotion or (pending.lane[1] if pending.lane else "choose a lane or code")
            self.message.emit(
                f"Pending {what}: onset {_f(pending.onset)}, apex {_f(pending.apex)}, "
                f"offset {_f(pending.offset)} — Enter commits, Esc cancels"
            )

    # ------------------------------------------------------------------ context
    def set_project(self, project: Project) -> None:
        """The workspace opened ``project`` (it already dropped the pending mark)."""
        self.cancel()

    def set_media(self, media_id: str) -> None:
        """The player switched takes (the workspace dropped the pending marks: they were
        frames of the other take)."""

    def current_frame(self) -> int:
        """The frame a mark lands on: the frame on screen; during playback, the frame that
        was on screen ``reaction_s`` of wall time earlier (the coder saw the movement, then
        pressed), like ELAN's delayed segmentation mode. Paused, exactly the frame shown."""
        c = self.controller
        if c is None:
            return self._frame
        frame = int(c.current_frame)
        tb = getattr(c, "timebase", None)
        if self.reaction_s > 0 and getattr(c, "is_playing", False) and tb is not None:
            # media time runs at ``rate`` x wall time (negative in reverse)
            frame = tb.index_at(tb.time_s(frame) - float(c.rate) * self.reaction_s)
        return frame

    def set_frame(self, frame: int) -> None:
        """Used without a player (tests, headless)."""
        self._frame = frame

    def face(self) -> str | None:
        """The face new events go to: the selected lane's, else the first face."""
        lane = (self.pending.lane if self.pending else None) or self.selection.lane
        if lane and lane[0] in self.project.faces:
            return lane[0]
        return next(iter(self.project.faces), None)

    def _media(self) -> str:
        """The media new events belong to: the take open in the player."""
        if self.media_id is not None and self.media_id in self.project.media:
            return self.media_id
        m = self.project.primary_media
        return m.id if m else "m1"

    # ------------------------------------------------------------------ I / P / O
    def _pending_or_new(self) -> PendingMark:
        return self.pending if self.pending is not None else PendingMark(lane=self.selection.lane)

    def mark_onset(self) -> None:
        p = self._pending_or_new()
        now = self.current_frame()
        offset = None if p.offset is not None and p.offset < now else p.offset
        self.pending = p.replace(onset=now, offset=offset)

    def mark_apex(self) -> None:
        self.pending = self._pending_or_new().replace(apex=self.current_frame())

    def mark_offset(self) -> None:
        p = self._pending_or_new()
        now = self.current_frame()
        if p.onset is not None and p.onset > now:
            self.pending = p.replace(onset=now, offset=p.onset)
        else:
            self.pending = p.replace(offset=now)

    def set_pending_lane(self, lane: Any) -> None:
        """A lane (or AU) chosen while marking: the pending mark codes on it."""
        if self.pending is not None:
            self.pending = self.pending.replace(lane=lane, emotion=None)

    def cancel(self) -> None:
        self.pending = None

    # ------------------------------------------------------------------ commit
    def commit(self) -> list[int]:
        """Create the pending event on its lane (or as its emotion); returns the new ids."""
        p = self._pending_or_new()
        lane = p.lane or self.selection.lane
        if p.emotion:
            return self._create_emotion(p.emotion)
        if lane is None or lane[1] in ("face", "markers"):
            self.message.emit("Select an AU, emotion or notes lane, or type a FACS code")
            return []
        kind = lane[1]
        on, apex, off = p.frames(self.current_frame())
        base = Event(
            0,
            lane[0],
            EventKind.NOTE,
            on,
            off,
            apex,
            media=self._media(),
            annotator=self.project.annotator,
        )
        if kind.startswith("au:"):
            au = int(kind[3:])
            ev = dataclasses.replace(
                base, kind=EventKind.AU, au=au, intensity=self.intensity, side=self.side
            )
            ev = dataclasses.replace(ev, code=ev.au_code)
            self._used(au)
        elif kind == "emotion":
            return self._create_emotion(self.emotion or self.project.vocabulary.emotions[0])
        else:
            ev = dataclasses.replace(base, note="note")
        return self._push([ev], f"Code {ev.describe()} {on}–{off}")

    def _create_emotion(self, label: str) -> list[int]:
        face = self.face()
        if face is None:
            face = self._add_face()
        on, apex, off = (self.pending or PendingMark()).frames(self.current_frame())
        ev = Event(
            0,
            face,
            EventKind.EMOTION,
            on,
            off,
            apex,
            media=self._media(),
            emotion=label,
            annotator=self.project.annotator,
        )
        return self._push([ev], f"Code {label} {on}–{off}")

    def apply_code(self, text: str) -> list[int]:
        """One AU event per unit of a FACS code, all with the pending (or current) frames.

        Only a valid code is coded: anything the parser had to guess or skip (an unknown AU
        such as ``99``, ``12Z``, a missing ``+`` in ``6B12C``) refuses it with the reason;
        an AU given twice codes it once and says so."""
        parsed = parse_code(text)
        errors, _notes = code_problems(parsed)
        if errors:
            self.message.emit(f"Not coded: {errors[0]}")
            return []
        face = self.face() or self._add_face()
        on, apex, off = (self.pending or PendingMark()).frames(self.current_frame())
        events = [
            Event(
                0,
                face,
                EventKind.AU,
                on,
                off,
                apex,
                media=self._media(),
                au=u.number,
                intensity=u.intensity,
                side=u.side,
                code=u.code,
                annotator=self.project.annotator,
            )
            for u in parsed.units
        ]
        for u in parsed.units:
            self._used(u.number)
        ids = self._push(events, f"Code {parsed.normalised} {on}–{off}")
        if ids and parsed.warnings:
            self.message.emit("Coded, with warnings: " + "; ".join(parsed.warnings))
        return ids

    def pick_emotion(self, label: str) -> list[int]:
        """Emotion key: commits the pending marks as ``label``; on a selected emotion
        event, relabels it; otherwise starts a pending emotion at the current frame."""
        self.emotion = label
        if self.pending is not None:
            return self._create_emotion(label)
        sel = [self.project.events[i] for i in self.selection.ids if i in self.project.events]
        if len(sel) == 1 and sel[0].kind is EventKind.EMOTION:
            self.stack.push(
                UpdateEventCommand(
                    self.project, sel[0].id, {"emotion": label}, f"Relabel as {label}"
                )
            )
            return []
        self.pending = PendingMark(
            onset=self.current_frame(), emotion=label, lane=(self.face() or "", "emotion")
        )
        return []

    def _push(self, events: list[Event], text: str) -> list[int]:
        try:
            ids = push_add_events(self.stack, self.project, events, text)
        except ModelError as exc:
            self.message.emit(str(exc))
            return []
        self.pending = None
        self.selection.set(ids)
        self.message.emit(f"{text} ({len(ids)} event{'s' if len(ids) != 1 else ''})")
        self.events_created.emit(ids)
        return ids

    def _add_face(self) -> str:
        cmd = AddFaceCommand(self.project)
        self.stack.push(cmd)
        return cmd.face_id

    def _used(self, au: int) -> None:
        if au in self.recent_aus:
            self.recent_aus.remove(au)
        self.recent_aus.insert(0, au)
        del self.recent_aus[12:]


# Parser warnings that still leave a valid code (the parser kept the first of the two).
_HARMLESS = ("appears twice",)


def code_problems(parsed: ParsedCode) -> tuple[list[str], list[str]]:
    """(errors, warnings) of a typed code, from the FACS parser's own warnings: errors
    refuse the code (unknown AU, text it could not read, a missing ``+``), warnings are
    shown while coding (an AU given twice)."""
    errors = [w for w in parsed.warnings if not any(h in w for h in _HARMLESS)]
    notes = [w for w in parsed.warnings if any(h in w for h in _HARMLESS)]
    if not parsed.units and not errors:
        errors = ["no action units"]
    return errors, notes


def _f(frame: int | None) -> str:
    return "—" if frame is None else str(frame)


def install_coding(ctx: AppContext) -> CodingUi:
    """Build the timeline, coding bar and docks with ``ctx`` and wire them (see install)."""
    from annotator.ui.docks.install import install

    return install(ctx)
