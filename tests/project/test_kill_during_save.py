"""SIGKILL a process that is saving a large project, at random moments, 50 times:
the file on disk must always load (old or new version), never truncated."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.io.project_file import load_project

HERE = Path(__file__).parent


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_save_always_leaves_a_loadable_project(tmp_path):
    path = tmp_path / "big.facet.json"
    rng = random.Random(1234)
    env = dict(os.environ, PYTHONPATH=str(HERE.parents[1]))
    killed_mid_write = 0
    for round_ in range(50):
        # Every other round kills while the new file is being written (after an fsync
        # started, before the rename); the others at a random instant of the save loop.
        mode = "slow-fsync" if round_ % 2 else "plain"
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "kill_saver.py"), str(path), mode],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        while not path.exists():  # the very first save must finish once
            time.sleep(0.01)
        if mode == "slow-fsync":
            while proc.stdout.readline().strip() != b"fsync":
                pass
            time.sleep(rng.uniform(0.0, 0.04))
        else:
            time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        leftovers = list(tmp_path.glob(".big.facet.json.*.tmp"))
        if leftovers:
            killed_mid_write += 1
            for f in leftovers:
                f.unlink()
        loaded = load_project(path)
        assert len(loaded.project.events) == 20_000
        assert loaded.project.title.startswith("round ")
    # the slow-fsync rounds must really have interrupted writes, or the test proves nothing
    assert killed_mid_write >= 20
