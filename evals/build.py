"""Build every test fixture and the demo's inputs: ``python -m evals.build [--copy-demo DIR]``.

Everything is made from installed packages' media (see :mod:`evals.fixtures`) and cached
under the home's ``fixtures/`` folder; ``make demo`` calls this with ``--copy-demo``.
"""

from __future__ import annotations

from pathlib import Path

from evals.demo_stream import build_demo_stream, copy_demo_inputs
from evals.fixtures import bad_inputs, fixtures_dir, shot_boundary_set, synthetic_media
from evals.music import music_bed

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Build (once) every test fixture; ``--copy-demo DIR`` also copies the demo stream and its facts there."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m evals.build", description=main.__doc__)
    ap.add_argument("--copy-demo", type=Path, help="copy the demo video and fact sheets into this folder")
    args = ap.parse_args(argv)
    root = fixtures_dir()
    print("shot set:", shot_boundary_set(root).video)
    print("synthetic:", ", ".join(sorted(synthetic_media(root))))
    print("bad inputs:", len(bad_inputs(root)), "files")
    print("demo stream:", build_demo_stream(root).video)
    if args.copy_demo:
        for path in copy_demo_inputs(args.copy_demo):
            print("  copied to", path)
        print("  music bed:", music_bed(args.copy_demo / "music_bed.wav", seconds=150))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
