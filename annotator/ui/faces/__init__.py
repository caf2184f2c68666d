"""Faces in the GUI: tracking, curve lanes, landmarks over the picture and the box tool."""

from __future__ import annotations

from typing import Any

from annotator.ui.faces.controller import FacesController


def install_faces(window: Any) -> FacesController:
    """Add the Faces menu, the Curves dock and the picture overlay to ``window``."""
    controller = FacesController(window)
    window.faces_ui = controller
    return controller


__all__ = ["FacesController", "install_faces"]
