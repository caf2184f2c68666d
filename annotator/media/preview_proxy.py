"""The preview-proxy half of FrameSource: building, resuming, pausing and reading it.

A mixin so ``FrameSource`` stays one object (``annotator.media.FrameSource`` is the public
reader); every attribute used here is set in ``FrameSource.__init__``. The proxy itself
is :mod:`annotator.media.proxy` (layout, reader, the parent's handle on the build) and
:mod:`annotator.media.proxy_build` (the child process).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from annotator.media.errors import MediaError

if TYPE_CHECKING:
    from annotator.media.proxy import ProxyBuild, ProxyReader
    from annotator.media.pts_index import PtsIndex

log = logging.getLogger("annotator.media.frame_source")


def _proxy() -> Any:
    """annotator.media.proxy, imported on use only (keeps FrameSource's import light)."""
    from annotator.media import proxy

    return proxy


class PreviewProxy:
    """Methods of FrameSource about the preview proxy."""

    if TYPE_CHECKING:
        path: Path
        width: int
        height: int
        frame_count: int
        _closed: bool
        _index: PtsIndex
        _index_dir: Path | None
        _proxy_dir: Path
        _proxy_build: ProxyBuild | None
        _proxy_failed: bool
        _proxy: ProxyReader | None
        _proxy_lock: threading.Lock

        def _check_open(self) -> None: ...

    @property
    def proxy_path(self) -> Path:
        """Where this video's preview proxy is (or will be) stored."""
        path: Path = _proxy().proxy_path(self.path, self._proxy_dir)
        return path

    @property
    def proxy_worthwhile(self) -> bool:
        """Whether a proxy is worth building: an exact seek may decode many large frames.

        Small or short-GOP videos seek fast enough already (and test clips must not spawn
        encoders), so the player builds proxies only when this is true.
        """
        proxy = _proxy()
        worth: bool = proxy.worthwhile(self.width, self.height, proxy.max_gop_frames(self._index))
        return worth

    def build_proxy(self, block: bool = False, timeout: float | None = None) -> bool:
        """Start (or continue) building the preview proxy in a low-priority child process.

        A no-op when the proxy is complete or a build runs; a build stopped earlier (quit,
        crash) continues at its first missing segment. ``block=True`` waits for it (tests,
        benches, CLI). Returns whether the proxy is complete.
        """
        self._check_open()
        with self._proxy_lock:
            if not self._proxy_failed and self._proxy_build is None and not self._complete():
                proxy = _proxy()
                self._proxy_build = proxy.ProxyBuild(
                    self.path,
                    self.proxy_path,
                    expected_frames=self.frame_count,
                    index_cache=self._index_dir,
                    size=proxy.proxy_size(self.width, self.height),
                )
            build = self._proxy_build
        if block and build is not None:
            build.wait(timeout)
        self.proxy_ready  # noqa: B018 - collects the finished build
        return self._complete()

    def _complete(self) -> bool:
        return (self.proxy_path / "complete").exists()

    @property
    def proxy(self) -> ProxyReader | None:
        """The open proxy reader once ``proxy_ready`` said so (benches, diagnostics)."""
        return self._proxy

    @property
    def proxy_building(self) -> bool:
        build = self._proxy_build
        return build is not None and build.running()

    @property
    def proxy_build_paused(self) -> bool:
        build = self._proxy_build
        return build is not None and build.running() and build.paused

    @property
    def proxy_ready(self) -> bool:
        """The proxy is open for previews: complete, or with its first segments built
        (``has_preview(i)`` tells which frames). Cheap when polled."""
        if self._closed:
            return False
        with self._proxy_lock:
            build = self._proxy_build
            if build is not None:
                done = build.succeeded()
                if done is not None:
                    self._proxy_build = None
                    self._proxy_failed = not done
            if self._proxy is not None:
                return True
            folder = self.proxy_path
            if not (folder / "meta.json").exists():
                return False
            try:
                self._proxy = _proxy().ProxyReader.open(folder, self._index_dir, self.frame_count)
            except MediaError as exc:
                log.warning("discarding proxy %s: %s", folder, exc)
                import shutil

                shutil.rmtree(folder, ignore_errors=True)  # the next build starts clean
                return False
            log.info("%s: preview proxy open (%s)", self.path.name, folder.name)
            return True

    def has_preview(self, i: int) -> bool:
        """Whether ``preview(i)`` has a picture now (its proxy segment is built)."""
        if not self.proxy_ready or not 0 <= int(i) < self.frame_count:
            return False
        proxy = self._proxy
        return proxy is not None and proxy.has(int(i))

    def _user_activity(self) -> None:
        """A frame was asked for (play, step, seek): the proxy build waits for idle."""
        build = self._proxy_build
        if build is not None:
            build.activity()

    def preview(self, i: int, size: tuple[int, int] | None = None) -> np.ndarray | None:
        """Frame ``i`` from the preview proxy (exact index, proxy quality), or ``None``.

        ``None`` when its segment is not built yet. Never a substitute for ``frame(i)``:
        previews do not enter the full-quality cache. ``size=(w, h)`` scales; ``None``
        gives the proxy's own size (long side <= 960 px).
        """
        if not self.proxy_ready or not 0 <= int(i) < self.frame_count:
            return None
        proxy = self._proxy
        if proxy is None:
            return None
        try:
            return proxy.frame(int(i), None if size is None else (int(size[0]), int(size[1])))
        except MediaError as exc:
            log.warning("%s: preview of frame %d failed: %s", self.path.name, i, exc)
            return None
