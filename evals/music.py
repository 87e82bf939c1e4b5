"""A music bed made here (no third-party audio): a soft four-chord pad with a light pulse.

Used by the demo (``make demo``) and the tests as the ad's music; a user passes their own
file with ``reelwright make --music``.

    >>> music_bed("bed.wav", seconds=40)     # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tools.core.files import write_wav

__all__ = ["music_bed"]

# C major - A minor - F major - G major, as frequencies (Hz) of three voices
_CHORDS = [(261.63, 329.63, 392.00), (220.00, 261.63, 329.63), (174.61, 220.00, 261.63), (196.00, 246.94, 293.66)]


def music_bed(path: str | Path, seconds: float = 40.0, bpm: float = 100.0, sr: int = 44100) -> Path:
    """Write a stereo 16-bit WAV of ``seconds`` of gentle pad + pulse at ``bpm`` (atomically)."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    beat = 60.0 / bpm
    bar = 4 * beat
    out = np.zeros(n, np.float32)
    for k in range(int(np.ceil(seconds / bar))):
        a, b = int(k * bar * sr), min(n, int((k + 1) * bar * sr))
        seg = t[a:b] - k * bar
        env = np.minimum(1.0, seg / 0.4) * np.minimum(1.0, (bar - seg) / 0.4)
        for f in _CHORDS[k % 4]:
            out[a:b] += 0.09 * env * (np.sin(2 * np.pi * f * seg) + 0.3 * np.sin(2 * np.pi * 2 * f * seg))
        root = _CHORDS[k % 4][0] / 2
        for j in range(4):  # a soft plucked bass on every beat
            s0 = int((k * bar + j * beat) * sr)
            m = min(n, s0 + int(0.45 * sr)) - s0
            if m > 0:
                tt = np.arange(m) / sr
                out[s0:s0 + m] += 0.18 * np.exp(-tt * 7) * np.sin(2 * np.pi * root * tt)
    fade = int(min(1.5, seconds / 4) * sr)
    out[:fade] *= np.linspace(0, 1, fade)
    out[-fade:] *= np.linspace(1, 0, fade)
    pcm = (np.clip(out / max(1e-6, float(np.abs(out).max())) * 0.6, -1, 1) * 32767).astype("<i2")
    return write_wav(path, pcm, sr)
