"""The tools that read: analyse and describe a video, search clips, check text against facts, list the library."""

from __future__ import annotations

import json
import time
from pathlib import Path

from pydantic import BaseModel, Field

from tools.api.context import as_result, current_settings, current_workspace, in_workdir, readable, say

__all__ = ["analyze_video", "describe_video", "extract_template", "search_clips", "check_facts", "list_library", "LibraryResult",
           "FactCheckResult"]

MAX_LISTED = 50  # per kind in list_library: the planner's context is small


def _clip(c) -> dict:
    return {"clip_id": c.id, "video_id": c.video_id, "start": round(c.start, 2), "end": round(c.end, 2),
            "product": c.product, "text": c.text[:300], "screen_text": c.screen_text[:120],
            "tags": sorted(c.tags, key=c.tags.get, reverse=True)[:3],
            "highlight": c.scores.get("highlight"),
            "concepts": sorted(c.concepts, key=c.concepts.get, reverse=True)[:6]}


def _facts(paths: list[str] | str | None) -> list[Path]:
    """Fact sheet paths the workspace lets the tools read (a lone path counts as a list of one)."""
    if paths is None:
        return []
    return [readable(p) for p in ([paths] if isinstance(paths, str) else paths)]


@as_result
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
        video = readable(path, cat)
        sheets = [load_facts(f) for f in _facts(facts)]
        say(f"analysing {video.name} (stored steps are reused)")
        t0 = time.perf_counter()
        report = analyze(video, settings, cat, facts=sheets)
    done = [s.step for s in getattr(report, "steps", []) if s.status == "done"]
    note = (f"analysed now ({', '.join(done)}: {time.perf_counter() - t0:.0f} s)" if done else
            "already analysed: read from the catalog")
    return {**_summary(report.analysis, report.highlights), "files": [], "notes": [note]}


def _segment(seg, sentences) -> dict:
    """A product segment; one no fact sheet names gets the product as the presenter introduces it."""
    from tools.analysis.segments import introduced_product

    out = {"start": round(seg.start, 1), "end": round(seg.end, 1), "product": seg.product}
    if seg.product is None:
        said = introduced_product([x.text for x in sentences if seg.start <= x.start < seg.end])
        if said:
            out["introduced_as"] = said
    return out


def _summary(a, highlights: list[dict]) -> dict:
    best = sorted(highlights, key=lambda h: -h["score"])[:5]
    return {"video_id": a.video.id, "duration": round(a.video.duration, 1), "language": a.language,
            "sentences": len(a.sentences), "shots": len(a.shots), "scenes": len(a.scenes), "clips": len(a.clips),
            "segments": [_segment(s, a.sentences) for s in a.segments],
            "best_shots": [{"start": round(a.shots[h["shot"]].start, 2), "end": round(a.shots[h["shot"]].end, 2),
                            "highlight": h["score"]} for h in best]}


@as_result
def describe_video(path: str) -> dict:
    """What the catalog already knows about a video: segments by product (a product no fact sheet
    names: as the presenter introduced it), counts, best shots.

    Args:
        path: the video file (analysed before with analyze_video).
    """
    from indexes.catalog import Catalog
    from tools.analysis.pipeline import load_analysis

    with Catalog.open(current_settings()) as cat:
        real = readable(path, cat)
        video = cat.find_video(real)
        a = load_analysis(cat, video) if video is not None else None
        if a is None:
            return {"error": f"{path}: not analysed yet (call analyze_video first)"}
        part = cat.get_part(video.id, "highlights")
        return {**_summary(a, part.data if part is not None else []), "files": [], "notes": []}


@as_result
def extract_template(video: str, name: str | None = None) -> dict:
    """Read the style of a reference ad into a template (its shots' rhythm, scales, camera moves, transitions, text on screen, music beats, storyline) that make_ad(template=...) can follow.

    Args:
        video: the reference ad video.
        name: a name for the template (letters, digits, '_' or '-'; default: from the file name).
    """
    from indexes.catalog import Catalog
    from tools.core.files import write_atomic
    from tools.template.extract import extract_template as _extract
    from tools.template.library import check_name, save_template

    ws = current_workspace()
    if name is not None:
        check_name(name)
    with Catalog.open(ws.settings) as cat:
        tpl = _extract(readable(video, cat), ws.settings, cat, name=name, progress=say)
    saved = save_template(tpl, ws.settings)
    copy = write_atomic(in_workdir(ws.workdir / "templates" / f"{tpl.name}.json"),
                        tpl.model_dump_json(indent=1).encode())
    return {"template": tpl.name, "duration": round(tpl.duration, 2), "aspect": tpl.source.aspect,
            "slots": [{"slot": s.index + 1, "seconds": round(s.duration, 2), "scale": s.scale, "motion": s.motion,
                       "transition": s.transition_in, "labels": s.labels} for s in tpl.slots][:MAX_LISTED],
            "storyline": tpl.storyline, "music": tpl.audio.music, "tempo": tpl.audio.tempo,
            "cuts_on_beat": tpl.audio.cuts_on_beat, "voice": tpl.audio.voice,
            "overlays": [{"role": o.role, "text": o.text} for o in tpl.overlays][:MAX_LISTED],
            "files": [str(copy.resolve())], "notes": [f"saved in the library as {saved.stem}", *tpl.notes]}


