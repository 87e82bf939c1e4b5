"""Storylines: the ordered slots of an ad, each with script label(s), a length budget and a position.

A storyline is either given (by an editor, a template or a benchmark record) or
generated for a product and a number of clips ("generated storyline" mode of
E-SyncVidStory): by a label-sequence model learned from real ads (``method="stats"``,
the default: label priors by relative position, label transitions, and whether the
fact sheet has material for a label), or by the LLM (``method="llm"``).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from tools.core.labels import facts_for_label, get_label, label_names

__all__ = [
    "Slot",
    "Storyline",
    "StorylineModel",
    "budget_for_duration",
    "generate_storyline",
    "storyline_from_record",
]

Unit = Literal["chars", "words"]
CHARS_PER_SECOND = 4.5  # Chinese voice-over
WORDS_PER_SECOND = 2.5  # English voice-over


class SlotContext(BaseModel):
    """What the clip under a slot shows and says (all optional, all data, never instructions)."""

    transcript: str = ""
    on_screen_text: str = ""
    concepts: list[str] = Field(default_factory=list)


class Slot(BaseModel):
    index: int = Field(ge=1)
    labels: list[str] = Field(min_length=1)
    budget: tuple[int, int] = Field(description="allowed length (min, max) in `unit`")
    unit: Unit = "chars"
    position: float = Field(0.0, ge=0.0, le=1.0, description="relative position in the ad, 0 = first, 1 = last")
    duration: float | None = None
    context: SlotContext | None = None

    @model_validator(mode="after")
    def _check(self):
        lo, hi = self.budget
        if lo < 0 or hi < lo:
            raise ValueError(f"slot {self.index}: budget {self.budget} must be 0 <= min <= max")
        self.labels = [get_label(lab).zh for lab in self.labels]
        return self

    def fits(self, text: str) -> bool:
        return self.budget[0] <= text_length(text, self.unit) <= self.budget[1]


class Storyline(BaseModel):
    slots: list[Slot] = Field(min_length=1)
    source: str = "given"
    language: Literal["zh", "en"] = "zh"

    @property
    def labels(self) -> list[list[str]]:
        return [s.labels for s in self.slots]


def text_length(text: str, unit: Unit) -> int:
    """Characters (all of them, punctuation included, as the benchmark counts) or words."""
    return len(text.split()) if unit == "words" else len(text)


def budget_for_duration(seconds: float, language: str = "zh", slack: float = 0.15) -> tuple[tuple[int, int], Unit]:
    """A length budget a voice can speak in ``seconds`` (zh about 4.5 chars/s, en about 2.5 words/s)."""
    if language == "zh":
        target, unit = seconds * CHARS_PER_SECOND, "chars"
    else:
        target, unit = seconds * WORDS_PER_SECOND, "words"
    hi = max(2, int(math.floor(target)))
    return (max(1, int(round(hi * (1 - 2 * slack)))), hi), unit


def storyline_from_record(record: dict) -> Storyline:
    """The given storyline of an E-SyncVidStory record: its labels, budgets and positions."""
    clips = record["clips"]
    n = len(clips)
    slots = [Slot(index=i + 1, labels=c["labels"], budget=tuple(c["chars"]), unit="chars",
                  position=i / max(1, n - 1)) for i, c in enumerate(clips)]
    return Storyline(slots=slots, source="given", language="zh")


# --------------------------------------------------------------------------- model

_BUCKETS = 5


def _bucket(i: int, n: int) -> int:
    return min(_BUCKETS - 1, int(_BUCKETS * i / max(1, n)))


class StorylineModel(BaseModel):
    """Label-sequence statistics of real ads (add-one smoothed counts)."""

    labels: list[str]
    start: dict[str, float]
    transition: dict[str, dict[str, float]]
    position: list[dict[str, float]]
    ads: int = 0

    @classmethod
    def fit(cls, records: list[dict]) -> StorylineModel:
        names = label_names()
        start, trans, pos = Counter(), defaultdict(Counter), [Counter() for _ in range(_BUCKETS)]
        for rec in records:
            seq = [get_label(c["labels"][0]).zh for c in rec["clips"]]
            start[seq[0]] += 1
            for a, b in zip(seq, seq[1:], strict=False):
                trans[a][b] += 1
            for i, lab in enumerate(seq):
                pos[_bucket(i, len(seq))][lab] += 1

        def norm(counter: Counter) -> dict[str, float]:
            total = sum(counter.values()) + len(names)
            return {lab: math.log((counter[lab] + 1) / total) for lab in names}

        return cls(labels=names, start=norm(start), transition={a: norm(trans[a]) for a in names},
                   position=[norm(c) for c in pos], ads=len(records))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.model_dump_json(indent=1), encoding="utf-8")

    def decode(self, n: int, facts: dict[str, list[str]] | None = None, repeat_penalty: float = 0.7) -> list[str]:
        """The most likely label sequence of length ``n`` (Viterbi), favouring labels the facts can fill."""
        have = {lab: (len(facts_for_label(facts, lab)) if facts is not None else 1) for lab in self.labels}
        bonus = {lab: (0.0 if have[lab] else -3.0) for lab in self.labels}
        score = {lab: self.start[lab] + self.position[0][lab] + bonus[lab] for lab in self.labels}
        back: list[dict[str, str]] = []
        for i in range(1, n):
            b = _bucket(i, n)
            new, ptr = {}, {}
            for lab in self.labels:
                best = max(self.labels, key=lambda p: score[p] + self.transition[p][lab]
                           - (repeat_penalty if p == lab else 0.0))
                new[lab] = score[best] + self.transition[best][lab] - (repeat_penalty if best == lab else 0.0) \
                    + self.position[b][lab] + bonus[lab]
                ptr[lab] = best
            score = new
            back.append(ptr)
        last = max(score, key=score.get)
        seq = [last]
        for ptr in reversed(back):
            seq.append(ptr[seq[-1]])
        return list(reversed(seq))


@lru_cache(maxsize=1)
def default_model() -> StorylineModel:
    """The model shipped in ``tools/data/storyline_stats.json`` (``reelwright train storyline`` rebuilds it)."""
    text = (resources.files("tools") / "data" / "storyline_stats.json").read_text(encoding="utf-8")
    return StorylineModel.model_validate(json.loads(text))


def generate_storyline(facts: dict[str, list[str]], budgets: list[tuple[int, int]], *, unit: Unit = "chars",
                       language: Literal["zh", "en"] = "zh", method: Literal["stats", "llm"] = "stats",
                       llm=None, product: str = "") -> Storyline:
    """A label sequence for ``len(budgets)`` clips of a product with these ``facts``.

    Args:
        facts: the fact sheet's ``facts`` (field -> phrases).
        budgets: one (min, max) length budget per clip, in order.
        unit: "chars" (Chinese) or "words" (English).
        language: narration language.
        method: "stats" (learned label-sequence model) or "llm" (the chat model ``llm`` picks labels).
        llm: a chat model with ``structured()``, needed for method="llm".
        product: product name (for the LLM prompt).
    """
    n = len(budgets)
    if n == 0:
        raise ValueError("a storyline needs at least one clip")
    if method == "llm":
        if llm is None:
            raise ValueError("method='llm' needs an llm")
        seq = _llm_labels(llm, facts, n, product, language)
    else:
        seq = default_model().decode(n, facts)
    slots = [Slot(index=i + 1, labels=[lab], budget=b, unit=unit, position=i / max(1, n - 1))
             for i, (lab, b) in enumerate(zip(seq, budgets, strict=True))]
    return Storyline(slots=slots, source=f"generated:{method}", language=language)


def _llm_labels(llm, facts: dict[str, list[str]], n: int, product: str, language: str) -> list[str]:
    from prompts import render
    from tools.core.labels import labels

    names = label_names()
    schema = {"type": "object", "required": ["labels"], "properties": {
        "labels": {"type": "array", "minItems": n, "maxItems": n, "items": {"enum": names}}}}
    prompt = render("storyline.j2", product=product, facts=facts, n=n,
                    labels=[(lab.zh, lab.definition) for lab in labels()], language=language)
    return llm.structured(prompt, schema, max_tokens=40 + 12 * n)["labels"]
