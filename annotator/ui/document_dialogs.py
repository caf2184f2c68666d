"""The questions of the document workflow: a locked project, a file changed on disk, a
newer autosave. Each returns a plain answer so tests (and the e2e run) can answer them;
the safe choice is always the default button (Return never loses work)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from annotator.workspace.lock import LockInfo

READ_ONLY, TAKE_OVER, CANCEL = "read-only", "take-over", "cancel"
RELOAD, MERGE, SAVE_AS = "reload", "merge", "save-as"


def _choose(
    parent: QWidget | None,
    title: str,
    text: str,
    detail: str,
    buttons: list[tuple[str, str, QMessageBox.ButtonRole]],
    default: str,
) -> str:
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    box.setObjectName("FacetQuestion")
    if detail:
        box.setInformativeText(detail)
    made = {}
    for answer, label, role in buttons:
        made[answer] = box.addButton(label, role)
    box.setDefaultButton(made[default])
    box.exec()
    clicked = box.clickedButton()
    for answer, button in made.items():
        if clicked is button:
            return answer
    return CANCEL


def ask_locked(parent: QWidget | None, path: Path, holder: LockInfo) -> str:
    return _choose(
        parent,
        "Project in use",
        f"{path.name} is open in another window: {holder.describe()}.",
        "Open it read-only (saving is refused; Save As still works), take the lock over "
        "(the other window can then no longer save to it), or cancel.",
        [
            (READ_ONLY, "Open read-only", QMessageBox.ButtonRole.AcceptRole),
            (TAKE_OVER, "Take over", QMessageBox.ButtonRole.DestructiveRole),
            (CANCEL, "Cancel", QMessageBox.ButtonRole.RejectRole),
        ],
        READ_ONLY,
    )


def ask_changed_on_disk(parent: QWidget | None, path: Path, conflicts: list[str]) -> str:
    if conflicts:
        shown = "\n".join(f"• {c}" for c in conflicts[:8])
        more = f"\n(and {len(conflicts) - 8} more)" if len(conflicts) > 8 else ""
        detail = (
            f"Merging keeps your changes on top of the file except {len(conflicts)} "
            f"conflicting, where the file's version is kept:\n{shown}{more}"
        )
    else:
        detail = "Your changes do not conflict with the file's: Merge keeps both."
    return _choose(
        parent,
        "File changed on disk",
        f"{path.name} was changed by someone else since you opened it.",
        detail,
        [
            (MERGE, "Merge", QMessageBox.ButtonRole.AcceptRole),
            (RELOAD, "Reload (drop my changes)", QMessageBox.ButtonRole.DestructiveRole),
            (SAVE_AS, "Save As…", QMessageBox.ButtonRole.ActionRole),
            (CANCEL, "Cancel", QMessageBox.ButtonRole.RejectRole),
        ],
        MERGE,
    )


def ask_recover(parent: QWidget | None, path: Path) -> bool:
    """A newer autosave of ``path``: True to recover it (the default button)."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Recover unsaved work?",
        f"{path.name} has autosaved changes newer than the saved file.\n"
        "Recover them? (Choosing No keeps the autosave aside, renamed.)",
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Open the saved file", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(recover)  # Return recovers: losing work is never the default
    box.exec()
    return box.clickedButton() is recover


def ask_relink(parent: QWidget | None, problem: Any, video_filter: str) -> str | None:
    """A moved or changed video (a MediaProblem): the file chosen instead, or ``None``."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Relink video")
    box.setText(problem.message())
    relink_btn = box.addButton("Relink…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Open without video", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is not relink_btn:
        return None
    new, _ = QFileDialog.getOpenFileName(
        parent, "Find the video", str(problem.path.parent), video_filter
    )
    return new or None
