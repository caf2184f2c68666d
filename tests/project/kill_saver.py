"""Helper process for the kill-during-save test: saves a large project in a loop forever.

With ``slow-fsync`` it announces each fsync on stdout and lets it take 50 ms, like a slow
disk, so the test can kill it exactly while the new file is written but not yet renamed.
"""

import os
import sys
import time
from fractions import Fraction

from annotator.io.project_file import save_project
from annotator.model import Event, EventKind, Face, Media, Project


def main(path: str, mode: str) -> None:
    if mode == "slow-fsync":
        real_fsync = os.fsync

        def slow_fsync(fd: int) -> None:
            print("fsync", flush=True)
            time.sleep(0.05)
            real_fsync(fd)

        os.fsync = slow_fsync
    p = Project(title="big")
    p.add_media(Media("m1", "v.mp4", frame_count=10_000_000, fps=Fraction(25)))
    p.add_face(Face("A", "A"))
    for i in range(20_000):
        p.add_event(Event(0, "A", EventKind.AU, i, i + 5, au=(i % 40) + 1, note="n" * 20))
    print("ready", flush=True)
    round_ = 0
    while True:
        round_ += 1
        p.title = f"round {round_}"
        save_project(p, path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
