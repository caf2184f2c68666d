"""Facet: a frame-exact FACS and emotion annotation workstation."""

__version__ = "0.1.0"
