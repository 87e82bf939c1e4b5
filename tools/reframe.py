"""Reframing that follows the subject: a smooth crop-centre track for one span of the source.

The span is sampled at ``fps`` (one seek, small frames). In each sampled frame the subject
is the largest face (mediapipe; a face sits a little above the crop's centre so the
upper body shows), else the shot's attention centre from the analysis. Within a shot the
track is smoothed (median of three, then an exponential filter) and its speed limited,
so the crop glides instead of jittering; at a source cut it jumps with the picture.

    >>> crops = follow("live.mp4", 120.0, 4.5, shots, centres)     # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from tools.timeline import Crop

__all__ = ["follow", "MAX_SPEED"]

MAX_SPEED = 0.12  # the crop centre moves at most this share of the frame width per second


def _subject(image: np.ndarray) -> tuple[float, float] | None:
    from tools.body import look

    body = look(image, hands=False, pose=False, mask=False)
    if not body.faces:
        return None
    x0, y0, x1, y1 = max(body.faces, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    return (x0 + x1) / 2, min(1.0, (y0 + y1) / 2 + 0.12)


def _smooth(values: np.ndarray, times: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    if len(values) >= 3:
        padded = np.concatenate([values[:1], values, values[-1:]])
        values = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
    out = values.astype(float).copy()
    for i in range(1, len(out)):
        target = alpha * values[i] + (1 - alpha) * out[i - 1]
        step = MAX_SPEED * max(times[i] - times[i - 1], 1e-3)
        out[i] = out[i - 1] + float(np.clip(target - out[i - 1], -step, step))
    return out


def follow(source: str | os.PathLike, src_in: float, length: float, shots: Sequence, centres: Sequence[tuple[float, float]],
           fps: float = 3.0, rows: int = 270) -> list[Crop]:
    """Crop points (source time, centre x, y; ``cut`` where a new shot starts) for ``src_in .. +length``.

    ``shots``: the source's shots (start / end); ``centres``: each shot's attention centre (x, y)
    used where no face is seen.
    """
    from tools.media import frames

    starts = np.array([s.start for s in shots], float)

    def shot_at(t: float) -> int:
        return max(0, int(np.searchsorted(starts, t + 1e-6, side="right")) - 1)

    samples: list[tuple[float, int, float, float]] = []
    for f in frames(source, fps=fps, size=rows, start=src_in, end=src_in + length):
        k = shot_at(f.t)
        found = _subject(f.image)
        cx, cy = found if found is not None else centres[min(k, len(centres) - 1)]
        samples.append((f.t, k, cx, cy))
    if not samples:
        k = shot_at(src_in)
        cx, cy = centres[min(k, len(centres) - 1)] if centres else (0.5, 0.5)
        return [Crop(src_in, cx, cy, cut=True)]
    crops: list[Crop] = []
    for k in dict.fromkeys(s[1] for s in samples):  # shot by shot, in order
        mine = [s for s in samples if s[1] == k]
        t = np.array([s[0] for s in mine])
        xs, ys = _smooth(np.array([s[2] for s in mine]), t), _smooth(np.array([s[3] for s in mine]), t)
        first = max(src_in, shots[k].start) if k < len(shots) else src_in
        crops.append(Crop(round(first, 3), round(float(xs[0]), 4), round(float(ys[0]), 4), cut=True))
        crops += [Crop(round(float(a), 3), round(float(x), 4), round(float(y), 4), cut=False)
                  for a, x, y in zip(t[1:], xs[1:], ys[1:], strict=True)]
    return crops
