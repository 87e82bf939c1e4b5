"""A plan's timeline and its sound: in / out points, crops and transitions per slot, the
presenter's words as subtitles, or a voice-over spoken with an offline TTS and heard back.

The part of the make recipe between the chosen clips and the render
(:func:`tools.production.make.timeline_for` runs it; ``make`` re-exports :func:`build_timeline`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models.settings import Settings
from tools.core.schema import Analysis, ProductFacts
from tools.production.adspec import AdSpec
from tools.production.arrange import Plan
from tools.production.timeline import Cue, Item, Timeline, split_cues

__all__ = ["build_timeline", "FPS", "VOICE_MAX_RATE", "VOICE_WER_LIMIT", "PROMO_FIELDS"]

FPS = 30
VOICE_MAX_RATE = 1.3  # the fastest a voice-over line is spoken to fit its slot
VOICE_WER_LIMIT = 0.35  # a voice-over heard back worse than this is reported
PROMO_FIELDS = ("promotion", "promotions", "活动优惠", "优惠", "price", "价格")


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
