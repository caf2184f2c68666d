"""Preferences page "Preview copies": the proxy folder's size, its pruning, a Clear button.

``MediaCachePage`` is a plain QWidget so the Preferences dialog can add it as a page or
section (``dialog.add_page("Preview copies", MediaCachePage(keep=...))``);
``show_media_cache_dialog`` shows it on its own until then. The numbers come from
:mod:`annotator.media.proxy` (``folder_usage``, ``clear``, ``budget_bytes``); the page only
displays them and forwards the click.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.media import proxy


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"


class MediaCachePage(QWidget):
    """Where preview copies live, how big the folder is, how it is pruned; Clear."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
        keep: Callable[[], set[Path]] | None = None,
    ) -> None:
        """``keep``: the proxy folders in use now (the open video's), never cleared."""
        super().__init__(parent)
        self.folder = folder or proxy.default_proxy_dir()
        self._keep = keep or (lambda: set())
        layout = QVBoxLayout(self)
        self.where = QLabel(f"Folder: {self.folder}")
        self.where.setWordWrap(True)
        self.usage = QLabel()
        self.policy = QLabel(
            f"Pruning: after each build the folder is cut to "
            f"{proxy.budget_bytes() / 1024**3:.0f} GB (FACET_PROXY_CACHE_GB), least recently "
            "used copies first; unfinished pieces of builds that died are deleted after a day. "
            "Preview copies are rebuilt when needed."
        )
        self.policy.setWordWrap(True)
        self.clear_button = QPushButton("Clear preview copies")
        self.clear_button.clicked.connect(self.clear)
        for w in (self.where, self.usage, self.policy, self.clear_button):
            layout.addWidget(w)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        size, count = proxy.folder_usage(self.folder)
        self.usage.setText(
            f"Size: {_size(size)} in {count} preview cop{'y' if count == 1 else 'ies'}"
        )
        self.clear_button.setEnabled(count > len(self._keep() & set(proxy.entries(self.folder))))

    def clear(self) -> None:
        freed = proxy.clear(self.folder, keep=self._keep())
        self.refresh()
        self.usage.setText(self.usage.text() + f" (freed {_size(freed)})")


def show_media_cache_dialog(parent: QWidget | None = None, **kw: object) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle("Preview copies")
    layout = QVBoxLayout(dialog)
    page = MediaCachePage(dialog, **kw)  # type: ignore[arg-type]
    layout.addWidget(page)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.page = page  # type: ignore[attr-defined]
    dialog.show()
    return dialog
