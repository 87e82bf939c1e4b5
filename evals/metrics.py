"""Narration metrics: the benchmark's caption metrics plus length, faithfulness, coverage, repetition.

BLEU-1..4, METEOR, ROUGE-L and CIDEr come from ``pycocoevalcap`` (the code the
E-SyncVidStory evaluation uses) on jieba-segmented Chinese (whitespace words for
English); METEOR runs its Java jar and is skipped with a note when Java is missing.
"""

from __future__ import annotations

import contextlib
import io
import math
import shutil
from collections import Counter

from tools.claims import find_numbers, is_chinese, tokens
from tools.guard import FactGuard

__all__ = ["caption_scores", "length_compliance", "faithfulness", "coverage", "repetition", "fact_idf"]


def _seg(text: str) -> str:
    words = tokens(text) if is_chinese(text) else text.lower().split()
    return " ".join(w for w in words if w.strip()) or "_"


def caption_scores(refs: dict[str, str], hyps: dict[str, str], meteor: bool = True) -> dict[str, float]:
    """Corpus BLEU-1..4, METEOR (unless ``meteor`` is False), ROUGE-L, CIDEr of ``hyps`` against
    one reference each (same keys)."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    keys = sorted(refs)
    gts = {k: [_seg(refs[k])] for k in keys}
    res = {k: [_seg(hyps[k])] for k in keys}
    out: dict[str, float] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        bleu, _ = Bleu(4).compute_score(gts, res)
        out.update({f"BLEU-{i + 1}": float(b) for i, b in enumerate(bleu)})
        out["ROUGE-L"] = float(Rouge().compute_score(gts, res)[0])
        out["CIDEr"] = float(Cider().compute_score(gts, res)[0])
        if meteor and shutil.which("java"):
            from pycocoevalcap.meteor.meteor import Meteor

            scorer = Meteor()
            out["METEOR"] = float(scorer.compute_score(gts, res)[0])
            scorer.close() if hasattr(scorer, "close") else None
    return out


def length_compliance(items: list[tuple[str, tuple[int, int], str]]) -> float:
    """Share of (text, (min, max), unit) inside their budget."""
    from tools.storyline import text_length

    ok = sum(lo <= text_length(t, unit) <= hi for t, (lo, hi), unit in items)
    return ok / max(1, len(items))


def faithfulness(guard: FactGuard, texts: list[str]) -> dict[str, float]:
    """Counts over one ad's lines: claims, unsupported claims and numbers, risk words."""
    claims = unsupported = numbers = bad_numbers = risk = 0
    for t in texts:
        report = guard.check(t)
        checkable = [c for c in report.claims if c.kind != "rhetoric"]
        claims += len(checkable)
        unsupported += sum(not c.supported or c.weak for c in checkable)
        numbers += len(find_numbers(t))
        bad_numbers += len(report.unsupported_numbers)
        risk += len(report.risk_words)
    return {"claims": claims, "unsupported": unsupported, "numbers": numbers, "unsupported_numbers": bad_numbers,
            "risk_words": risk}


def fact_idf(records: list[dict]) -> dict[str, float]:
    """IDF of fact phrases over products (rare selling points weigh more than '正品')."""
    df: Counter = Counter()
    products = {r["product"]: r for r in records}
    for rec in products.values():
        df.update({p for ps in rec["facts"].values() for p in ps})
    n = len(products)
    return {p: math.log((n + 1) / (c + 1)) + 1 for p, c in df.items()}


def coverage(texts: list[str], facts: dict[str, list[str]], idf: dict[str, float]) -> float:
    """IDF-weighted share of fact phrases (2+ characters) that the ad's lines use verbatim."""
    phrases = {p for ps in facts.values() for p in ps if len(p) >= 2}
    if not phrases:
        return 0.0
    joined = "".join(texts).lower()
    total = sum(idf.get(p, 1.0) for p in phrases)
    return sum(idf.get(p, 1.0) for p in phrases if p.lower() in joined) / total


def repetition(texts: list[str], n: int = 3) -> float:
    """Intra-ad repetition: share of word n-grams that already appeared earlier in the ad."""
    seen: set[tuple[str, ...]] = set()
    total = repeated = 0
    for t in texts:
        words = _seg(t).split()
        grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
        total += len(grams)
        repeated += sum(g in seen for g in grams)
        seen.update(grams)
    return repeated / max(1, total)
