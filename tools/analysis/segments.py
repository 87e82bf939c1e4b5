"""Product segments: where a live stream moves from one product to the next.

With fact sheets (the usual case: the seller says what is on sale), every sentence
gets evidence for each product: its name or an alias is said, its words overlap the
fact sheet (TF-IDF, jieba words for Chinese), its meaning is close to the fact sheet
(multilingual e5-small, with the stream's mean vector removed: e5 similarities are
compressed, centring spreads them). A Viterbi pass over the sentences, with a
"no product" state for chat and a cost for switching, turns that evidence into
product runs: talk about one product stays one segment even when a few sentences
in it say nothing specific.

Without fact sheets, optimal partitioning (dynamic programming over sentence
boundaries, a penalty per segment) of the smoothed sentence vectors (e5 + TF-IDF +
the colour histogram of the frames on screen) finds the change points. On a stream
long enough for it, every segment lasts 3-10 minutes as the seed system cuts them:
long product runs are split at their best change points within those limits, short
chat runs join their neighbours.

A boundary falls in the silence between two sentences, on a shot boundary when
one is there.

    >>> segs = find_segments(sentences, duration, embed, facts=[facts])  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tools.core.schema import ProductFacts, Segment, Sentence, Shot
from tools.core.text import letters as _letters

__all__ = ["introduced_product", "SegmentParams", "Item", "items_from_sentences", "partition", "product_evidence", "viterbi",
           "find_segments", "product_at", "VERSION"]

VERSION = "1"
Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class SegmentParams:
    min_len: float = 180.0  # seconds, when the stream is long enough (>= 2 x min_len)
    max_len: float = 600.0
    short_min_len: float = 20.0  # shorter streams: segments of any length above this
    penalty: float = 6.0  # cost of one more segment, in units of one sentence's spread
    smooth: int = 2  # sentences either side averaged into each sentence's vector (no fact sheets)
    none_score: float = 0.15  # evidence a sentence needs to count for a product rather than chat
    switch: float = 0.4  # cost of changing product between two sentences
    visual_weight: float = 0.5  # weight of the on-screen colour cue beside the text
    bin_seconds: float = 10.0  # items for a stream without speech


@dataclass
class Item:
    start: float
    end: float
    text: str = ""


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-8)


def items_from_sentences(sentences: Sequence[Sentence]) -> list[Item]:
    return [Item(s.start, s.end, s.text) for s in sentences if s.text.strip()]


def _visual(items: Sequence[Item], t: np.ndarray | None, hist: np.ndarray | None) -> np.ndarray | None:
    if t is None or hist is None or not len(t):
        return None
    out = np.zeros((len(items), hist.shape[1]), np.float32)
    for i, it in enumerate(items):
        inside = (t >= it.start) & (t <= max(it.end, it.start + 0.5))
        out[i] = hist[inside].mean(axis=0) if inside.any() else hist[int(np.argmin(np.abs(t - it.start)))]
    return out


def partition(x: np.ndarray, starts: np.ndarray, ends: np.ndarray, duration: float, min_len: float,
              max_len: float, penalty: float) -> list[int]:
    """Optimal split of items ``x`` (in time order) into runs: the start index of each run.

    Minimises the within-run spread (sum of squared distances to the run mean) plus
    ``penalty`` per run, with every run lasting ``min_len``..``max_len`` seconds (run
    times: from its first item to the next run's first item). Falls back to the
    unconstrained optimum when the constraints cannot be met.
    """
    n = len(x)
    if n == 0:
        return []
    s1 = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    s2 = np.concatenate([[0.0], np.cumsum((x * x).sum(axis=1))])
    edge = np.concatenate([[0.0], [(ends[i - 1] + starts[i]) / 2 for i in range(1, n)], [duration]])

    def solve(lo: float, hi: float) -> list[int] | None:
        best = np.full(n + 1, np.inf)
        back = np.zeros(n + 1, dtype=np.int64)
        best[0] = 0.0
        for b in range(1, n + 1):
            a = np.arange(0, b)
            length = edge[b] - edge[a]
            ok = (length >= lo) & (length <= hi) & np.isfinite(best[a])
            if not ok.any():
                continue
            a = a[ok]
            cnt = (b - a).astype(np.float64)
            diff = s1[b] - s1[a]
            cost = s2[b] - s2[a] - (diff * diff).sum(axis=1) / cnt
            total = best[a] + cost + penalty
            k = int(np.argmin(total))
            best[b], back[b] = total[k], a[k]
        if not np.isfinite(best[n]):
            return None
        cuts, b = [], n
        while b > 0:
            cuts.append(int(back[b]))
            b = int(back[b])
        return sorted(cuts)

    return solve(min_len, max_len) or solve(0.0, np.inf) or [0]



def _mentions(text: str, facts: ProductFacts) -> int:
    t = _letters(text)
    return sum(1 for n in facts.names if len(_letters(n)) >= 3 and _letters(n) in t)


def product_at(segments: Sequence[Segment], t: float) -> str | None:
    """The product of the segment that contains time ``t`` (None: chat, or no segment)."""
    return next((s.product for s in segments if s.start <= t <= s.end), None)


def _snap(t: float, lo: float, hi: float, shots: Sequence[Shot]) -> float:
    """A boundary inside the silence lo..hi: on a shot boundary when one is there, else the middle."""
    inside = [s.start for s in shots if lo - 0.05 <= s.start <= hi + 0.05]
    return min(inside, key=lambda b: abs(b - t)) if inside else t


def _analyzer():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from tools.core.text import is_chinese, tokens

    def run(text: str) -> list[str]:
        words = tokens(text)
        if is_chinese(text):
            return [w for w in words if len(w) > 1 and not w.isspace()]
        return [w for w in words if len(w) > 2 and w not in ENGLISH_STOP_WORDS]

    return run


def _tfidf(texts: Sequence[str], fit_extra: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=_analyzer(), sublinear_tf=True)
    try:
        vec.fit([*texts, *fit_extra])
    except ValueError:  # no words at all
        return np.zeros((len(texts), 1), np.float32), np.zeros((len(fit_extra), 1), np.float32)
    return (vec.transform(texts).toarray().astype(np.float32),
            vec.transform(fit_extra).toarray().astype(np.float32) if fit_extra else np.zeros((0, 1), np.float32))


def _smooth(x: np.ndarray, k: int) -> np.ndarray:
    if k <= 0 or len(x) < 2:
        return x
    c = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    idx = np.arange(len(x))
    lo, hi = np.maximum(idx - k, 0), np.minimum(idx + k + 1, len(x))
    return (c[hi] - c[lo]) / (hi - lo)[:, None]


def product_evidence(items: Sequence[Item], facts: Sequence[ProductFacts], text_vecs: np.ndarray | None,
                     embed: Embed | None, screen: Sequence[tuple[float, str]] = ()) -> np.ndarray:
    """(items, products) evidence that each sentence is about each product: mentions (said, or on screen
    while it is said) + words + meaning."""
    texts = [it.text for it in items]
    sheets = [" ".join([f.product, *f.aliases, *f.phrases()]) for f in facts]
    shown = [" ".join(txt for t, txt in screen if it.start - 1.0 <= t <= it.end + 1.0) for it in items]
    mentions = np.array([[min(1, _mentions(t, f)) + 0.5 * min(1, _mentions(s, f)) for f in facts]
                         for t, s in zip(texts, shown, strict=True)], dtype=np.float32)
    a, b = _tfidf(texts, sheets)
    lex = _unit(a) @ _unit(b).T
    sims = np.zeros_like(mentions)
    if text_vecs is not None and embed is not None:
        pv = np.asarray(embed(sheets), dtype=np.float32)
        mean = text_vecs.mean(axis=0)
        sims = _unit(text_vecs - mean) @ _unit(pv - mean).T
    return mentions + 1.5 * lex + sims


def viterbi(evidence: np.ndarray, none_score: float, switch: float) -> np.ndarray:
    """Best state per item: -1 = no product, k = product k. Scores add up; each change costs ``switch``."""
    n, k = evidence.shape
    scores = np.concatenate([np.full((n, 1), none_score, np.float32), evidence], axis=1)
    best = scores[0].copy()
    back = np.zeros((n, k + 1), dtype=np.int64)
    for i in range(1, n):
        stay = best
        move = best.max() - switch
        from_move = int(np.argmax(best))
        back[i] = np.where(stay >= move, np.arange(k + 1), from_move)
        best = np.maximum(stay, move) + scores[i]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(np.argmax(best))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path - 1


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    out, a = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[a]:
            out.append((a, i, int(labels[a])))
            a = i
    return out


def find_segments(items: Sequence[Item], duration: float, embed: Embed | None = None,
                  facts: Sequence[ProductFacts] = (), shots: Sequence[Shot] = (),
                  frame_t: np.ndarray | None = None, frame_hist: np.ndarray | None = None,
                  params: SegmentParams | None = None, screen: Sequence[tuple[float, str]] = ()) -> list[Segment]:
    """Split a stream into product segments and label them.

    Args:
        items: sentences (or time bins when there is no speech), in time order.
        duration: the stream's length in seconds.
        embed: text -> unit vectors (e5 passages); None: words and pictures only.
        facts: fact sheets of the products sold in the stream (labels the segments).
        shots: boundaries are snapped to shot boundaries inside the silences.
        frame_t, frame_hist: per-frame times and colour histograms (the on-screen cue).
        screen: (time, text) lines read on screen (OCR): a product name shown is evidence too.
    """
    p = params or SegmentParams()
    if not items or not any(it.text for it in items):
        items = [Item(float(t), float(min(duration, t + p.bin_seconds)))
                 for t in np.arange(0.0, max(duration, 1e-3), p.bin_seconds)]
    has_text = any(it.text for it in items)
    text_vecs = np.asarray(embed([it.text or "." for it in items]), np.float32) if embed and has_text else None
    x = _vectors(items, text_vecs, frame_t, frame_hist, p)
    if x is None:
        return [Segment(index=0, start=0.0, end=round(duration, 3))]
    starts = np.array([it.start for it in items])
    ends = np.array([it.end for it in items])
    long_stream = duration >= 2 * p.min_len
    lo, hi = (p.min_len, p.max_len) if long_stream else (p.short_min_len, np.inf)
    if facts and has_text:
        ev = product_evidence(items, facts, text_vecs, embed, screen)
        runs = _runs(viterbi(ev, p.none_score, p.switch))
        runs = _fit_lengths(runs, x, starts, ends, duration, lo, hi, p, long_stream)
        conf = [_confidence(ev[a:b], k, p.none_score) for a, b, k in runs]
    else:
        cuts = partition(x, starts, ends, duration, lo, hi, p.penalty)
        runs = [(a, b, -1) for a, b in zip(cuts, [*cuts[1:], len(items)], strict=True)]
        conf = [0.0] * len(runs)
    out = []
    for j, ((a, b, k), c) in enumerate(zip(runs, conf, strict=True)):
        start = 0.0 if j == 0 else _snap((ends[a - 1] + starts[a]) / 2, ends[a - 1], starts[a], shots)
        end = duration if j == len(runs) - 1 else _snap((ends[b - 1] + starts[b]) / 2, ends[b - 1], starts[b], shots)
        label = facts[k].product if k >= 0 else None
        out.append(Segment(index=j, start=round(start, 3), end=round(max(end, start), 3), product=label,
                           title=label or _title(items[a:b], x[a:b]), confidence=round(c, 3)))
    return out


def _vectors(items: Sequence[Item], text_vecs: np.ndarray | None, frame_t: np.ndarray | None,
             frame_hist: np.ndarray | None, p: SegmentParams) -> np.ndarray | None:
    parts = []
    if text_vecs is not None:
        parts.append(_unit(_smooth(_unit(text_vecs - text_vecs.mean(axis=0)), p.smooth)))
    if any(it.text for it in items):
        lex, _ = _tfidf([it.text for it in items])
        if lex.any():
            parts.append(_unit(_smooth(_unit(lex), p.smooth)))
    visual = _visual(items, frame_t, frame_hist)
    if visual is not None:
        v = np.sqrt(np.maximum(visual, 0))  # Hellinger: histograms compared fairly
        w = p.visual_weight if parts else 1.0
        parts.append(w * _unit(_smooth(_unit(v - v.mean(axis=0)), p.smooth)))
    return np.concatenate(parts, axis=1) if parts else None


def _fit_lengths(runs: list[tuple[int, int, int]], x: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 duration: float, lo: float, hi: float, p: SegmentParams,
                 long_stream: bool) -> list[tuple[int, int, int]]:
    """Long streams: chat runs shorter than ``lo`` join a neighbour, runs longer than ``hi`` are split."""
    edge = np.concatenate([[0.0], [(ends[i - 1] + starts[i]) / 2 for i in range(1, len(starts))], [duration]])
    if not long_stream:
        return runs
    merged: list[tuple[int, int, int]] = []
    for a, b, k in runs:  # short chat goes to the run before it (or after, at the start)
        if k < 0 and edge[b] - edge[a] < lo and merged:
            pa, _, pk = merged[-1]
            merged[-1] = (pa, b, pk)
        elif merged and merged[-1][2] < 0 and edge[merged[-1][1]] - edge[merged[-1][0]] < lo:
            merged[-1] = (merged[-1][0], b, k)
        else:
            merged.append((a, b, k))
    out: list[tuple[int, int, int]] = []
    for a, b, k in merged:
        if edge[b] - edge[a] <= hi:
            out.append((a, b, k))
            continue
        cuts = partition(x[a:b], starts[a:b] - edge[a], ends[a:b] - edge[a], edge[b] - edge[a], lo, hi, p.penalty)
        bounds = [a + c for c in cuts] + [b]
        out += [(s, e, k) for s, e in zip(bounds[:-1], bounds[1:], strict=True)]
    return out


def _confidence(ev: np.ndarray, k: int, none_score: float) -> float:
    """Share of the run's sentences whose own best evidence agrees with the run's label."""
    if not len(ev):
        return 0.0
    own = np.where(ev.max(axis=1) > none_score, ev.argmax(axis=1), -1)
    return float(np.mean(own == k))


def _title(items: Sequence[Item], x: np.ndarray) -> str:
    texts = [it.text for it in items if it.text]
    if not texts:
        return ""
    centre = x.mean(axis=0)
    best = items[int(np.argmax(x @ centre))].text or texts[0]
    return best if len(best) <= 60 else best[:57].rstrip() + "..."


# how a presenter introduces a product: "first up is the Aurora Espresso Blend", "this is the Deep
# Field Space Poster set", "introducing ...", "这款…", "给大家介绍一下…"
_INTRO_EN = re.compile(r"\b(?i:this is|here is|here's|first up is|next up is|next is|up next is|introducing|meet|"
                       r"product number \w+ is)\s+(?i:the |our |a |an |my )?"
                       r"((?:[A-Z0-9][\w'&-]*\s+){0,5}[A-Z0-9][\w'&-]*(?:\s+[a-z]{2,12}(?=\s*[,.!?;:]|$))?)")
_INTRO_ZH = re.compile(r"(?:给大家介绍一下|给大家介绍|今天推荐|这款|这一款|第[一二三四五六七八九十\d]+个产品是?)"
                       r"([\u4e00-\u9fffA-Za-z0-9]{2,14}?)(?=[，。！？、,.!?\s]|$|它|是|的|真的|非常|特别)")


def introduced_product(texts: Sequence[str]) -> str | None:
    """The product a stretch of speech introduces by name, as said (the first introduction), or None.

    For segments no fact sheet names: "what does this stream sell" can still be answered."""
    for text in texts:
        m = _INTRO_EN.search(text)
        if m and len(m.group(1)) >= 3:
            return m.group(1).strip()
        m = _INTRO_ZH.search(text)
        if m:
            return re.sub(r"^(?:这款|这一款|这个|一款)", "", m.group(1)) or None
    return None

