#!/usr/bin/env python3
"""Open Facet: ``python run.py [VIDEO | PROJECT]`` (the demo project when no argument)."""

import sys

if __name__ == "__main__":
    # First: the video opens on a thread while PySide6 and the window import (issue 19).
    from annotator.playback.preopen import preopen_argv

    preopen_argv(sys.argv[1:])

from annotator.app import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
