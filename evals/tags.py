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

__all__ = ["clips_of", "evaluate", "lines_as_records", "read_lines", "read_teacher", "training_rows", "LINES_EN",
           "TEACHER"]

TEACHER = Path(__file__).resolve().parent.parent / "tools" / "data" / "tag_teacher.jsonl"
LINES_EN = TEACHER.parent / "tag_lines_en.jsonl"


def read_teacher(path: Path = TEACHER) -> list[dict]:
    """The LLM-written tag sentences (``reelwright train tags --teacher`` makes them)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_lines(path: Path = LINES_EN) -> list[dict]:
    """Labelled lines, one JSON object per line: ``{"text", "label", "product"}`` (label: id or name).

    Raises DataError naming the line when a row lacks its text or names an unknown label.
    """
    from tools.core.errors import DataError
    from tools.core.labels import get_label

    if not path.exists():
        return []
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            get_label(str(row["label"]))
            if not str(row["text"]).strip():
                raise ValueError("empty text")
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{path}:{n}: not a labelled line ({exc})") from None
        rows.append(row)
    return rows


def training_rows(teacher: Path = TEACHER, lines: Path = LINES_EN) -> list[dict]:
    """Every sentence the tag model learns from besides the real ads: teacher sentences, labelled lines."""
    return read_teacher(teacher) + read_lines(lines)


def lines_as_records(rows: Sequence[dict]) -> list[dict]:
    """Labelled lines as ads of the dev file's shape (one ad per product, no facts) for :func:`evaluate`."""
    from tools.core.labels import get_label

    ads: dict[str, dict] = {}
    for r in rows:
        product = str(r.get("product") or "?")
        ad = ads.setdefault(product, {"product": product, "facts": {}, "clips": []})
        ad["clips"].append({"narration": r["text"], "labels": [get_label(str(r["label"])).zh]})
    return list(ads.values())


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
        teacher = list(teacher if teacher is not None else training_rows())
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
