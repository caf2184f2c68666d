"""The timeline: pure geometry (``view``, ``lanes``, ``ruler``, ``cache``) under a thin widget.

The geometry modules import no Qt, so hit-testing, culling and tick choice are unit-tested
without a display; ``painters`` and ``canvas`` only draw what they compute.
"""
