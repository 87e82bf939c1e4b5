"""The main job: analysed stream + fact sheet + brief -> a finished short ad and the editor's files.

    >>> result = make_ad("live.mp4", ["product.json"], "15s beauty ad, energetic", "out/", settings, catalog)
    ... # doctest: +SKIP

Steps: analysis (from the catalog when stored) -> ad spec (flags over brief) -> storyline
variants with a clip per slot, scored and ranked (:mod:`tools.production.arrange`) -> narration per
slot from the narrator, guarded by the fact guard (voice-over modes) -> voice-over with an
offline TTS, fitted to each slot and heard back by the ASR (what it heard and the word error
rate go into ``plan.json``; a line worse than ``VOICE_WER_LIMIT`` is reported) -> timeline ->
one-pass render + cover + SRT / ASS /
OTIO + ``plan.json``. Everything is written inside the output dir; the source is only read.

The recipe runs in stages that :func:`make_ad` composes and the planner's tools call one by
one (:mod:`tools.production.stages` keeps them resumable through ``plan.json``): the spec
(:func:`spec_for`), the analysis and its decisions (:func:`prepare`), the ranked storyline
variants (:func:`arrange_variants`) -> the narration (:func:`narrate_variant`, voice-over
modes) -> the timeline with its voice-over and subtitles (:func:`timeline_for`) -> the files
(:func:`render_timeline`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from models.settings import Settings
from tools.core.errors import MakeError
from tools.core.schema import Analysis, ProductFacts, Segment, load_facts
from tools.production.adspec import AdSpec, SpecError, spec_from_brief
from tools.production.arrange import Moment, Plan, arrange, product_segment
from tools.production.assemble import (
    VOICE_MAX_RATE,
    _check_voice,
    _speech_cues,
    _sticker,
    _voice_over,
    build_timeline,
)
from tools.production.timeline import Crop, Timeline, write_ass, write_otio, write_srt

__all__ = ["MakeResult", "make_ad", "build_timeline", "MakeError", "Planned", "spec_for", "prepare",
           "arrange_variants", "narrate_variant", "timeline_for", "render_timeline",
           "spoken_lines", "variant_dict", "narration_dicts", "rendered_entry", "load_sheets"]


@dataclass
class MakeResult:
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    plan: dict = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Planned:
    """A planned ad, live: the spec, the stream's analysis, the ranked storyline variants (nothing
    narrated or rendered yet). What the stages after :func:`plan_variants` read."""

    stream: Path
    spec: AdSpec
    facts: list[ProductFacts]
    report: object  # tools.analysis.pipeline.AnalyzeReport: analysis, highlights, screen, steps
    segment: Segment
    product: ProductFacts | None
    language: str
    audio: str
    plans: list[Plan] = field(default_factory=list)
    chat: object | None = None  # the chat model, once made (the storyline and the narration share it)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def analysis(self) -> Analysis:
        return self.report.analysis

    @property
    def kind(self) -> str:
        """What a slot shows: "speech" (whole sentences, the presenter heard) or "pictures"."""
        return "speech" if self.audio == "original" else "pictures"

    @property
    def voiced(self) -> bool:
        return self.audio in ("voiceover", "both")

    @property
    def title(self) -> str:
        return self.product.product if self.product else (self.segment.product or "")


def spec_for(brief: str, facts: Sequence[ProductFacts], **flags) -> AdSpec:
    """The ad spec from the brief and ``flags`` (:class:`AdSpec` fields, None = from the brief)."""
    try:
        return spec_from_brief(brief, products=[f.product for f in facts], **flags)
    except SpecError as exc:
        raise MakeError(str(exc)) from None


def load_sheets(paths: Sequence[str | Path]) -> list[ProductFacts]:
    """The fact sheets in ``paths`` (a file may hold several)."""
    out: list[ProductFacts] = []
    for f in paths:
        got = load_facts(f)
        out += got if isinstance(got, list) else [got]
    return out


def prepare(stream: str | Path, facts: list[ProductFacts], spec: AdSpec, settings: Settings, catalog,
            say: Callable[[str], None]) -> Planned:
    """Analyse the stream (stored steps are reused) and decide the segment, language and audio.

    Raises:
        MakeError: no video, a product not sold in the stream, a voice-over nobody can speak."""
    from tools.analysis.pipeline import analyze
    from tools.production.voice import available_voices

    stream = Path(stream)
    say("analysing the stream (stored steps are reused)")
    report = analyze(stream, settings, catalog, facts=facts)
    analysis = report.analysis
    if not analysis.shots:
        raise MakeError(f"{stream}: no video to cut an ad from")
    if spec.product and not any(s.product == spec.product for s in analysis.segments):
        raise MakeError(f"{spec.product!r} is not sold in {stream.name}: no segment of the stream is about it "
                        f"(found: {', '.join(sorted({s.product for s in analysis.segments if s.product})) or 'none'})")
    segment = product_segment(analysis, spec.product)
    product = next((f for f in facts if f.product == segment.product), None)
    language = spec.language or ("zh" if analysis.language == "zh" else "en")
    audio = spec.audio or ("voiceover" if language == "en" and available_voices() else "original")
    if audio != "original" and language == "zh":
        raise MakeError("no Mandarin voice exists offline: use --audio original (the presenter's speech with "
                        "subtitles), or configure a remote TTS")
    return Planned(stream, spec, list(facts), report, segment, product, language, audio)


def arrange_variants(p: Planned, settings: Settings, catalog, llm=None,
                     say: Callable[[str], None] = lambda msg: None) -> list[Plan]:
    """Rank ``p.spec.variants`` storyline variants with a clip per slot into ``p.plans`` (the LLM
    writes one more storyline when it writes the narration anyway)."""
    t1 = time.perf_counter()
    say("arranging storylines and choosing clips")
    analysis, highlights = p.analysis, p.report.highlights
    coherence = _coherence(settings)
    fallback = _fallback(settings, catalog, p.segment.product, analysis, highlights, p.kind)
    visual = None
    if "concepts" in analysis.versions:
        visual = catalog.get_array(analysis.video.id, "concepts", analysis.versions["concepts"], "visual")
    extra = []
    chat = None
    if p.audio != "original" and p.product is not None:  # the LLM writes the narration anyway: and a storyline
        from models.llm import get_chat_model
        from models.transports import LLMError
        from tools.production.arrange import llm_storyline, slot_count

        chat = llm or get_chat_model(settings, temperature=0.7, max_tokens=160)
        try:
            extra.append(("LLM storyline", llm_storyline(chat, p.product, slot_count(p.spec.duration), p.language)))
        except (LLMError, ValueError, KeyError) as exc:  # the pattern storylines still make the ad
            say(f"the LLM storyline failed ({exc}); using the others")
    p.plans = arrange(analysis, highlights, p.spec, p.product, coherence=coherence, fallback=fallback, kind=p.kind,
                      visual=visual, extra=extra)
    p.chat = chat
    p.seconds["arrange"] = round(time.perf_counter() - t1, 2)
    return p.plans


def narrate_variant(p: Planned, variant: Plan, settings: Settings, llm=None,
                    say: Callable[[str], None] = lambda msg: None, examples=None, **narrate_options):
    """Stage 2 (voice-over modes): one guarded line per slot of ``variant``
    (a :class:`~tools.narration.narrate.Narration`). ``examples``: the narrator's worked examples
    (an :class:`~tools.narration.narrate.ExampleBank`; None: the shipped English ones in English);
    ``narrate_options``: passed on to :func:`~tools.narration.narrate.narrate` (``reads_as``, ``redraws``)."""
    say(f"writing the narration ({len(variant.slots)} slots) and checking it against the facts")
    durations = [round(s.duration, 3) for s in variant.slots]  # the timeline's item durations
    return _narrate(variant, durations, p.product, p.spec, p.language, settings, llm or p.chat, examples,
                    **narrate_options)


def spoken_lines(texts: Sequence[str], language: str) -> list[str]:
    """The narration as the voice says it (an English line starts with a capital)."""
    return [t[:1].upper() + t[1:] if language == "en" else t for t in texts]


def timeline_for(p: Planned, variant: Plan, lines: list[str] | None, out_dir: Path, suffix: str,
                 settings: Settings, say: Callable[[str], None] = lambda msg: None) -> Timeline:
    """Stage 3a: the timeline of ``variant`` with its sound and subtitles: the voice-over of ``lines``
    (spoken into ``out_dir/voice{suffix}/`` and heard back), or the presenter's words (``lines`` None)."""
    tl = build_timeline(variant, p.analysis, p.report.highlights, p.spec, p.language, p.audio,
                        screen=p.report.screen, title=_short(p.title, p.language),
                        sticker=_sticker(p.product, p.language))
    if lines is not None:
        say("speaking the voice-over")
        cues = _voice_over(tl, lines, out_dir / f"voice{suffix}", p.language)
        say("listening to the voice-over (transcribed back)")
        for it in _check_voice(tl, settings, p.language):
            say(f"  slot {it.index}: the voice-over is hard to follow (WER {it.voice_wer:.2f}): "
                f"heard {it.voice_heard!r} for {it.narration!r}")
    else:
        cues = _speech_cues(tl, p.analysis)
    tl.cues = cues
    return tl


