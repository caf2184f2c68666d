"""A lock file beside the project: who has it open (user, host, pid, since when).

``.<name>.facet.json.lock`` next to ``<name>.facet.json``, created with ``O_EXCL`` so two
processes cannot both take it. A lock whose pid is dead on this host is stale and taken
over silently; a live one (another window, another process, another machine on a shared
folder) is reported to the caller, who offers Open read-only / Take over / Cancel.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import logging
import os
import socket
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)


def lock_path(project: str | os.PathLike[str]) -> Path:
    p = Path(project)
    return p.with_name(f".{p.name}.lock")


@dataclass(frozen=True, slots=True)
class LockInfo:
    """What a lock file says about its holder."""

    user: str
    host: str
    pid: int
    time: str  # ISO 8601, UTC
    token: str  # tells our own lock from one that replaced it

    def describe(self) -> str:
        return f"{self.user} on {self.host} (process {self.pid}) since {self.time}"

    @property
    def stale(self) -> bool:
        """Its process is dead on this host (a crash): safe to take over. A lock from
        another host is never stale here: we cannot see its processes."""
        return self.host == socket.gethostname() and not _pid_alive(self.pid)

    @staticmethod
    def mine() -> LockInfo:
        try:
            user = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            user = "unknown"
        now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
        return LockInfo(user, socket.gethostname(), os.getpid(), now, uuid.uuid4().hex)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def read_lock(project: str | os.PathLike[str]) -> LockInfo | None:
    """The holder of ``project``'s lock (None: unlocked). An unreadable lock file counts
    as held by an unknown process on an unknown host (never silently ignored)."""
    path = lock_path(project)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockInfo(
            str(data["user"]),
            str(data["host"]),
            int(data["pid"]),
            str(data["time"]),
            str(data.get("token", "")),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return LockInfo("unknown", "unknown host", 0, "unknown time", "")


class ProjectLock:
    """Our lock on one project file; :meth:`release` removes it only while it is ours."""

    def __init__(self, project: Path, info: LockInfo) -> None:
        self.project = project
        self.info = info

    @property
    def path(self) -> Path:
        return lock_path(self.project)

    def still_ours(self) -> bool:
        held = read_lock(self.project)
        return held is not None and held.token == self.info.token

    def release(self) -> None:
        if self.still_ours():
            try:
                self.path.unlink()
            except OSError as e:
                log.warning("%s: cannot remove the lock (%s)", self.path, e)


def _write(path: Path, info: LockInfo, *, exclusive: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(info), fh)


def acquire(project: str | os.PathLike[str]) -> tuple[ProjectLock | None, LockInfo | None]:
    """Take the lock: ``(lock, None)``; or ``(None, holder)`` when someone else holds it.
    A stale lock is taken over. A folder where no lock can be written (read-only media)
    gives ``(None, None)``: nobody else can write there either."""
    project = Path(project)
    path = lock_path(project)
    info = LockInfo.mine()
    for _ in range(2):
        try:
            _write(path, info, exclusive=True)
            return ProjectLock(project, info), None
        except FileExistsError:
            holder = read_lock(project)
            if holder is None:
                continue  # released meanwhile: try again
            if not holder.stale:
                return None, holder
            log.info("%s: taking over a stale lock of %s", path, holder.describe())
            return take_over(project), None
        except OSError as e:
            log.warning("%s: cannot write a lock (%s)", path, e)
            return None, None
    return None, read_lock(project)


def take_over(project: str | os.PathLike[str]) -> ProjectLock:
    """Replace whatever lock there is with ours (the user chose Take over)."""
    project = Path(project)
    info = LockInfo.mine()
    _write(lock_path(project), info, exclusive=False)
    return ProjectLock(project, info)
