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
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from models.settings import Settings
from tools.core.errors import MakeError
from tools.core.schema import Analysis, ProductFacts, load_facts
from tools.production.adspec import AdSpec, SpecError, spec_from_brief
from tools.production.arrange import Moment, Plan, arrange, product_segment
from tools.production.timeline import Crop, Cue, Item, Timeline, split_cues, write_ass, write_otio, write_srt

__all__ = ["MakeResult", "make_ad", "build_timeline", "MakeError"]

FPS = 30
VOICE_MAX_RATE = 1.3  # the fastest a voice-over line is spoken to fit its slot
VOICE_WER_LIMIT = 0.35  # a voice-over heard back worse than this is reported
PROMO_FIELDS = ("promotion", "promotions", "活动优惠", "优惠", "price", "价格")


@dataclass
class MakeResult:
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    plan: dict = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _transition(spec: AdSpec, kind: str, k: int) -> tuple[str, float]:
    tone = spec.tone.lower()
    if "calm" in tone or "relax" in tone or "luxur" in tone or "premium" in tone or "轻松" in tone:
        return "crossfade", 0.5
    if "energetic" in tone or "upbeat" in tone or "lively" in tone or "活力" in tone:
        return ("slide", 0.3) if k % 2 == 0 else ("cut", 0.0)
    return ("cut", 0.0) if kind == "speech" else ("crossfade", 0.3)


def _sticker(facts: ProductFacts | None, language: str) -> str:
    if facts is None:
        return ""
    for name in PROMO_FIELDS:
        for fld, phrases in facts.facts.items():
            if fld.strip().lower() == name and phrases:
                return phrases[0]
    return ""


def build_timeline(plan: Plan, analysis: Analysis, highlights: Sequence[dict], spec: AdSpec, language: str,
                   audio: str, title: str = "", sticker: str = "", screen: Sequence[dict] = ()) -> Timeline:
    """The timeline of ``plan``: items with in points, crop centres per source shot, transitions.

    ``screen``: the stream's OCR lines; the crop keeps its captions whole or leaves them out."""
    v = analysis.video
    from tools.production.reframe import avoid_text, follow, overlay_boxes

    width, height = spec.size
    centres = [(h["crop_x"], h["crop_y"]) for h in highlights] or [(0.5, 0.5)]
    crop_width = min(1.0, v.height * width / height / max(v.width, 1))  # of the source width
    boxes = overlay_boxes(screen, analysis.shots, (v.width, v.height))
    items: list[Item] = []
    words = sorted((w.start, w.end) for s in analysis.sentences for w in s.words)
    t = 0.0
    for k, slot in enumerate(plan.slots):
        m = slot.moment
        speech_end = None
        if m.kind == "speech":  # a breath of room around the words, never a piece of a neighbouring word
            before = max((e for _, e in words if e <= m.start + 1e-3), default=0.0)
            after = min((b for b, _ in words if b >= m.speech_end - 1e-3), default=v.duration)
            src_in = max(0.0, before, m.start - 0.1)
            speech_end = min(m.speech_end + 0.12, after)
        else:
            src_in = m.start + max(0.0, (m.duration - slot.duration) / 2)
        kind, secs = _transition(spec, m.kind, k) if k + 1 < len(plan.slots) else ("cut", 0.0)
        length = slot.duration + secs
        if m.kind != "speech":
            src_in = max(0.0, min(src_in, v.duration - length - 0.05))
        crops, zoom = avoid_text(follow(v.path, src_in, length, analysis.shots, centres), boxes, crop_width)
        if audio == "both" and speech_end is None and v.has_audio:
            speech_end = src_in + slot.duration  # the stream's own sound, quietened under the voice-over
        items.append(Item(index=k + 1, source=str(Path(v.path).resolve()), src_in=round(src_in, 3), start=round(t, 3),
                          duration=round(slot.duration, 3), crops=crops, tags=slot.tags,
                          speech_end=speech_end,
                          transition_out=kind, transition_seconds=secs, reasons=slot.reasons, zoom=zoom))
        t += slot.duration
    cta = next((it.start for it in items if it.tags and it.tags[0] in ("call_to_action", "price", "promotion")),
               round(spec.duration * 0.6, 3))
    return Timeline(width, height, FPS, round(spec.duration, 3), items, source_size=(v.width, v.height),
                    source_duration=v.duration, audio=audio, music=spec.music_path if spec.music else None,
                    sticker=sticker, sticker_from=cta, title=title, language=language)


