"""The coders' versions of a gold project's disputes as timeline lanes (one per coder).

Each lane is an ``OverlaySource``: one bar per dispute the coder has a version of, labelled
with the coder's code; open disputes are pending, settled ones accepted when the decision
took this coder's frames or code, rejected otherwise. The gold events are the timeline's
own lanes, so a coder's version sits right under the gold result it is compared with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from annotator.model.project import Project
from annotator.model.signals import Signal
from annotator.model.team import Dispute
from annotator.ui.timeline.overlays import ItemState, OverlayItem, Style

CODER_COLOURS = ("#e6a23a", "#3ac8c0", "#b05cc8", "#4cb050", "#c83a6e", "#3a8ee6")


class CoderVersionsLane:
    """Lane ``slot`` (0-based): the versions of the gold project's ``slot``-th coder."""

    style = Style.BARS

    def __init__(
        self,
        slot: int,
        project: Callable[[], Project | None],
        current: Callable[[], int | None],
        media: Callable[[], str | None],
        on_select: Callable[[int], None],
    ) -> None:
        self.slot = slot
        self.name = f"coder{slot + 1}"
        self.changed = Signal(f"coder{slot + 1}_changed")
        self._project = project
        self._current = current
        self._media = media
        self._on_select = on_select
        self._disputes: list[Dispute] = []

    def coder(self) -> str | None:
        p = self._project()
        if p is None or p.team is None or self.slot >= len(p.team.coders):
            return None
        return p.team.coders[self.slot].name

    def title(self) -> str:
        coder = self.coder()
        return f"{self.slot + 1} {coder}" if coder else ""

    def disputes(self) -> list[Dispute]:
        """The disputes drawn, in item order (settled ones too: they stay visible)."""
        p, coder = self._project(), self.coder()
        if p is None or coder is None:
            return []
        media = self._media()
        return sorted(
            (
                d
                for d in p.disputes.values()
                if d.version_of(coder) is not None
                and d.version_of(coder).events
                and (media is None or d.media == media)
            ),
            key=lambda d: (d.span, d.id),
        )

    def items(self) -> Sequence[OverlayItem]:
        coder = self.coder()
        self._disputes = self.disputes()
        out = []
        for d in self._disputes:
            v = d.version_of(coder or "")
            assert v is not None
            on, off = v.span
            apexes = [e.apex_frame for e in v.events if e.apex_frame is not None]
            if d.open:
                state = ItemState.PENDING
            else:
                taken = set()
                for eid in d.event_ids:
                    e = self._project().events.get(eid)  # type: ignore[union-attr]
                    if e is not None and e.provenance is not None:
                        taken |= set(e.provenance.coders)
                state = ItemState.ACCEPTED if coder in taken else ItemState.REJECTED
            out.append(
                OverlayItem(
                    on,
                    off,
                    apexes[0] if apexes else None,
                    v.code,
                    state,
                    CODER_COLOURS[self.slot % len(CODER_COLOURS)],
                )
            )
        return out

    def current(self) -> int | None:
        cid = self._current()
        for i, d in enumerate(self._disputes):
            if d.id == cid:
                return i
        return None

    def select(self, index: int) -> None:
        if 0 <= index < len(self._disputes):
            self._on_select(self._disputes[index].id)

    def handle_key(self, index: int | None, key: str) -> bool:
        return False

    def notify(self, *_args: Any) -> None:
        self.changed.emit()
