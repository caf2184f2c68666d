"""Adjudication: settling a dispute of a gold project is one undo step.

``SettleDisputeCommand`` adds the gold events the decision makes (each carrying its
provenance) and records the decision on the dispute; undo removes exactly those events and
reopens the dispute.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtGui import QUndoCommand

from annotator.model.entities import Event
from annotator.model.project import ModelError, Project
from annotator.model.team import Decision


class SettleDisputeCommand(QUndoCommand):
    def __init__(
        self,
        project: Project,
        dispute_id: int,
        decision: Decision,
        events: list[Event],
        decided_by: str,
        text: str = "",
    ) -> None:
        dispute = project.disputes.get(dispute_id)
        if dispute is None:
            raise ModelError(f"no dispute {dispute_id}")
        if not dispute.open:
            raise ModelError(f"dispute {dispute_id} is already settled ({dispute.decision.value})")
        for e in events:
            problems = project.check_event(e)
            if problems:
                raise ModelError("; ".join(problems))
        super().__init__(text or f"Settle dispute {dispute_id} ({decision.value})")
        self._project = project
        self._old = dispute
        self._decision = decision
        self._decided_by = decided_by
        self._events = list(events)  # ids 0 on the first redo, then the ids they got

    def redo(self) -> None:
        added = [self._project.add_event(e) for e in self._events]
        self._events = added
        self._project.set_dispute(
            dataclasses.replace(
                self._old,
                decision=self._decision,
                decided_by=self._decided_by,
                event_ids=tuple(e.id for e in added),
            )
        )

    def undo(self) -> None:
        for e in reversed(self._events):
            self._project.remove_event(e.id)
        self._project.set_dispute(self._old)
