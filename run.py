#!/usr/bin/env python3
"""Open Facet: ``python run.py [VIDEO | PROJECT]`` (the demo project when no argument)."""

import sys

if __name__ == "__main__":
    import gc

    # No cyclic GC while the app starts (annotator.app.main turns it back on): imports
    # make almost no cyclic garbage, and ~90 collections walked the new objects, 30-55 ms
    # before the first picture (issue 19).
    gc.disable()
    # First: the video opens on a thread while PySide6 and the window import (issue 19).
    from annotator.playback.preopen import preopen_argv

    preopen_argv(sys.argv[1:])

from annotator.app import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
