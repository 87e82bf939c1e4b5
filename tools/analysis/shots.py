"""Shot detection: hard cuts, dissolves and fades from a thumbnail-sized pass over the video.

One streaming pass decodes only reference frames (B-frames skipped, deblocking off) at
thumbnail size and keeps three small features per frame: an HSV colour histogram, a
16x12 normalised grey thumbnail (structure, catches cuts between similar-coloured
shots) and the mean luma (fades). Boundaries come from those features:

* **cut**: the distance between consecutive frames is high in absolute terms and
  several times the local motion level (median distance in the surrounding seconds),
  so fast motion is not taken for cuts and a jump cut in a still scene is;
* **dissolve / fade**: frames ``w`` seconds either side of a point differ much more than
  frames ``2w`` apart inside either neighbouring stretch do (the picture changed, and
  not by ongoing motion); a dip to black in the middle makes it a fade.

The features are kept (catalog arrays) so scenes can reuse them without decoding again.
``bench/shots.py`` compares this detector with PySceneDetect and TransNetV2.

    >>> shots = detect_shots("live.mp4")                                   # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tools.core.media import container_duration, thumbs
from tools.core.schema import Shot

__all__ = ["ShotFeatures", "Boundary", "ShotParams", "frame_features", "find_boundaries", "shots_from_boundaries",
           "detect_shots", "VERSION"]

VERSION = "1"
_THUMB = (16, 12)
_HIST_SIZE = 4 * 6 * 6


@dataclass
class ShotFeatures:
    """Per decoded frame: time, HSV histogram (sums to 1), normalised grey thumbnail, mean luma."""

    t: np.ndarray  # (N,) float32 seconds
    hist: np.ndarray  # (N, 144) float32, YUV 4x6x6 bins
    thumb: np.ndarray  # (N, 192) float32, zero mean / unit variance per frame
    luma: np.ndarray  # (N,) float32, 0..255
    duration: float = 0.0

    def arrays(self) -> dict[str, np.ndarray]:
        return {"t": self.t, "hist": self.hist, "thumb": self.thumb, "luma": self.luma}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], duration: float) -> ShotFeatures:
        return cls(arrays["t"], arrays["hist"], arrays["thumb"], arrays["luma"], duration)

    def __len__(self) -> int:
        return len(self.t)


@dataclass(frozen=True)
class Boundary:
    t: float  # the boundary time (a cut: the first frame of the new shot; gradual: its middle)
    kind: str  # "cut" | "dissolve" | "fade"
    score: float
    start: float = 0.0  # gradual transitions: where the change starts and ends
    end: float = 0.0


@dataclass(frozen=True)
class ShotParams:
    cut_min: float = 0.28  # a consecutive-frame distance that is a cut unless motion is as large ...
    cut_ratio: float = 3.0  # ... (this many times the local motion level)
    cut_floor: float = 0.045  # otherwise (still scenes, zoom jumps): floor + slope x motion level
    cut_slope: float = 4.0
    window: float = 2.0  # seconds either side for the local motion level
    grad_lag: float = 0.5  # seconds either side of a gradual transition's middle
    grad_min: float = 0.3
    grad_ratio: float = 2.2
    fade_luma: float = 24.0  # the darkest frame of a fade through black
    min_shot: float = 0.4  # boundaries closer than this are one boundary


def _features(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Colour histogram (YUV 4x6x6), normalised 16x12 grey thumbnail and mean luma of one thumbnail."""
    import cv2

    rows, cols = min(y.shape[0], u.shape[0], v.shape[0]), min(y.shape[1], u.shape[1], v.shape[1])
    yy, uu, vv = y[:rows, :cols], u[:rows, :cols], v[:rows, :cols]
    code = (yy >> 6).astype(np.int32) * 36 + ((uu.astype(np.int32) * 6) >> 8) * 6 + ((vv.astype(np.int32) * 6) >> 8)
    hist = np.bincount(code.ravel(), minlength=_HIST_SIZE).astype(np.float32)
    hist /= max(float(hist.sum()), 1.0)
    grey = cv2.resize(y, _THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)
    luma = float(grey.mean())
    z = (grey.ravel() - luma) / (float(grey.std()) + 8.0)
    return hist, z, luma