def _speech_cues(tl: Timeline, analysis: Analysis) -> list[Cue]:
    """Subtitles of the presenter's own words, in ad time, chunked by words and pauses."""
    cues: list[Cue] = []
    for it in tl.items:
        if it.speech_end is None:
            continue
        words = [w for s in analysis.sentences for w in s.words
                 if w.start >= it.src_in - 0.05 and w.end <= min(it.speech_end, it.src_out) + 0.05]
        chunk: list = []
        for w in words:
            if chunk and (len(chunk) >= 6 or w.start - chunk[-1].end > 0.5 or chunk[-1].text.rstrip()[-1:] in ".!?,。！？，"):
                cues.append(_cue(it, chunk, tl.language))
                chunk = []
            chunk.append(w)
        if chunk:
            cues.append(_cue(it, chunk, tl.language))
    for a, b in zip(cues, cues[1:], strict=False):  # one cue on screen at a time
        a.end = min(a.end, b.start)
    return cues


def _cue(it: Item, words: list, language: str) -> Cue:
    sep = "" if language == "zh" else " "
    text = sep.join(w.text.strip() for w in words)
    return Cue(round(it.start + words[0].start - it.src_in, 3), round(min(it.end, it.start + words[-1].end - it.src_in + 0.15), 3),
               text)


def _voice_over(tl: Timeline, lines: list[str], folder: Path, language: str) -> list[Cue]:
    """Speak each slot's line into ``folder`` (fitted to the slot: faster speech, at most 1.3x, when needed)."""
    from tools.production.voice import synthesize

    folder.mkdir(exist_ok=True)
    cues: list[Cue] = []
    for it, line in zip(tl.items, lines, strict=True):
        it.narration = line
        if not line.strip():
            continue
        room = max(0.5, it.duration - 0.3)
        speech = synthesize(line)
        if speech.duration > room:
            speech = synthesize(line, rate=min(VOICE_MAX_RATE, speech.duration / room * 1.02))
        path = speech.write_wav(folder / f"slot{it.index:02d}.wav")
        it.voice, it.voice_duration = str(path.resolve()), round(speech.duration, 3)
        cues += split_cues(line, it.start + 0.12, min(it.end, it.start + 0.12 + speech.duration), language)
    return cues


def _check_voice(tl: Timeline, settings: Settings, language: str, limit: float = VOICE_WER_LIMIT) -> list[Item]:
    """Transcribe each slot's voice-over back (Whisper) and record what was heard and its word
    error rate against the narration; returns the items worse than ``limit``."""
    from tools.analysis.asr import AsrOptions, transcribe, wer

    opts = AsrOptions(language=language, vad=False)
    bad = []
    for it in tl.items:
        if not it.voice:
            continue
        heard = transcribe(it.voice, settings, opts).sentences
        it.voice_heard = " ".join(s.text.strip() for s in heard)
        it.voice_wer = round(wer(it.narration, it.voice_heard), 3)
        if it.voice_wer > limit:
            bad.append(it)
    return bad


