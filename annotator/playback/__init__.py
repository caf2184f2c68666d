"""QtCore playback on top of the Qt-free decoding package (:mod:`annotator.media`).

``PlayerController`` (:mod:`annotator.playback.player_controller`) is the one owner of the
current frame: steps, seeks, go-to, shuttle, the A-B loop and playback, either timed from
the frame source (:mod:`annotator.playback.timed_playback`) or by VLC with sound
(:mod:`annotator.playback.vlc_engine`, followed by :mod:`annotator.playback.vlc_follower`
and :mod:`annotator.playback.vlc_path`). After a seek, the preview proxy's picture comes
first and the exact frame after it (:mod:`annotator.playback.seek_preview`).

QtCore only: widgets live in :mod:`annotator.ui`. The import-linter contracts in
pyproject.toml keep QtWidgets out of this package and every PySide6 module out of
:mod:`annotator.media`.
"""
