"""Facet's project model: pure Python, no Qt, no media decoding."""

from annotator.model.entities import (
    DEFAULT_EMOTIONS,
    Curve,
    Event,
    EventKind,
    Face,
    FaceBox,
    Marker,
    MarkerKind,
    Media,
    Shape,
    Vocabulary,
)
from annotator.model.facs import ActionUnit, Intensity, ParsedCode, Side, parse_code
from annotator.model.project import SCHEMA_VERSION, ModelError, Project
from annotator.model.signals import Signal
from annotator.model.timebase import Timebase, scale_of

__all__ = [
    "DEFAULT_EMOTIONS",
    "SCHEMA_VERSION",
    "ActionUnit",
    "Curve",
    "Event",
    "EventKind",
    "Face",
    "FaceBox",
    "Intensity",
    "Marker",
    "MarkerKind",
    "Media",
    "ModelError",
    "ParsedCode",
    "Project",
    "Shape",
    "Side",
    "Signal",
    "Timebase",
    "Vocabulary",
    "parse_code",
    "scale_of",
]
