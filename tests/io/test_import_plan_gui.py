"""The import plan dialog: the user sees each tier's role and face, changes them, and the
import follows the choices."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from test_export_menu_gui import run, window  # noqa: F401  the same fake window

from annotator.io.eaf_import import EafOptions, propose
from annotator.io.eaf_read import read_eaf
from annotator.model import EventKind
from annotator.ui.import_plan_dialog import ImportPlanDialog

GAZE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT FORMAT="3.0" '
    'VERSION="3.0"><HEADER TIME_UNITS="milliseconds"/><TIME_ORDER>'
    '<TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="400"/><TIME_SLOT TIME_SLOT_ID="ts2" '
    'TIME_VALUE="800"/></TIME_ORDER>'
    '<TIER LINGUISTIC_TYPE_REF="lt" TIER_ID="gaze" PARTICIPANT="Ada"><ANNOTATION>'
    '<ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">'
    "<ANNOTATION_VALUE>12</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>"
    '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="lt" TIME_ALIGNABLE="true"/>'
    "</ANNOTATION_DOCUMENT>\n"
)


def test_dialog_shows_the_proposal_and_returns_the_choices(qtbot, window, tmp_path):  # noqa: F811
    path = tmp_path / "gaze.eaf"
    path.write_text(GAZE, "utf-8")
    choices = propose(read_eaf(path), window.project)
    dialog = ImportPlanDialog("gaze.eaf", choices, ["A", "B"])
    qtbot.addWidget(dialog)
    assert dialog.table.item(0, 0).text() == "gaze"
    assert dialog.roles[0].currentData() == "note"  # "12" on a gaze tier is not AU12
    assert dialog.faces[0].currentText() == "Ada"
    dialog.roles[0].setCurrentIndex(dialog.roles[0].findData("au"))
    dialog.faces[0].setCurrentText("B")
    opts = dialog.options()
    assert opts.roles == {"gaze": "au"} and opts.faces == {"gaze": "B"}


def test_import_follows_the_choices_made_in_the_dialog(qtbot, window, tmp_path):  # noqa: F811
    path = tmp_path / "gaze.eaf"
    path.write_text(GAZE, "utf-8")
    ctl = window.export_controller
    ctl.ask_open_path = lambda kind, ff: path
    ctl.ask_import_plan = lambda kind, p: EafOptions(roles={"gaze": "au"}, faces={"gaze": "B"})
    n = len(window.project.events)
    ctl.import_dialog("eaf", "")
    run(qtbot, ctl.job)
    new = [e for e in window.project.events.values()][n:]
    assert [(e.kind, e.au, e.face) for e in new] == [(EventKind.AU, 12, "B")]
    ctl.ask_import_plan = lambda kind, p: None  # cancelled: nothing happens
    ctl.job = None
    ctl.import_dialog("eaf", "")
    assert ctl.job is None and window.undo_stack.count() == 1
