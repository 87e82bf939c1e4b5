"""Speech-tag evaluation on ads of the E-SyncVidStory shape: top-1, micro/macro F1, per label, speed.

Scores are the model's benchmark-label level, P(label), which is also the sum of the
label's 21-tag scores. Top-1 accuracy: the best label is among the gold
ones. Multi-label F1: labels scoring >= 0.5, and always the best one.

With ``cv`` the model is retrained per fold with the fold's products held out
(GroupKFold by product), so every score is on products the model never saw.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from models.loaders import memoized
from tools.analysis.tags import TagModel, fit, groups, training_set

__all__ = ["clips_of", "evaluate", "read_teacher", "TEACHER"]

TEACHER = Path(__file__).resolve().parent.parent / "tools" / "data" / "tag_teacher.jsonl"


def read_teacher(path: Path = TEACHER) -> list[dict]:
    """The LLM-written tag sentences (``reelwright train tags --teacher`` makes them)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def clips_of(records: Sequence[dict]) -> tuple[list[str], np.ndarray, list[dict], list[str]]:
    """Every clip with a narration: texts, gold label multi-hot (over ``groups()``), facts, products."""
    names = groups()
    texts, gold, facts, products = [], [], [], []
    for r in records:
        for c in r["clips"]:
            if not c.get("narration"):
                continue
            texts.append(c["narration"])
            gold.append([g in c["labels"] for g in names])
            facts.append(r["facts"])
            products.append(r["product"])
    return texts, np.array(gold, dtype=np.int64).reshape(-1, len(names)), facts, products


def evaluate(records: Sequence[dict], embed: Callable[[list[str]], np.ndarray], model: TagModel | None = None,
             cv: int | None = None, teacher: Sequence[dict] | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict:
    """Score the tag model on ``records``; ``cv`` folds retrain it without each fold's products."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    names = groups()
    texts, gold, facts, products = clips_of(records)
    vecs_of = memoized(embed)  # the folds share most texts: each is embedded once

    t0 = time.perf_counter()
    vectors = vecs_of(texts)
    embed_seconds = time.perf_counter() - t0
    scores = np.zeros(gold.shape, dtype=np.float32)
    predict_seconds = 0.0
    if cv:
        teacher = list(teacher if teacher is not None else read_teacher())
        folds = list(GroupKFold(cv).split(texts, gold, products))
        for k, (train, test) in enumerate(folds):
            train_products = {products[i] for i in train}
            data = training_set([r for r in records if r["product"] in train_products], teacher, names)
            m = fit(data, vecs_of(data.texts), names)
            t1 = time.perf_counter()
            scores[test] = m.group_scores([texts[i] for i in test], embed, [facts[i] for i in test], vectors[test])
            predict_seconds += time.perf_counter() - t1
            if progress is not None:
                progress(k + 1, len(folds))
    else:
        model = model or TagModel.load()
        t1 = time.perf_counter()
        scores = model.group_scores(texts, embed, facts, vectors)
        predict_seconds = time.perf_counter() - t1
    top = scores.argmax(axis=1)
    top1 = float(np.mean(gold[np.arange(len(gold)), top] == 1))
    pred = (scores >= 0.5).astype(np.int64)
    pred[np.arange(len(pred)), top] = 1
    present = [g for g in range(len(names)) if gold[:, g].any()]
    per_label = {names[g]: {"f1": float(f1_score(gold[:, g], pred[:, g], zero_division=0)),
                            "support": int(gold[:, g].sum())} for g in present}
    return {
        "sentences": len(texts), "ads": len(records), "mode": f"{cv}-fold by product" if cv else "shipped model",
        "top1": top1,
        "micro_f1": float(f1_score(gold[:, present], pred[:, present], average="micro", zero_division=0)),
        "macro_f1": float(f1_score(gold[:, present], pred[:, present], average="macro", zero_division=0)),
        "per_label": per_label,
        "sentences_per_second": len(texts) / max(embed_seconds + predict_seconds, 1e-9),
    }
