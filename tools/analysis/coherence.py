"""Coherence: how well clip B follows clip A (0-1), from their narration / transcript text.

A pairwise model in the spirit of the seed's sentence-pair scorer, small enough for
2 cores: e5-small vectors of both texts (their product and difference), cosine and
character-bigram overlap, connective words that open B ("而且", "另外", "also"...),
and where each text tends to sit in an ad (a ridge regression of relative position:
greetings early, calls to buy late). Trained on adjacent vs non-adjacent clip pairs of
the E-SyncVidStory dev ads (``reelwright train coherence``); ``reelwright eval
coherence`` reports the pairwise AUC of the true next clip against the other clips of
the same ad, cross-validated by product.

    >>> CoherenceModel.load().score(["先来看质地"], ["而且上脸很快吸收"], embed)   # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from tools.core.errors import CoherenceError

__all__ = ["CoherenceModel", "CoherenceError", "pairs_of", "DEFAULT_MODEL", "VERSION"]

VERSION = "1"
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "data" / "coherence.npz"
Embed = Callable[[list[str]], np.ndarray]
CONNECTIVES = ("而且", "另外", "同时", "还有", "再加上", "最后", "所以", "因此", "不仅", "更", "也", "还", "并且",
               "此外", "然后", "接着", "现在", "赶紧", "那么", "它", "这款", "and ", "also", "plus", "so ", "then",
               "now", "finally", "it ", "this ")


def _bigrams(t: str) -> set[str]:
    return {t[i:i + 2] for i in range(len(t) - 1)}


def _lexical(a: str, b: str) -> np.ndarray:
    la, lb = a.lower(), b.lower()
    head = lb[:8]
    opens = [float(lb.startswith(c)) for c in CONNECTIVES] + [float(c in head) for c in CONNECTIVES]
    ba, bb = _bigrams(la), _bigrams(lb)
    overlap = len(ba & bb) / max(1, len(bb))
    return np.array([overlap, min(len(a), 80) / 50, min(len(b), 80) / 50, *opens], np.float32)


class CoherenceModel:
    def __init__(self, pos_w: np.ndarray, pos_b: float, w: np.ndarray, b: float):
        self.pos_w, self.pos_b = pos_w.astype(np.float32), float(pos_b)
        self.w, self.b = w.astype(np.float32), float(b)

    def position(self, vecs: np.ndarray) -> np.ndarray:
        """Where in an ad (0 start .. 1 end) a text with these vectors tends to sit."""
        return vecs @ self.pos_w + self.pos_b

    @staticmethod
    def pair_features(a: Sequence[str], b: Sequence[str], va: np.ndarray, vb: np.ndarray, pa: np.ndarray,
                      pb: np.ndarray) -> np.ndarray:
        d = pb - pa
        lex = np.stack([_lexical(x, y) for x, y in zip(a, b, strict=True)]) if len(a) else np.zeros((0, 3 + 2 * len(CONNECTIVES)))
        return np.hstack([va * vb, np.abs(va - vb), (va * vb).sum(axis=1, keepdims=True), lex,
                          np.stack([d, d * d, np.abs(d), pa, pb, (d > 0).astype(np.float32)], axis=1)]).astype(np.float32)

    def score(self, a: Sequence[str], b: Sequence[str], embed: Embed, va: np.ndarray | None = None,
              vb: np.ndarray | None = None) -> np.ndarray:
        """Coherence in 0..1 of each pair (a[i] then b[i])."""
        if not len(a):
            return np.zeros(0, np.float32)
        va = va if va is not None else embed(list(a))
        vb = vb if vb is not None else embed(list(b))
        x = self.pair_features(a, b, va, vb, self.position(va), self.position(vb))
        return (1.0 / (1.0 + np.exp(-(x @ self.w + self.b)))).astype(np.float32)

    @classmethod
    def fit(cls, ads: Sequence[Sequence[str]], vectors: Sequence[np.ndarray], c: float = 1.0) -> CoherenceModel:
        """Train on ads (each a list of clip texts in order) and their e5 vectors."""
        from sklearn.linear_model import LogisticRegression, Ridge

        allv = np.vstack(vectors)
        pos = np.concatenate([np.linspace(0, 1, len(t)) if len(t) > 1 else [0.5] for t in ads])
        reg = Ridge(alpha=3.0).fit(allv, pos)
        model = cls(reg.coef_, reg.intercept_, np.zeros(1), 0.0)
        xs, ys = [], []
        for texts, v in zip(ads, vectors, strict=True):
            ia, ib, y = pairs_of(len(texts))
            if not len(ia):
                continue
            p = model.position(v)
            xs.append(cls.pair_features([texts[i] for i in ia], [texts[j] for j in ib], v[ia], v[ib], p[ia], p[ib]))
            ys.append(y)
        clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(np.vstack(xs), np.concatenate(ys))
        return cls(reg.coef_, reg.intercept_, clf.coef_[0], clf.intercept_[0])

    def save(self, path: str | os.PathLike = DEFAULT_MODEL) -> Path:
        from tools.core.files import save_npz

        return save_npz(path, {"pos_w": self.pos_w, "pos_b": np.float32(self.pos_b), "w": self.w,
                               "b": np.float32(self.b), "version": np.array(VERSION)}, compressed=True, mode=0o644)

    @classmethod
    def load(cls, path: str | os.PathLike = DEFAULT_MODEL) -> CoherenceModel:
        return _load(str(path))


@lru_cache(maxsize=2)
def _load(path: str) -> CoherenceModel:
    from tools.core.files import load_npz

    z = load_npz(path, CoherenceError, "coherence model", "reelwright train coherence")
    try:
        return CoherenceModel(z["pos_w"], float(z["pos_b"]), z["w"], float(z["b"]))
    except KeyError as exc:
        raise CoherenceError(f"coherence model {path} is damaged (no {exc}): run `reelwright train coherence`") from None


def pairs_of(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ordered pairs (i, j), i != j, of an ad's n clips; label 1 when j is i's next clip."""
    ia, ib, y = [], [], []
    for i in range(n - 1):
        for j in range(n):
            if j != i:
                ia.append(i)
                ib.append(j)
                y.append(int(j == i + 1))
    return np.array(ia, dtype=np.int64), np.array(ib, dtype=np.int64), np.array(y, dtype=np.int64)