def make_ad(stream: str | Path, facts_paths: Sequence[str | Path], brief: str, out_dir: str | Path,
            settings: Settings, catalog, *, llm=None, render_all: bool = False, draft: bool = False,
            progress: Callable[[str], None] | None = None, **flags) -> MakeResult:
    """Make the ad (see the module doc). ``flags`` are :class:`AdSpec` fields (None = from the brief).

    ``draft``: encode with x264 ultrafast (quicker, a larger file: ``bench/render.py`` times both), to iterate."""
    from tools.analysis.pipeline import analyze

    say = progress or (lambda msg: None)
    out_dir = Path(out_dir)
    stream = Path(stream)
    result = MakeResult(out_dir)
    t0 = time.perf_counter()
    facts = [load_facts(f) for f in facts_paths]
    try:
        spec = spec_from_brief(brief, products=[f.product for f in facts], **flags)
    except SpecError as exc:
        raise MakeError(str(exc)) from None
    say("analysing the stream (stored steps are reused)")
    report = analyze(stream, settings, catalog, facts=facts)
    analysis, highlights = report.analysis, report.highlights
    if not analysis.shots:
        raise MakeError(f"{stream}: no video to cut an ad from")
    if spec.product and not any(s.product == spec.product for s in analysis.segments):
        raise MakeError(f"{spec.product!r} is not sold in {stream.name}: no segment of the stream is about it "
                        f"(found: {', '.join(sorted({s.product for s in analysis.segments if s.product})) or 'none'})")
    result.seconds["analysis"] = round(time.perf_counter() - t0, 2)
    segment = product_segment(analysis, spec.product)
    product = next((f for f in facts if f.product == segment.product), None)
    language = spec.language or ("zh" if analysis.language == "zh" else "en")
    from tools.production.voice import available_voices

    audio = spec.audio or ("voiceover" if language == "en" and available_voices() else "original")
    if audio != "original" and language == "zh":
        raise MakeError("no Mandarin voice exists offline: use --audio original (the presenter's speech with "
                        "subtitles), or configure a remote TTS")
    kind = "speech" if audio == "original" else "pictures"

    t1 = time.perf_counter()
    say("arranging storylines and choosing clips")
    coherence = _coherence(settings)
    fallback = _fallback(settings, catalog, segment.product, analysis, highlights, kind)
    visual = None
    if "concepts" in analysis.versions:
        visual = catalog.get_array(analysis.video.id, "concepts", analysis.versions["concepts"], "visual")
    extra = []
    chat = None
    if audio != "original" and product is not None:  # the LLM writes the narration anyway: and a storyline
        from models.llm import get_chat_model
        from models.transports import LLMError
        from tools.production.arrange import llm_storyline, slot_count

        chat = llm or get_chat_model(settings, temperature=0.7, max_tokens=160)
        try:
            extra.append(("LLM storyline", llm_storyline(chat, product, slot_count(spec.duration), language)))
        except (LLMError, ValueError, KeyError) as exc:  # the pattern storylines still make the ad
            say(f"the LLM storyline failed ({exc}); using the others")
    plans = arrange(analysis, highlights, spec, product, coherence=coherence, fallback=fallback, kind=kind,
                    visual=visual, extra=extra)
    result.seconds["arrange"] = round(time.perf_counter() - t1, 2)

    out_dir.mkdir(parents=True, exist_ok=True)
    if out_dir.resolve() == stream.resolve().parent and (out_dir / "ad.mp4").resolve() == stream.resolve():
        raise MakeError(f"{out_dir}: would overwrite the source")
    title = product.product if product else (segment.product or "")
    rendered = []
    for n, plan in enumerate(plans if render_all else plans[:1]):
        suffix = "" if n == 0 else f"_v{n + 1}"
        tl = build_timeline(plan, analysis, highlights, spec, language, audio, screen=report.screen,
                            title=_short(title, language),
                            sticker=_sticker(product, language))
        narration = None
        t2 = time.perf_counter()
        if audio in ("voiceover", "both"):
            say(f"writing the narration ({len(tl.items)} slots) and checking it against the facts")
            narration = _narrate(plan, tl, product, spec, language, settings, chat)
            say("speaking the voice-over")
            lines = [s.text[:1].upper() + s.text[1:] if language == "en" else s.text for s in narration.slots]
            cues = _voice_over(tl, lines, out_dir / f"voice{suffix}", language)
            say("listening to the voice-over (transcribed back)")
            for it in _check_voice(tl, settings, language):
                say(f"  slot {it.index}: the voice-over is hard to follow (WER {it.voice_wer:.2f}): "
                    f"heard {it.voice_heard!r} for {it.narration!r}")
        else:
            cues = _speech_cues(tl, analysis)
        tl.cues = cues
        result.seconds["narration" + suffix] = round(time.perf_counter() - t2, 2)
        t3 = time.perf_counter()
        say(f"rendering ad{suffix}.mp4 ({spec.size[0]}x{spec.size[1]}, {spec.duration:g} s)")
        from tools.production.render import cover, frame_strip, render

        ass = write_ass(cues, out_dir / f"ad{suffix}.ass", tl.width, tl.height, title=tl.title,
                        title_until=min(2.5, tl.items[0].end) if tl.title else 0.0)
        video = render(tl, out_dir / f"ad{suffix}.mp4", ass, preset="ultrafast" if draft else "superfast")
        files = {"ad": video, "srt": write_srt(cues, out_dir / f"ad{suffix}.srt"), "ass": ass,
                 "otio": write_otio(tl, out_dir / f"ad{suffix}.otio", name=f"{title} ad{suffix}")}
        result.seconds["render" + suffix] = round(time.perf_counter() - t3, 2)
        if n == 0:
            files["strip"] = frame_strip(files["ad"], out_dir / "strip.png")
            best = max(range(len(tl.items)), key=lambda i: plan.slots[i].moment.highlight)
            it = tl.items[best]
            c = it.crops[0] if it.crops else Crop(it.src_in, 0.5, 0.5)
            files["cover"] = cover(it.source, it.src_in + min(it.duration / 2, 1.0), tl, out_dir / "cover.jpg",
                                   title=_short(title, language), crop_x=c.x, crop_y=c.y, zoom=it.zoom)
        rendered.append((plan, tl, narration, files))
        result.files.update({(k if n == 0 else f"{k}{suffix}"): v for k, v in files.items()})

    result.seconds["total"] = round(time.perf_counter() - t0, 2)
    result.plan = _plan_json(spec, audio, language, stream, segment, plans, rendered, result.seconds)
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


