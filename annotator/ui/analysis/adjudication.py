"""Adjudication of a gold project (``annotator merge``) in the main window, by keys.

Open the gold project and step through its open disputes; each coder's versions show as a
timeline lane (``adjudication_lanes``) next to the gold lanes. Keys (Adjudicate menu):

    Alt+D / Alt+Shift+D      next / previous open dispute (seeks to it)
    Ctrl+Alt+1 .. 9          accept coder N's version as it is
    Alt+Shift+F / Alt+Shift+C  frames from / code from the next coder (cycles)
    Alt+Shift+Return         settle with those frames and that code (combined when they differ)
    Alt+Shift+E              settle the same way, recorded as edited (then edit the events)
    Alt+Shift+X              reject: no gold event for this dispute

Every decision is one ``SettleDisputeCommand`` on the window's undo stack; the status bar
counts the disputes left and shows the current one. The controller only forwards intent:
which events a decision makes is ``model.team.settled_events``.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel

from annotator.commands.team import SettleDisputeCommand
from annotator.model.project import ModelError, Project
from annotator.model.team import Decision, Dispute, settled_events
from annotator.ui.analysis.adjudication_lanes import CoderVersionsLane
from annotator.ui.context import AppContext

if TYPE_CHECKING:
    from annotator.ui.timeline.widget import TimelineWidget

log = logging.getLogger(__name__)

MAX_CODERS = 9


class AdjudicationController:
    def __init__(
        self,
        ctx: AppContext,
        timeline: TimelineWidget | None = None,
        open_media: Callable[[str], Any] | None = None,
    ) -> None:
        self.ctx = ctx
        self._open_media = open_media
        self.project: Project | None = None
        self.current_id: int | None = None
        self.frames_from: str | None = None
        self.code_from: str | None = None
        self.adjudicator = _user()
        self.label = QLabel()
        self.label.setObjectName("adjudicationStatus")
        ctx.host.statusBar().addPermanentWidget(self.label)
        self.lanes = [
            CoderVersionsLane(
                k, lambda: self.project, lambda: self.current_id, self._media, self.go_to
            )
            for k in range(MAX_CODERS)
        ]
        if timeline is not None:
            for lane in self.lanes:
                timeline.add_overlay_lane(lane)
        self.actions: list[QAction] = []
        self._build_menu()
        ctx.workspace.events.project_replaced.connect(self.set_project)
        self.set_project(ctx.project)

    # ------------------------------------------------------------------ wiring
    def _build_menu(self) -> None:
        self.menu = self.ctx.host.menuBar().addMenu("Ad&judicate")
        for text, keys, slot in (
            ("Next Dispute", "Alt+D", lambda: self.step(1)),
            ("Previous Dispute", "Alt+Shift+D", lambda: self.step(-1)),
            ("Frames From Next Coder", "Alt+Shift+F", lambda: self.cycle("frames")),
            ("Code From Next Coder", "Alt+Shift+C", lambda: self.cycle("code")),
            ("Settle (Frames and Code as Chosen)", "Alt+Shift+Return", lambda: self.settle()),
            ("Settle as Edited", "Alt+Shift+E", lambda: self.settle(Decision.EDITED)),
            ("Reject (No Gold Event)", "Alt+Shift+X", self.reject),
        ):
            self._add(text, keys, slot)
        self.menu.addSeparator()
        for k in range(1, MAX_CODERS + 1):
            self._add(
                f"Accept Coder {k}'s Version", f"Ctrl+Alt+{k}", lambda k=k: self.accept(k - 1)
            )

    def _add(self, text: str, keys: str, slot: Any) -> None:
        act = QAction(text, self.ctx.host)
        act.setShortcut(QKeySequence(keys))
        act.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(act)
        self.ctx.host.addAction(act)  # a shortcut even while the menu bar is hidden
        self.actions.append(act)

    def set_project(self, project: Project) -> None:
        if self.project is not None:
            self.project.dispute_changed.disconnect(self._on_disputes_changed)
        self.project = project
        project.dispute_changed.connect(self._on_disputes_changed)
        self.current_id = None
        self._reset_choice()
        active = bool(project.disputes)
        self.menu.menuAction().setVisible(active)
        for act in self.actions:
            act.setEnabled(active)
        opened = project.open_disputes()
        if opened:
            self.current_id = opened[0].id
            self._reset_choice()
        self._refresh()

    def _on_disputes_changed(self, *_args: Any) -> None:
        self._refresh()

    def _media(self) -> str | None:
        return self.ctx.workspace.media_id

    # ------------------------------------------------------------------ state
    @property
    def current(self) -> Dispute | None:
        if self.project is None or self.current_id is None:
            return None
        return self.project.disputes.get(self.current_id)

    def coders(self) -> list[str]:
        d = self.current
        return [v.coder for v in d.versions] if d else []

    def _reset_choice(self) -> None:
        coders = self.coders()
        self.frames_from = self.code_from = coders[0] if coders else None

    def go_to(self, dispute_id: int) -> None:
        if self.project is None or dispute_id not in self.project.disputes:
            return
        self.current_id = dispute_id
        self._reset_choice()
        self._seek(self.project.disputes[dispute_id])
        self._refresh()

    def step(self, direction: int) -> None:
        """Next (1) or previous (-1) open dispute after/before the current one, wrapping."""
        if self.project is None:
            return
        opened = self.project.open_disputes()
        if not opened:
            self._refresh("no disputes left")
            return
        ids = [d.id for d in opened]
        if self.current_id in ids:
            k = (ids.index(self.current_id) + direction) % len(ids)
        else:
            key = self.current.span if self.current else (-1, -1)
            later = [i for i, d in enumerate(opened) if (d.span > key) == (direction > 0)]
            k = (
                (later[0] if direction > 0 else later[-1])
                if later
                else (0 if direction > 0 else len(ids) - 1)
            )
        self.go_to(ids[k])

    def cycle(self, what: str) -> None:
        coders = self.coders()
        if not coders:
            return
        now = self.frames_from if what == "frames" else self.code_from
        nxt = coders[(coders.index(now) + 1) % len(coders)] if now in coders else coders[0]
        if what == "frames":
            self.frames_from = nxt
        else:
            self.code_from = nxt
        self._refresh()

    # ------------------------------------------------------------------ decisions
    def accept(self, slot: int) -> bool:
        """Coder ``slot``'s (0-based, in the gold project's coder order) version as it is."""
        d = self.current
        if d is None or self.project is None or self.project.team is None:
            return False
        names = [c.name for c in self.project.team.coders]
        if slot >= len(names) or d.version_of(names[slot]) is None:
            self._refresh(f"coder {slot + 1} has no version of this dispute")
            return False
        self.frames_from = self.code_from = names[slot]
        return self.settle()

    def reject(self) -> bool:
        return self._push(None, None, None)

    def settle(self, decision: Decision | None = None) -> bool:
        return self._push(self.frames_from, self.code_from, decision)

    def _push(self, frames: str | None, code: str | None, decision: Decision | None) -> bool:
        d, project = self.current, self.project
        if d is None or project is None or not d.open:
            self._refresh("no open dispute selected (Alt+D: next dispute)")
            return False
        try:
            chosen, events = settled_events(d, frames, code, self.adjudicator, decision)
            cmd = SettleDisputeCommand(project, d.id, chosen, events, self.adjudicator)
        except (ModelError, ValueError) as exc:
            self._refresh(f"cannot settle dispute {d.id}: {exc}")
            return False
        self.ctx.undo_stack.push(cmd)
        opened = project.open_disputes()
        later = [x for x in opened if x.span >= d.span and x.id != d.id] or opened
        if later:
            self.go_to(later[0].id)
        else:
            self._refresh()
        return True

    # ------------------------------------------------------------------ view
    def _seek(self, d: Dispute) -> None:
        if self._media() not in (None, d.media) and self._open_media is not None:
            self._open_media(d.media)
        controller = self.ctx.controller
        if controller is not None and getattr(controller, "source", None) is not None:
            try:
                controller.seek(d.span[0])
            except Exception:
                log.debug("seek ignored", exc_info=True)

    def status_text(self, note: str = "") -> str:
        p = self.project
        if p is None or not p.disputes:
            return ""
        left = len(p.open_disputes())
        text = f"disputes: {left} of {len(p.disputes)} left"
        d = self.current
        if d is not None:
            on, off = d.span
            names = [c.name for c in p.team.coders] if p.team else []
            versions = " · ".join(
                f"{names.index(v.coder) + 1 if v.coder in names else '?'} {v.coder} {v.code}"
                for v in d.versions
            )
            state = "open" if d.open else f"{d.decision.value} by {d.decided_by}"  # type: ignore[union-attr]
            text += f"  |  #{d.id} {d.face} {on}-{off} ({state}): {versions}"
            if d.open:
                text += f"  |  frames from {self.frames_from}, code from {self.code_from}"
        return f"{text}  |  {note}" if note else text

    def _refresh(self, note: str = "") -> None:
        self.label.setText(self.status_text(note))
        self.label.setVisible(bool(self.label.text()))
        for lane in self.lanes:
            lane.notify()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        return "adjudicator"


def install_adjudication(
    ctx: AppContext,
    timeline: TimelineWidget | None = None,
    open_media: Callable[[str], Any] | None = None,
) -> AdjudicationController:
    """Adjudicate menu, coder lanes and status line (MainWindow wiring)."""
    return AdjudicationController(ctx, timeline, open_media)
