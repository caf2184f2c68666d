"""Review mode logic without Qt: frame notes, take sync, shot summaries, burned drawings.

Acting coaches and editors work with notes pinned to frames, takes aligned on a sync
frame and per-shot summaries; these modules compute all of that from the model so the
GUI, the CLI exports and the tests share one implementation.
"""
