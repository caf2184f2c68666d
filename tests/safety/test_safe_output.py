"""annotator.safe_output: the one writer every export, clip, report and save goes through."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.safe_output import (
    OutputError,
    check_input,
    child_path,
    csv_writer,
    forget_inputs,
    note_input,
    open_output,
    output_folder,
    output_path,
    remove_stale_temps,
    safe_cell,
    safe_name,
    unsafe_cell,
    write_output,
)


@pytest.fixture(autouse=True)
def _fresh_inputs():
    forget_inputs()
    yield
    forget_inputs()


def test_write_creates_file_with_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        out = write_output(tmp_path / "a.csv", "x,y\n")
    finally:
        os.umask(old)
    assert out.read_text() == "x,y\n"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_existing_mode_and_content_replaced_mode_kept(tmp_path):
    target = tmp_path / "p.facet.json"
    target.write_text("old")
    os.chmod(target, 0o664)
    write_output(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o664


def test_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_output(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_input_of_the_command_is_refused_by_inode(tmp_path):
    video = tmp_path / "demo.mp4"
    video.write_bytes(b"video bytes")
    hard = tmp_path / "hard.mp4"
    os.link(video, hard)
    with pytest.raises(OutputError, match="demo.mp4: is an input"):
        write_output(video, "csv", inputs=[video])
    note_input(video, label="video")
    with pytest.raises(OutputError, match="hard.mp4: is an input of this command \\(video"):
        write_output(hard, "csv")
    assert video.read_bytes() == b"video bytes"


def test_replaceable_inputs_allow_a_project_save(tmp_path):
    project = tmp_path / "p.facet.json"
    project.write_text("{}")
    note_input(project, label="project")
    with pytest.raises(OutputError):
        write_output(project, "csv")
    write_output(project, "{ }", replaceable=("project",))
    assert project.read_text() == "{ }"


def test_fifo_and_folder_targets_are_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="pipe: is a FIFO"):
        write_output(fifo, "x")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    with pytest.raises(OutputError, match="is a folder"):
        write_output(tmp_path, "x")
    link = tmp_path / "to-pipe"
    link.symlink_to(fifo)
    with pytest.raises(OutputError, match="is a FIFO"):
        write_output(link, "x")


def test_fifo_input_is_refused_without_reading(tmp_path):
    fifo = tmp_path / "in.facet.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="in.facet.json: is a FIFO"):
        check_input(fifo)


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), open_output(target) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_stale_temps_of_dead_writers_are_removed_live_ones_kept(tmp_path):
    target = tmp_path / "p.facet.json"
    dead = tmp_path / ".p.facet.json.abc123.tmp"
    dead.write_text("leftover of a killed save")
    other = tmp_path / ".p.facet.json.bak"  # not a temporary file
    other.write_text("keep")
    with output_path(target) as tmp:
        assert tmp.name.startswith(".p.facet.json.") and ".tmp" in tmp.name
        assert not dead.exists()
        assert remove_stale_temps(target) == 0  # our own temp is locked: kept
        assert tmp.exists()
        tmp.write_text("new")
    assert target.read_text() == "new" and other.exists()


def test_output_folder_refuses_a_file(tmp_path):
    f = tmp_path / "demo.mp4"
    f.write_bytes(b"v")
    with pytest.raises(OutputError, match="not a folder"):
        output_folder(f)
    assert output_folder(tmp_path / "new" / "sub").is_dir()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("sub/01", "sub_01"),
        ("../../etc", "etc"),
        ("a\x00b\nc", "abc"),
        ("..", "item"),
        (".hidden", "hidden"),
        ("CON", "_CON"),
        ("x" * 300, "x" * 64),
        ("Ada", "Ada"),
    ],
)
def test_safe_name(raw, expected):
    assert safe_name(raw) == expected


def test_child_path_numbers_collisions_and_stays_inside(tmp_path):
    taken: set[str] = set()
    a = child_path(tmp_path, f"event_{safe_name('sub/01')}.mp4", taken)
    b = child_path(tmp_path, "event_sub_01.mp4", taken)
    assert a.name == "event_sub_01.mp4" and b.name == "event_sub_01-2.mp4"
    assert child_path(tmp_path, "/../../x.png").parent == tmp_path
    (tmp_path / "escape").symlink_to(tmp_path.parent)
    with pytest.raises(OutputError, match="outside"):
        child_path(tmp_path, "escape/x.png")


@pytest.mark.parametrize(
    "text", ["=1+1", "+12", "-3", "@SUM(A1)", "\tx", "\rx", " =1", "\uff1dSUM(A1)"]
)
def test_formula_cells_escaped(text, tmp_path):
    assert safe_cell(text) == "'" + text
    with open_output(tmp_path / "t.csv") as fh:
        csv_writer(fh).writerow([text, 5, None])
    import csv

    with open(tmp_path / "t.csv", newline="") as fh:
        assert next(csv.reader(fh))[0] == "'" + text


def test_no_space_left_names_the_file_and_keeps_the_old(tmp_path, monkeypatch):
    import errno

    target = tmp_path / "p.facet.json"
    target.write_text("old")

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(
        OutputError, match=r"p.facet.json: cannot write \(No space left on device\)"
    ):
        write_output(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["p.facet.json"]


@given(
    st.text(alphabet=st.sampled_from(["'", "=", "+", " ", "a", "\n", "\uff20", "1"]), max_size=6)
)
def test_unsafe_cell_undoes_safe_cell_exactly(text):
    # Reading back what we wrote gives the text a user typed, quotes and all: "'=x" (a user's own
    # quote before a formula) is written "''=x" and read back as "'=x", not as the formula "=x".
    escaped = safe_cell(text)
    assert unsafe_cell(escaped) == text
    assert not escaped.lstrip(" ").startswith(("=", "+", "\n", "\uff20"))
