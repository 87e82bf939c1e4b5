"""Decoding speed: analysis settings (2 fps, 384 px short side) vs every frame at full size.

    .venv/bin/python bench/decode.py [VIDEO] [--seconds 120]

Uses the 720p demo stream by default; prints both rates and their ratio from one run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tools.core.media import frames, probe


def rate(path: Path, seconds: float, **kw) -> tuple[float, int]:
    start = time.perf_counter()
    n = sum(1 for _ in frames(path, end=seconds, **kw))
    return seconds / (time.perf_counter() - start), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("video", nargs="?", type=Path)
    ap.add_argument("--seconds", type=float, default=120.0)
    args = ap.parse_args()
    if args.video is None:
        from evals.demo_stream import build_demo_stream

        args.video = build_demo_stream().video
    info = probe(args.video)
    seconds = min(args.seconds, info.duration)
    print(f"{args.video.name}: {info.video.width}x{info.video.height} {info.video.codec} {info.video.fps:.2f} fps, "
          f"first {seconds:.0f} s")
    fast, n_fast = rate(args.video, seconds, fps=2.0, size=384)
    full, n_full = rate(args.video, seconds, fps=None, size=None)
    print(f"analysis (2 fps, 384 px): {fast:7.1f}x real time ({n_fast} frames kept)")
    print(f"every frame, full size  : {full:7.1f}x real time ({n_full} frames)")
    print(f"ratio: {fast / full:.2f}x faster at analysis settings")


if __name__ == "__main__":
    main()
