"""The one way Facet writes a file: every export, clip, still, report, CSV and project save
(``annotator.safe_output``, below every layer: io and analysis both write and may not import
each other).

What it guarantees, whatever the target path names:
- it is never one of the command's inputs (same inode: the project, its videos, the file
  being imported), so ``export demo.facet.json --to csv -o demo.mp4`` refuses instead of
  turning the video into CSV text;
- an existing target must be a regular file: a FIFO, a device or a folder is refused, never
  replaced (as root, "replace" would swap /dev/full for a plain file);
- the data goes to a temporary file beside the target, which is renamed over it only when
  complete, so an interrupted write leaves the old file or the new one;
- a symlink is followed and its target written (the link stays a link);
- an existing file keeps its mode and group (a 0664 project stays 0664); a new one gets
  0666 minus the umask, like any file the user creates;
- temporary files left by interrupted writes of the same target are removed (each writer
  holds an ``flock`` on its temporary file, so a live writer's file is never taken);
- every failure is one line naming the file (``out.csv: cannot write (No space left on
  device)``).

Inputs are known two ways: the caller passes ``inputs=``, and readers call
:func:`check_input` (which also refuses FIFOs and devices, so nothing hangs reading one).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import re
import stat
import tempfile
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: stale temps are judged by age instead
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

#: Inputs read by this process, most recent last (bounded: a long GUI session opens many).
_INPUTS: OrderedDict[str, str] = OrderedDict()
_MAX_INPUTS = 512
_INPUTS_LOCK = threading.Lock()  # autosave writes from a worker thread
_STALE_AGE_S = 3600.0  # without flock: a temporary file this old belongs to a dead writer


class OutputError(ValueError):
    """A refused or failed write; the message is one line naming the file."""


class InputError(ValueError):
    """An input that cannot be read safely (FIFO, device, folder); one line naming it."""


# ------------------------------------------------------------------ inputs
def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def note_input(*paths: PathLike | None, label: str = "") -> None:
    """Remember files this process reads, so no later write of this process replaces them."""
    for p in paths:
        if p is None:
            continue
        key = os.path.abspath(os.fspath(p))
        with _INPUTS_LOCK:
            _INPUTS.pop(key, None)
            _INPUTS[key] = label
            while len(_INPUTS) > _MAX_INPUTS:
                _INPUTS.popitem(last=False)


def forget_inputs() -> None:
    """Forget every input noted so far (a GUI closing its project, tests)."""
    with _INPUTS_LOCK:
        _INPUTS.clear()


def noted_inputs() -> list[str]:
    with _INPUTS_LOCK:
        return list(_INPUTS)


def check_input(path: PathLike, *, label: str = "", note: bool = True) -> Path:
    """Refuse a special file (FIFO, device, socket, folder) as an input, and note it.

    A missing file passes: the caller's own "no such file" message is better worded.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except OSError:
        return p
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{p}: is {_kind(st.st_mode)}, not a file; nothing was read")
    if note:
        note_input(p, label=label)
    return p


