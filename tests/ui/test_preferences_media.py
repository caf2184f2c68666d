"""Preferences > Preview copies: the folder's size, and Clear keeps the open video's copy."""

from __future__ import annotations

from pathlib import Path

from annotator.ui.preferences_media import MediaCachePage


def _proxy(folder: Path, name: str, nbytes: int) -> Path:
    d = folder / f"{name * 32}-p2"
    d.mkdir(parents=True)
    (d / "s0000000.mp4").write_bytes(b"x" * nbytes)
    return d


def test_page_shows_size_and_clear_keeps_the_open_video(qtbot, tmp_path: Path) -> None:
    used = _proxy(tmp_path, "a", 2048)
    old = _proxy(tmp_path, "b", 3 * 1024 * 1024)
    page = MediaCachePage(folder=tmp_path, keep=lambda: {used})
    qtbot.addWidget(page)
    assert "3.0 MB in 2 preview copies" in page.usage.text()
    assert page.clear_button.isEnabled()
    page.clear_button.click()
    assert used.exists() and not old.exists()
    assert "in 1 preview copy" in page.usage.text() and "freed 3.0 MB" in page.usage.text()
    assert not page.clear_button.isEnabled()  # only the copy in use is left


def test_edit_preferences_has_the_preview_copies_page(
    make_window, qtbot, tmp_path: Path, monkeypatch
) -> None:
    """Edit > Preferences shows the proxy folder's size and pruning; Clear empties it."""
    monkeypatch.setenv("FACET_CACHE_DIR", str(tmp_path))
    old = _proxy(tmp_path / "proxy", "c", 5 * 1024 * 1024)
    w = make_window()
    action = next(a for a in w.edit_menu.actions() if a.text() == "&Preferences…")
    action.trigger()
    prefs = w._prefs
    tabs = [prefs.tabs.tabText(i) for i in range(prefs.tabs.count())]
    assert tabs[-1] == "Preview copies" and "Keys" in tabs
    page = prefs.tabs.widget(prefs.tabs.count() - 1)
    assert isinstance(page, MediaCachePage)
    assert page.folder == tmp_path / "proxy"
    assert "5.0 MB in 1 preview copy" in page.usage.text()
    assert "Pruning:" in page.policy.text() and "GB" in page.policy.text()
    page.clear_button.click()
    assert not old.exists()
    assert "0 bytes in 0 preview copies" in page.usage.text()
    prefs.reject()
