"""Files written whole or not at all, content hashes, and the small ``.npz`` model files.

Every write goes to a unique temporary file in the target's folder, is synced, and is
renamed into place: a reader never sees half a file, and two writers of one target never
share a temporary name (the last rename wins, whole).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["write_atomic", "write_wav", "save_npz", "load_npz", "content_hash"]


def write_atomic(target: Path, raw: bytes, mode: int | None = None) -> Path:
    """Write ``raw`` to ``target`` via a synced temporary file renamed into place (``mode``: chmod first)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def save_npz(target: str | os.PathLike, arrays: dict[str, np.ndarray], compressed: bool = False,
             mode: int | None = None) -> Path:
    """Save arrays as one ``.npz`` file, atomically (see :func:`write_atomic`)."""
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return write_atomic(Path(target), buf.getvalue(), mode)


def load_npz(path: str | os.PathLike, error: type[Exception], name: str, fix: str) -> dict[str, np.ndarray]:
    """Every array of a model ``.npz`` file, read now; a missing or unreadable file raises ``error``
    naming ``name`` and the command that rebuilds it (``fix``)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise error(f"{name} {path} is missing: run `{fix}`") from None
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise error(f"{name} {path} is not a {name} file or is damaged ({exc}): run `{fix}`") from None


def content_hash(path: str | os.PathLike, chunk: int = 8 << 20) -> str:
    """SHA-256 of a file's bytes (the video id)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def write_wav(path: str | Path, pcm: np.ndarray, sr: int, channels: int = 2) -> Path:
    """Mono 16-bit ``pcm`` written as a ``channels``-channel WAV, via a partial file renamed into place."""
    import wave

    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(np.repeat(np.asarray(pcm, "<i2")[:, None], channels, axis=1).tobytes())
    tmp.replace(path)
    return path