def render_timeline(p: Planned, variant: Plan, tl: Timeline, out_dir: Path, suffix: str, *,
                    cover_suffix: str | None = None, draft: bool = False,
                    say: Callable[[str], None] = lambda msg: None) -> dict[str, Path]:
    """Stage 3b: ``ad{suffix}.mp4`` and its ASS, SRT and OTIO files; with ``cover_suffix`` also
    ``strip{cover_suffix}.png`` and ``cover{cover_suffix}.jpg``."""
    from tools.production.render import cover, frame_strip, render

    say(f"rendering ad{suffix}.mp4 ({p.spec.size[0]}x{p.spec.size[1]}, {p.spec.duration:g} s)")
    ass = write_ass(tl.cues, out_dir / f"ad{suffix}.ass", tl.width, tl.height, title=tl.title,
                    title_until=min(2.5, tl.items[0].end) if tl.title else 0.0, look=tl.subtitle_look)
    video = render(tl, out_dir / f"ad{suffix}.mp4", ass if tl.burn_subtitles else None,
                   preset="ultrafast" if draft else "superfast")
    files = {"ad": video, "srt": write_srt(tl.cues, out_dir / f"ad{suffix}.srt"), "ass": ass,
             "otio": write_otio(tl, out_dir / f"ad{suffix}.otio", name=f"{p.title} ad{suffix}")}
    if cover_suffix is not None:
        files["strip"] = frame_strip(files["ad"], out_dir / f"strip{cover_suffix}.png")
        best = max(range(len(tl.items)), key=lambda i: variant.slots[i].moment.highlight)
        it = tl.items[best]
        c = it.crops[0] if it.crops else Crop(it.src_in, 0.5, 0.5)
        files["cover"] = cover(it.source, it.src_in + min(it.duration / 2, 1.0), tl,
                               out_dir / f"cover{cover_suffix}.jpg", title=_short(p.title, p.language),
                               crop_x=c.x, crop_y=c.y, zoom=it.zoom)
    return files


