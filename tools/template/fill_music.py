"""The rhythm of a filled template: slot durations scaled to the ad's length, the music's
beats, and cuts snapped onto them.

- :func:`scaled_durations`: the template's slot durations, scaled together to the length;
- :func:`music_beats`: beat times of a music file, read as ``template extract`` reads them,
  continued past the file's end (the renderer loops a short bed);
- :func:`music_bed`: when no music is given and the reference had music, a bed made here
  (a four-chord pad and a plucked bass on every beat) at the reference's tempo, its beat
  grid shifted so that the cuts need the least moving;
- :func:`snap_cuts`: each cut moved to the nearest beat within half a beat, never making a
  slot shorter than half its length (or :data:`MIN_SLOT` seconds), then onto a frame.

    >>> durations = snap_cuts(scaled_durations(template, 15.0), beats, fps=30)   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tools.core.files import write_wav
from tools.template.model import Template

__all__ = ["MIN_SLOT", "scaled_durations", "music_beats", "beat_grid", "best_phase", "music_bed", "snap_cuts",
           "cut_times"]

MIN_SLOT = 0.5  # seconds: no slot is made shorter than this by snapping
_CHORDS = [(261.63, 329.63, 392.00), (220.00, 261.63, 329.63), (174.61, 220.00, 261.63), (196.00, 246.94, 293.66)]


def scaled_durations(template: Template, seconds: float | None = None) -> list[float]:
    """The template's slot durations scaled together to ``seconds`` (None: the template's length)."""
    d = np.array([s.duration for s in template.slots], float)
    target = float(seconds) if seconds else float(d.sum())
    return [float(x) for x in d * target / d.sum()]


def cut_times(durations: Sequence[float]) -> list[float]:
    """Where each slot after the first begins."""
    return [float(x) for x in np.cumsum(durations)[:-1]]


def music_beats(path: str | Path, seconds: float) -> tuple[list[float], float | None]:
    """Beat times (s) of a music file over ``seconds`` and its tempo (bpm), read the way ``template
    extract`` reads an ad's (:func:`tools.template.audio.read_beats`: a steady grid fitted to the
    onsets; continued past the file's end, as the renderer loops a short bed); no steady pulse: none."""
    from tools.core.media import probe
    from tools.template.audio import read_beats

    length = probe(path).duration or seconds
    got = read_beats(path, [], length)
    if not got.music or not got.tempo or not got.beats:
        return [], None
    period = 60.0 / got.tempo
    beats = list(got.beats)
    while beats[-1] + period <= seconds + 0.5:  # the grid goes on (a looped bed keeps its tempo, if not its phase)
        beats.append(beats[-1] + period)
    return [round(b, 4) for b in beats if b <= seconds + 0.5], float(got.tempo)


def beat_grid(bpm: float, seconds: float, phase: float = 0.0) -> list[float]:
    """Beats every 60/bpm seconds from ``phase``."""
    period = 60.0 / bpm
    return [float(phase + k * period) for k in range(int((seconds - phase) / period) + 2)]


def best_phase(cuts: Sequence[float], bpm: float) -> float:
    """The grid offset (s, within one beat) that puts ``cuts`` nearest to beats (in 10 ms steps)."""
    if not cuts:
        return 0.0
    period = 60.0 / bpm
    phases = np.arange(0.0, period, 0.01)
    c = np.asarray(cuts, float)[None, :] - phases[:, None]
    dist = np.abs(c - np.round(c / period) * period).sum(axis=1)
    return float(phases[int(np.argmin(dist))])


def music_bed(path: str | Path, seconds: float, bpm: float, phase: float = 0.0, sr: int = 44100) -> Path:
    """A stereo 16-bit WAV: a soft pad changing chord every bar and a plucked bass on every beat of
    a grid at ``bpm`` starting at ``phase`` (written through a temporary file)."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    beat = 60.0 / bpm
    bar = 4 * beat
    out = np.zeros(n, np.float32)
    for k in range(int(np.ceil((seconds + bar) / bar))):
        a, b = max(0, int((phase + (k - 1) * bar) * sr)), min(n, int((phase + k * bar) * sr))
        if b <= a:
            continue
        seg = t[a:b] - (phase + (k - 1) * bar)
        env = np.clip(np.minimum(seg / 0.4, (bar - seg) / 0.4), 0.0, 1.0)
        for f in _CHORDS[k % 4]:
            out[a:b] += 0.08 * env * (np.sin(2 * np.pi * f * seg) + 0.3 * np.sin(2 * np.pi * 2 * f * seg))
    for k, b0 in enumerate(beat_grid(bpm, seconds, phase)):
        s0 = int(b0 * sr)
        m = min(n, s0 + int(0.4 * sr)) - s0
        if m > 0 and s0 >= 0:
            tt = np.arange(m) / sr
            root = _CHORDS[(k // 4) % 4][0] / 2
            out[s0:s0 + m] += np.exp(-tt * 9) * (0.3 * np.sin(2 * np.pi * root * tt)
                                                 + 0.08 * np.sin(2 * np.pi * 4 * root * tt))
    pcm = (np.clip(out / max(1e-6, float(np.abs(out).max())) * 0.7, -1, 1) * 32767).astype("<i2")
    return write_wav(path, pcm, sr)


def snap_cuts(durations: Sequence[float], beats: Sequence[float], fps: int = 30,
              tolerance: float | None = None) -> list[float]:
    """``durations`` with every cut moved onto the nearest beat within ``tolerance`` (default half
    the median beat interval) when that leaves both slots at least half their length (and
    :data:`MIN_SLOT`), then every cut onto a frame; the total is kept."""
    total = float(sum(durations))
    cuts = cut_times(durations)
    b = np.asarray(sorted(beats), float)
    if tolerance is None:
        tolerance = float(np.median(np.diff(b))) / 2 if len(b) > 1 else 0.0
    out: list[float] = []
    prev = 0.0
    for k, c in enumerate(cuts):
        nxt_end = cuts[k + 1] if k + 1 < len(cuts) else total
        lo = prev + max(MIN_SLOT, durations[k] / 2)
        hi = nxt_end - max(MIN_SLOT, durations[k + 1] / 2)
        new = c
        if len(b):
            near = b[(b >= lo) & (b <= hi) & (np.abs(b - c) <= tolerance + 1e-9)]
            if len(near):
                new = float(near[np.argmin(np.abs(near - c))])
        new = round(new * fps) / fps
        out.append(new)
        prev = new
    edges = [0.0, *out, round(total * fps) / fps if abs(total * fps - round(total * fps)) < 1e-6 else total]
    return [float(b1 - a1) for a1, b1 in zip(edges, edges[1:], strict=False)]
