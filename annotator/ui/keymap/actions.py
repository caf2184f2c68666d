"""Every keyboard action of the app: id, what it does, default keys, context, README row.

Qt-free on purpose: the README test, the command line and the Preferences dialog read the
same table, and the Qt side (``annotator.ui.keys``) only turns it into QShortcuts.

Contexts say where a key acts and which one wins when two contexts bind the same key: the
context with the higher precedence is the one active at that moment (a dialog over the code
field, the code field over a timeline drag, a drag over the window's player keys). Esc is
the example: in a dialog it closes the dialog; in the code field it clears the field; during
a timeline drag it cancels the drag; otherwise it cancels the pending mark.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Context(enum.Enum):
    """Where a key acts; ``precedence``: the higher wins when both are active."""

    PLAYER = "player"  # the main window, whatever has focus except text fields
    TIMELINE = "timeline"  # the timeline has focus
    TIMELINE_DRAG = "timeline drag"  # a mouse drag on the timeline is under way
    CODE_FIELD = "code field"  # typing in the FACS code field
    CANDIDATES = "candidates"  # the spotting candidates table has focus
    PRESENTATION = "presentation"  # presentation mode is up
    TAKES = "takes window"  # the takes side by side window has focus
    DIALOG = "dialogs"  # any dialog (Qt's own keys)

    @property
    def precedence(self) -> int:
        return _PRECEDENCE[self]


_PRECEDENCE = {
    Context.PLAYER: 10,
    Context.TIMELINE: 20,
    Context.CANDIDATES: 20,
    Context.TAKES: 20,
    Context.TIMELINE_DRAG: 30,
    Context.PRESENTATION: 30,
    Context.CODE_FIELD: 40,
    Context.DIALOG: 50,
}


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a key does. ``keys``: default key sequences in Qt's portable text
    (``Shift+Right``); ``row``: the README row it shares with its pair ("one frame forward /
    back"); ``remappable``: False for Qt's own keys and mouse gestures, listed for help only."""

    id: str
    text: str
    keys: tuple[str, ...]
    context: Context = Context.PLAYER
    row: str = ""
    remappable: bool = True
    menu: str = ""  # the menu that shows the action, if any

    @property
    def readme_row(self) -> str:
        return self.row or self.text


P, T, D, C = Context.PLAYER, Context.TIMELINE, Context.TIMELINE_DRAG, Context.CODE_FIELD


def _a(
    id: str,
    text: str,
    keys: str | tuple[str, ...],
    context: Context = P,
    row: str = "",
    *,
    remappable: bool = True,
    menu: str = "",
) -> Action:
    return Action(
        id, text, (keys,) if isinstance(keys, str) else keys, context, row, remappable, menu
    )


_EMOTION_ROW = (
    "emotion (happiness, sadness, fear, anger, surprise, disgust, contempt, "
    "neutral; Alt+9 types a label of your own)"
)

# README rows that several actions share (one string each, so they stay one row)
_SHUTTLE_ROW = (
    "shuttle reverse / pause / forward (again: faster; hold K and press J or L: "
    "1/4x slow reverse or forward)"
)
_LOOP_ROW = "loop start A / loop end B / clear the loop"
_MARK_ROW = (
    "mark onset / apex / offset at the frame on screen (during playback: minus the "
    "reaction time set in Preferences)"
)
_NOTE_ROW = "new frame note / next / previous note"
_FILE_ROW = "new project / open / save / save as / quit"