def make_ad(stream: str | Path, facts_paths: Sequence[str | Path], brief: str, out_dir: str | Path,
            settings: Settings, catalog, *, llm=None, render_all: bool = False, draft: bool = False,
            progress: Callable[[str], None] | None = None, **flags) -> MakeResult:
    """Make the ad (see the module doc). ``flags`` are :class:`AdSpec` fields (None = from the brief).

    ``draft``: encode with x264 ultrafast (quicker, a larger file: ``bench/render.py`` times both), to iterate."""
    say = progress or (lambda msg: None)
    out_dir = Path(out_dir)
    stream = Path(stream)
    result = MakeResult(out_dir)
    t0 = time.perf_counter()
    facts = [load_facts(f) for f in facts_paths]
    p = prepare(stream, facts, spec_for(brief, facts, **flags), settings, catalog, say)
    p.seconds["analysis"] = round(time.perf_counter() - t0, 2)
    arrange_variants(p, settings, catalog, llm, say)

    out_dir.mkdir(parents=True, exist_ok=True)
    if out_dir.resolve() == stream.resolve().parent and (out_dir / "ad.mp4").resolve() == stream.resolve():
        raise MakeError(f"{out_dir}: would overwrite the source")
    rendered = []
    for n, variant in enumerate(p.plans if render_all else p.plans[:1]):
        suffix = "" if n == 0 else f"_v{n + 1}"
        t2 = time.perf_counter()
        narration = narrate_variant(p, variant, settings, say=say) if p.voiced else None
        lines = spoken_lines([s.text for s in narration.slots], p.language) if narration is not None else None
        tl = timeline_for(p, variant, lines, out_dir, suffix, settings, say)
        p.seconds["narration" + suffix] = round(time.perf_counter() - t2, 2)
        t3 = time.perf_counter()
        files = render_timeline(p, variant, tl, out_dir, suffix, cover_suffix="" if n == 0 else None, draft=draft,
                                say=say)
        p.seconds["render" + suffix] = round(time.perf_counter() - t3, 2)
        rendered.append((variant, tl, None if narration is None else narration_dicts(narration), files))
        result.files.update({(k if n == 0 else f"{k}{suffix}"): v for k, v in files.items()})

    p.seconds["total"] = round(time.perf_counter() - t0, 2)
    result.seconds = p.seconds
    result.plan = _plan_json(p.spec, p.audio, p.language, stream, p.segment, p.plans, rendered, result.seconds)
    result.files["plan"] = _write_plan(result.plan, out_dir)
    return result


