"""Which fact phrases each storyline slot should say: a learned fact plan.

Real ad narrations use few of the sheet's phrases (about half of E-SyncVidStory's clips
say none verbatim), and which ones depends on the slot's script label, the phrase's
field, whether the product's title names it, how often ads say such a phrase at all,
and whether an earlier clip said it already. ``FactPlanModel`` is a logistic regression
over those features, learned from ads of the dev file's shape (``reelwright train
factplan``); ``plan_facts`` walks the storyline in order and picks, per slot, the phrases
that are likely and telling (probability x rarity among real narrations; none when
nothing is likely), never two that contain each other.

    >>> model = FactPlanModel.load()          # the shipped model (tools/data/fact_plan.json)
    >>> plan = plan_facts(storyline, facts, product, model=model)
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from tools.core.errors import FactPlanError
from tools.core.labels import facts_for_label, field_category, get_label, label_names
from tools.core.text import is_chinese
from tools.narration.storyline import Slot, Storyline

__all__ = ["FactPlanError", "FactPlanModel", "PlannedFact", "plan_facts", "plan_applies", "padding_order",
           "product_key", "DEFAULT_PATH"]

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "fact_plan.json"
_CATEGORIES = ("efficacy", "quality", "pain", "appearance", "audience", "texture", "material", "promotion", "price",
               "production", "patent", "certification", "brand", "after_sales", "related", "size", "social_proof",
               "general")


def product_key(product: str) -> str:
    """A short stable key for a product title (the model lists the products it was trained on)."""
    return hashlib.sha1(product.strip().encode("utf-8")).hexdigest()[:10]


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text.lower())


def _bigrams(text: str) -> list[str]:
    t = re.sub(r"[\W_]+", "", text.lower())
    return [t[i:i + 2] for i in range(len(t) - 1)] or ([t] if t else [])


def _phrases(facts: dict[str, list[str]]) -> list[tuple[str, str, int, int]]:
    """(phrase, category, index in its field, field size) for every distinct phrase of 2+ characters."""
    out, seen = [], set()
    for field, phrases in facts.items():
        cat = field_category(field)
        for i, p in enumerate(phrases):
            p = p.strip()
            if len(p) >= 2 and p not in seen:
                seen.add(p)
                out.append((p, cat, i, len(phrases)))
    return out


def _feature_names() -> list[str]:
    names = [f"lc:{lab}|{cat}" for lab in label_names() for cat in _CATEGORIES]
    return names + ["rank", "len", "short", "long", "title", "title_overlap", "ref_df", "label_chars", "field_index",
                    "field_size", "sheet_size", "digit", "pos", "pos_promo", "budget", "reused", "first",
                    "contained"]


class PlannedFact(BaseModel):
    phrase: str
    category: str
    p: float = Field(description="P(a narration of this slot says the phrase)")
    value: float = Field(0.0, description="p x rarity^2: likely *and* telling (rarity = IDF over real narrations)")


class FactPlanModel(BaseModel):
    """Logistic regression over (slot, phrase) features, with the tables the features read."""

    features: list[str]
    weights: list[float]
    bias: float
    label_chars: dict[str, dict[str, float]]
    ref_df: dict[str, float]
    products: list[str]
    ads: int
    narrations: int = 0
    cv: dict[str, float] = {}

    # ------------------------------------------------------------- features

    def _matrix(self, product: str, facts: dict[str, list[str]], labels: list[str], position: float,
                budget: tuple[int, int], used: set[str]) -> tuple[list[tuple[str, str, int, int]], np.ndarray]:
        items = _phrases(facts)
        index = {n: i for i, n in enumerate(self.features)}
        x = np.zeros((len(items), len(self.features)), dtype=np.float32)
        title = _norm(product)
        labs = [get_label(lab) for lab in labels]
        every = [_norm(p) for p, *_ in items]
        for r, (phrase, cat, i, size) in enumerate(items):
            low = _norm(phrase)
            for lab in labs:
                k = index.get(f"lc:{lab.zh}|{cat}")
                if k is not None:
                    x[r, k] += 1.0 / len(labs)
            ranks = [1.0 / (1 + lab.categories.index(cat)) for lab in labs if cat in lab.categories]
            grams = _bigrams(phrase)
            affinity = [self.label_chars.get(lab.zh, {}).get(g, 0.0) for lab in labs for g in grams]
            row = {
                "rank": max(ranks, default=0.0), "len": math.log1p(len(phrase)), "short": float(len(phrase) <= 2),
                "long": float(len(phrase) >= 10), "title": float(low in title),
                "title_overlap": sum(c in title for c in low) / max(1, len(low)),
                "ref_df": self.ref_df.get(low, 0.0), "label_chars": float(np.mean(affinity)) if affinity else 0.0,
                "field_index": math.log1p(i), "field_size": math.log1p(size), "sheet_size": math.log1p(len(items)),
                "digit": float(bool(re.search(r"\d", phrase))), "pos": position,
                "pos_promo": position * (cat in ("promotion", "price")), "budget": math.log1p(sum(budget) / 2),
                "reused": float(phrase in used), "first": float(position == 0.0),
                "contained": float(any(low != o and low in o for o in every)),
            }
            for name, value in row.items():
                x[r, index[name]] = value
        return items, x

    def score(self, product: str, facts: dict[str, list[str]], labels: list[str], position: float,
              budget: tuple[int, int], used: set[str] | None = None) -> list[PlannedFact]:
        """Every phrase of the sheet with P(a narration of this slot says it), most likely first."""
        items, x = self._matrix(product, facts, labels, position, budget, used or set())
        if not items:
            return []
        p = 1 / (1 + np.exp(-(x @ np.asarray(self.weights, dtype=np.float32) + self.bias)))
        out = [PlannedFact(phrase=it[0], category=it[1], p=round(float(v), 4),
                           value=round(float(v) * self.rarity(it[0]) ** 2, 4)) for it, v in zip(items, p, strict=True)]
        return sorted(out, key=lambda f: -f.p)

    def rarity(self, phrase: str) -> float:
        """IDF of the phrase over the training narrations ("效果" and "价格" are said everywhere: low)."""
        n = math.expm1(self.ref_df.get(_norm(phrase), 0.0))
        return math.log((self.narrations + 1) / (n + 1)) / math.log(self.narrations + 1) if self.narrations else 1.0

    # ------------------------------------------------------------- training

    @classmethod
    def _tables(cls, records: list[dict]) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
        by_label: dict[str, Counter] = defaultdict(Counter)
        every: Counter = Counter()
        for rec in records:
            for clip in rec["clips"]:
                grams = set(_bigrams(clip.get("narration", "")))
                for lab in clip["labels"]:
                    by_label[get_label(lab).zh].update(grams)
                every.update(grams)
        total = sum(every.values())
        chars = {}
        for lab, counter in by_label.items():
            n = sum(counter.values())
            chars[lab] = {g: round(math.log((c + 1) / (n + 1) / ((every[g] + 1) / (total + 1))), 3)
                          for g, c in counter.items() if c >= 3}
        narrations = [_norm(c.get("narration", "")) for rec in records for c in rec["clips"]]
        phrases = {_norm(p) for rec in records for p, *_ in _phrases(rec["facts"])}
        df = {p: round(math.log1p(n), 3) for p in phrases if (n := sum(p in t for t in narrations)) >= 2}
        return chars, df

    @classmethod
    def _examples(cls, model: FactPlanModel, records: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xs, ys, groups = [], [], []
        for rec in records:
            used: set[str] = set()
            n = len(rec["clips"])
            for k, clip in enumerate(rec["clips"]):
                items, x = model._matrix(rec["product"], rec["facts"], clip["labels"], k / max(1, n - 1),
                                         tuple(clip["chars"]), used)
                text = _norm(clip.get("narration", ""))
                y = np.array([_norm(p) in text for p, *_ in items], dtype=np.float32)
                xs.append(x)
                ys.append(y)
                groups += [product_key(rec["product"])] * len(items)
                used |= {p for (p, *_), hit in zip(items, y, strict=True) if hit}
        return np.concatenate(xs), np.concatenate(ys), np.array(groups)

    @classmethod
    def fit(cls, records: list[dict], *, c: float = 0.3, folds: int = 5) -> FactPlanModel:
        """Learn from ads of the dev file's shape; ``folds`` > 1 also measures AUC by product (cv)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score

        def train(recs: list[dict]) -> FactPlanModel:
            chars, df = cls._tables(recs)
            model = cls(features=_feature_names(), weights=[0.0] * len(_feature_names()), bias=0.0,
                        label_chars=chars, ref_df=df, products=sorted({product_key(r["product"]) for r in recs}),
                        ads=len(recs), narrations=sum(len(r["clips"]) for r in recs))
            x, y, _ = cls._examples(model, recs)
            lr = LogisticRegression(C=c, max_iter=2000).fit(x, y)
            model.weights = [round(float(w), 5) for w in lr.coef_[0]]
            model.bias = round(float(lr.intercept_[0]), 5)
            return model

        cv: dict[str, float] = {}
        if folds > 1:
            products = sorted({product_key(r["product"]) for r in records})
            aucs = []
            for f in range(folds):
                held = set(products[f::folds])
                model = train([r for r in records if product_key(r["product"]) not in held])
                x, y, _ = cls._examples(model, [r for r in records if product_key(r["product"]) in held])
                if 0 < y.sum() < len(y):
                    aucs.append(roc_auc_score(y, x @ np.asarray(model.weights) + model.bias))
            cv = {"auc": round(float(np.mean(aucs)), 4), "folds": folds}
        model = train(records)
        model.cv = cv
        return model

    # ------------------------------------------------------------- files

    def save(self, path: str | Path = DEFAULT_PATH) -> Path:
        from tools.core.files import write_atomic

        path = Path(path)
        write_atomic(path, json.dumps(self.model_dump(), ensure_ascii=False).encode("utf-8"), mode=0o644)
        return path

    @classmethod
    def load(cls, path: str | Path | None = None) -> FactPlanModel:
        """The model at ``path``, or the shipped one."""
        if path is None:
            return _shipped()
        try:
            return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise FactPlanError(f"fact-plan model {path}: cannot read ({exc.strerror})") from None
        except ValueError:
            raise FactPlanError(f"{path} is not a fact-plan model (rebuild it: reelwright train factplan)") from None


