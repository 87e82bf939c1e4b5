"""Clips: the usable spans of footage an ad is cut from, built from scenes and speech.

A clip is a scene, split at sentence boundaries when longer than ``max_len`` (never
inside a sentence), with the sentences spoken in it, their strongest speech tags, and
the product of the segment it falls in. Clips without video (an audio file) follow the
sentences instead of scenes.

    >>> clips = build_clips(analysis)                                     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

from tools.analysis.segments import product_at
from tools.core.schema import Analysis, Clip, Sentence

__all__ = ["build_clips", "search_text", "VERSION"]

VERSION = "2"


def _cut_points(start: float, end: float, sentences: Sequence[Sentence], max_len: float) -> list[float]:
    """Split start..end only between sentences, into pieces of at most ``max_len`` where the
    sentences allow (a single longer sentence stays whole)."""
    gaps = [(a.end + b.start) / 2 for a, b in zip(sentences, sentences[1:], strict=False)
            if start < a.end and b.start < end and start < (a.end + b.start) / 2 < end]
    points: list[float] = []
    last, prev = start, None
    for g in [*gaps, end]:
        if g - last > max_len and prev is not None and prev > last:
            points.append(prev)
            last = prev
        prev = g
    return points


def search_text(clip: Clip) -> str:
    """What the text index embeds for a clip: its words, the words on screen, what it looks like."""
    looks = " ".join(k for k, v in sorted(clip.concepts.items(), key=lambda kv: -kv[1]) if v >= 0.3)
    return " ".join(x for x in (clip.text, clip.screen_text, looks) if x).strip()


def build_clips(analysis: Analysis, max_len: float = 15.0, min_len: float = 1.0,
                screen: Sequence[dict] = (), shot_concepts: Sequence[dict] = (),
                highlights: Sequence[dict] = ()) -> list[Clip]:
    """Clips of an analysed video, in time order, with ids ``<video id[:12]>-<n>``.

    ``screen``: on-screen text lines (``{"t", "text", ...}``) joined into each clip's ``screen_text``;
    ``shot_concepts``: per shot keywords and objects (the strongest over the clip's shots);
    ``highlights``: per shot scores (the clip's ``scores["highlight"]`` is its best shot's).
    """
    a = analysis
    spans: list[tuple[float, float, list[int]]] = []
    if a.scenes:
        for sc in a.scenes:
            edges = [sc.start, *_cut_points(sc.start, sc.end, a.sentences, max_len), sc.end]
            spans += [(x, y, sc.shots) for x, y in zip(edges[:-1], edges[1:], strict=True)]
    elif a.sentences:
        spans = [(s.start, s.end, []) for s in a.sentences]
    else:
        spans = [(0.0, a.video.duration, [])]
    out: list[Clip] = []
    for start, end, shots in spans:
        if end - start < min_len and out:
            prev = out[-1]
            out[-1] = prev.model_copy(update={"end": round(end, 3)})
            continue
        said = [i for i, s in enumerate(a.sentences) if s.start < end and s.end > start
                and min(s.end, end) - max(s.start, start) >= 0.5 * min(s.duration, end - start)]
        tags: dict[str, float] = {}
        for i in said:
            for t, v in a.sentences[i].tags.items():
                tags[t] = max(tags.get(t, 0.0), v)
        shot_ids = [k for k in shots if a.shots and a.shots[k].start < end and a.shots[k].end > start] if shots else []
        seen = list(dict.fromkeys(x["text"] for x in screen if start <= x["t"] < end))
        mine = [k for k in (shots or []) if a.shots and a.shots[k].start < end and a.shots[k].end > start]
        scores = {"highlight": max(highlights[k]["score"] for k in mine)} if highlights and mine else {}
        concepts: dict[str, float] = {}
        for k in (shots or []):
            if k < len(shot_concepts) and a.shots[k].start < end and a.shots[k].end > start:
                for name, v in [*shot_concepts[k]["keywords"].items(),
                                *((o, p) for o, p in shot_concepts[k]["objects"].items() if p >= 0.2)]:
                    concepts[name] = round(max(concepts.get(name, 0.0), float(v)), 3)
        out.append(Clip(id=f"{a.video.id[:12]}-{len(out)}", video_id=a.video.id, start=round(start, 3),
                        screen_text=" · ".join(seen), concepts=concepts, scores=scores,
                        end=round(end, 3), product=product_at(a.segments, (start + end) / 2),
                        text=" ".join(a.sentences[i].text for i in said) if a.language != "zh"
                        else "".join(a.sentences[i].text for i in said),
                        sentences=said, shots=shot_ids, tags={t: round(v, 3) for t, v in tags.items()}))
    return out
