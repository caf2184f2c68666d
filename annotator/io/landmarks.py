"""The per-frame face landmark cache ``annotator track`` writes beside the project.

One uncompressed ``.npz`` per media (``<project>.<media id>.landmarks.npz``), referenced by
the project's media entry (``"landmarks"``). Rows are one face on one frame, in frame order:

- ``frames`` int32 (N), ``face`` int16 (N) index into ``faces`` (face ids, str),
- ``box`` float32 (N, 4) the tracked box x, y, w, h in video pixels (top-left corner),
- ``confidence`` float32 (N) the mesh's face presence score,
- ``signals`` float32 (N, S) named by ``signal_names`` (see docs/signals.md),
- ``landmarks`` float16 (N, 468, 3): the Face Mesh points relative to ``lm_box`` (centre
  subtracted, divided by the larger side), so half-precision keeps ~1/2000 of the face,
- ``lm_box`` float32 (N, 4), ``frame_count`` and ``media``.

Landmarks are 2.8 kB per face and frame (an hour at 25 fps: 250 MB per face), so writing
streams them from a spool file and reading memory-maps the member instead of loading it.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

N_POINTS = 468
_REC = np.dtype(
    [("track", "<i4"), ("frame", "<i4"), ("box", "<f4", 4), ("lm", "<f2", (N_POINTS, 3))]
)


def cache_path(project_path: str | os.PathLike[str], media_id: str, n: int = 1) -> Path:
    """``<project>.<media>.landmarks.npz``; ``n`` > 1: ``<project>.<media>.landmarks.<n>.npz``."""
    p = Path(project_path)
    stem = p.name[: -len(".facet.json")] if p.name.endswith(".facet.json") else p.stem
    tail = "" if n <= 1 else f".{n}"
    return p.with_name(f"{stem}.{media_id}.landmarks{tail}.npz")


def new_cache_path(
    project_path: str | os.PathLike[str], media_id: str, current: Path | None = None
) -> Path:
    """Where a new tracking run writes its cache: the first of ``cache_path(.., n)``, n = 1,
    2, ..., that is neither on disk nor ``current`` (the file the media references now).
    A run never overwrites an existing cache, so undoing a run can point the media back at
    the previous file, which still holds the previous run's landmarks."""
    cur = current.resolve() if current is not None else None
    n = 1
    while True:
        path = cache_path(project_path, media_id, n)
        if not path.exists() and path.resolve() != cur:
            return path
        n += 1


def is_cache_of(path: Path, project_path: str | os.PathLike[str], media_id: str) -> bool:
    """``path`` is one of the cache names :func:`cache_path` gives for this project and media
    (so the CLI may remove the one a new run replaced)."""
    first = cache_path(project_path, media_id)
    if path.parent.resolve() != first.parent.resolve():
        return False
    head = first.name[: -len(".npz")]
    name = path.name
    if name == first.name:
        return True
    mid = name[len(head) + 1 : -len(".npz")] if name.startswith(head + ".") else ""
    return name.endswith(".npz") and mid.isdigit()


