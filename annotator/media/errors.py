"""The one exception the media engine lets out."""

from __future__ import annotations


class MediaError(Exception):
    """A video cannot be opened or decoded; the message is one line: ``<file name>: <problem>``.

    Callers (the GUI's error dialog, the CLI) show ``str(error)`` as is, so raw PyAV or
    OS errors never reach the user with a traceback.
    """
