"""Material retrieval: find clips in the library by what they show and say, with the reasons.

A clip's score is the e5 cosine of the query and the clip's words (transcript, on-screen
text, concept names), plus ``CLIP_WEIGHT`` x the open_clip cosine of the query and the
clip's pictures when a CLIP model is configured (true text-to-image search: clips found
only by their pictures join the candidates), plus 0.2 x the best asked-for speech tag.

    >>> hits = search_clips("close-up of the product being applied", settings, catalog, k=5)  # doctest: +SKIP
    >>> hits[0].clip.product, hits[0].reasons                                                # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexes.catalog import Catalog
from indexes.vectors import VectorIndex
from models.settings import Settings
from tools.core.schema import Clip

__all__ = ["ClipHit", "search_clips", "text_index", "visual_index", "clip_index", "editing_index", "TEXT_DIM",
           "VISUAL_DIM", "CLIP_WEIGHT"]

TEXT_DIM = 384
VISUAL_DIM = 1280
CLIP_WEIGHT = 1.0


@dataclass
class ClipHit:
    clip: Clip
    score: float
    reasons: list[str] = field(default_factory=list)


_DIMS = {"text": TEXT_DIM, "visual": VISUAL_DIM}


def text_index(settings: Settings) -> VectorIndex:
    """The library's text-vector index (e5-small of each clip's words), beside the catalog."""
    return VectorIndex.open(Path(settings.home) / "vectors", "text", TEXT_DIM)


def visual_index(settings: Settings) -> VectorIndex:
    """The library's picture index (MobileNetV2 features of each clip's shots), beside the catalog."""
    return VectorIndex.open(Path(settings.home) / "vectors", "visual", VISUAL_DIM)


def editing_index(settings: Settings, kind: str, dim: int | None = None):
    """The library's ``text``, ``visual`` or ``clip`` index, opened for a change under its lock (a
    context manager). ``clip`` needs ``dim`` (the configured CLIP model's)."""
    return VectorIndex.editing(Path(settings.home) / "vectors", kind, dim or _DIMS[kind])


def clip_index(settings: Settings, dim: int) -> VectorIndex:
    """The library's open_clip picture index (exists only when CLIP is configured)."""
    return VectorIndex.open(Path(settings.home) / "vectors", "clip", dim)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]{4,}|[\u4e00-\u9fff]{2}", text.lower())}


def search_clips(query: str, settings: Settings, catalog: Catalog, k: int = 5, product: str | None = None,
                 tags: Sequence[str] = (), min_duration: float = 0.0, video_id: str | None = None) -> list[ClipHit]:
    """Clips ranked by meaning (e5 cosine of the query and the clip's words), filtered and explained.

    Args:
        query: what the clip should show or say, in any language e5 knows.
        k: how many clips.
        product: only clips of this product's segments.
        tags: prefer clips carrying these speech tags (their best score is added, x 0.2).
        min_duration: only clips at least this long (seconds).
        video_id: only clips of this video.
    """
    from models.loaders import clip_key, clip_model, text_embedder

    index = text_index(settings)
    filtered = product is not None or video_id is not None or min_duration > 0
    allowed = None
    if filtered:
        clips = [c for c in catalog.list_clips(video_id, product=product) if c.duration >= min_duration]
        allowed = [c.id for c in clips]
    q = text_embedder(settings).query([query])[0]
    pool = max(k * 4, 20) if tags else k
    found = dict(index.search(q, k=pool, allowed=allowed))
    pictures: dict[str, float] = {}
    if clip_key(settings):
        cm = clip_model(settings)
        cindex = clip_index(settings, cm.dim)
        if len(cindex):
            cq = cm.texts([query])[0]
            pictures = dict(cindex.search(cq, k=pool, allowed=allowed))
            pictures.update(cindex.similarity([c for c in found if c not in pictures], cq))
            found.update(index.similarity([c for c in pictures if c not in found], q))
    by_id = {c.id: c for c in catalog.list_clips(video_id, product=product)} if found or pictures else {}
    query_words = _words(query)
    hits = []
    for cid in dict.fromkeys([*found, *pictures]):
        clip = by_id.get(cid)
        if clip is None:
            continue  # an index entry whose clip was replaced by a newer analysis
        sim = found.get(cid, 0.0)
        reasons = [f"words mean the same (cosine {sim:.2f})"] if cid in found else []
        score = sim
        if cid in pictures:
            score += CLIP_WEIGHT * pictures[cid]
            reasons.append(f"pictures match (CLIP cosine {pictures[cid]:.2f})")
        shared = sorted(query_words & _words(clip.text))
        if shared:
            reasons.append("says " + ", ".join(repr(w) for w in shared[:4]))
        shown = sorted(query_words & _words(clip.screen_text))
        if shown:
            reasons.append("on screen: " + ", ".join(repr(w) for w in shown[:3]))
        looks = [k for k in clip.concepts if k.lower() in query.lower() or _words(k) & query_words]
        if looks:
            reasons.append("looks: " + ", ".join(f"{k} {clip.concepts[k]:.2f}" for k in looks[:3]))
        if tags:
            best = max(((t, clip.tags.get(t, 0.0)) for t in tags), key=lambda kv: kv[1])
            if best[1] > 0:
                score += 0.2 * best[1]
                reasons.append(f"tag {best[0]} {best[1]:.2f}")
        if clip.product:
            reasons.append(f"product: {clip.product}")
        hits.append(ClipHit(clip, round(score, 4), reasons))
    hits.sort(key=lambda h: -h.score)
    return hits[:k]
