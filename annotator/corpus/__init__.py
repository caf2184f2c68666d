"""Corpora of many clips coded by several coders: the corpus folder, its per-clip jobs on
the dask runner and the query index. Headless; sits above ``io`` and ``analysis``."""