class Spool:
    """Landmark rows as the tracker finds them, appended to a temporary file (bounded
    memory on long videos); :func:`write_cache` turns it into the cache."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        fd, name = tempfile.mkstemp(prefix=".facet-spool-", suffix=".bin", dir=folder)
        self.path = Path(name)
        self._f = os.fdopen(fd, "wb", buffering=1 << 20)
        self.rows = 0

    def __call__(self, track: int, frame: int, box: np.ndarray, lm: np.ndarray) -> None:
        rec = np.zeros(1, _REC)
        x, y, w, h = (float(v) for v in box)
        size = max(w, h, 1e-3)
        rec["track"], rec["frame"], rec["box"] = track, frame, box
        rel = (np.asarray(lm, np.float32) - (x + w / 2, y + h / 2, 0.0)) / size
        rec["lm"] = rel.astype(np.float16)
        self._f.write(rec.tobytes())
        self.rows += 1

    def records(self) -> np.ndarray:
        self._f.flush()
        if self.rows == 0:
            return np.zeros(0, _REC)
        return np.memmap(self.path, _REC, mode="r", shape=(self.rows,))

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()
        self.path.unlink(missing_ok=True)


def _write_member(zf: zipfile.ZipFile, name: str, arr: np.ndarray) -> None:
    with zf.open(name + ".npy", "w", force_zip64=True) as fp:
        np.lib.format.write_array(fp, np.asanyarray(arr), allow_pickle=False)


def write_cache(
    out: str | os.PathLike[str],
    *,
    media: str,
    frame_count: int,
    spool: Spool,
    tracks: dict[int, tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    signal_names: Iterable[str],
) -> Path:
    """Write the cache atomically. ``tracks``: track index -> (face id, frames, boxes,
    confidence, signals), the kept tracks; spool rows of other tracks are left out."""
    out = Path(out)
    names = list(signal_names)
    face_ids = list(dict.fromkeys(v[0] for v in tracks.values()))
    rec = spool.records()
    keep = (
        np.isin(rec["track"], np.array(list(tracks), np.int32)) if len(rec) else np.zeros(0, bool)
    )
    rows = np.flatnonzero(keep)
    n = len(rows)
    frames = np.asarray(rec["frame"][rows], np.int32) if n else np.zeros(0, np.int32)
    tr = np.asarray(rec["track"][rows]) if n else np.zeros(0, np.int32)
    face = np.zeros(n, np.int16)
    box = np.zeros((n, 4), np.float32)
    conf = np.zeros(n, np.float32)
    sig = np.full((n, len(names)), np.nan, np.float32)
    for ti, (fid, t_frames, t_boxes, t_conf, t_sig) in tracks.items():
        sel = np.flatnonzero(tr == ti)
        k = np.searchsorted(t_frames, frames[sel])
        k = np.clip(k, 0, len(t_frames) - 1)
        face[sel] = face_ids.index(fid)
        box[sel] = t_boxes[k]
        conf[sel] = t_conf[k]
        sig[sel] = t_sig[k]
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            _write_member(zf, "frames", frames)
            _write_member(zf, "face", face)
            _write_member(zf, "faces", np.array(face_ids, dtype=str))
            _write_member(zf, "box", box)
            _write_member(zf, "confidence", conf)
            _write_member(zf, "signals", sig)
            _write_member(zf, "signal_names", np.array(names, dtype=str))
            _write_member(
                zf, "lm_box", np.asarray(rec["box"][rows]) if n else np.zeros((0, 4), np.float32)
            )
            _write_member(zf, "frame_count", np.array(frame_count, np.int64))
            _write_member(zf, "media", np.array(media))
            # the big member last, streamed from the spool in chunks of rows
            with zf.open("landmarks.npy", "w", force_zip64=True) as fp:
                header = {"descr": "<f2", "fortran_order": False, "shape": (n, N_POINTS, 3)}
                np.lib.format.write_array_header_2_0(fp, header)
                for a in range(0, n, 4096):
                    fp.write(np.ascontiguousarray(rec["lm"][rows[a : a + 4096]]).tobytes())
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


class LandmarkCache:
    """Read side: small arrays in memory, landmarks memory-mapped."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            with np.load(self.path, allow_pickle=False) as z:
                self.frames = z["frames"].astype(np.int64)
                self.face = z["face"].astype(np.int64)
                self.faces = [str(f) for f in z["faces"]]
                self.box = z["box"]
                self.confidence = z["confidence"]
                self.signals = z["signals"]
                self.signal_names = [str(s) for s in z["signal_names"]]
                self.lm_box = z["lm_box"]
                self.frame_count = int(z["frame_count"])
                self.media = str(z["media"])
            self._lm = self._map("landmarks.npy")
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, struct.error) as exc:
            raise ValueError(f"{self.path.name}: not a readable landmark cache ({exc})") from exc

    def _map(self, member: str) -> np.ndarray:
        with zipfile.ZipFile(self.path) as zf:
            info = zf.getinfo(member)
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{member} is compressed")
            with open(self.path, "rb") as f:
                f.seek(info.header_offset)
                head = f.read(30)
                n_name, n_extra = struct.unpack("<HH", head[26:30])
                start = info.header_offset + 30 + n_name + n_extra
            with zf.open(member) as fp:
                version = np.lib.format.read_magic(fp)
                read = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, fortran, dtype = read(fp)
                offset = fp.tell()
        if shape[0] == 0:
            return np.zeros(shape, dtype)
        return np.memmap(
            self.path,
            dtype,
            mode="r",
            offset=start + offset,
            shape=shape,
            order="F" if fortran else "C",
        )

    def __len__(self) -> int:
        return len(self.frames)

    def rows_at(self, frame: int) -> np.ndarray:
        a, b = np.searchsorted(self.frames, [frame, frame + 1])
        return np.arange(a, b)

    def face_of(self, row: int) -> str:
        return self.faces[int(self.face[row])]

    def landmarks(self, row: int) -> np.ndarray:
        """(468, 3) points in video pixels."""
        x, y, w, h = (float(v) for v in self.lm_box[row])
        size = max(w, h, 1e-3)
        return np.asarray(self._lm[row].astype(np.float32) * size + (x + w / 2, y + h / 2, 0.0))

    def curve(self, face: str, name: str) -> np.ndarray:
        """One signal of one face over every frame of the media (NaN where not found)."""
        out = np.full(self.frame_count, np.nan, np.float32)
        if face not in self.faces or name not in self.signal_names:
            return out
        sel = self.face == self.faces.index(face)
        f = self.frames[sel]
        ok = (f >= 0) & (f < self.frame_count)
        out[f[ok]] = self.signals[sel, self.signal_names.index(name)][ok]
        return out
