"""Shot-boundary scoring: precision, recall and F1 with a time tolerance (one-to-one matching)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["BoundaryScore", "score_boundaries"]


@dataclass(frozen=True)
class BoundaryScore:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_boundaries(pred: Sequence[float], truth: Sequence[float], tol: float = 0.5) -> BoundaryScore:
    """Match predicted to true boundary times one-to-one (nearest first) within ``tol`` seconds."""
    pairs = sorted((abs(p - t), i, j) for i, p in enumerate(pred) for j, t in enumerate(truth) if abs(p - t) <= tol)
    used_p: set[int] = set()
    used_t: set[int] = set()
    for _, i, j in pairs:
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
    tp = len(used_p)
    return BoundaryScore(tp=tp, fp=len(pred) - tp, fn=len(truth) - tp)
