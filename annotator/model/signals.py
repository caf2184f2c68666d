"""A tiny Qt-free signal so the model can announce changes without knowing any view exists.

Bound methods are held weakly: a view that is garbage-collected without disconnecting does
not keep itself alive through the model, and is silently dropped.

A listener that raises does not stop the others, nor the edit: the model changes first and
then notifies, so an exception escaping ``emit`` used to leave the edit half-applied (in the
model, but later views not told, the project not marked changed, the command still on the
undo stack). Each failing listener is logged with its traceback and reported once (through
:func:`set_error_reporter`, e.g. a status-bar line), like napari's ``EventEmitter``.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Reporter = Callable[[str], None]
_reporter: Reporter | None = None
_reported: set[tuple[str, str]] = set()


def set_error_reporter(reporter: Reporter | None) -> None:
    """Where a listener failure is reported (once per signal and listener); None: log only."""
    global _reporter
    _reporter = reporter


def _listener_name(target: Any) -> str:
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{getattr(target, '__module__', '')}.{name}"


def _report(signal: str, target: Any, exc: BaseException) -> None:
    key = (signal, _listener_name(target))
    if key in _reported:
        log.debug("listener %s of %s failed again: %s", key[1], signal, exc)
        return
    _reported.add(key)
    log.error("listener %s of signal %s failed", key[1], signal or "?", exc_info=exc)
    if _reporter is not None:
        try:
            _reporter(
                f"A view failed to follow a change ({signal}: {exc}); "
                "your work is kept, details are in the log"
            )
        except Exception:
            log.exception("error reporter failed")


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
        """Call every listener in order; one that raises is reported and the rest still run."""
        dead = False
        for ref in list(self._slots):
            target = ref() if isinstance(ref, weakref.WeakMethod) else ref
            if target is None:
                dead = True
                continue
            try:
                target(*args)
            except Exception as exc:  # noqa: BLE001 - isolation is the point
                _report(self.name, target, exc)
        if dead:
            self._slots = [
                r for r in self._slots if not (isinstance(r, weakref.WeakMethod) and r() is None)
            ]

    def __len__(self) -> int:
        return len(self._slots)
