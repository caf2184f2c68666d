"""Lock file, changed-on-disk detection, three-way merge and snapshots (Qt-free)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from annotator.io.project_file import load_project, save_project
from annotator.model import Event, EventKind, Marker, MarkerKind, Media, Project
from annotator.model.serialize import project_from_dict, project_to_dict
from annotator.workspace.disk import changed_since, read_version
from annotator.workspace.lock import acquire, lock_path, read_lock, take_over
from annotator.workspace.merge import three_way
from annotator.workspace.snapshot import snapshot


def _project() -> Project:
    p = Project(title="t")
    p.add_media(Media("m1", "v.mp4", frame_count=500, fps=Fraction(25)))
    p.add_face(name="A")
    p.add_event(Event(0, "A", EventKind.AU, 10, 20, au=12, media="m1"))
    return p


def test_a_second_acquire_sees_the_holder_and_release_is_only_ours(tmp_path: Path) -> None:
    proj = tmp_path / "p.facet.json"
    lock, holder = acquire(proj)
    assert lock is not None and holder is None and lock_path(proj).exists()
    data = json.loads(lock_path(proj).read_text())
    assert {"user", "host", "pid", "time"} <= set(data) and data["pid"] == os.getpid()
    again, holder = acquire(proj)  # same host, live pid: held
    assert again is None and holder is not None and holder.pid == os.getpid()
    theirs = take_over(proj)
    lock.release()  # no longer ours: must not remove the new holder's lock
    assert read_lock(proj).token == theirs.info.token
    theirs.release()
    assert not lock_path(proj).exists()


def test_a_lock_of_a_dead_process_is_stale_and_taken_over(tmp_path: Path) -> None:
    proj = tmp_path / "p.facet.json"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    lock, _ = acquire(proj)
    assert lock is not None
    data = json.loads(lock_path(proj).read_text())
    data["pid"] = pid
    lock_path(proj).write_text(json.dumps(data))
    assert read_lock(proj).stale
    mine, holder = acquire(proj)
    assert mine is not None and holder is None and read_lock(proj).pid == os.getpid()


def test_a_lock_from_another_host_is_never_stale(tmp_path: Path) -> None:
    proj = tmp_path / "p.facet.json"
    lock_path(proj).write_text(
        json.dumps(
            {"user": "kim", "host": "elsewhere.example", "pid": 1, "time": "t", "token": "x"}
        )
    )
    lock, holder = acquire(proj)
    assert lock is None and holder is not None and "kim on elsewhere.example" in holder.describe()


def test_changed_on_disk_compares_content_not_only_time(tmp_path: Path) -> None:
    proj = tmp_path / "p.facet.json"
    save_project(_project(), proj)
    base = read_version(proj)
    assert not changed_since(proj, base)
    os.utime(proj, ns=(1, 1))  # touched, same bytes
    assert not changed_since(proj, base)
    p = load_project(proj).project
    p.add_event(Event(0, "A", EventKind.AU, 30, 40, au=4, media="m1"))
    save_project(p, proj)
    assert changed_since(proj, base)
    proj.unlink()
    assert changed_since(proj, base)


def test_merge_keeps_an_import_on_disk_and_our_edit() -> None:
    base_p = _project()
    base = project_to_dict(base_p)
    mine_p = project_from_dict(base)
    mine_p.add_event(Event(0, "A", EventKind.AU, 100, 120, au=6, media="m1"))  # id 2
    mine_p.update_event(1, offset_frame=25)
    theirs_p = project_from_dict(base)
    theirs_p.add_event(Event(0, "A", EventKind.NOTE, 50, 60, note="hello", media="m1"))  # 2
    theirs_p.add_marker(Marker(0, MarkerKind.NOTE, 5, 5, "m1", text="cli"))
    result = three_way(base, project_to_dict(mine_p), project_to_dict(theirs_p))
    assert result.clean, result.conflicts
    merged = project_from_dict(result.doc)
    kinds = sorted((e.kind.value, e.onset_frame) for e in merged.events.values())
    assert kinds == [("au", 10), ("au", 100), ("note", 50)]
    assert merged.events[1].offset_frame == 25  # our change to an old event
    assert merged.events[2].note == "hello"  # theirs keeps its id; ours is renumbered
    assert len(merged.markers) == 1


def test_merge_lists_a_conflict_and_keeps_the_files_version() -> None:
    base = project_to_dict(_project())
    mine_p, theirs_p = project_from_dict(base), project_from_dict(base)
    mine_p.update_event(1, offset_frame=30)
    theirs_p.update_event(1, offset_frame=40)
    result = three_way(base, project_to_dict(mine_p), project_to_dict(theirs_p))
    assert len(result.conflicts) == 1 and "event 1" in result.conflicts[0]
    assert project_from_dict(result.doc).events[1].offset_frame == 40


def test_merge_applies_removals_from_either_side() -> None:
    p = _project()
    p.add_event(Event(0, "A", EventKind.AU, 40, 50, au=4, media="m1"))
    base = project_to_dict(p)
    mine_p, theirs_p = project_from_dict(base), project_from_dict(base)
    mine_p.remove_event(1)
    theirs_p.remove_event(2)
    merged = project_from_dict(
        three_way(base, project_to_dict(mine_p), project_to_dict(theirs_p)).doc
    )
    assert merged.events == {}


def test_snapshot_does_not_follow_later_edits() -> None:
    p = _project()
    heard: list[object] = []
    p.event_added.connect(heard.append)
    snap = snapshot(p)
    p.add_event(Event(0, "A", EventKind.AU, 30, 40, au=4, media="m1"))
    p.vocabulary.emotions.append("awe")
    assert len(snap.events) == 1 and "awe" not in snap.vocabulary.emotions
    snap.add_event(Event(0, "A", EventKind.AU, 60, 70, au=9, media="m1"))
    assert len(heard) == 1 and len(p.events) == 2  # the snapshot tells nobody


def test_snapshot_copies_nothing_until_an_edit_and_each_container_once() -> None:
    """Copy on write: taking a snapshot shares the containers; the live project copies
    one before its first edit while the snapshot lives, and not again."""
    import gc

    from annotator.model import Face
    from annotator.model.entities import Vocabulary

    p = _project()
    p.set_vocabulary(Vocabulary(["joy"], [1, 12], {"au:12": "#112233"}, {"j": "joy"}))
    events, media = p.events, p.media
    snap = snapshot(p)
    assert snap.events is events and snap.media is media  # O(1): nothing copied
    assert snap.vocabulary.aus == [1, 12] and snap.vocabulary.code_hotkeys == {"j": "joy"}
    p.add_event(Event(0, "A", EventKind.AU, 30, 40, au=4, media="m1"))
    assert p.events is not events and snap.events is events and len(snap.events) == 1
    copied = p.events
    p.update_event(2, au=5)
    p.remove_event(1)
    assert p.events is copied  # one copy per snapshot, not per edit
    assert [e.au for e in snap.events.values()] == [12]
    p.add_face(Face("B", "Bob"))
    p.add_marker(Marker(0, MarkerKind.NOTE, 1, 2))
    assert "B" not in snap.faces and not snap.markers and p.media is media
    # an edit made on the snapshot copies too and never reaches the live project
    snap.update_event(1, au=9)
    assert snap.events is not events and events[1].au == 12
    del snap
    gc.collect()
    faces_now = p.faces
    p.update_face("B", name="Bea")  # no snapshot holds the faces any more: no copy
    assert p.faces is faces_now


def test_autosave_of_a_snapshot_writes_the_whole_vocabulary(tmp_path: Path) -> None:
    from annotator.io.project_file import autosave_path, write_autosave
    from annotator.model.entities import Vocabulary

    p = _project()
    p.set_vocabulary(Vocabulary(["joy"], [1, 12], {"au:12": "#112233"}, {"j": "joy"}))
    target = tmp_path / "p.facet.json"
    write_autosave(snapshot(p), target)
    loaded = load_project(autosave_path(target)).project
    assert loaded.vocabulary == p.vocabulary
    assert loaded.events == p.events
