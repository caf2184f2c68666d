"""``annotator probe`` and ``annotator frame``: headless looks at a video through FrameSource.

``register(subparsers)`` is called by :mod:`annotator.cli`; each handler returns an exit
code and lets :class:`MediaError` / ``ValueError`` escape with a one-line message, which
the CLI prints without a traceback.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy only when a frame is written: the CLI starts without it
    import numpy as np


def write_png(path: str | Path, rgb: np.ndarray, inputs: tuple[str | Path, ...] = ()) -> None:
    """Minimal PNG writer (8-bit RGB, no filter): exact pixels, no Qt or Pillow needed."""
    import numpy as np

    arr = np.ascontiguousarray(rgb, dtype=np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError("write_png needs an (H, W, 3) uint8 array")
    h, w = arr.shape[:2]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), arr.reshape(h, w * 3)], axis=1)

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
    png += chunk(b"IEND", b"")
    from annotator.safe_output import write_output

    write_output(path, png, inputs=inputs)


def read_png(path: str | Path) -> np.ndarray:
    """Reader for the files :func:`write_png` writes (tests; RGB 8-bit, filter 0 only)."""
    import numpy as np

    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{Path(path).name}: not a PNG file")
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        if tag == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * 3)
    if rows[:, 0].any():
        raise ValueError(f"{Path(path).name}: PNG filters other than 0 not supported")
    return rows[:, 1:].reshape(h, w, 3).copy()


def _format_probe(info: dict[str, Any]) -> str:
    lines = [
        f"file:        {info['path']}",
        f"codec:       {info['codec']} {info['width']}x{info['height']}",
        f"frames:      {info['frame_count']} decodable"
        + (
            f" (container claims {info['container_frames']})"
            if info["container_frames"] and info["container_frames"] != info["frame_count"]
            else ""
        ),
        f"fps:         {info['fps']} ({info['fps_float']:.3f})"
        + (" variable frame rate" if info["vfr"] else ""),
        f"duration:    {info['duration_s']:.3f} s",
        f"first pts:   {info['first_pts']} (time base {info['time_base']}, "
        f"{info['start_s']:.3f} s)",
        f"audio:       {'yes' if info['has_audio'] else 'no'}",
    ]
    return "\n".join(lines)


def cmd_probe(args: argparse.Namespace) -> int:
    from annotator.media import probe

    info = probe(args.video)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(_format_probe(info))
    return 0


def cmd_frame(args: argparse.Namespace) -> int:
    from annotator.media import FrameSource
    from annotator.safe_output import check_input, resolve_target

    out = Path(args.output)
    if not out.parent.exists():
        raise ValueError(f"{out.parent}: folder does not exist")
    check_input(args.video, label="video")
    resolve_target(out, [args.video])  # refuse before decoding anything
    with FrameSource(args.video, prefetch=False) as src:
        if not 0 <= args.index < src.frame_count:
            raise ValueError(
                f"{src.path.name}: frame {args.index} out of range 0..{src.frame_count - 1}"
            )
        rgb = src.frame(args.index)
        write_png(out, rgb, inputs=(args.video,))
        t = src.timestamps[args.index]
    print(f"wrote {out} (frame {args.index}, {t:.6f} s)")
    return 0


def register(subparsers: Any) -> None:
    """Add ``probe`` and ``frame`` to the main CLI's subparsers."""
    p = subparsers.add_parser(
        "probe", help="codec, size, exact frame count, fps, duration, VFR, first PTS"
    )
    p.add_argument("video")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_probe)

    p = subparsers.add_parser("frame", help="write the exact frame N of a video as PNG")
    p.add_argument("video")
    p.add_argument("--index", "-n", type=int, required=True, help="0-based frame index")
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.set_defaults(func=cmd_frame)


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (``python -m annotator.cli_media``) when the main CLI is absent."""
    from annotator.media import MediaError

    parser = argparse.ArgumentParser(prog="annotator-media")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (MediaError, ValueError) as exc:
        print(f"annotator: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