# ------------------------------------------------------------------ targets
def _umask() -> int:
    """The process umask without the ``os.umask`` set-and-restore race (autosave runs on a
    worker thread, and a file created in between would get umask 0)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # pragma: no cover - not Linux
    os.umask(mask)
    return mask


def resolve_target(
    target: PathLike, inputs: Iterable[PathLike | None] = (), replaceable: Iterable[str] = ()
) -> tuple[Path, os.stat_result | None]:
    """The real file to write (symlinks followed) and its current stat, after every refusal.

    ``replaceable``: labels of noted inputs this write may replace (a project save may
    replace a project file it read, never a video or the file being imported)."""
    shown = Path(target)
    real = Path(os.path.realpath(shown))
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise OutputError(f"{shown}: cannot write ({e.strerror or e})") from None
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{shown}: is {_kind(st.st_mode)}; choose a file name to write")
        allowed = set(replaceable)
        with _INPUTS_LOCK:
            noted = [(k, v) for k, v in _INPUTS.items() if v not in allowed]
        for other, label in [*((i, "") for i in inputs if i is not None), *noted]:
            try:
                ost = os.stat(other)
            except OSError:
                continue
            if (ost.st_dev, ost.st_ino) == (st.st_dev, st.st_ino):
                what = ", ".join(
                    x
                    for x in (
                        label,
                        ""
                        if os.path.abspath(other) == os.path.abspath(shown)
                        else os.fspath(other),
                    )
                    if x
                )
                raise OutputError(
                    f"{shown}: is an input of this command"
                    f"{f' ({what})' if what else ''}; choose another output file"
                )
    return real, st


def _lock(fd: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def remove_stale_temps(real: Path) -> int:
    """Delete temporary files of ``real`` left by writers that died; returns how many."""
    removed = 0
    pattern = glob.escape(str(real.parent / f".{real.name}.")) + "*"
    for name in glob.glob(pattern):
        tail = name[len(str(real.parent / f".{real.name}.")) :]
        if ".tmp" not in tail and not tail.startswith("part"):
            continue  # e.g. the autosave sidecar or a .bak: not ours to remove
        try:
            if fcntl is None:
                if time.time() - os.stat(name).st_mtime < _STALE_AGE_S:
                    continue
                os.unlink(name)
                removed += 1
                continue
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode) and _lock(fd):
                os.unlink(name)
                removed += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    if removed:
        log.info("removed %d leftover temporary file(s) of %s", removed, real)
    return removed


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _failed(shown: Path, e: OSError) -> OutputError:
    return OutputError(f"{shown}: cannot write ({e.strerror or e})")


class _Pending:
    """A temporary file beside the target, renamed over it by :meth:`commit`."""

    def __init__(
        self,
        target: PathLike,
        inputs: Iterable[PathLike | None],
        suffix: str,
        make_parents: bool,
        replaceable: Iterable[str] = (),
    ) -> None:
        self.shown = Path(target)
        self.real, self.st = resolve_target(target, inputs, replaceable)
        try:
            if make_parents:
                self.real.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(self.real)
            self.fd, tmp = tempfile.mkstemp(
                prefix=f".{self.real.name}.", suffix=f".tmp{suffix}", dir=self.real.parent
            )
        except OSError as e:
            raise _failed(self.shown, e) from None
        self.tmp = Path(tmp)
        _lock(self.fd)

    def _set_mode(self) -> None:
        if self.st is not None:
            os.fchmod(self.fd, stat.S_IMODE(self.st.st_mode))
            with contextlib.suppress(OSError):
                os.fchown(self.fd, -1, self.st.st_gid)
        else:
            os.fchmod(self.fd, 0o666 & ~_umask())

    @contextlib.contextmanager
    def aborting(self) -> Iterator[None]:
        """Any error inside removes the temporary file (the target stays as it was); an
        OSError becomes the one-line :class:`OutputError`."""
        try:
            yield
        except OSError as e:
            self.abort()
            raise _failed(self.shown, e) from None
        except BaseException:
            self.abort()
            raise

    def commit(self, fsync: bool, before_replace: Callable[[Path], None] | None) -> Path:
        with self.aborting():
            self._set_mode()
            if fsync:
                os.fsync(self.fd)
            if before_replace is not None:
                before_replace(self.real)
            os.replace(self.tmp, self.real)
        os.close(self.fd)
        self.fd = -1
        if fsync:
            _fsync_dir(self.real.parent)
        return self.shown

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.tmp.unlink()
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


@contextlib.contextmanager
def open_output(
    target: PathLike,
    mode: str = "w",
    *,
    inputs: Iterable[PathLike | None] = (),
    encoding: str = "utf-8",
    newline: str | None = "",
    fsync: bool = False,
    make_parents: bool = True,
    before_replace: Callable[[Path], None] | None = None,
) -> Iterator[IO[Any]]:
    """A file object to write ``target`` through; the target appears only on success."""
    pending = _Pending(target, inputs, "", make_parents)
    binary = "b" in mode
    try:
        fd = os.dup(pending.fd)
        fh: IO[Any] = (
            os.fdopen(fd, "wb")
            if binary
            else os.fdopen(fd, "w", encoding=encoding, newline=newline)
        )
    except BaseException:
        pending.abort()
        raise
    with pending.aborting(), fh:
        yield fh
    pending.commit(fsync, before_replace)


@contextlib.contextmanager
def output_path(
    target: PathLike,
    *,
    inputs: Iterable[PathLike | None] = (),
    suffix: str = "",
    fsync: bool = False,
    make_parents: bool = True,
) -> Iterator[Path]:
    """A temporary path for writers that need a file name (video encoders); ``suffix`` keeps
    the extension they guess the format from. Renamed over ``target`` on success."""
    pending = _Pending(target, inputs, suffix or Path(target).suffix, make_parents)
    with pending.aborting():
        yield pending.tmp
    pending.commit(fsync, None)


def write_output(
    target: PathLike,
    data: str | bytes | Iterable[bytes],
    *,
    inputs: Iterable[PathLike | None] = (),
    encoding: str = "utf-8",
    newline: str | None = "",
    fsync: bool = False,
    make_parents: bool = True,
    replaceable: Iterable[str] = (),
    before_replace: Callable[[Path], None] | None = None,
    keep_same: bool = False,
) -> Path:
    """Write ``data`` to ``target`` safely (see the module docstring); returns ``target``.

    ``data`` may be an iterable of byte chunks (streamed: a 190 MB project file is never
    whole in memory); an exception from it aborts the write and leaves the target as it
    was. ``keep_same``: when the target already holds exactly these bytes, replace
    nothing (no ``before_replace``, same inode and mtime)."""
    if isinstance(data, str):
        try:
            data = (
                data.encode(encoding)
                if newline in ("", "\n")
                else data.replace("\n", newline or os.linesep).encode(encoding)
            )
        except UnicodeEncodeError as e:
            raise OutputError(
                f"{target}: cannot write: text not encodable as {encoding} ({e.reason})"
            ) from None
    chunks: Iterable[bytes] = (data,) if isinstance(data, bytes | bytearray) else data
    pending = _Pending(target, inputs, "", make_parents, replaceable)
    old = _open_same(pending) if keep_same else None
    same = old is not None
    try:
        with pending.aborting():
            for chunk in chunks:
                if same and old is not None and old.read(len(chunk)) != chunk:
                    same = False
                view = memoryview(chunk)
                while view:
                    n = os.write(pending.fd, view)
                    view = view[n:]
            if same and old is not None and old.read(1):
                same = False
    finally:
        if old is not None:
            old.close()
    if same:
        pending.abort()
        return pending.shown
    return pending.commit(fsync, before_replace)


def _open_same(pending: _Pending) -> IO[bytes] | None:
    """The existing target for comparison, when it is a regular file."""
    if pending.st is None or not stat.S_ISREG(pending.st.st_mode):
        return None
    try:
        return open(pending.real, "rb")
    except OSError:
        return None


def output_folder(folder: PathLike, *, inputs: Iterable[PathLike | None] = ()) -> Path:
    """An output folder, created when missing; an existing non-folder is refused."""
    shown = Path(folder)
    real = Path(os.path.realpath(shown))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise OutputError(f"{shown}: cannot use as output folder ({e.strerror or e})") from None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise OutputError(
            f"{shown}: is {'a file' if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)}"
            ", not a folder; choose a folder for this export"
        )
    try:
        real.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{shown}: cannot create folder ({e.strerror or e})") from None
    return shown


# ------------------------------------------------------------------ file names
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


def safe_name(text: Any, *, max_len: int = 64, fallback: str = "item") -> str:
    """A file-name part from an id or label: no separators, no ``..``, no control
    characters, no leading dot, at most ``max_len`` characters (``sub/01`` -> ``sub_01``)."""
    s = unicodedata.normalize("NFC", str(text))
    s = "".join(c for c in s if unicodedata.category(c)[0] != "C" or c in "\t")
    s = _UNSAFE.sub("_", s).replace("\t", "_")
    s = re.sub(r"\.{2,}", "_", s).strip(" ._")
    if _WINDOWS_RESERVED.match(s):
        s = "_" + s
    if len(s.encode("utf-8")) > max_len:
        s = s.encode("utf-8")[:max_len].decode("utf-8", "ignore").rstrip(" ._")
    return s or fallback


def child_path(folder: PathLike, name: str, taken: set[str] | None = None) -> Path:
    """``folder/name`` for a name built from ids or labels: each ``/``-separated part is
    sanitised, a name already in ``taken`` gets ``-2``, ``-3`` ... before its extension,
    and the result is checked to stay inside ``folder``."""
    parts = [p for p in name.replace("\\", "/").split("/") if p.strip(" .")]
    clean = [safe_name(p, max_len=120) for p in parts] or ["item"]
    rel = "/".join(clean)
    if taken is not None:
        stem, dot, ext = rel.rpartition(".") if "." in clean[-1] else (rel, "", "")
        candidate, n = rel, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem}-{n}{dot}{ext}" if dot else f"{rel}-{n}"
        rel = candidate
        taken.add(rel.casefold())
    base = Path(os.path.realpath(folder))
    path = Path(folder) / rel
    real = Path(os.path.realpath(base / rel))
    if real != base and base not in real.parents:
        raise OutputError(f"{path}: would be written outside {folder}; refused")
    return path


# ------------------------------------------------------------------ spreadsheet cells
#: What a spreadsheet runs as a formula at the start of a cell (full-width forms too: some
#: spreadsheet programs fold them to ASCII).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _formula_like(text: str) -> bool:
    """Text a spreadsheet would run, or text that already looks escaped (a quote before such
    text), so that escaping stays reversible: ``'=x`` is written ``''=x``."""
    return text.lstrip(" ").startswith(_FORMULA_START) or (
        text.startswith("'") and _formula_like(text[1:])
    )


