"""How much of a narration line a real ad's line for the same slot would share: a reranker.

A small model's samples for one slot differ in the words around the facts: one says the
product's name and words real ads use for this kind of clip, another fills the budget
with words no ad would say there. ``LineScorer`` estimates, for each word n-gram
(n = 1..4, jieba words) of a candidate, the probability that the slot's real line
contains it, and returns the expected share of the candidate's n-grams a real line
would share (an expected BLEU precision, geometric over n, times a brevity term):

- an n-gram that real lines of the slot's script label use: the share of those lines
  (other products only) that contain it;
- an n-gram inside a fact phrase the line says: the fact plan's probability that the
  slot says that phrase;
- an n-gram inside the product's short name, or a word of its title: how often real
  lines of that label say their own product's name / title words.

The statistics come from ads of the dev file's shape (the worked-example records); the
product being narrated is left out of them, so a line is never scored by its own ad.

    >>> scorer = LineScorer(records)
    >>> best = max(candidates, key=lambda c: scorer.score(c, context))
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tools.core.labels import get_label
from tools.core.text import tokens
from tools.narration.names import short_name

__all__ = ["LineScorer", "SlotContext"]

_MAX_N = 4


def _words(text: str) -> list[str]:
    """The words BLEU counts (punctuation marks are words there too)."""
    return [t for t in tokens(text) if t.strip()]


def _grams(words: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


@dataclass(frozen=True)
class SlotContext:
    """What the scorer knows of a slot: its labels, the product, and the planned facts' odds."""

    labels: list[str]
    product: str
    name: str
    title_words: list[str] = field(default_factory=list)
    fact_p: dict[str, float] = field(default_factory=dict)
    target_chars: float = 0.0


class LineScorer:
    """Expected n-gram overlap of a line with the slot's unseen real line (see the module doc)."""

    def __init__(self, records: list[dict], *, min_count: int = 2):
        self.min_count = min_count
        self.lines: Counter = Counter()  # label -> lines
        self.df: dict[str, Counter] = defaultdict(Counter)  # label -> n-gram -> lines containing it
        self.own: dict[tuple[str, str], Counter] = defaultdict(Counter)  # (label, product) -> same, its lines only
        self.own_lines: Counter = Counter()
        name_hits: Counter = Counter()
        title_hits: Counter = Counter()
        title_total: Counter = Counter()

        for rec in records:
            product = rec["product"]
            name = short_name(product)
            title = {w for w in _words(product) if len(w) >= 2}
            for clip in rec["clips"]:
                text = clip.get("narration", "")
                if not text:
                    continue
                words = _words(text)
                grams = {g for n in range(1, _MAX_N + 1) for g in _grams(words, n)}
                for lab in {get_label(x).zh for x in clip["labels"]}:
                    self.lines[lab] += 1
                    self.df[lab].update(grams)
                    self.own[(lab, product)].update(grams)
                    self.own_lines[(lab, product)] += 1
                    name_hits[lab] += name in text
                    said = set(words)
                    title_hits[lab] += len(title & said)
                    title_total[lab] += len(title)
        self.name_rate = {lab: name_hits[lab] / n for lab, n in self.lines.items() if n}
        self.title_rate = {lab: title_hits[lab] / max(1, title_total[lab]) for lab in self.lines}

    def _label_p(self, gram: tuple[str, ...], labels: list[str], product: str) -> float:
        best = 0.0
        for lab in labels:
            n = self.lines[lab] - self.own_lines[(lab, product)]
            c = self.df[lab].get(gram, 0) - self.own[(lab, product)].get(gram, 0)
            if n > 0 and c >= self.min_count:
                best = max(best, c / n)
        return best

    def gram_odds(self, text: str, ctx: SlotContext) -> list[tuple[tuple[str, ...], float]]:
        """Each n-gram of ``text`` with the estimated probability that the real line has it."""
        labels = [get_label(x).zh for x in ctx.labels]
        words = _words(text)
        # words covered by a planned fact phrase / the name: their character spans in the text
        spans: list[tuple[int, int, float]] = []
        for phrase, p in ctx.fact_p.items():
            start = text.find(phrase)
            if phrase and start >= 0:
                spans.append((start, start + len(phrase), p))
        name_p = max((self.name_rate.get(lab, 0.0) for lab in labels), default=0.0)
        if ctx.name and (start := text.find(ctx.name)) >= 0:
            spans.append((start, start + len(ctx.name), name_p))
        title_p = max((self.title_rate.get(lab, 0.0) for lab in labels), default=0.0)
        title = set(ctx.title_words)
        # each word's position in the text, to find the spans it falls in
        pos, cursor = [], 0
        for w in words:
            at = text.find(w, cursor)
            at = cursor if at < 0 else at
            pos.append((at, at + len(w)))
            cursor = at + len(w)

        def inside(i: int, j: int) -> float:
            a, b = pos[i][0], pos[j][1]
            return max((p for s, e, p in spans if s <= a and b <= e), default=0.0)

        out = []
        for n in range(1, _MAX_N + 1):
            for i in range(len(words) - n + 1):
                gram = tuple(words[i:i + n])
                p = max(self._label_p(gram, labels, ctx.product), inside(i, i + n - 1))
                if n == 1 and gram[0] in title:
                    p = max(p, title_p)
                out.append((gram, p))
        return out

    def score(self, text: str, ctx: SlotContext) -> float:
        """Expected BLEU-style precision (geometric mean over n = 1..4) times a brevity term."""
        if not text.strip():
            return 0.0
        odds = self.gram_odds(text, ctx)
        logs = []
        for n in range(1, _MAX_N + 1):
            ps = [p for g, p in odds if len(g) == n]
            logs.append(math.log((sum(ps) + 0.1) / (len(ps) + 0.1)))
        precision = math.exp(sum(logs) / _MAX_N)
        length = len(re.sub(r"\s", "", text))
        brevity = 1.0 if not ctx.target_chars or length >= ctx.target_chars else \
            math.exp(1 - ctx.target_chars / max(1, length))
        return precision * brevity
