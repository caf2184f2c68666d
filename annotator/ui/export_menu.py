"""File > Export and File > Import: every format of ``annotator.io`` in the GUI.

Exports and import parsing run on a worker thread with a cancellable progress dialog; the
worker reads an immutable snapshot of the project taken on the GUI thread (never the live
model) and never touches widgets (it reports through queued Qt signals). An import is applied
to a copy of the project first, so a file the model refuses changes nothing; then it is
pushed as one undo command (:class:`ApplyImportCommand`) that adds and removes exactly what
the plan holds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QFileDialog, QInputDialog, QProgressDialog

from annotator.io.common import Cancelled, attach_timebases
from annotator.io.exporting import FORMATS, export
from annotator.io.importing import (
    ImportPlan,
    apply_plan,
    copy_project,
    drop_duplicates,
    merged_curves,
)
from annotator.model import Curve, Event, Marker, Project
from annotator.ui.context import AppContext
from annotator.workspace.snapshot import snapshot

log = logging.getLogger(__name__)

EXPORT_ITEMS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    # (format, menu text, file filter, options)
    ("json", "Project &JSON…", "Facet projects (*.facet.json)", {}),
    ("csv", "Events &CSV…", "CSV (*.csv)", {}),
    ("frames-csv", "&Per-frame AU table (CSV)…", "CSV (*.csv)", {}),
    ("eaf", "&ELAN (.eaf)…", "ELAN files (*.eaf)", {}),
    ("textgrid", "Praat &TextGrid…", "TextGrid (*.TextGrid)", {}),
    (
        "casme",
        "Coding &sheet, CASME II (.xlsx/.csv)…",
        "Excel (*.xlsx);;CSV (*.csv)",
        {"layout": "casme2"},
    ),
    (
        "casme",
        "Coding sheet, S&AMM (.xlsx/.csv)…",
        "Excel (*.xlsx);;CSV (*.csv)",
        {"layout": "samm"},
    ),
    ("clips", "Event c&lips (folder)…", "", {"crop": True}),
    ("clips", "Clips of &selected events (folder)…", "", {"crop": True, "selected": True}),
    ("report", "HTML &report…", "HTML (*.html)", {}),
    ("signals-csv", "Landmark si&gnals per frame (CSV)…", "CSV (*.csv)", {}),
)
# Exports of one video: the per-frame table is of the take on screen; these formats still
# cover only the project's first media (the status bar says so when another take is open).
# The rest (events CSV, clips, JSON, markers CSV, review) cover every take.
TAKE_EXPORTS = frozenset({"frames-csv", "signals-csv"})
FIRST_TAKE_EXPORTS = frozenset({"eaf", "casme", "report", "edl"})
IMPORT_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("eaf", "&ELAN (.eaf)…", "ELAN files (*.eaf);;All files (*)"),
    ("openface", "&OpenFace CSV…", "CSV (*.csv);;All files (*)"),
    ("pyfeat", "&py-feat CSV…", "CSV (*.csv);;All files (*)"),
    ("srt", "&Subtitles (.srt) as dialogue…", "Subtitles (*.srt);;All files (*)"),
    ("casme", "CASME &II sheet…", "Sheets (*.xlsx *.csv);;All files (*)"),
    ("samm", "SA&MM / SAMM-LV sheet…", "Sheets (*.xlsx *.csv);;All files (*)"),
    ("casme-squared", "CAS(ME)&² sheet…", "Sheets (*.xlsx *.csv);;All files (*)"),
    ("casme3", "CAS(ME)³ sheet…", "Sheets (*.xlsx *.csv);;All files (*)"),
    ("csv", "Facet events CSV…", "CSV (*.csv);;All files (*)"),
    ("boris", "&BORIS project or export…", "BORIS (*.boris *.tsv *.csv *.xlsx);;All files (*)"),
    ("datavyu", "&Datavyu (.opf / CSV)…", "Datavyu (*.opf *.csv);;All files (*)"),
)
#: Export formats other modules put in the menu themselves (review tools).
EXPORTS_ELSEWHERE = frozenset({"edl", "markers-csv", "review"})


#: Imports whose tiers the user maps in the import plan dialog before anything is applied.
PLAN_KINDS = frozenset({"eaf", "boris", "datavyu"})


def read_tiers(kind: str, project: Project, path: Path) -> Any:
    """The tier document of an ELAN, BORIS or Datavyu file, for the import plan dialog."""
    if kind == "eaf":
        from annotator.io.eaf_read import read_eaf

        return read_eaf(path)
    if kind == "boris":
        from annotator.io.boris import read_boris

        media = project.primary_media
        return read_boris(path, Path(media.path).name if media else "")
    from annotator.io.datavyu import read_datavyu

    return read_datavyu(path)


def planner_for(kind: str, **options: Any) -> Callable[[Project, Path], ImportPlan]:
    if kind == "csv":
        from annotator.io.events_csv import plan_events_csv_import

        return plan_events_csv_import
    if kind == "boris":
        from annotator.io.boris import plan_boris_import

        return lambda p, f: plan_boris_import(p, f, **options)
    if kind == "datavyu":
        from annotator.io.datavyu import plan_datavyu_import

        return lambda p, f: plan_datavyu_import(p, f, **options)
    if kind == "eaf":
        from annotator.io.eaf import plan_eaf_import

        return lambda p, f: plan_eaf_import(p, f, **options)
    if kind == "openface":
        from annotator.io.openface import plan_openface_import

        return lambda p, f: plan_openface_import(p, f, **options)
    if kind == "pyfeat":
        from annotator.io.pyfeat import plan_pyfeat_import

        return lambda p, f: plan_pyfeat_import(p, f, **options)
    if kind == "srt":
        from annotator.io.srt import plan_srt_import

        return plan_srt_import
    from annotator.io.sheets import plan_sheet_import

    return lambda p, f: plan_sheet_import(p, f, kind, **options)


class ApplyImportCommand(QUndoCommand):
    """One undo step for a whole import: faces, labels, events, markers and curves."""

    def __init__(self, project: Project, plan: ImportPlan) -> None:
        super().__init__(f"Import {plan.source}")
        self._project = project
        self._plan = plan
        self._events: list[Event] | None = None  # with ids, after the first redo
        self._markers: list[Marker] = []
        self._old_curves: list[Curve] = []
        self._labels: list[str] = []

    def redo(self) -> None:
        p = self._project
        before = list(p.vocabulary.emotions)
        self._old_curves = list(p.curves)
        if self._events is None:
            event_ids, marker_ids = apply_plan(p, self._plan)
            self._events = [p.events[i] for i in event_ids]
            self._markers = [p.markers[i] for i in marker_ids]
        else:
            for face in self._plan.faces:
                p.add_face(face)
            for label in self._plan.labels:
                p.add_emotion_label(label)
            for e in self._events:
                p.add_event(e)
            for m in self._markers:
                p.add_marker(m)
            if self._plan.curves:
                p.set_curves(merged_curves(p.curves, self._plan.curves))
        self._labels = p.vocabulary.emotions[len(before) :]

    def undo(self) -> None:
        p = self._project
        for m in self._markers:
            p.remove_marker(m.id)
        for e in self._events or []:
            p.remove_event(e.id)
        if self._plan.curves:
            p.set_curves(self._old_curves)
        for label in reversed(self._labels):
            p.remove_emotion_label(label)
        for face in reversed(self._plan.faces):
            p.remove_face(face.id)


class Job(QObject):
    """Runs ``work(progress)`` on a thread; results come back as queued signals."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, work: Callable[[Callable[[int, int], bool]], Any]) -> None:
        super().__init__()
        self._work = work
        self._stop = threading.Event()
        self.done = False  # set on the GUI thread once the results were delivered
        self._thread = threading.Thread(target=self._run, daemon=True, name="facet-io-job")

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _progress(self, done: int, total: int) -> bool:
        self.progressed.emit(done, total)
        return not self._stop.is_set()

    def _run(self) -> None:
        try:
            result = self._work(self._progress)
        except Cancelled:
            self.cancelled.emit()
        except Exception as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            if not isinstance(e, (ValueError, OSError)) and "Error" not in type(e).__name__:
                log.exception("export/import job failed")
            self.failed.emit(msg)
        else:
            self.succeeded.emit(result)
        self.finished.emit()


