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

from tools.core.text import is_chinese, tokens
from tools.guard.factguard import FactGuard

__all__ = ["caption_scores", "paired_bootstrap", "length_compliance", "faithfulness", "coverage", "repetition", "fact_idf"]


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


def _bleu4_cider(gts: dict[str, list[str]], res: dict[str, list[str]]) -> tuple[float, float]:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider

    with contextlib.redirect_stdout(io.StringIO()):
        bleu, _ = Bleu(4).compute_score(gts, res)
        cider, _ = Cider().compute_score(gts, res)
    return float(bleu[3]), float(cider)


def paired_bootstrap(refs: dict[str, str], hyps: dict[str, dict[str, str]], groups: dict[str, str],
                     pairs: list[tuple[str, str]], n: int = 200, seed: int = 0) -> dict[str, dict]:
    """How sure "system a scores above system b" is, resampling whole ads (``groups``: slot key ->
    ad) with replacement ``n`` times and recomputing corpus BLEU-4 and CIDEr on each resample.

    Returns, per "a vs b", the observed difference, its 95% interval and the share of resamples
    in which a is above b, for each metric.
    """
    import random

    keys = sorted(refs)
    gts = {k: [_seg(refs[k])] for k in keys}
    seg = {s: {k: [_seg(hyps[s][k])] for k in keys} for s in {x for p in pairs for x in p}}
    ads: dict[str, list[str]] = {}
    for k in keys:
        ads.setdefault(groups[k], []).append(k)
    names = sorted(ads)
    rng = random.Random(seed)
    diffs: dict[tuple[str, str], list[tuple[float, float]]] = {p: [] for p in pairs}
    observed = {s: _bleu4_cider(gts, seg[s]) for s in seg}
    for _ in range(n):
        picked = [k for _ in names for k in ads[rng.choice(names)]]
        sample = {f"{i}:{k}": k for i, k in enumerate(picked)}
        g = {sk: gts[k] for sk, k in sample.items()}
        scores = {s: _bleu4_cider(g, {sk: seg[s][k] for sk, k in sample.items()}) for s in seg}
        for a, b in pairs:
            diffs[(a, b)].append((scores[a][0] - scores[b][0], scores[a][1] - scores[b][1]))
    out = {}
    for (a, b), ds in diffs.items():
        row = {}
        for j, metric in enumerate(("BLEU-4", "CIDEr")):
            vals = sorted(d[j] for d in ds)
            row[metric] = {"difference": observed[a][j] - observed[b][j],
                           "interval_95": [vals[int(0.025 * (len(vals) - 1))], vals[int(0.975 * (len(vals) - 1))]]
                           if vals else None,
                           "share_above": sum(v > 0 for v in vals) / len(vals) if vals else None}
        out[f"{a} vs {b}"] = row
    return out


def length_compliance(items: list[tuple[str, tuple[int, int], str]]) -> float:
    """Share of (text, (min, max), unit) inside their budget."""
    from tools.narration.storyline import text_length

    ok = sum(lo <= text_length(t, unit) <= hi for t, (lo, hi), unit in items)
    return ok / max(1, len(items))


def faithfulness(guard: FactGuard, texts: list[str]) -> dict[str, float]:
    """Counts over one ad's lines: claims, unsupported claims, typed quantities (numbers in their role,
    unit and attachment: ``tools.guard.quantities``) and the unsupported ones, risk words."""
    claims = unsupported = numbers = bad_numbers = risk = 0
    for t in texts:
        report = guard.check(t)
        checkable = [c for c in report.claims if c.kind != "rhetoric"]
        claims += len(checkable)
        unsupported += sum(not c.supported or c.weak for c in checkable)
        numbers += len(report.quantities)
        bad_numbers += sum(not q["supported"] for q in report.quantities)
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
