"""Faces in the GUI: tracking, curve lanes, landmarks over the picture and the box tool."""

from __future__ import annotations

from annotator.ui.analysis import AnalysisController
from annotator.ui.context import AppContext
from annotator.ui.docks.install import CodingUi
from annotator.ui.faces.controller import FacesController


def install_faces(
    ctx: AppContext, coding: CodingUi | None = None, analysis: AnalysisController | None = None
) -> FacesController:
    """The Faces menu, the Curves dock and the picture overlay, built with the context and
    the components they work with (the coding UI's timeline and Faces dock, the
    Candidates dock); nothing is read from the main window."""
    return FacesController(ctx, coding, analysis)


__all__ = ["FacesController", "install_faces"]
