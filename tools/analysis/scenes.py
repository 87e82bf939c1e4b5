"""Scenes: adjacent shots merged by visual similarity and speech continuity.

A shot boundary stays a scene boundary only when the pictures on either side look
different (colour histograms of the two shots, and of the shot before, for A-B-A
cutaways) and no sentence is spoken across it: a clip cut at a scene boundary never
cuts a sentence in half.

    >>> scenes = group_scenes(shots, features, sentences)                 # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tools.analysis.shots import ShotFeatures
from tools.core.schema import Scene, Sentence, Shot

__all__ = ["shot_histograms", "group_scenes", "speech_crosses", "VERSION"]

VERSION = "1"


def shot_histograms(shots: Sequence[Shot], feats: ShotFeatures) -> np.ndarray:
    """Mean colour histogram of each shot (frames inside it, away from its edges when possible)."""
    out = np.zeros((len(shots), feats.hist.shape[1] if len(feats) else 1), dtype=np.float32)
    for i, s in enumerate(shots):
        pad = min(0.3, s.duration / 4)
        inside = (feats.t >= s.start + pad) & (feats.t <= s.end - pad)
        if not inside.any():
            inside = (feats.t >= s.start) & (feats.t <= s.end)
        if not inside.any() and len(feats):
            inside = np.zeros(len(feats), bool)
            inside[int(np.argmin(np.abs(feats.t - (s.start + s.end) / 2)))] = True
        if inside.any():
            out[i] = feats.hist[inside].mean(axis=0)
    return out


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(1.0 - 0.5 * np.abs(a - b).sum())


def speech_crosses(t: float, sentences: Sequence[Sentence], margin: float = 0.25) -> bool:
    """A sentence is being spoken across time ``t`` (more than ``margin`` s on each side)."""
    return any(s.start + margin < t < s.end - margin for s in sentences)


def group_scenes(shots: Sequence[Shot], feats: ShotFeatures, sentences: Sequence[Sentence] = (),
                 similar: float = 0.6, min_scene: float = 1.0) -> list[Scene]:
    """Merge adjacent shots into scenes.

    Args:
        shots: in time order, covering the video.
        feats: the shot detector's per-frame features (colour histograms are reused).
        sentences: speech; a boundary inside a sentence is never a scene boundary.
        similar: histogram similarity (0..1) above which two shots belong to one scene.
        min_scene: shorter scenes join their more similar neighbour.
    """
    if not shots:
        return []
    hists = shot_histograms(shots, feats)
    groups: list[list[int]] = [[0]]
    for i in range(1, len(shots)):
        cur = groups[-1]
        sim = max(_similarity(hists[i], hists[j]) for j in cur[-2:])
        if sim >= similar or speech_crosses(shots[i].start, sentences):
            cur.append(i)
        else:
            groups.append([i])
    groups = _absorb_short(groups, shots, hists, min_scene)
    return [Scene(index=k, start=shots[g[0]].start, end=shots[g[-1]].end, shots=list(g)) for k, g in enumerate(groups)]


def _absorb_short(groups: list[list[int]], shots: Sequence[Shot], hists: np.ndarray,
                  min_scene: float) -> list[list[int]]:
    changed = True
    while changed and len(groups) > 1:
        changed = False
        for k, g in enumerate(groups):
            if shots[g[-1]].end - shots[g[0]].start >= min_scene:
                continue
            mean = hists[g].mean(axis=0)
            left = _similarity(mean, hists[groups[k - 1]].mean(axis=0)) if k > 0 else -1.0
            right = _similarity(mean, hists[groups[k + 1]].mean(axis=0)) if k + 1 < len(groups) else -1.0
            if left >= right:
                groups[k - 1] += g
            else:
                groups[k + 1] = g + groups[k + 1]
            del groups[k]
            changed = True
            break
    return groups
