"""How the CLI shows a batch (a folder of videos, projects or corpus clips): a line per
item on stderr as it finishes, then the failures on stdout, and exit status 1 when any
failed. One place, so ``spot``, ``export`` and the ``corpus`` commands read alike."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any


def batch_progress(quiet: bool, label: str = "") -> Callable[[int, int, Any], None]:
    """The ``on_result`` callback: ``[label ][done/total] <result line>`` on stderr."""
    prefix = f"{label} " if label else ""

    def report(done: int, total: int, res: Any) -> None:
        if not quiet:
            print(f"{prefix}[{done}/{total}] {res.line()}", file=sys.stderr, flush=True)

    return report


def print_failures(results: Sequence[Any]) -> int:
    """Each failed result's line on stdout; the exit status (1 when any failed)."""
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(r.line())
    return 1 if failed else 0