def _write_plan(plan: dict, out_dir: Path) -> Path:
    """``out_dir/plan.json``, written whole through a temporary file of its own (two runs into one
    folder never share one; the last rename wins)."""
    from tools.core.files import write_atomic

    return write_atomic(out_dir / "plan.json", json.dumps(plan, ensure_ascii=False, indent=1).encode("utf-8"),
                        mode=0o644)


def _short(name: str, language: str) -> str:
    from tools.narration.names import short_name

    return short_name(name, None, language) if name else ""


def _coherence(settings: Settings):
    from models.loaders import memoized, text_embedder
    from tools.analysis.coherence import CoherenceError, CoherenceModel

    try:
        model = CoherenceModel.load()
    except CoherenceError:
        return None
    embed = memoized(lambda texts: text_embedder(settings).passage(list(texts)))
    cache: dict[tuple[str, str], float] = {}

    def score(a: str, b: str) -> float:
        if (a, b) not in cache:
            cache[(a, b)] = float(model.score([a], [b], embed)[0])
        return cache[(a, b)]

    return score


def _fallback(settings: Settings, catalog, product: str | None, analysis: Analysis, highlights: Sequence[dict],
              kind: str):
    """Concept retrieval from the library's index when no moment carries a slot's tags."""
    from tools.analysis.search import search_clips
    from tools.analysis.tags import taxonomy

    names = {t.id: f"{t.en}: {t.definition}" for t in taxonomy()}

    def find(tags: list[str]) -> list[Moment]:
        query = "; ".join(names.get(t, t) for t in tags[:2])
        hits = search_clips(query, settings, catalog, k=4, product=product, video_id=analysis.video.id)
        out = []
        for h in hits:
            c = h.clip
            sents = [s for s in analysis.sentences if s.index in c.sentences]
            hl = max((highlights[i]["score"] for i in c.shots if i < len(highlights)), default=0.0)
            m = Moment(c.start, c.end, kind, c.text, dict(c.tags), hl, list(c.shots), list(c.sentences),
                       speech_end=(sents[-1].end if sents and kind == "speech" else None))
            if kind == "speech" and not sents:
                continue
            m.found_by = f"found by retrieval for '{query[:60]}' ({'; '.join(h.reasons[:2])})"
            out.append(m)
        return out

    return find


