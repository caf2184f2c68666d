"""Has the project file changed on disk since we loaded or saved it?

A :class:`DiskVersion` is taken of the bytes we loaded (or wrote). Before every save the
file is compared with it: size and mtime first (cheap), and when those differ, the
content's SHA-256 (a touch or a copy that keeps the bytes is no change).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class DiskVersion:
    sha256: str
    size: int
    mtime_ns: int

    @staticmethod
    def of_bytes(path: Path, data: bytes) -> DiskVersion:
        st = path.stat()
        return DiskVersion(hashlib.sha256(data).hexdigest(), st.st_size, st.st_mtime_ns)


@dataclass(frozen=True, slots=True)
class Loaded:
    """The version of the file the workspace's content is based on, with its bytes (the
    base of a three-way merge)."""

    version: DiskVersion
    data: bytes


def read_version(path: str | os.PathLike[str]) -> Loaded | None:
    """The file's current bytes and version (None: it does not exist)."""
    p = Path(path)
    try:
        data = p.read_bytes()
        return Loaded(DiskVersion.of_bytes(p, data), data)
    except FileNotFoundError:
        return None


def changed_since(path: str | os.PathLike[str], base: Loaded | None) -> bool:
    """True when the file is not the version ``base`` (it was written, replaced, created
    or deleted by someone else)."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return base is not None
    if base is None:
        return True
    if st.st_size == base.version.size and st.st_mtime_ns == base.version.mtime_ns:
        return False
    try:
        data = p.read_bytes()
    except OSError:
        return True
    return hashlib.sha256(data).hexdigest() != base.version.sha256