@as_result
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
    from tools.core.errors import UsageError

    if not str(query).strip():
        raise UsageError("search_clips needs a query: what the clip should show or say")
    if not 1 <= k <= MAX_LISTED:
        raise UsageError(f"k {k}: ask for 1 to {MAX_LISTED} clips")
    settings = current_settings()
    with Catalog.open(settings) as cat:
        hits = _search(query, settings, cat, k=k, product=product, tags=tags or (), min_duration=min_duration)
    return [dict(_clip(h.clip), score=round(h.score, 3), reasons=h.reasons) for h in hits]


class FactCheckResult(BaseModel):
    ok: bool = Field(description="every line is supported and free of risk words")
    product: str
    lines: list[dict] = Field(description="per line: text, ok, claims (kind, supported, reason, evidence), "
                              "risk_words, quantities")
    files: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


@as_result
def check_facts(text: str, facts: str, product: str | None = None) -> dict:
    """Check text against a product's fact sheet: each claim (prices, numbers, terms, general claims) supported or not, and ad-law risk words.

    Args:
        text: the text to check; each line is checked on its own.
        facts: path of the product's fact sheet (JSON).
        product: which product, when the file holds several sheets (default: the first).
    """
    from tools.core.errors import UsageError
    from tools.guard.factguard import check_lines
    from tools.production.make import load_sheets

    sheets = load_sheets(_facts(facts))
    sheet = next((s for s in sheets if product is None or s.product.lower() == product.lower()), None)
    if sheet is None:
        raise UsageError(f"no sheet of {product!r} in {facts} (it has: {', '.join(s.product for s in sheets)})")
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    if not lines:
        raise UsageError("no text to check")
    embedder, notes = _embedder()
    got = check_lines(sheet, lines, embedder=embedder)
    return FactCheckResult(ok=all(r["ok"] for r in got), product=sheet.product, lines=got, notes=notes).model_dump()


def _embedder() -> tuple[object | None, list[str]]:
    from models.loaders import text_embedder
    from tools.core.errors import ModelError

    try:
        return text_embedder(current_settings()), []
    except ModelError as exc:
        return None, [f"general claims were not scored (no text model: {exc})"]


class LibraryResult(BaseModel):
    workdir: str = Field(description="this session's working folder")
    videos: list[dict] = Field(description="videos of the catalog: path, duration, analysed, products")
    fact_sheets: list[dict] = Field(description="fact sheets in the library and the working folder: path, product")
    templates: list[dict] = Field(description="ad templates (make_ad's template=name): name, builtin, seconds, aspect, about")
    ads: list[dict] = Field(description="ads of this session: plan, product, duration, video")
    files: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


@as_result
def list_library() -> dict:
    """What there is to work with: the analysed videos, the fact sheets, the templates and this session's ads."""
    from indexes.catalog import Catalog

    ws = current_workspace()
    with Catalog.open(ws.settings) as cat:
        videos = [_video(cat, v) for v in cat.videos()[-MAX_LISTED:]]
    sheets = [s for p in _jsons(ws.library / "facts", ws.library, ws.workdir) if (s := _sheet(p))]
    from tools.template.library import list_templates

    templates = [{"name": t.name, "builtin": t.builtin, "seconds": t.duration, "aspect": t.aspect,
                  "about": t.description[:80]} for t in list_templates(ws.settings)]
    ads = [a for p in sorted(ws.workdir.glob("*/plan.json")) if (a := _ad(p))] if ws.workdir.is_dir() else []
    notes = [] if videos else ["the catalog is empty: analyze_video (or make_ad) a video first"]
    return LibraryResult(workdir=str(ws.workdir), videos=videos, fact_sheets=sheets[:MAX_LISTED],
                         templates=templates[:MAX_LISTED], ads=ads[-MAX_LISTED:], notes=notes).model_dump()


def _video(cat, v) -> dict:
    segments = cat.get_part(v.id, "segments")
    products = sorted({s.get("product") for s in segments.data if s.get("product")}) if segments else []
    return {"path": v.path, "video_id": v.id, "duration": round(v.duration, 1),
            "analysed": cat.get_part(v.id, "clips") is not None, "products": products}


def _jsons(*folders: Path) -> list[Path]:
    seen: dict[Path, None] = {}
    for folder in folders:
        if folder.is_dir():
            for p in sorted(folder.glob("*.json")):
                seen.setdefault(p.resolve(), None)
    return list(seen)


def _sheet(path: Path) -> dict | None:
    from tools.core.errors import FactsError
    from tools.production.make import load_sheets

    try:
        sheets = load_sheets([path])
    except FactsError:
        return None  # not a fact sheet (a plan, a template...)
    return {"path": str(path), "product": ", ".join(s.product for s in sheets)}


def _ad(plan_path: Path) -> dict | None:
    try:
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        rendered = plan.get("rendered") or []
        video = rendered[0]["files"].get("ad") if rendered else None
        return {"plan": str(plan_path), "product": (plan.get("segment") or {}).get("product"),
                "duration": plan["spec"]["duration"], "aspect": plan["spec"]["aspect"],
                "video": str(plan_path.parent / video) if video else None}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a damaged plan is left out of the list, not a failure of it
