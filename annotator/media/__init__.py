"""Qt-free, frame-exact media engine: PyAV decoding keyed by real presentation timestamps."""

from annotator.media.errors import MediaError
from annotator.media.frame_source import FrameSource, probe

__all__ = ["FrameSource", "MediaError", "probe"]
