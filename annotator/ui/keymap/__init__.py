"""The key map: every action, its default key, context and precedence (Qt-free).

``annotator.ui.keys`` turns it into QShortcuts and stores the user's changes in QSettings;
the README's "Keys" table is ``readme_table()`` (a test keeps the two equal).
"""

from annotator.ui.keymap.actions import ACTION_IDS, ACTIONS, Action, Context
from annotator.ui.keymap.keymap import (
    CodeKey,
    Conflict,
    KeyMap,
    KeyMapError,
    make_code_key,
    normalise_key,
    readme_table,
)

__all__ = [
    "ACTIONS",
    "ACTION_IDS",
    "Action",
    "CodeKey",
    "Conflict",
    "Context",
    "KeyMap",
    "KeyMapError",
    "make_code_key",
    "normalise_key",
    "readme_table",
]