def plan_applies(facts: dict[str, list[str]]) -> bool:
    """Whether the model's probabilities mean something for this sheet: it learned from Chinese ads,
    and on other languages its Chinese-only features are silent, so the label's own fields decide."""
    return is_chinese(" ".join(p for ps in facts.values() for p in ps))


def padding_order(slot: Slot, facts: dict[str, list[str]], product: str, first: list[str], *,
                  model: FactPlanModel | None = None, by_label: bool = False) -> list[str]:
    """Phrases that may lengthen a short line: ``first`` (the slot's own), then the rest as the plan
    values them for this slot; by the slot's label fields, then the whole sheet in order, with
    ``by_label`` or where the plan does not apply (:func:`plan_applies`)."""
    if by_label or not plan_applies(facts):
        rest = [p for lab in slot.labels for p in facts_for_label(facts, lab)] + [p for ps in facts.values() for p in ps]
    else:
        ranked = (model or FactPlanModel.load()).score(product, facts, slot.labels, slot.position, slot.budget)
        rest = [f.phrase for f in sorted(ranked, key=lambda f: -f.value)]
    return list(dict.fromkeys(first + rest))


@lru_cache(maxsize=1)
def _shipped() -> FactPlanModel:
    text = (resources.files("tools") / "data" / "fact_plan.json").read_text(encoding="utf-8")
    return FactPlanModel.model_validate_json(text)