ACTIONS: tuple[Action, ...] = (
    # -- player ---------------------------------------------------------------------------
    _a("play.toggle", "Play / pause", "Space", row="play / pause", menu="Playback"),
    _a("play.step_forward", "Next frame", "Right", row="one frame forward / back"),
    _a("play.step_back", "Previous frame", "Left", row="one frame forward / back"),
    _a(
        "play.second_forward",
        "One second forward",
        "Shift+Right",
        row="one second (rounded to whole frames by the real timestamps)",
    ),
    _a(
        "play.second_back",
        "One second back",
        "Shift+Left",
        row="one second (rounded to whole frames by the real timestamps)",
    ),
    _a("play.ten_forward", "Ten frames forward", "Ctrl+Right", row="ten frames"),
    _a("play.ten_back", "Ten frames back", "Ctrl+Left", row="ten frames"),
    _a("play.first", "First frame", "Home", row="first / last frame"),
    _a("play.last", "Last frame", "End", row="first / last frame"),
    _a(
        "play.shuttle_reverse",
        "Play backward (again: faster; with K held: slow)",
        "J",
        row=_SHUTTLE_ROW,
        menu="Playback",
    ),
    _a(
        "play.shuttle_stop",
        "Pause and reset the shuttle to 1x",
        "K",
        row=_SHUTTLE_ROW,
        menu="Playback",
    ),
    _a(
        "play.shuttle_forward",
        "Play forward (again: faster; with K held: slow)",
        "L",
        row=_SHUTTLE_ROW,
        menu="Playback",
    ),
    _a(
        "play.slower",
        "Half the speed (down to 1/32x)",
        "Shift+Down",
        row="half / double the speed (1/32x to 4x, forward or reverse)",
        menu="Playback",
    ),
    _a(
        "play.faster",
        "Double the speed (up to 4x)",
        "Shift+Up",
        row="half / double the speed (1/32x to 4x, forward or reverse)",
        menu="Playback",
    ),
    _a(
        "play.loop_a",
        "Set loop start A",
        "[",
        row=_LOOP_ROW,
        menu="Playback",
    ),
    _a(
        "play.loop_b",
        "Set loop end B",
        "]",
        row=_LOOP_ROW,
        menu="Playback",
    ),
    _a(
        "play.loop_clear",
        "Clear the A-B loop",
        "\\",
        row=_LOOP_ROW,
        menu="Playback",
    ),
    _a(
        "play.go_to",
        "Go to a frame number or timecode",
        "Ctrl+G",
        row="go to a frame number or timecode",
        menu="Playback",
    ),
    # -- navigation -----------------------------------------------------------------------
    _a(
        "nav.next_event",
        "Next event on the current lane",
        ".",
        row="next / previous event on the current lane",
    ),
    _a(
        "nav.prev_event",
        "Previous event on the current lane",
        ",",
        row="next / previous event on the current lane",
    ),
    _a(
        "nav.next_candidate",
        "Next spotting candidate",
        "Ctrl+.",
        row="next / previous spotting candidate",
    ),
    _a(
        "nav.prev_candidate",
        "Previous spotting candidate",
        "Ctrl+,",
        row="next / previous spotting candidate",
    ),
    # -- coding ---------------------------------------------------------------------------
    _a(
        "code.onset",
        "Mark onset at the frame on screen",
        "I",
        row=_MARK_ROW,
    ),
    _a(
        "code.apex",
        "Mark apex at the frame on screen",
        "P",
        row=_MARK_ROW,
    ),
    _a(
        "code.offset",
        "Mark offset at the frame on screen",
        "O",
        row=_MARK_ROW,
    ),
    _a(
        "code.commit",
        "Commit the pending event",
        ("Return", "Enter"),
        row="commit / cancel the pending event",
    ),
    _a("code.cancel", "Cancel the pending event", "Esc", row="commit / cancel the pending event"),
    _a(
        "code.type",
        "Start typing a FACS code in the code field",
        tuple("0123456789"),
        row="start typing a FACS code (`1+2+5B+26`, `R12A`) in the code field",
        remappable=False,
    ),
    *(
        _a(
            f"code.emotion_{i}",
            f"Emotion {i} of the project's vocabulary",
            f"Alt+{i}",
            row=_EMOTION_ROW,
        )
        for i in range(1, 9)
    ),
    _a("code.custom_label", "Type an emotion label of your own", "Alt+9", row=_EMOTION_ROW),
    _a(
        "faces.box_tool",
        "Box tool",
        "B",
        row="box tool: drag on the picture to draw the selected face's box at this frame, "
        "drag inside to move, corners to resize, Delete removes the keyframe",
        menu="Faces",
    ),
    _a("code.next_face", "Next face", "F", row="next / previous face"),
    _a("code.prev_face", "Previous face", "Shift+F", row="next / previous face"),
    _a("code.prev_lane", "Previous lane", "Alt+Up", row="previous / next lane"),
    _a("code.next_lane", "Next lane", "Alt+Down", row="previous / next lane"),
    # -- timeline (focus on the timeline) -------------------------------------------------
    _a(
        "timeline.delete",
        "Remove the selected events",
        ("Del", "Backspace"),
        T,
        row="remove the selected events (timeline or events table)",
        remappable=False,
    ),
    _a(
        "timeline.nudge_back",
        "Move the selected events one frame back",
        "Alt+Left",
        T,
        row="move the selected events one frame (one undo step per selection)",
        remappable=False,
    ),
    _a(
        "timeline.nudge_forward",
        "Move the selected events one frame forward",
        "Alt+Right",
        T,
        row="move the selected events one frame (one undo step per selection)",
        remappable=False,
    ),
    _a(
        "timeline.zoom",
        "Zoom the timeline at the cursor (down to single frames)",
        "Ctrl+Wheel",
        T,
        row="zoom the timeline at the cursor (down to single frames); wheel on the picture "
        "zooms the video",
        remappable=False,
    ),
    _a(
        "timeline.cancel_drag",
        "Cancel the drag (the pending mark stays)",
        "Esc",
        D,
        row="during a drag on the timeline: cancel the drag (the pending mark stays)",
        remappable=False,
    ),
    # -- code field -----------------------------------------------------------------------
    _a(
        "field.apply",
        "Code the typed FACS code (only when it is valid)",
        "Return",
        C,
        row="in the code field: code the typed code (refused, with the reason, if invalid) / "
        "clear the field",
        remappable=False,
    ),
    _a(
        "field.clear",
        "Clear the code field",
        "Esc",
        C,
        row="in the code field: code the typed code (refused, with the reason, if invalid) / "
        "clear the field",
        remappable=False,
    ),
    # -- review ---------------------------------------------------------------------------
    _a("review.new_note", "New frame note", "N", row=_NOTE_ROW),
    _a("review.next_note", "Next note", "Alt+N", row=_NOTE_ROW),
    _a(
        "review.prev_note",
        "Previous note",
        "Alt+Shift+N",
        row=_NOTE_ROW,
    ),
    _a(
        "review.presentation",
        "Presentation mode",
        "F11",
        row="presentation mode / takes side by side",
        menu="View",
    ),
    _a(
        "review.takes",
        "Takes side by side",
        "Ctrl+Shift+T",
        row="presentation mode / takes side by side",
        menu="View",
    ),
    _a(
        "view.subtitles",
        "Show or hide the subtitles (dialogue lines over the picture)",
        "V",
        row="show or hide the subtitles (dialogue lines over the picture) / the audio "
        "waveform lane",
        menu="View",
    ),
    _a(
        "view.waveform",
        "Show or hide the audio waveform lane",
        "W",
        row="show or hide the subtitles (dialogue lines over the picture) / the audio "
        "waveform lane",
        menu="View",
    ),
    _a(
        "candidates.accept",
        "Accept the candidate",
        "A",
        Context.CANDIDATES,
        row="in the candidates table: accept / reject",
        remappable=False,
    ),
    _a(
        "candidates.reject",
        "Reject the candidate",
        ("R", "Del"),
        Context.CANDIDATES,
        row="in the candidates table: accept / reject",
        remappable=False,
    ),
    # -- edit and file --------------------------------------------------------------------
    _a("edit.undo", "Undo", "Ctrl+Z", row="undo / redo", menu="Edit"),
    _a("edit.redo", "Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), row="undo / redo", menu="Edit"),
    _a(
        "edit.preferences",
        "Preferences (keys, reaction time)",
        "Ctrl+P",
        row="preferences (keys, per-code keys, reaction time)",
        menu="Edit",
    ),
    _a(
        "file.new",
        "New project from a video",
        "Ctrl+N",
        row=_FILE_ROW,
        menu="File",
    ),
    _a("file.open", "Open", "Ctrl+O", row=_FILE_ROW, menu="File"),
    _a("file.save", "Save", "Ctrl+S", row=_FILE_ROW, menu="File"),
    _a(
        "file.save_as",
        "Save as",
        "Ctrl+Shift+S",
        row=_FILE_ROW,
        menu="File",
    ),
    _a("file.quit", "Quit", "Ctrl+Q", row=_FILE_ROW, menu="File"),
    _a(
        "help.keys",
        "Keyboard shortcuts (this table, live)",
        "F1",
        row="keyboard shortcuts: the live table",
        menu="Help",
    ),
    _a(
        "dialog.accept",
        "Accept the dialog",
        "Return",
        Context.DIALOG,
        row="in a dialog: accept / close",
        remappable=False,
    ),
    _a(
        "dialog.close",
        "Close the dialog",
        "Esc",
        Context.DIALOG,
        row="in a dialog: accept / close",
        remappable=False,
    ),
)

ACTION_IDS: dict[str, Action] = {a.id: a for a in ACTIONS}
