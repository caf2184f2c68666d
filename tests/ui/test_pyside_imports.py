"""PySide6's per-import "does this module use PySide6?" check, answered from the bytes."""

from __future__ import annotations

import importlib
import json
import sys

import PySide6.QtCore  # noqa: F401 - the check exists once PySide6 is imported
import pytest

from annotator.ui import pyside_imports


def _feature():  # type: ignore[no-untyped-def]
    feature = sys.modules.get("shibokensupport.feature")
    if getattr(feature, "_mod_uses_pyside", None) is None:
        pytest.skip("this PySide6 has no per-import feature check")
    return feature


def test_installed_check_answers_as_pysides_own_for_real_modules() -> None:
    feature = _feature()
    before = feature._mod_uses_pyside
    try:
        assert pyside_imports.install()
        fast = feature._mod_uses_pyside
        assert fast is not before or getattr(before, "_facet_fast", False)
        assert pyside_imports.install()  # twice: not wrapped again
        assert feature._mod_uses_pyside is fast
        upstream = before if not getattr(before, "_facet_fast", False) else None
        mods = [
            importlib.import_module("annotator.ui.main_window"),  # uses PySide6
            importlib.import_module("annotator.ui.keymap.keymap"),  # Qt-free
            importlib.import_module("annotator.model.entities"),
            json,  # stdlib, a package
            sys,  # built in: no file
            importlib.import_module("PySide6.QtCore"),  # an extension module
        ]
        answers = [fast(m) for m in mods]
        assert answers[:3] == [True, False, False]
        assert answers[3] is False and answers[4] is False
        if upstream is not None:
            assert answers == [bool(upstream(m)) for m in mods]
    finally:
        feature._mod_uses_pyside = before
