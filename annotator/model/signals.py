"""A tiny Qt-free signal so the model can announce changes without knowing any view exists.

Bound methods are held weakly: a view that is garbage-collected without disconnecting does
not keep itself alive through the model, and is silently dropped.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Signal:
    """Past-tense change notification: ``project.event_added.connect(view.on_added)``."""

    __slots__ = ("_slots", "name")

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._slots: list[Any] = []

    def connect(self, slot: Callable[..., Any]) -> None:
        ref: Any
        if hasattr(slot, "__self__") and hasattr(slot, "__func__"):
            ref = weakref.WeakMethod(slot)
        else:
            ref = slot
        self._slots.append(ref)

    def disconnect(self, slot: Callable[..., Any] | None = None) -> None:
        if slot is None:
            self._slots.clear()
            return
        kept = []
        for ref in self._slots:
            target = ref() if isinstance(ref, weakref.WeakMethod) else ref
            if target is None or target == slot:
                continue
            kept.append(ref)
        self._slots = kept

    def emit(self, *args: Any) -> None:
        dead = False
        for ref in list(self._slots):
            target = ref() if isinstance(ref, weakref.WeakMethod) else ref
            if target is None:
                dead = True
                continue
            target(*args)
        if dead:
            self._slots = [
                r for r in self._slots if not (isinstance(r, weakref.WeakMethod) and r() is None)
            ]

    def __len__(self) -> int:
        return len(self._slots)
