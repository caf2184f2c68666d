"""Headless analysis: inter-coder agreement, spotting, cut detection and statistics.

Nothing here imports Qt: the CLI, the batch workers and the GUI all call the same functions.
"""
