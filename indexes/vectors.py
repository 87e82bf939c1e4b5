"""Faiss indexes of clip vectors, persisted beside the catalog and updated incrementally.

One index per (library, kind): ``text`` holds e5-small vectors of each clip's words
(transcript now; on-screen text and concept names join them as those analyses land).
Vectors are unit length and compared by inner product (cosine). Small libraries use an
exact search (one matrix product); from ``ivf_from`` vectors on, a Faiss IVF index
(trained on the library itself, ``nprobe`` lists searched) keeps a query in
milliseconds at a million clips.

Ids are int64 keys derived from the clip id; the clip ids themselves live in a JSON
file beside the index. Writes go to temporary files renamed into place; a change made
through :meth:`VectorIndex.editing` (read, change, write under an exclusive lock on
``NAME.lock``) is never lost to another process changing the same index at the same time.

    >>> idx = VectorIndex.open(folder, "text", dim=384)                    # doctest: +SKIP
    >>> idx.add(["ab12-0", "ab12-1"], vectors); idx.save()                 # doctest: +SKIP
    >>> idx.search(query_vector, k=5)                                      # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = ["VectorIndex", "clip_key"]


def clip_key(clip_id: str) -> int:
    """A stable positive int64 for a clip id."""
    return int.from_bytes(hashlib.blake2b(clip_id.encode(), digest_size=8).digest(), "little") & (2**63 - 1)


class VectorIndex:
    def __init__(self, folder: Path, name: str, dim: int, ivf_from: int = 50_000, nprobe: int = 64):
        self.folder, self.name, self.dim = Path(folder), name, dim
        self.ivf_from, self.nprobe = ivf_from, nprobe
        self.ids: dict[int, str] = {}  # key -> clip id
        self.keys = np.zeros(0, np.int64)  # the stored vectors (kept for rebuilds: IVF training, removals)
        self.vecs = np.zeros((0, dim), np.float32)
        self._row: dict[int, int] = {}
        self._index = None

    # ------------------------------------------------------------------ files

    @property
    def path(self) -> Path:
        return self.folder / f"{self.name}.npz"

    @classmethod
    def open(cls, folder: str | os.PathLike, name: str, dim: int, **kw) -> VectorIndex:
        idx = cls(Path(folder), name, dim, **kw)
        if idx.path.exists():
            with np.load(idx.path, allow_pickle=False) as z:
                keys, vecs = z["keys"], z["vectors"]
                clip_ids = json.loads(str(z["clip_ids"]))
            if vecs.shape[1:] != (dim,):
                raise ValueError(f"{idx.path}: vectors of dimension {vecs.shape[1:]} where {dim} was asked")
            idx.ids = {int(k): c for k, c in zip(keys, clip_ids, strict=True)}
            idx.keys, idx.vecs = keys.astype(np.int64), vecs.astype(np.float32)
            idx._row = {int(k): i for i, k in enumerate(idx.keys)}
        return idx

    @classmethod
    @contextmanager
    def editing(cls, folder: str | os.PathLike, name: str, dim: int, **kw) -> Iterator[VectorIndex]:
        """Open, change and save the index while holding an exclusive lock on it (POSIX ``flock``):
        two processes adding clips at the same moment both land."""
        import fcntl

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{name}.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                idx = cls.open(folder, name, dim, **kw)
                yield idx
                idx.save()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def save(self) -> Path:
        from tools.core.files import save_npz

        return save_npz(self.path, {"keys": self.keys, "vectors": self.vecs,
                                    "clip_ids": np.array(json.dumps([self.ids[int(k)] for k in self.keys]))})

    # ------------------------------------------------------------------ content

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, clip_ids: Sequence[str], vectors: np.ndarray) -> None:
        """Add or replace vectors (unit-normalised here)."""
        vecs = np.asarray(vectors, np.float32).reshape(len(clip_ids), self.dim)
        vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-8)
        keys = np.array([clip_key(c) for c in clip_ids], dtype=np.int64)
        self.remove(clip_ids)
        self.ids.update({int(k): c for k, c in zip(keys, clip_ids, strict=True)})
        self.keys = np.concatenate([self.keys, keys])
        self.vecs = np.vstack([self.vecs, vecs])
        self._row = {int(k): i for i, k in enumerate(self.keys)}
        self._index = None

    def remove(self, clip_ids: Sequence[str]) -> None:
        gone = {clip_key(c) for c in clip_ids} & self._row.keys()
        if not gone:
            return
        keep = np.array([int(k) not in gone for k in self.keys])
        self.keys, self.vecs = self.keys[keep], self.vecs[keep]
        for k in gone:
            self.ids.pop(k, None)
        self._row = {int(k): i for i, k in enumerate(self.keys)}
        self._index = None

    def _build(self):
        import faiss

        keys, vecs = self.keys, self.vecs
        if len(keys) >= self.ivf_from:
            nlist = int(4 * np.sqrt(len(keys)))
            quant = faiss.IndexFlatIP(self.dim)
            base = faiss.IndexIVFFlat(quant, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
            rng = np.random.default_rng(0)
            sample = vecs[rng.choice(len(vecs), size=min(len(vecs), 40 * nlist), replace=False)]
            base.train(sample)
            base.nprobe = self.nprobe
            index = faiss.IndexIDMap2(base)
        else:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        if len(keys):
            index.add_with_ids(vecs, keys)
        self._index = index
        return index

    def similarity(self, clip_ids: Sequence[str], query: np.ndarray) -> dict[str, float]:
        """Cosine of ``query`` with each of ``clip_ids`` that is in the index."""
        q = np.asarray(query, np.float32).reshape(self.dim)
        q = q / max(float(np.linalg.norm(q)), 1e-8)
        rows = {c: self._row[kk] for c in clip_ids if (kk := clip_key(c)) in self._row}
        return {c: float(self.vecs[r] @ q) for c, r in rows.items()}

    def search(self, query: np.ndarray, k: int = 10, allowed: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` nearest clips to ``query`` (cosine), optionally only among ``allowed`` clip ids."""
        if not len(self.keys):
            return []
        q = np.asarray(query, np.float32).reshape(1, self.dim)
        q = q / max(float(np.linalg.norm(q)), 1e-8)
        if allowed is not None:  # a filtered search: exact over the allowed few
            rows = [self._row[kk] for kk in (clip_key(c) for c in allowed) if kk in self._row]
            if not rows:
                return []
            sims = self.vecs[rows] @ q[0]
            order = np.argsort(-sims)[:k]
            return [(self.ids[int(self.keys[rows[i]])], float(sims[i])) for i in order]
        if len(self.keys) < self.ivf_from:  # small: exact, one matrix product (faster than faiss's flat here)
            sims = self.vecs @ q[0]
            top = np.argpartition(-sims, min(k, len(sims) - 1))[:k] if len(sims) > k else np.arange(len(sims))
            top = top[np.argsort(-sims[top])]
            return [(self.ids[int(self.keys[i])], float(sims[i])) for i in top]
        index = self._index or self._build()
        scores, keys = index.search(q, min(k, len(self.keys)))
        return [(self.ids[int(kk)], float(sc)) for sc, kk in zip(scores[0], keys[0], strict=True) if kk >= 0]