def _narrate(plan: Plan, durations: Sequence[float], facts: ProductFacts | None, spec: AdSpec, language: str,
             settings: Settings, llm, examples=None, **narrate_options):
    from models.llm import get_chat_model
    from models.loaders import text_embedder
    from tools.analysis.tags import group_of
    from tools.guard.factguard import FactGuard
    from tools.narration.narrate import ExampleBank, narrate
    from tools.narration.storyline import Slot, SlotContext, Storyline, budget_for_duration

    if facts is None:
        raise MakeError("a voice-over needs the product's fact sheet (--facts)")
    slots = []
    n = len(durations)
    for k, (seconds, ps) in enumerate(zip(durations, plan.slots, strict=True)):
        budget, unit = budget_for_duration(max(1.0, seconds - 0.4), language)
        slots.append(Slot(index=k + 1, labels=[group_of(ps.tags[0])], budget=budget, unit=unit,
                          position=k / max(1, n - 1), duration=seconds,
                          context=SlotContext(transcript=ps.moment.text[:300])))
    story = Storyline(slots=slots, source=plan.name, language=language)
    guard = FactGuard(facts.product, facts.facts, embedder=text_embedder(settings))
    chat = llm or get_chat_model(settings, temperature=0.7, max_tokens=160)
    brief = ", ".join(x for x in (spec.tone, spec.brief) if x)
    # English: worked examples written for invented products; two samples a slot (the guard's
    # verdict, no copy of an earlier line and a line kept whole choose); a line of whole clauses
    # may run to 1.3x its budget, which the voice absorbs by speaking up to 1.3x faster
    if examples is None:
        examples = ExampleBank.english() if language == "en" else None
    return narrate(facts, story, llm=chat, guard=guard, brief=brief, examples=examples, candidates=2,
                   stretch=VOICE_MAX_RATE, **narrate_options)


def variant_dict(p: Plan) -> dict:
    """A ranked variant as ``plan.json`` keeps it (``variants[k]``)."""
    return {"storyline": p.name, "score": p.total, "scores": p.scores,
            "slots": [{"index": s.index, "tags": s.tags, "seconds": round(s.duration, 3), "score": s.score,
                       "parts": s.parts, "reasons": s.reasons,
                       "clip": None if s.moment is None else {"start": round(s.moment.start, 3),
                                                              "end": round(s.moment.end, 3),
                                                              "kind": s.moment.kind, "text": s.moment.text,
                                                              "shots": s.moment.shots,
                                                              "sentences": s.moment.sentences}}
                      for s in p.slots]}


def narration_dicts(narration) -> list[dict]:
    """A :class:`~tools.narration.narrate.Narration` as ``plan.json`` keeps it (one dict per slot)."""
    return [{"slot": s.index, "labels": s.labels, "text": s.text, "raw": s.raw,
             "budget": list(s.budget), "unit": s.unit, "facts": s.facts, "flags": s.flags,
             "candidates": [c.model_dump(exclude={"raw"}) for c in s.candidates],
             "sentences": [asdict(e) if not hasattr(e, "model_dump") else e.model_dump()
                           for e in s.sentences]} for s in narration.slots]


def rendered_entry(plan: Plan, tl: Timeline, narration: list[dict] | None, files: dict[str, Path]) -> dict:
    """What ``plan.json`` keeps of one rendered variant (``rendered[k]``)."""
    entry = {"storyline": plan.name, "files": {k: str(Path(v).name) for k, v in files.items()},
             "timeline": tl.as_dict()}
    if narration is not None:
        entry["narration"] = narration
    return entry


def _plan_json(spec: AdSpec, audio: str, language: str, stream: Path, segment, plans: list[Plan],
               rendered: list, seconds: dict) -> dict:
    return {"spec": spec.model_dump(), "audio": audio, "language": language, "source": str(stream.resolve()),
            "segment": {"product": segment.product, "start": segment.start, "end": segment.end},
            "variants": [variant_dict(p) for p in plans], "chosen": 0,
            "rendered": [rendered_entry(*r) for r in rendered], "seconds": seconds}
