"""The video player: exact-frame picture, VLC while playing, transport bar and keys."""

from annotator.ui.player.frame_view import FrameView, Overlay
from annotator.ui.player.player_widget import PlayerWidget
from annotator.ui.player.shortcuts import install_player_shortcuts

__all__ = ["FrameView", "Overlay", "PlayerWidget", "install_player_shortcuts"]
