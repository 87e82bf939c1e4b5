"""Coherence evaluation: pairwise AUC of each clip's true next clip against the ad's other clips."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tools.analysis.coherence import CoherenceModel, pairs_of

__all__ = ["evaluate"]


def _ads(records: Sequence[dict]) -> list[list[str]]:
    return [[c.get("narration") or "" for c in r["clips"]] for r in records]


def evaluate(records: Sequence[dict], embed: Callable[[list[str]], np.ndarray], model: CoherenceModel | None = None,
             cv: int | None = None, progress: Callable[[int, int], None] | None = None) -> dict:
    """AUC over (true next, other clip of the same ad) pairs, per anchor clip; ``cv``: retrain by product."""
    from sklearn.model_selection import GroupKFold

    ads = _ads(records)
    vectors = [embed(t) for t in ads]
    products = [r["product"] for r in records]
    fold_of = np.zeros(len(ads), dtype=np.int64)
    models: list[CoherenceModel] = []
    if cv:
        for k, (train, test) in enumerate(GroupKFold(cv).split(ads, groups=products)):
            models.append(CoherenceModel.fit([ads[i] for i in train], [vectors[i] for i in train]))
            fold_of[test] = k
            if progress is not None:
                progress(k + 1, cv)
    else:
        models.append(model or CoherenceModel.load())
    good = total = 0.0
    for a, (texts, v) in enumerate(zip(ads, vectors, strict=True)):
        ia, ib, y = pairs_of(len(texts))
        if not len(ia):
            continue
        m = models[fold_of[a]]
        s = m.score([texts[i] for i in ia], [texts[j] for j in ib], embed, v[ia], v[ib])
        for i in np.unique(ia):
            mine = ia == i
            pos, neg = s[mine & (y == 1)], s[mine & (y == 0)]
            if len(pos) and len(neg):
                good += float((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum())
                total += len(pos) * len(neg)
    return {"ads": len(ads), "pairs": int(total), "auc": good / total if total else float("nan"),
            "mode": f"{cv}-fold by product" if cv else "shipped model"}