class ExportImportController(QObject):
    """Owns the menus' actions; dialogs are methods so tests can replace them."""

    def __init__(
        self, ctx: AppContext, selected: Callable[[], frozenset[int]] | None = None
    ) -> None:
        super().__init__(ctx.host)
        self.ctx = ctx
        self.host = ctx.host  # parent of the dialogs (nothing else of the window is read)
        self._selected = selected or (lambda: ctx.workspace.selection.ids)
        self.job: Job | None = None
        self.last_result: Any = None
        self.note = ""  # what the last export left out (another take than the one shown)

    # -------------------------------------------------------------- dialogs (replaceable)
    def ask_save_path(self, fmt: str, file_filter: str) -> Path | None:
        base = self._project_file()
        stem = base.name.removesuffix(".facet.json") if base else "export"
        folder = str(base.parent) if base else ""
        if fmt == "clips":
            path = QFileDialog.getExistingDirectory(self.host, "Export clips into folder", folder)
            return Path(path) / f"{stem}-clips" if path else None
        suffix = FORMATS[fmt].suffix if fmt != "json" else ".export.facet.json"
        path, _ = QFileDialog.getSaveFileName(
            self.host,
            f"Export {fmt}{self.take_note(fmt)}",
            str(Path(folder) / f"{stem}{suffix}"),
            file_filter,
        )
        return Path(path) if path else None

    def ask_open_path(self, kind: str, file_filter: str) -> Path | None:
        base = self._project_file()
        path, _ = QFileDialog.getOpenFileName(
            self.host, f"Import {kind}", str(base.parent) if base else "", file_filter
        )
        return Path(path) if path else None

    def ask_threshold(self, kind: str = "openface") -> float | None:
        what, top = ("intensity", 5.0) if kind == "openface" else ("probability", 1.0)
        value, ok = QInputDialog.getDouble(
            self.host,
            f"{kind} import",
            f"Make candidate AU events where the {what} is at least\n(0 = curves only):",
            0.0,
            0.0,
            top,
            2,
        )
        return (value or None) if ok else None

    # -------------------------------------------------------------- actions
    def _project_file(self) -> Path | None:
        return self.ctx.project_file

    def selected_event_ids(self) -> set[int]:
        """The timeline/table selection (the workspace's)."""
        return set(self._selected())

    def export_dialog(self, fmt: str, file_filter: str, options: dict[str, Any]) -> None:
        if options.pop("selected", False):
            ids = self.selected_event_ids()
            if not ids:
                self.ctx.show_error("Select events on the timeline first")
                return
            options["events"] = ids
        path = self.ask_save_path(fmt, file_filter)
        if path is not None:
            self.export_to(fmt, path, **options)

    def current_media_id(self) -> str | None:
        """The take on screen in the window (None: the project's first media)."""
        mid = self.ctx.workspace.current_media_id
        return mid if mid in self.ctx.project.media else None

    def take_note(self, fmt: str) -> str:
        """What the user should know about which take ``fmt`` covers, when another take
        than the first is on screen ("" otherwise); shown in the dialog and status bar."""
        mid = self.current_media_id()
        primary = self.ctx.project.primary_media
        if mid is None or primary is None or mid == primary.id:
            return ""
        if fmt in FIRST_TAKE_EXPORTS:
            return f" (covers the first take {primary.id} only, not {mid})"
        if fmt in TAKE_EXPORTS:
            return f" (take {mid})"
        return ""

    def export_to(self, fmt: str, path: Path, **options: Any) -> Job:
        project, project_file = self.ctx.project, self._project_file()
        mid = self.current_media_id()
        if fmt in TAKE_EXPORTS and mid is not None:
            options.setdefault("media_id", mid)
        self.note = self.take_note(fmt)

        project = snapshot(project)  # the worker reads a snapshot, never the live model

        def work(progress: Callable[[int, int], bool]) -> Path:
            source = attach_timebases(project, project_file, warn=None)
            return export(fmt, source, path, progress=progress, **options)

        return self._run(f"Exporting {path.name}…", work, self._exported)

    def _exported(self, path: Path) -> None:
        self.ctx.show_message(f"Exported {path}{self.note}", 8000)

    def import_dialog(self, kind: str, file_filter: str) -> None:
        path = self.ask_open_path(kind, file_filter)
        if path is None:
            return
        options: dict[str, Any] = {}
        if kind in ("openface", "pyfeat"):
            options["threshold"] = self.ask_threshold(kind)
        if kind in PLAN_KINDS:
            try:
                plan_options = self.ask_import_plan(kind, path)
            except (ValueError, OSError) as e:  # ImportFileError: one line, nothing changed
                self.ctx.show_error(str(e).splitlines()[0])
                return
            if plan_options is None:
                return
            options["options"] = plan_options
        self.import_file(kind, path, **options)

    def ask_import_plan(self, kind: str, path: Path) -> Any:
        """Show what each tier becomes (role, face) and return the user's choices as
        ``EafOptions``, or None when cancelled (replaceable in tests)."""
        from annotator.io.eaf_import import propose
        from annotator.ui.import_plan_dialog import ImportPlanDialog

        project = self.ctx.project
        doc = read_tiers(kind, project, path)
        dialog = ImportPlanDialog(
            path.name, propose(doc, project), [f.id for f in project.faces.values()], self.host
        )
        if dialog.exec() != ImportPlanDialog.DialogCode.Accepted:
            return None
        return dialog.options()

    def import_file(self, kind: str, path: Path, **options: Any) -> Job:
        project, project_file = self.ctx.project, self._project_file()
        planner = planner_for(kind, **options)
        project = snapshot(project)  # planned on a snapshot; applied on the GUI thread

        def work(progress: Callable[[int, int], bool]) -> ImportPlan:
            attach_timebases(project, project_file, warn=None)
            progress(0, 1)
            plan = planner(project, Path(path))
            drop_duplicates(project, plan)  # the same file again: skipped and counted
            apply_plan(copy_project(project), plan)  # the model's checks, on a copy
            return plan

        return self._run(f"Importing {Path(path).name}…", work, self._imported)

    def _imported(self, plan: ImportPlan) -> None:
        if plan.empty:
            again = (
                f" ({plan.duplicates} events or markers already in the project)"
                if plan.duplicates
                else ""
            )
            self.ctx.show_error(f"{plan.source}: nothing new to import{again}")
            return
        try:
            self.ctx.undo_stack.push(ApplyImportCommand(self.ctx.project, plan))
        except Exception as e:
            log.exception("import failed on the project after passing on a copy")
            self.ctx.show_error(str(e).splitlines()[0])
            return
        note = f" ({len(plan.warnings)} warnings, see the log)" if plan.warnings else ""
        for w in plan.warnings:
            log.info("%s", w)
        self.ctx.show_message(plan.summary() + note, 8000)

    def cancel(self, wait: bool = False) -> None:
        """Stop the job in flight (the window closes); ``wait`` joins its thread."""
        job = self.job
        if job is not None and not job.done:
            job.cancel()
            if wait:
                job.wait(30)

    # -------------------------------------------------------------- the worker
    def _run(self, label: str, work: Callable[..., Any], on_success: Callable[[Any], None]) -> Job:
        job = Job(work)
        dialog = QProgressDialog(label, "Cancel", 0, 0, self.host)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(job.cancel)

        def progressed(done: int, total: int) -> None:
            dialog.setMaximum(max(total, 1))
            dialog.setValue(min(done, total))

        def succeeded(result: Any) -> None:
            self.last_result = result
            on_success(result)

        job.progressed.connect(progressed)
        job.succeeded.connect(succeeded)
        job.failed.connect(self.ctx.show_error)
        job.cancelled.connect(lambda: self.ctx.show_message("Cancelled", 4000))
        job.finished.connect(lambda: setattr(job, "done", True))
        job.finished.connect(dialog.close)
        job.finished.connect(dialog.deleteLater)
        self.job = job
        job.start()
        return job


