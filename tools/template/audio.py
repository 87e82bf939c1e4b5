"""The sound of a template: music or not, tempo and beats, cuts on beats, voice, speaking rate.

Beat tracking is done here with numpy (no librosa in the environment), after Ellis (2007):

* the **onset envelope** is the spectral flux of the log-magnitude STFT (23 ms windows,
  11.6 ms hop), high-passed;
* the **tempo** is the autocorrelation peak of the envelope between 50 and 200 bpm, weighted
  by a broad log-normal prior around 110 bpm, then refined: each beat of the comb is moved to
  the strongest onset within an eighth of a beat, and the period and phase are the least
  squares line through those beats (so the tempo is not limited to the lag grid);
* it is **music** when the pulse is regular (the envelope's autocorrelation at the beat
  period is at least 0.4 of its energy: 0.7-0.95 for music beds, 0.05-0.15 for speech and
  noise) and clear (at least 85 % of the grid's beats land on a strong onset, at least 8
  beats), and the sound goes on where nobody speaks (the gaps between the recognised words
  are not quiet); speech alone has none of these;
* **cuts on beat**: the share of cuts within 70 ms (or an eighth of a beat) of a beat;
* **speaking rate**: words (English) or characters (Chinese) per second of speech.

The voice (voice-over or original speech) is decided in :mod:`tools.template.extract`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Beats", "onset_envelope", "read_beats", "cuts_on_beat", "speaking_rate", "VERSION"]

VERSION = "2"
SR = 22050
HOP = 256
WIN = 1024


@dataclass
class Beats:
    music: bool
    tempo: float | None
    beats: list[float] = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)


def onset_envelope(y: np.ndarray, max_hz: float | None = None) -> np.ndarray:
    """Spectral flux of the log-magnitude spectrogram (bins below ``max_hz`` only, when given), one
    value per hop (frame j's time: j * HOP / SR + WIN / 2 / SR), high-passed, >= 0."""
    n = 1 + max(0, (len(y) - WIN) // HOP)
    idx = np.arange(WIN)[None, :] + HOP * np.arange(n)[:, None]
    spec = np.abs(np.fft.rfft(y[idx] * np.hanning(WIN)[None, :], axis=1))
    if max_hz is not None:
        spec = spec[:, : max(2, int(max_hz * WIN / SR))]
    logm = np.log1p(100.0 * spec)
    flux = np.maximum(0.0, np.diff(logm, axis=0)).sum(axis=1)
    flux = np.concatenate([[0.0], flux])
    smooth = np.convolve(flux, np.ones(int(0.4 * SR / HOP)) / int(0.4 * SR / HOP), mode="same")
    return np.maximum(0.0, flux - smooth)


def _period(env: np.ndarray) -> float:
    """The beat period in hops: the prior-weighted autocorrelation peak, parabolic-refined."""
    e = env - env.mean()
    ac = np.correlate(e, e, mode="full")[len(e) - 1:]
    lags = np.arange(len(ac))
    lo, hi = int(60 / 200 * SR / HOP), min(len(ac) - 2, int(60 / 50 * SR / HOP))
    bpm = 60.0 * SR / HOP / np.maximum(lags, 1)
    w = ac * np.exp(-0.5 * (np.log2(bpm / 110.0) / 0.9) ** 2)
    k = lo + int(np.argmax(w[lo:hi]))
    a, b, c = ac[k - 1], ac[k], ac[k + 1]
    den = a - 2 * b + c
    return float(k + (0.5 * (a - c) / den if den < 0 else 0.0))


def _periodicity(env: np.ndarray, period: float) -> float:
    """The envelope's normalised autocorrelation at the beat period (about 0.7-0.95 for a music bed,
    0.05-0.15 for speech or noise)."""
    e = env - env.mean()
    ac = np.correlate(e, e, mode="full")[len(e) - 1:]
    k = int(round(period))
    return float(ac[k] / ac[0]) if ac[0] > 0 and 0 < k < len(ac) else 0.0


def _grid(env: np.ndarray, period: float) -> tuple[float, float, float, int]:
    """(period s, first beat s, share of beats on a strong onset, beats) of the comb that fits best."""
    best_phase = max(range(int(period) + 1),
                     key=lambda p: env[np.arange(p, len(env), period).astype(int)].sum())
    strong = env.mean() + env.std()
    tol = max(1, int(period / 8))
    ks, ts, hits = [], [], 0
    for k, g in enumerate(np.arange(best_phase, len(env), period)):
        a, b = max(0, int(g) - tol), min(len(env), int(g) + tol + 1)
        j = a + int(np.argmax(env[a:b]))
        if env[j] >= strong:
            ks.append(k)
            ts.append(j * HOP / SR + WIN / 2 / SR)
            hits += 1
    n = len(np.arange(best_phase, len(env), period))
    if len(ks) < 4:
        return period * HOP / SR, best_phase * HOP / SR + WIN / 2 / SR, hits / max(n, 1), n
    (p, t0) = np.polyfit(np.asarray(ks, float), np.asarray(ts), 1)
    return float(p), float(t0), hits / max(n, 1), n


def _gap_loudness(y: np.ndarray, speech: Sequence[tuple[float, float]], duration: float) -> tuple[float, float]:
    """(share of the non-speech time that is not quiet, seconds of non-speech time)."""
    n = len(y) // HOP
    rms = np.sqrt((y[: n * HOP].reshape(n, HOP) ** 2).mean(axis=1))
    t = np.arange(n) * HOP / SR
    free = np.ones(n, dtype=bool)
    for a, b in speech:
        free &= ~((t >= a - 0.25) & (t <= b + 0.25))
    free &= (t > 0.3) & (t < duration - 0.3)
    if free.sum() < 4:
        return 0.0, 0.0
    db = 20 * np.log10(np.maximum(rms[free], 1e-6))
    return float((db > -45).mean()), float(free.sum() * HOP / SR)


def read_beats(path: str | os.PathLike, speech: Sequence[tuple[float, float]], duration: float) -> Beats:
    """Music, tempo and beats of a video's sound (``speech``: the spoken stretches, from ASR)."""
    from tools.core.errors import NoAudioStream
    from tools.core.media import audio

    try:
        y = audio(path, sr=SR)
    except NoAudioStream:
        return Beats(False, None, measures={"audio": 0.0})
    if len(y) < 4 * SR or float(np.abs(y).max()) < 1e-4:
        return Beats(False, None, measures={"silent_or_short": 1.0})
    y = y.astype(np.float32)
    envs = [(env, _period(env)) for env in (onset_envelope(y), onset_envelope(y, max_hz=200.0))]
    env, lag = max(envs, key=lambda x: _periodicity(*x))  # the band where the pulse is clearest
    periodic = _periodicity(env, lag)
    period, t0, clarity, n = _grid(env, lag)
    loud, gap_seconds = _gap_loudness(y, speech, duration)
    sounding = loud >= 0.6 if gap_seconds >= 1.0 else True
    measures = {"periodicity": round(periodic, 3), "pulse_clarity": round(clarity, 3), "gap_loud": round(loud, 3),
                "gap_seconds": round(gap_seconds, 2), "beats": float(n)}
    if not (periodic >= 0.4 and clarity >= 0.85 and n >= 8 and sounding):
        return Beats(False, None, measures=measures)
    while t0 - period >= -0.02:
        t0 -= period
    grid = [round(max(0.0, t0 + k * period), 4) for k in range(int((duration - t0) / period) + 1)]
    return Beats(True, round(60.0 / period, 2), grid, measures)


def cuts_on_beat(cuts: Sequence[float], beats: Sequence[float], tempo: float | None) -> float | None:
    """Share of the cuts within max(70 ms, an eighth of a beat) of a beat (None without beats or cuts)."""
    if not beats or not cuts or not tempo:
        return None
    tol = max(0.07, 60.0 / tempo / 8)
    b = np.asarray(beats)
    return round(float(np.mean([np.abs(b - c).min() <= tol for c in cuts])), 3)


def speaking_rate(words: Sequence[tuple[str, float, float]], language: str) -> float | None:
    """Words (or Chinese characters) per second of speech, from (text, start, end) words."""
    if not words:
        return None
    spans, cur = [], [words[0][1], words[0][2]]
    for _, a, b in words[1:]:  # stretches of speech: words closer than 0.3 s
        if a - cur[1] > 0.3:
            spans.append(cur)
            cur = [a, b]
        else:
            cur[1] = max(cur[1], b)
    spans.append(cur)
    seconds = sum(b - a for a, b in spans)
    units = sum(len([c for c in w if "\u4e00" <= c <= "\u9fff"]) for w, _, _ in words) if language == "zh" \
        else len(words)
    return round(units / seconds, 3) if seconds > 0 and units else None