def _narrate(plan: Plan, tl: Timeline, facts: ProductFacts | None, spec: AdSpec, language: str,
             settings: Settings, llm):
    from models.llm import get_chat_model
    from models.loaders import text_embedder
    from tools.analysis.tags import group_of
    from tools.guard.factguard import FactGuard
    from tools.narration.narrate import ExampleBank, narrate
    from tools.narration.storyline import Slot, SlotContext, Storyline, budget_for_duration

    if facts is None:
        raise MakeError("a voice-over needs the product's fact sheet (--facts)")
    slots = []
    n = len(tl.items)
    for k, (it, ps) in enumerate(zip(tl.items, plan.slots, strict=True)):
        budget, unit = budget_for_duration(max(1.0, it.duration - 0.4), language)
        slots.append(Slot(index=k + 1, labels=[group_of(ps.tags[0])], budget=budget, unit=unit,
                          position=k / max(1, n - 1), duration=it.duration,
                          context=SlotContext(transcript=ps.moment.text[:300])))
    story = Storyline(slots=slots, source=plan.name, language=language)
    guard = FactGuard(facts.product, facts.facts, embedder=text_embedder(settings))
    chat = llm or get_chat_model(settings, temperature=0.7, max_tokens=160)
    brief = ", ".join(x for x in (spec.tone, spec.brief) if x)
    # English: worked examples written for invented products; two samples a slot (the guard's
    # verdict, no copy of an earlier line and a line kept whole choose); a line of whole clauses
    # may run to 1.3x its budget, which the voice absorbs by speaking up to 1.3x faster
    examples = ExampleBank.english() if language == "en" else None
    return narrate(facts, story, llm=chat, guard=guard, brief=brief, examples=examples, candidates=2,
                   stretch=VOICE_MAX_RATE)


def _plan_json(spec: AdSpec, audio: str, language: str, stream: Path, segment, plans: list[Plan],
               rendered: list, seconds: dict) -> dict:
    def plan_dict(p: Plan) -> dict:
        return {"storyline": p.name, "score": p.total, "scores": p.scores,
                "slots": [{"index": s.index, "tags": s.tags, "seconds": round(s.duration, 3), "score": s.score,
                           "parts": s.parts, "reasons": s.reasons,
                           "clip": None if s.moment is None else {"start": round(s.moment.start, 3),
                                                                  "end": round(s.moment.end, 3),
                                                                  "kind": s.moment.kind, "text": s.moment.text,
                                                                  "shots": s.moment.shots,
                                                                  "sentences": s.moment.sentences}}
                          for s in p.slots]}

    out = {"spec": spec.model_dump(), "audio": audio, "language": language, "source": str(stream.resolve()),
           "segment": {"product": segment.product, "start": segment.start, "end": segment.end},
           "variants": [plan_dict(p) for p in plans], "chosen": 0, "rendered": [], "seconds": seconds}
    for plan, tl, narration, files in rendered:
        entry = {"storyline": plan.name, "files": {k: str(Path(v).name) for k, v in files.items()},
                 "timeline": tl.as_dict()}
        if narration is not None:
            entry["narration"] = [{"slot": s.index, "labels": s.labels, "text": s.text, "raw": s.raw,
                                   "budget": list(s.budget), "unit": s.unit, "facts": s.facts, "flags": s.flags,
                                   "candidates": [c.model_dump(exclude={"raw"}) for c in s.candidates],
                                   "sentences": [asdict(e) if not hasattr(e, "model_dump") else e.model_dump()
                                                 for e in s.sentences]} for s in narration.slots]
        out["rendered"].append(entry)
    return out