def frame_features(path: str | os.PathLike, max_fps: float = 12.5,
                   progress: Callable[[float], None] | None = None) -> ShotFeatures:
    """Decode ``path`` once (reference frames, thumbnail size) and compute the shot features."""
    import cv2

    cv2.setNumThreads(1)
    duration = container_duration(path)
    ts, hists, thumbs_, lumas = [], [], [], []
    last = -1.0
    for th in thumbs(path, max_fps=max_fps):
        h, z, luma = _features(th.y, th.u, th.v)
        ts.append(th.t)
        hists.append(h)
        thumbs_.append(z)
        lumas.append(luma)
        if progress is not None and th.t - last >= 5.0:
            progress(th.t)
            last = th.t
    return ShotFeatures(
        t=np.asarray(ts, dtype=np.float32),
        hist=np.asarray(hists, dtype=np.float32).reshape(-1, _HIST_SIZE),
        thumb=np.asarray(thumbs_, dtype=np.float32).reshape(-1, _THUMB[0] * _THUMB[1]),
        luma=np.asarray(lumas, dtype=np.float32),
        duration=max(duration, float(ts[-1]) if ts else 0.0),
    )


def pair_distance(f: ShotFeatures, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """Visual distance in 0..1 between frames ``a`` and ``b`` (colour and structure, equal weight)."""
    dh = 0.5 * np.abs(f.hist[a] - f.hist[b]).sum(-1)
    dg = np.minimum(np.abs(f.thumb[a] - f.thumb[b]).mean(-1) / 1.1, 1.0)
    return 0.5 * dh + 0.5 * dg


def _local_median(values: np.ndarray, t: np.ndarray, window: float, skip: int = 1) -> np.ndarray:
    """Median of ``values`` within ``window`` seconds of each point, leaving out the point and ``skip`` neighbours."""
    out = np.zeros_like(values)
    lo = np.searchsorted(t, t - window, side="left")
    hi = np.searchsorted(t, t + window, side="right")
    for i in range(len(values)):
        around = np.concatenate([values[lo[i]:max(lo[i], i - skip)], values[min(hi[i], i + skip + 1):hi[i]]])
        out[i] = float(np.median(around)) if len(around) else 0.0
    return out


def _cuts(f: ShotFeatures, p: ShotParams) -> list[Boundary]:
    n = len(f)
    if n < 2:
        return []
    d = pair_distance(f, np.arange(1, n), np.arange(0, n - 1))  # d[i]: frame i -> i+1
    tt = f.t[1:]
    base = _local_median(d, tt, p.window)
    out = []
    for i in np.flatnonzero(d >= p.cut_floor):
        hard = d[i] >= p.cut_min and d[i] >= p.cut_ratio * base[i] + 0.04
        jump = d[i] >= p.cut_floor + p.cut_slope * base[i]
        if hard or jump:
            out.append(Boundary(t=float(tt[i]), kind="cut", score=float(d[i] / max(base[i], 0.02)),
                                start=float(f.t[i]), end=float(tt[i])))
    return out


def _gradual(f: ShotFeatures, p: ShotParams) -> list[Boundary]:
    """Persistent changes spread over several frames; also cuts that motion hid from :func:`_cuts`."""
    n = len(f)
    if n < 5:
        return []
    t = f.t
    idx = np.arange(n)
    step = np.concatenate([[0.0], pair_distance(f, np.arange(1, n), np.arange(0, n - 1))])  # step[i]: i-1 -> i
    before = np.searchsorted(t, t - p.grad_lag, side="left")
    after = np.minimum(np.searchsorted(t, t + p.grad_lag, side="right") - 1, n - 1)
    before2 = np.searchsorted(t, t - 3 * p.grad_lag, side="left")
    after2 = np.minimum(np.searchsorted(t, t + 3 * p.grad_lag, side="right") - 1, n - 1)
    across = pair_distance(f, before, after)
    inside = np.maximum(pair_distance(f, before2, before), pair_distance(f, after, after2))
    ok = (before < idx) & (after > idx) & (before2 < before) & (after2 > after)
    score = np.where(ok, across - p.grad_ratio * inside, -1.0)
    out = []
    for i in np.flatnonzero((score > 0) & (across >= p.grad_min)):
        if score[i] < score[max(0, i - 2):i + 3].max():
            continue  # not a local maximum
        lo, hi = int(before[i]), int(after[i])
        steps = step[lo + 1:hi + 1]
        ratio = float(across[i] / max(inside[i], 0.02))
        big = int(np.argmax(steps))
        if steps[big] >= 0.6 * steps.sum() and steps[big] >= p.cut_min:
            # one step holds the change: a cut (that fast motion around it may have hidden)
            out.append(Boundary(t=float(t[lo + 1 + big]), kind="cut", score=ratio, start=float(t[lo + big]),
                                end=float(t[lo + 1 + big])))
            continue
        if steps[big] >= 0.6 * steps.sum():
            continue
        dark = lo + int(np.argmin(f.luma[lo:hi + 1]))
        is_fade = f.luma[dark] <= p.fade_luma and f.luma[dark] < min(f.luma[lo], f.luma[hi]) - 20
        if is_fade:
            mid = float(t[dark])
        else:  # where half of the change has happened
            cum = np.cumsum(steps)
            mid = float(t[lo + 1 + int(np.searchsorted(cum, cum[-1] / 2))])
        out.append(Boundary(t=mid, kind="fade" if is_fade else "dissolve", score=ratio, start=float(t[lo]),
                            end=float(t[hi])))
    return out


def _fade_or_cut(f: ShotFeatures, c: Boundary, p: ShotParams) -> Boundary:
    """A 'cut' into or out of a black frame with brighter pictures either side is a fade through black."""
    lo = int(np.searchsorted(f.t, c.t - 2 * p.grad_lag * 0.6, side="left"))
    hi = int(np.searchsorted(f.t, c.t + 2 * p.grad_lag * 0.6, side="right")) - 1
    if hi - lo < 2:
        return c
    dark = lo + int(np.argmin(f.luma[lo:hi + 1]))
    if f.luma[dark] <= p.fade_luma and min(f.luma[lo], f.luma[hi]) > f.luma[dark] + 20 and lo < dark < hi:
        return Boundary(t=float(f.t[dark]), kind="fade", score=c.score, start=float(f.t[lo]), end=float(f.t[hi]))
    return c


def find_boundaries(f: ShotFeatures, params: ShotParams | None = None) -> list[Boundary]:
    """Cuts and gradual transitions, strongest first when two fall closer than ``min_shot``."""
    p = params or ShotParams()
    cuts = _cuts(f, p)
    grads = _gradual(f, p)
    merged: list[Boundary] = []
    for g in grads:  # a cut inside a gradual transition is part of it (e.g. the black frame of a fade)
        if g.kind != "cut":
            for c in [c for c in cuts if g.start <= c.t <= g.end and c.score < 2 * g.score]:
                cuts.remove(c)
        merged.append(g)
    merged += [_fade_or_cut(f, c, p) for c in cuts]
    merged.sort(key=lambda b: -b.score)
    kept: list[Boundary] = []
    for b in merged:
        if all(abs(b.t - k.t) >= p.min_shot for k in kept):
            kept.append(b)
    return sorted(kept, key=lambda b: b.t)


def shots_from_boundaries(boundaries: list[Boundary], duration: float) -> list[Shot]:
    """Shots between consecutive boundaries, covering 0..duration."""
    edges = [0.0] + [b.t for b in boundaries if 0.0 < b.t < duration] + [duration]
    kinds = ["start"] + [b.kind for b in boundaries if 0.0 < b.t < duration]
    return [Shot(index=i, start=round(a, 3), end=round(b, 3), transition_in=k)
            for i, (a, b, k) in enumerate(zip(edges[:-1], edges[1:], kinds, strict=True)) if b > a]


@dataclass
class ShotResult:
    shots: list[Shot]
    boundaries: list[Boundary]
    features: ShotFeatures = field(repr=False)


def detect_shots(path: str | os.PathLike, params: ShotParams | None = None,
                 progress: Callable[[float], None] | None = None) -> ShotResult:
    """Shots of a video file, with the boundaries found and the features used."""
    feats = frame_features(path, progress=progress)
    bounds = find_boundaries(feats, params)
    return ShotResult(shots_from_boundaries(bounds, feats.duration), bounds, feats)
