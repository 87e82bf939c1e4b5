"""Every capability, as typed functions the planner can call.

Each function is typed and documented (LangChain builds the tool schema from the
signature and the Args section), opens the catalog named by the current settings, and
reports a problem the user can fix (any :class:`~tools.core.errors.ReelwrightError`) as
``{"error": "..."}`` rather than raising: a planner can read that and try something else.
Our own bugs are not swallowed.

The settings are passed in, not read behind the caller's back: the CLI (``--home``), the
studio and a Python user wrap calls in :func:`using_settings`; without it the
environment's ``REELWRIGHT_*`` settings apply.

    >>> with using_settings(Settings(home="/data/reelwright")):        # doctest: +SKIP
    ...     analyze_video("live.mp4", facts=["lipstick.json"])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import TYPE_CHECKING, Any

from tools.core.errors import ReelwrightError

if TYPE_CHECKING:
    from models.settings import Settings

__all__ = ["analyze_video", "search_clips", "describe_video", "using_settings", "current_settings"]

_SETTINGS: ContextVar[Settings | None] = ContextVar("reelwright_settings", default=None)


@contextmanager
def using_settings(settings: Settings) -> Iterator[Settings]:
    """Run the tools called inside the ``with`` block with ``settings`` (home, models, LLM)."""
    token = _SETTINGS.set(settings)
    try:
        yield settings
    finally:
        _SETTINGS.reset(token)


def current_settings() -> Settings:
    """The settings set by :func:`using_settings`, else the environment's."""
    got = _SETTINGS.get()
    if got is not None:
        return got
    from models.settings import Settings

    return Settings()


def _as_result(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ReelwrightError as exc:
            return {"error": str(exc)}

    return wrapper


def _clip(c) -> dict:
    return {"clip_id": c.id, "video_id": c.video_id, "start": round(c.start, 2), "end": round(c.end, 2),
            "product": c.product, "text": c.text[:300], "screen_text": c.screen_text[:120],
            "tags": sorted(c.tags, key=c.tags.get, reverse=True)[:3],
            "highlight": c.scores.get("highlight"),
            "concepts": sorted(c.concepts, key=c.concepts.get, reverse=True)[:6]}


@_as_result
def analyze_video(path: str, facts: list[str] | None = None) -> dict:
    """Analyse a video (speech, shots, scenes, product segments, tags, highlights, clips) into the catalog.

    Steps already stored are not repeated, so calling it again is cheap.

    Args:
        path: the video file.
        facts: paths of product fact sheets (JSON) of the products sold in the video.
    """
    from indexes.catalog import Catalog
    from tools.analysis.pipeline import analyze
    from tools.core.schema import load_facts

    settings = current_settings()
    with Catalog.open(settings) as cat:
        report = analyze(path, settings, cat, facts=[load_facts(f) for f in facts or []])
    return _summary(report.analysis, report.highlights)


def _summary(a, highlights: list[dict]) -> dict:
    best = sorted(highlights, key=lambda h: -h["score"])[:5]
    return {"video_id": a.video.id, "duration": round(a.video.duration, 1), "language": a.language,
            "sentences": len(a.sentences), "shots": len(a.shots), "scenes": len(a.scenes), "clips": len(a.clips),
            "segments": [{"start": round(s.start, 1), "end": round(s.end, 1), "product": s.product}
                         for s in a.segments],
            "best_shots": [{"start": round(a.shots[h["shot"]].start, 2), "end": round(a.shots[h["shot"]].end, 2),
                            "highlight": h["score"]} for h in best]}


@_as_result
def describe_video(path: str) -> dict:
    """What the catalog already knows about a video: segments by product, counts, best shots.

    Args:
        path: the video file (analysed before with analyze_video).
    """
    from indexes.catalog import Catalog
    from tools.analysis.pipeline import load_analysis

    with Catalog.open(current_settings()) as cat:
        video = cat.find_video(path)
        a = load_analysis(cat, video) if video is not None else None
        if a is None:
            return {"error": f"{path}: not analysed yet (call analyze_video first)"}
        part = cat.get_part(video.id, "highlights")
        return _summary(a, part.data if part is not None else [])


@_as_result
def search_clips(query: str, k: int = 5, product: str | None = None, tags: list[str] | None = None,
                 min_duration: float = 0.0) -> list[dict] | dict:
    """Find clips in the library by meaning (what is said, written on screen and shown).

    Args:
        query: what the clip should be about, e.g. "close-up of the cream being applied".
        k: how many clips to return.
        product: only clips of this product.
        tags: only clips with one of these speech tags (e.g. product_trial, price).
        min_duration: shortest clip, in seconds.
    """
    from indexes.catalog import Catalog
    from tools.analysis.search import search_clips as _search

    settings = current_settings()
    with Catalog.open(settings) as cat:
        hits = _search(query, settings, cat, k=k, product=product, tags=tags or (), min_duration=min_duration)
    return [dict(_clip(h.clip), score=round(h.score, 3), reasons=h.reasons) for h in hits]