def plan_facts(storyline: Storyline, facts: dict[str, list[str]], product: str, *,
               model: FactPlanModel | None = None, threshold: float = 0.1, floor: float = 0.03,
               chars_per_fact: int = 14, words_per_fact: int = 6, max_facts: int = 2) -> list[list[PlannedFact]]:
    """The fact phrases each slot should carry, in storyline order.

    Phrases are taken by ``value`` (likely to be said, and telling: "闪电清洁" before
    "价格"). A slot gets those with p at least ``threshold`` (the first one already from
    ``floor``; none when no phrase reaches it: real ads often say no fact there), at
    most one per ``chars_per_fact`` characters (or ``words_per_fact`` words) of its budget
    and never more than ``max_facts``; a phrase inside an already picked one (or around it)
    is skipped. Phrases picked for earlier slots count as used (a learned feature: real ads repeat about one
    fact in five, so the model barely moves them).
    On a non-Chinese sheet (the model learned from Chinese ads) the slot's labels choose
    instead: their fields in order of relevance, phrases not yet said first.
    """
    model = model or FactPlanModel.load()
    calibrated = plan_applies(facts)
    used: set[str] = set()
    plan = []
    for slot in storyline.slots:
        per = chars_per_fact if slot.unit == "chars" else words_per_fact
        room = max(1, min(max_facts, slot.budget[1] // per))
        picked: list[PlannedFact] = []
        ranked = model.score(product, facts, slot.labels, slot.position, slot.budget, used)
        if calibrated:
            order = sorted(ranked, key=lambda f: -f.value)
        else:
            by_phrase = {f.phrase: f for f in ranked}
            relevant = [by_phrase[p] for lab in slot.labels for p in facts_for_label(facts, lab) if p in by_phrase]
            order = [f for f in relevant if f.phrase not in used] or relevant
        for cand in order:
            if len(picked) >= room:
                break
            low = _norm(cand.phrase)
            if calibrated and cand.p < (threshold if picked else floor):
                continue
            if any(low in _norm(p.phrase) or _norm(p.phrase) in low for p in picked):
                continue
            picked.append(cand)
        used |= {p.phrase for p in picked}
        plan.append(picked)
    return plan
