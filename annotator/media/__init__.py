"""Qt-free, frame-exact media engine: PyAV decoding keyed by real presentation timestamps.

``FrameSource(path, cache_mb=512, prefetch=True)`` gives exact frames by index
(``frame(i, size=None)``), the per-frame ``pts``/``timestamps``, ``fps`` (Fraction),
``timebase``, ``index_at(seconds)``, ``prefetch(i, direction)``, non-blocking
``cached(i)``, ``keyframe_before(i)`` (a one-decode frame for scrubbing) and
``iter_frames(start, stop)`` for whole-video passes. Preview proxies: ``build_proxy()``,
``proxy_ready``, ``preview(i, size)`` (frame i at proxy quality, in milliseconds) and
``request(i)`` (exact frame decoded in the background; poll ``cached``); see
:mod:`annotator.media.proxy`. ``probe(path)`` returns the facts the CLI prints. Every failure to open or decode is a one-line :class:`MediaError`.
Test videos carry their own index in pixels: :mod:`annotator.media.barcode`.
"""

from annotator.media.errors import MediaError
from annotator.media.frame_source import FrameSource, probe

__all__ = ["FrameSource", "MediaError", "probe"]