def safe_cell(value: Any) -> Any:
    """The one formula escape for every CSV and xlsx text cell Facet writes: text a
    spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR, LF at the start,
    after any leading spaces) gets a leading single quote, as OWASP recommends. Numbers are
    left alone, so numeric columns stay numeric. :func:`unsafe_cell` is its exact inverse."""
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def unsafe_cell(text: str) -> str:
    """Undo :func:`safe_cell` when reading back a file Facet wrote: ``unsafe_cell(safe_cell(s))
    == s`` for every string."""
    if text.startswith("'") and _formula_like(text[1:]):
        return text[1:]
    return text


def safe_row(row: Iterable[Any]) -> list[Any]:
    """:func:`safe_cell` over a row; ``None`` becomes an empty cell."""
    return ["" if c is None else safe_cell(c) for c in row]


class _SafeCsvWriter:
    """``csv.writer`` whose rows pass through :func:`safe_row`."""

    def __init__(self, fh: IO[str], **kwargs: Any) -> None:
        import csv

        self._w = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self._w.writerow(safe_row(row))


def csv_writer(fh: IO[str], **kwargs: Any) -> _SafeCsvWriter:
    """A CSV writer that escapes formulas in every text cell (see :func:`safe_cell`)."""
    return _SafeCsvWriter(fh, **kwargs)


@contextlib.contextmanager
def input_scope() -> Iterator[None]:
    """Inputs noted inside are forgotten on leaving (the CLI's ``main`` is one command; tests
    and the GUI call it more than once in a process)."""
    with _INPUTS_LOCK:
        saved = OrderedDict(_INPUTS)
    try:
        yield
    finally:
        with _INPUTS_LOCK:
            _INPUTS.clear()
            _INPUTS.update(saved)