def install_export_menu(ctx: AppContext) -> ExportImportController:
    """Fill File > Export and File > Import; returns the controller."""
    ctl = ExportImportController(ctx)
    for fmt, text, file_filter, options in EXPORT_ITEMS:
        action = ctx.menus.export.addAction(text)
        action.setStatusTip(FORMATS[fmt].description)
        action.triggered.connect(
            lambda _=False, f=fmt, ff=file_filter, o=options: ctl.export_dialog(f, ff, dict(o))
        )
    listed = {fmt for fmt, *_ in EXPORT_ITEMS} | EXPORTS_ELSEWHERE
    for fmt, f in FORMATS.items():  # a newly registered format needs no menu code
        if fmt in listed:
            continue
        action = ctx.menus.export.addAction(f"{f.description[:1].upper()}{f.description[1:]}…")
        action.setStatusTip(f.description)
        pattern = f"*{f.suffix}" if f.suffix else ""
        action.triggered.connect(
            lambda _=False, fm=fmt, ff=f"{fmt} ({pattern})": ctl.export_dialog(fm, ff, {})
        )
    for kind, text, file_filter in IMPORT_ITEMS:
        action = ctx.menus.import_.addAction(text)
        action.triggered.connect(lambda _=False, k=kind, ff=file_filter: ctl.import_dialog(k, ff))
    return ctl
