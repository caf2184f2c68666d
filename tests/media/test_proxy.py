"""Preview proxies: frame i of the proxy is source frame i, read back from its barcode.

Builds run in the real child process (``python -m annotator.media.proxy``) with
``block=True``; tiny clips keep each build around a second.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from annotator.media import FrameSource
from annotator.media.barcode import read_index
from annotator.media.proxy import (
    ProxyBuild,
    clear,
    folder_usage,
    max_gop_frames,
    proxy_size,
    prune,
    worthwhile,
)
from annotator.playback.player_controller import PlayerController
from tests.media.conftest import sample_video


@pytest.fixture
def proxy_dir(tmp_path: Path) -> Path:
    return tmp_path / "proxy"


def _open(clip: Any, index_cache: Path, proxy_dir: Path, opened: list[Any], **kw: Any) -> Any:
    src = FrameSource(clip.path, index_cache_dir=index_cache, proxy_dir=proxy_dir, **kw)
    opened.append(src)
    return src


def test_proxy_size_keeps_aspect_and_even_sides() -> None:
    assert proxy_size(1920, 1080) == (960, 540)
    assert proxy_size(1080, 1920) == (540, 960)
    assert proxy_size(3840, 1608) == (960, 402)
    assert proxy_size(160, 120) == (160, 120)  # never upscaled
    w, h = proxy_size(1001, 563)
    assert w % 2 == 0 and h % 2 == 0 and max(w, h) <= 960


def test_only_long_gops_of_large_pictures_are_worth_a_proxy() -> None:
    assert worthwhile(1920, 1080, 250)
    assert worthwhile(1920, 1080, 30)
    assert not worthwhile(1280, 720, 12)
    assert not worthwhile(160, 120, 250)  # test clips: no encoder per fixture


@pytest.mark.parametrize("name", ["cfr25_gop50", "vfr", "start_pts_mkv", "bframes", "raw_h264"])
def test_preview_shows_the_exact_index(make_clip, name, index_cache, proxy_dir, opened) -> None:
    clip = make_clip(name)
    src = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
    assert not src.proxy_worthwhile
    assert not src.proxy_ready and src.preview(3) is None
    assert src.build_proxy(block=True, timeout=60)
    rng = random.Random(11)
    order = [rng.randrange(src.frame_count) for _ in range(30)] + [0, src.frame_count - 1]
    for i in order:
        img = src.preview(i)
        assert img is not None and read_index(img) == i, f"{name}: preview of {i}"
    scaled = src.preview(order[0], size=(80, 60))
    assert scaled.shape == (60, 80, 3) and read_index(scaled) == order[0]
    # Previews never stand in for exact frames.
    assert src.cached(order[0]) is None
    assert read_index(src.frame(order[0])) == order[0]


def test_proxy_is_reused_on_a_second_open(make_clip, index_cache, proxy_dir, opened) -> None:
    clip = make_clip("cfr25_gop50")
    first = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
    assert first.build_proxy(block=True, timeout=60)
    path = first.proxy_path
    stamp = path.stat().st_mtime_ns
    first.close()
    second = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
    assert second.proxy_ready  # no build needed
    assert second.build_proxy() and not second.proxy_building
    assert path.stat().st_mtime_ns == stamp
    assert read_index(second.preview(77)) == 77


def _parts(folder: Path) -> list[Path]:
    return list(folder.glob("*.part")) if folder.exists() else []


def test_killed_build_leaves_nothing_half_written(
    make_clip, index_cache, proxy_dir, opened, monkeypatch
) -> None:
    monkeypatch.setenv("FACET_PROXY_THROTTLE_S", "0.05")
    clip = make_clip("long_gop250")
    src = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
    build = ProxyBuild(
        src.path,
        src.proxy_path,
        expected_frames=src.frame_count,
        index_cache=index_cache,
        size=(160, 120),
        segment=100,
    )
    build.kill()  # the child is still starting or encoding its first segment
    assert not _parts(src.proxy_path)
    assert not (src.proxy_path / "complete").exists()
    assert not src.has_preview(5) and src.preview(5) is None


def test_build_with_the_wrong_frame_count_fails_cleanly(
    make_clip, index_cache, proxy_dir, opened
) -> None:
    clip = make_clip("cfr25_gop50")
    src = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
    build = ProxyBuild(
        src.path,
        src.proxy_path,
        expected_frames=src.frame_count + 1,
        index_cache=index_cache,
        size=(160, 120),
    )
    assert not build.wait(60)
    assert not _parts(src.proxy_path) and not (src.proxy_path / "complete").exists()
    assert not src.has_preview(3)


def test_close_kills_a_running_build(
    make_clip, index_cache, proxy_dir, opened, monkeypatch
) -> None:
    monkeypatch.setenv("FACET_PROXY_THROTTLE_S", "0.05")
    clip = make_clip("long_gop250")
    src = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
    src.build_proxy()
    build = src._proxy_build
    assert build is not None and build.running()
    src.close()
    assert not build.running()
    assert not (src.proxy_path / "complete").exists()
    assert not _parts(src.proxy_path)


def test_stopped_build_keeps_its_segments_serves_them_and_resumes(
    make_clip, index_cache, proxy_dir, opened, monkeypatch
) -> None:
    """Issue 19: five short sessions must finish the proxy; each keeps what it built."""
    monkeypatch.setenv("FACET_PROXY_SEGMENT", "40")
    monkeypatch.setenv("FACET_PROXY_THROTTLE_S", "0.01")
    clip = make_clip("long_gop250")  # 300 frames: 8 segments of 40 (the last 20)
    sessions = 0
    first_stamp = None
    while True:
        sessions += 1
        assert sessions <= 20, "the proxy never completed"
        src = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
        if src.build_proxy():
            break
        seg0 = src.proxy_path / "s0000000.mp4"
        done = {f.name for f in src.proxy_path.glob("s*.mp4")}
        deadline = 200
        while {f.name for f in src.proxy_path.glob("s*.mp4")} == done and deadline:
            src.proxy_building  # noqa: B018
            import time

            time.sleep(0.1)
            deadline -= 1
        if seg0.exists():
            if first_stamp is None:
                first_stamp = seg0.stat().st_mtime_ns
            assert seg0.stat().st_mtime_ns == first_stamp  # kept, never rebuilt
            # A built segment serves previews at once, while the rest is still building.
            assert src.has_preview(7) and read_index(src.preview(7)) == 7
            if not (src.proxy_path / "s0000280.mp4").exists():
                assert not src.has_preview(299)
        src.close()  # quit mid-build: a .part is dropped, finished segments stay
        assert not _parts(src.proxy_path)
    assert sessions >= 3  # it really took several sessions
    rng = random.Random(5)
    for i in [rng.randrange(300) for _ in range(20)] + [0, 39, 40, 299]:
        assert read_index(src.preview(i)) == i


def test_a_copy_begun_with_another_segment_length_is_continued(
    make_clip, index_cache, proxy_dir, opened, monkeypatch
) -> None:
    """The default segment length changed (1500 -> 250): a copy begun with the old one
    keeps its layout and finishes, instead of failing as "another layout"."""
    import json

    clip = make_clip("long_gop250")  # 300 frames
    src = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
    monkeypatch.setenv("FACET_PROXY_SEGMENT", "100")
    monkeypatch.setenv("FACET_PROXY_THROTTLE_S", "0.01")
    assert not src.build_proxy()
    seg0 = src.proxy_path / "s0000000.mp4"
    for _ in range(300):
        if seg0.exists():
            break
        import time

        time.sleep(0.1)
    src.close()  # quit after the first segment of 100
    assert seg0.exists() and not (src.proxy_path / "complete").exists()
    stamp = seg0.stat().st_mtime_ns
    monkeypatch.setenv("FACET_PROXY_SEGMENT", "40")
    monkeypatch.delenv("FACET_PROXY_THROTTLE_S")
    src = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
    assert src.build_proxy(block=True, timeout=120)
    assert json.loads((src.proxy_path / "meta.json").read_text())["segment"] == 100
    assert sorted(p.name for p in src.proxy_path.glob("s*.mp4")) == [
        "s0000000.mp4",
        "s0000100.mp4",
        "s0000200.mp4",
    ]
    assert seg0.stat().st_mtime_ns == stamp  # kept, not rebuilt
    for i in (0, 99, 100, 150, 299):
        assert read_index(src.preview(i)) == i


def test_user_activity_pauses_the_build_until_idle(
    make_clip, index_cache, proxy_dir, opened, monkeypatch
) -> None:
    import time

    from annotator.media import proxy

    monkeypatch.setattr(proxy, "IDLE_RESUME_S", 0.5)
    monkeypatch.setenv("FACET_PROXY_SEGMENT", "40")
    monkeypatch.setenv("FACET_PROXY_THROTTLE_S", "0.01")
    src = _open(make_clip("long_gop250"), index_cache, proxy_dir, opened)
    src.build_proxy()
    src.frame(0)  # the user looks at a frame: the build pauses
    assert src.proxy_build_paused
    # While the user keeps stepping, no segment is finished.
    before = len(list(src.proxy_path.glob("s*.mp4")))
    for i in range(1, 30):
        src.frame(i)
        time.sleep(0.05)
    assert src.proxy_build_paused
    assert len(list(src.proxy_path.glob("s*.mp4"))) <= before + 1  # at most the one in flight
    # Idle: it resumes and completes.
    assert src.build_proxy(block=True, timeout=120)
    assert not src.proxy_build_paused


def test_incomplete_or_foreign_proxy_is_discarded(
    make_clip, index_cache, proxy_dir, opened
) -> None:
    clip = make_clip("cfr25_gop50")
    src = _open(clip, index_cache, proxy_dir, opened, prefetch=False)
    src.proxy_path.mkdir(parents=True)
    (src.proxy_path / "meta.json").write_text('{"frames": 70, "segment": 1500}')
    assert not src.proxy_ready and src.preview(3) is None
    assert not src.proxy_path.exists()  # deleted, so the next build starts clean
    src.proxy_path.mkdir(parents=True)
    (src.proxy_path / "meta.json").write_text("{ truncated")
    assert not src.proxy_ready and not src.proxy_path.exists()


def test_prune_drops_least_recently_used_proxies_and_dead_builds(tmp_path: Path) -> None:
    import os
    import time

    now = time.time()
    folders = {}
    for name, age_h in [("a", 50), ("b", 30), ("c", 10), ("keep", 100)]:
        d = tmp_path / f"{name * 32 if len(name) == 1 else 'f' * 32}-p2"
        d.mkdir()
        f = d / "s0000000.mp4"
        f.write_bytes(b"x" * 1000)
        os.utime(f, (now - age_h * 3600, now - age_h * 3600))
        folders[name] = d
    dead = folders["c"] / "s0000040.mp4.1.part"
    dead.write_bytes(b"x")
    os.utime(dead, (now - 48 * 3600, now - 48 * 3600))
    live = folders["c"] / "s0000080.mp4.2.part"
    live.write_bytes(b"x")
    removed = prune(tmp_path, folders["keep"], budget_bytes=2500)
    assert set(removed) == {folders["a"], folders["b"], dead}
    assert folders["keep"].exists() and folders["c"].exists() and live.exists()
    size, count = folder_usage(tmp_path)
    assert count == 2 and size == 2001
    assert clear(tmp_path, keep={folders["keep"]}) == 1001
    assert folder_usage(tmp_path) == (1000, 1)


def test_max_gop_frames(make_clip, index_cache, proxy_dir, opened) -> None:
    src = _open(make_clip("long_gop250"), index_cache, proxy_dir, opened, prefetch=False)
    assert max_gop_frames(src._index) == 250


# --- controller and widget ---------------------------------------------------------------
@pytest.fixture
def proxied(qtbot, make_clip, index_cache, proxy_dir) -> Any:
    """A controller on the GOP-250 clip with its proxy built and an empty frame cache."""
    clip = make_clip("long_gop250")
    ctl = PlayerController(
        source_factory=lambda p: FrameSource(p, index_cache_dir=index_cache, proxy_dir=proxy_dir),
        use_vlc=False,
        build_proxy=False,
    )
    assert ctl.open(clip.path)
    src = ctl.source
    assert src.build_proxy(block=True, timeout=60)
    ctl.current_image()
    src.wait_prefetch(10)
    src.cache.clear()
    yield ctl
    ctl.shutdown()


def test_tiny_clips_start_no_build(qtbot, make_clip, index_cache, proxy_dir) -> None:
    ctl = PlayerController(
        source_factory=lambda p: FrameSource(p, index_cache_dir=index_cache, proxy_dir=proxy_dir),
        use_vlc=False,
    )
    assert ctl.open(make_clip("long_gop250").path)
    assert not ctl.source.proxy_building and not ctl.source.proxy_path.exists()
    ctl.shutdown()


def test_seek_shows_preview_then_exact_frame(qtbot, proxied: PlayerController) -> None:
    ctl, src = proxied, proxied.source
    held: list[tuple[int, Any]] = []
    real_request = src.request
    src.request = lambda i, size=None: held.append((i, size))  # hold the exact decode
    seen: list[int] = []
    ctl.frame_changed.connect(seen.append)
    ctl.seek(277)
    assert seen == [277] and ctl.showing_preview
    preview = ctl.current_image()
    assert read_index(preview) == 277 and ctl.showing_preview
    assert held == [(277, None)]
    with qtbot.waitSignal(ctl.picture_refined, timeout=10_000) as blocker:
        real_request(*held[0][:1], size=held[0][1])
    assert blocker.args == [277] and not ctl.showing_preview
    full = ctl.current_image()
    assert read_index(full) == 277 and full is src.cached(277)


def test_steps_never_preview(qtbot, proxied: PlayerController) -> None:
    ctl = proxied
    ctl.step(1)
    assert not ctl.showing_preview and read_index(ctl.current_image()) == 1
    ctl.seek(200)
    assert ctl.showing_preview
    ctl.step(-1)  # acts on the exact frames, the preview is over
    assert not ctl.showing_preview and read_index(ctl.current_image()) == 199


def test_widget_paints_preview_then_exact_frame(qtbot, proxied: PlayerController) -> None:
    from annotator.ui.player.frame_view import qimage_to_ndarray
    from annotator.ui.player.player_widget import PlayerWidget

    ctl, src = proxied, proxied.source
    widget = PlayerWidget(ctl, embed_vlc=False)
    qtbot.addWidget(widget)
    widget.resize(400, 320)
    widget.show()
    src.wait_prefetch(10)
    src.cache.clear()
    held: list[tuple[int, Any]] = []
    real_request = src.request
    src.request = lambda i, size=None: held.append((i, size))
    ctl.seek(233)
    assert widget.shown_frame == 233 and ctl.showing_preview
    assert read_index(qimage_to_ndarray(widget.frame_view.image())) == 233
    assert widget.transport.frame_label.text().endswith("preview")
    with qtbot.waitSignal(ctl.picture_refined, timeout=10_000):
        real_request(held[-1][0], size=held[-1][1])
    assert widget.shown_frame == 233 and not ctl.showing_preview
    assert read_index(qimage_to_ndarray(widget.frame_view.image())) == 233
    assert widget.transport.frame_label.text() == "Frame 233 / 299"


def test_unheld_seek_ends_on_the_exact_frame(qtbot, proxied: PlayerController) -> None:
    """The real asynchronous path: whatever was painted first, it was frame i."""
    ctl = proxied
    for target in (251, 17, 140):
        ctl.seek(target)
        assert read_index(ctl.current_image()) == target
        qtbot.waitUntil(lambda: not ctl.showing_preview, timeout=10_000)
        assert read_index(ctl.current_image()) == target
        assert ctl.source.cached(target) is not None


@pytest.mark.parametrize(
    "name",
    [
        "pyfeat_no_face.mp4",  # 98 packets, 95 shown: three sit before the edit list
        "face_recognition_short_hamilton_clip.mp4",  # first PTS 10214
        "pyfeat_face_noface_hevc_vfr.mov",  # HEVC, VFR
    ],
)
def test_real_sample_preview_is_the_exact_frame(name, index_cache, proxy_dir, opened) -> None:
    """No barcodes here: the preview of i must look more like frame(i) than its neighbours."""
    src = FrameSource(
        sample_video(name), index_cache_dir=index_cache, proxy_dir=proxy_dir, prefetch=False
    )
    opened.append(src)
    assert src.build_proxy(block=True, timeout=120)
    size = (src.proxy.width, src.proxy.height)
    rng = random.Random(2)
    distinct = 0
    for i in sorted(rng.sample(range(src.frame_count), 12)):
        shown = src.preview(i).astype(np.int16)

        def distance(j: int, shown: np.ndarray = shown) -> float:
            return float(np.abs(src.frame(j, size=size).astype(np.int16) - shown).mean())

        own = distance(i)
        others = [distance(j) for j in (i - 1, i + 1) if 0 <= j < src.frame_count]
        assert min(others) >= own - 0.05, f"{name}: preview {i} looks like a neighbour"
        distinct += min(others) > own + 0.05
    assert distinct >= 6  # the clips move enough for the check to mean something
