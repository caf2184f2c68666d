#!/usr/bin/env python3
"""Open Facet: ``python run.py [VIDEO | PROJECT]`` (the demo project when no argument)."""

import sys

from annotator.app import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
