"""``reelwright make --template``: a template filled with a stream's footage and a product's facts.

    >>> res = make_from_template(template, "live.mp4", ["facts.json"], "out/", settings, catalog)  # doctest: +SKIP

The recipe (``make``'s stages where they fit, :mod:`tools.production.make`):

1. the spec: the template's length (or ``duration``: every slot scaled together), its aspect
   (the nearest of 9:16, 1:1, 16:9), a voice-over when the reference speaks (and an offline
   voice speaks the language), none when it does not;
2. the analysis of the stream (:func:`~tools.production.make.prepare`);
3. the rhythm (:mod:`tools.template.fill_music`): when the reference cut on its beats, the
   music's beats (the ``--music`` file's, or those of a bed made at the reference's tempo when
   none is given) and every cut snapped onto the nearest beat;
4. a window of footage per slot (:mod:`tools.template.fill_footage`): label, scale, motion,
   duration; a slot the stream has no footage for takes the nearest match, named in
   ``plan.json`` (``template.slots[k].missing``) and on the console;
5. the narration in the template's storyline (each slot's script labels) through the narrator
   and the fact guard, one line per slot the reference spoke in, as long as the reference's
   speaking rate allows (up to 1.3x the narrator's 2.5 words a second);
6. the timeline: the template's transitions (centred on the slot boundaries, as extracted), its
   text boxes with the product's own words (:mod:`tools.template.fill_text`), its subtitle look;
   the voice-over spoken and heard back; then ``make``'s one-pass render, cover and files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from models.settings import Settings
from tools.core.errors import MakeError
from tools.production.arrange import Moment, Plan, PlanSlot
from tools.production.make import MakeResult
from tools.production.timeline import SubtitleLook, Timeline
from tools.template.fill_footage import Pick, Want
from tools.template.model import Template

__all__ = ["make_from_template", "nearest_aspect", "slot_labels", "boundaries", "TRANSITIONS"]

TRANSITIONS = {"cut": "cut", "dissolve": "crossfade", "fade": "fade", "slide": "slide"}  # template -> timeline
FPS = 30  # the ad's frame rate (tools.production.assemble.FPS)
_RATIOS = {"9:16": 9 / 16, "1:1": 1.0, "16:9": 16 / 9}


def nearest_aspect(aspect: str, width: int = 0, height: int = 0) -> str:
    """The make aspect (9:16, 1:1, 16:9) nearest a template's."""
    if aspect in _RATIOS:
        return aspect
    try:
        a, b = (float(x) for x in aspect.split(":"))
        ratio = a / b
    except (ValueError, ZeroDivisionError):
        ratio = width / height if width and height else 9 / 16
    return min(_RATIOS, key=lambda k: abs(np.log(_RATIOS[k] / ratio)))


def slot_labels(template: Template) -> list[str]:
    """Each slot's main script label: its own, else the previous slot's (the first: recommend); the last
    slot of a storyline that never asks to buy asks to buy."""
    out: list[str] = []
    for s in template.slots:
        out.append(s.labels[0] if s.labels else (out[-1] if out else "recommend"))
    if "purchase" not in out and len(out) > 1 and not template.slots[-1].labels:
        out[-1] = "purchase"
    return out


def boundaries(template: Template, durations: Sequence[float]) -> tuple[list[float], list[tuple[str, float]]]:
    """The ad's slot boundaries (0 .. length) and each slot's transition in (kind, seconds), the
    seconds kept under 0.8 of either neighbouring slot."""
    edges = [0.0, *np.cumsum(durations).tolist()]
    trans = []
    for k, s in enumerate(template.slots):
        if k == 0 or s.transition_in == "cut" or s.transition_seconds <= 0:
            trans.append(("cut", 0.0))
            continue
        secs = min(s.transition_seconds, 0.8 * durations[k - 1], 0.8 * durations[k])
        trans.append((TRANSITIONS[s.transition_in], max(2, round(secs * FPS / 2) * 2) / FPS))  # even frames
    return edges, trans


def _rhythm(template: Template, seconds: float, music_path: str | None, out_dir: Path,
            say: Callable[[str], None]) -> tuple[list[float], str | None, dict]:
    """Slot durations (snapped onto the music's beats when the reference's cuts were), the music file,
    and what ``plan.json`` keeps of it."""
    from tools.template.fill_music import (
        beat_grid,
        best_phase,
        cut_times,
        music_beats,
        music_bed,
        scaled_durations,
        snap_cuts,
    )

    durations = scaled_durations(template, seconds)
    on_beat = template.audio.on_beat or (template.audio.cuts_on_beat or 0.0) >= 0.6
    info: dict = {"on_beat": on_beat, "music": music_path, "made": False, "tempo": None, "beats": []}
    beats: list[float] = []
    if music_path:
        beats, info["tempo"] = music_beats(music_path, seconds)
    elif template.audio.music:
        bpm = template.audio.tempo or 100.0
        phase = best_phase(cut_times(durations), bpm) if on_beat else 0.0
        music_path = str(music_bed(out_dir / "music.wav", seconds + 1.0, bpm, phase).resolve())
        info.update(music=music_path, made=True, tempo=bpm)
        beats = beat_grid(bpm, seconds, phase)
        say(f"no --music given: made a music bed at the reference's {bpm:g} bpm (music.wav)")
    if on_beat and beats:
        durations = snap_cuts(durations, beats)
        say(f"cuts snapped to the beats ({len(durations) - 1} cuts)")
    elif on_beat:
        say("the reference cut on its beats, but there is no music to cut on: cuts kept as scaled")
    info["beats"] = [round(b, 3) for b in beats if b <= seconds]
    return durations, music_path, info


def _wants(template: Template, durations: list[float], trans: list[tuple[str, float]]) -> tuple[list[Want],
                                                                                                list[float]]:
    """What each slot asks for, and each timeline item's length (transitions centred on the boundaries)."""
    from tools.template.fill_footage import label_tags

    labels = slot_labels(template)
    n = len(durations)
    edges = np.concatenate([[0.0], np.cumsum(durations)])
    # each item starts where the transition into it starts (centred on the boundary), on a frame
    starts = [0.0] + [round((edges[k] - trans[k][1] / 2) * FPS) / FPS for k in range(1, n)]
    lengths = [b - a for a, b in zip(starts, [*starts[1:], float(edges[-1])], strict=True)]
    wants = [Want(k, lengths[k], trans[k + 1][1] if k + 1 < n else 0.0,
                  [lab for lab in (s.labels or [labels[k]])], label_tags(labels[k]), s.scale, s.motion, s.speed)
             for k, s in enumerate(template.slots)]
    return wants, lengths


def _plan(template: Template, wants: list[Want], picks: list[Pick], lengths: list[float]) -> Plan:
    slots = []
    for w, pick, length in zip(wants, picks, lengths, strict=True):
        m = Moment(pick.start, pick.start + length * pick.speed, "pictures", pick.text, pick.tags, pick.highlight,
                   pick.shots)
        reasons = [f"wants {'/'.join(w.labels)}, {w.scale}, {w.motion}, {w.seconds:.2f} s",
                   f"got {pick.scale or 'unknown scale'}, {pick.motion} footage at {pick.start:.1f} s "
                   f"(label {pick.parts['label']:.2f}, highlight {pick.highlight:.2f})"]
        reasons += [f"nearest match: {x}" for x in pick.missing]
        if abs(pick.speed - w.speed) > 1e-3:
            reasons.append(f"played at {pick.speed:.0%} speed: one source shot fills the slot")
        slots.append(PlanSlot(w.index + 1, w.tags, length, m, pick.score, dict(pick.parts), reasons))
    for s in slots[:-1]:  # a hair under whole frames: the renderer's trim then keeps exactly those frames
        s.duration -= 0.0004
    plan = Plan(f"template:{template.name}", slots, total=round(float(np.mean([s.score for s in slots])), 4))
    plan.scores = {k: round(float(np.mean([p.parts[k] for p in picks])), 4) for k in picks[0].parts}
    return plan


def _narrate(p, plan: Plan, template: Template, settings: Settings, llm, say) -> tuple[list[str], object | None]:
    """One guarded line per slot the reference spoke in ("" for the others)."""
    from tools.production.make import narrate_variant, spoken_lines

    spoken = [k for k, s in enumerate(template.slots) if s.narration_share > 0 or s.line]
    if not spoken:
        spoken = list(range(len(template.slots)))
    # the lines as long as the reference's speaking rate allows (the narrator's budget assumes
    # 2.5 words / 4.5 characters a second): the slots count as that much longer
    pace = 1.0
    if template.audio.speaking_rate and template.source.language == p.language:
        pace = float(np.clip(template.audio.speaking_rate / (4.5 if p.language == "zh" else 2.5), 1.0, 1.3))
    sub = Plan(plan.name, [replace(plan.slots[k], duration=plan.slots[k].duration * pace) for k in spoken])
    # the storyline is read back from what is said: a line is drawn again (up to LABEL_REDRAWS
    # times) until the speech-tag model reads it as its slot's label
    narration = narrate_variant(p, sub, settings, llm, say, reads_as=label_reader(settings), redraws=LABEL_REDRAWS)
    _read_as_labelled(narration, [slot_labels(template)[k] for k in spoken], settings)
    lines = [""] * len(plan.slots)
    for k, text in zip(spoken, spoken_lines([s.text for s in narration.slots], p.language), strict=True):
        lines[k] = text
    return lines, narration


LABEL_REDRAWS = 3  # further samples a slot's line may take to read as its label


def label_reader(settings: Settings):
    """``(line, labels) -> bool``: whether the speech-tag model's most likely label for ``line`` (what
    ``template extract`` labels a spoken slot with) is one of ``labels``."""
    from models.loaders import text_embedder
    from tools.analysis.tags import TagModel
    from tools.core.labels import get_label

    model, embed = TagModel.load(), text_embedder(settings).passage

    def reads_as(line: str, labels: list[str]) -> bool:
        row = model.group_scores([line], embed)[0]
        return get_label(model.group_names[int(np.argmax(row))]).id in {get_label(x).id for x in labels}

    return reads_as


def _read_as_labelled(narration, labels: list[str], settings: Settings) -> None:
    """Where the narrator's line does not read as its slot's script label (the speech-tag model's most
    likely label) and another of its guarded samples does, that sample is said instead."""
    from models.loaders import text_embedder
    from tools.analysis.tags import TagModel
    from tools.core.labels import get_label

    pool = [(k, c.text) for k, s in enumerate(narration.slots) for c in s.candidates
            if c.text.strip() and c.guard_ok and not c.repeats_earlier and not c.clipped]
    texts = [s.text for s in narration.slots] + [t for _, t in pool]
    if not pool or not all(texts):
        return
    model = TagModel.load()
    read = [get_label(model.group_names[int(np.argmax(r))]).id
            for r in model.group_scores(texts, text_embedder(settings).passage)]
    said = {s.text for s in narration.slots}
    for (k, text), label in zip(pool, read[len(narration.slots):], strict=True):
        if read[k] != labels[k] and label == labels[k] and text not in said:
            said.add(text)
            narration.slots[k].text, read[k] = text, label


def _timeline(p, plan: Plan, template: Template, trans, edges, lines: list[str] | None, out_dir: Path,
              settings: Settings, music: str | None, on_beat: bool, say, wants: list[Want],
              picks: list[Pick]) -> tuple[Timeline, list[str]]:
    from tools.narration.names import short_name
    from tools.production.assemble import _check_voice, _voice_over, build_timeline
    from tools.template.fill_text import fill_overlays, time_map

    tl = build_timeline(plan, p.analysis, p.report.highlights, p.spec, p.language, p.audio, screen=p.report.screen)
    for k, it in enumerate(tl.items[:-1]):
        it.transition_out, it.transition_seconds = trans[k + 1]
    for it, pick in zip(tl.items, picks, strict=True):
        it.speed = pick.speed
    for x in _camera(tl, wants, picks):
        say(x)
    tl.title, tl.sticker, tl.music = "", "", music
    tl.frame_exact = True  # every cut on the frame the template puts it (on its beat)
    if music and (on_beat or lines is None):  # the beat heard under the voice, as in the reference
        tl.music_gain, tl.music_duck = (0.5, False) if lines is not None else (0.8, False)
    name = short_name(p.product.product, p.product.aliases, p.language) if p.product else (p.segment.product or "")
    tl.overlays, left_out = fill_overlays(template, p.product, name, time_map(template, edges), (tl.width, tl.height),
                                          p.language)
    st = template.subtitles
    tl.subtitle_look = SubtitleLook(st.position, st.size / 0.72, st.color, st.outline, st.outline_width)
    tl.burn_subtitles = st.present
    if lines is None and p.audio in ("original", "both") and template.audio.voice != "none":
        tl.cues = _presenter(tl, p.analysis)
    if lines is not None:
        say("speaking the voice-over")
        tl.cues = _voice_over(tl, lines, out_dir / "voice", p.language)
        say("listening to the voice-over (transcribed back)")
        for it in _check_voice(tl, settings, p.language):
            say(f"  slot {it.index}: the voice-over is hard to follow (WER {it.voice_wer:.2f}): "
                f"heard {it.voice_heard!r} for {it.narration!r}")
    return tl, left_out


def _presenter(tl: Timeline, analysis) -> list:
    """The presenter's own words under each slot (``--audio original``): heard up to the last whole word
    that ends inside the slot, shown as subtitles."""
    from tools.production.assemble import _speech_cues

    words = [w for s in analysis.sentences for w in s.words]
    for it in tl.items:
        inside = [w.end for w in words if w.start >= it.src_in - 0.02 and w.end <= it.src_in + it.duration - 0.05]
        it.speech_end = max(inside) + 0.05 if inside and it.speed == 1.0 else None  # slowed: no slowed voice
    return _speech_cues(tl, analysis)


ZOOM_CLOSER = 1.4  # a wider shot framed this much tighter for a closer slot
GLIDE = 0.2  # a pan or tilt made by the crop: this share of the frame over the slot


def _camera(tl: Timeline, wants: list[Want], picks: list[Pick]) -> list[str]:
    """The framing the slot asks for where the footage lacks it: a wider shot framed tighter for a closer
    scale, a still shot given a slow pan or tilt by the crop (the crop glides across the slot). Returns
    what was done, per slot."""
    from tools.production.timeline import Crop

    order = ("close-up", "medium", "wide")
    sw, sh = tl.source_size
    done = []
    for it, w, pk in zip(tl.items, wants, picks, strict=True):
        if pk.scale in order and order.index(pk.scale) > order.index(w.scale):
            it.zoom = max(it.zoom, ZOOM_CLOSER)
            done.append(f"slot {it.index}: {pk.scale} footage framed {ZOOM_CLOSER:g}x tighter for a {w.scale}")
        if w.motion not in ("pan", "tilt") or pk.motion != "static" or not sw or not sh:
            continue
        crop_w = min(1.0, sh * tl.width / tl.height / sw)
        if w.motion == "tilt" or crop_w > 0.8:
            it.zoom = max(it.zoom, 1.25)  # room to move
        cw, ch = crop_w / it.zoom, (min(1.0, sw * tl.height / tl.width / sh)) / it.zoom
        c = it.crops[0] if it.crops else Crop(it.src_in, 0.5, 0.5)
        length = (it.duration + it.transition_seconds) * it.speed  # of the source
        if w.motion == "pan":
            a = min(max(c.x - GLIDE * cw / 2, cw / 2), 1 - cw / 2 - GLIDE * cw)
            it.crops = [Crop(it.src_in, a, c.y, True), Crop(it.src_in + length, a + GLIDE * cw, c.y, False)]
        else:
            a = min(max(c.y + GLIDE * ch / 2, ch / 2 + GLIDE * ch), 1 - ch / 2)
            it.crops = [Crop(it.src_in, c.x, a, True), Crop(it.src_in + length, c.x, a - GLIDE * ch, False)]
        done.append(f"slot {it.index}: a {w.motion} made by the crop (the footage is still)")
    return done


def _voice(template: Template, audio: str | None) -> str | None:
    """The audio mode: the user's, else a voice-over when the reference speaks, silence when it does not."""
    if audio is not None:
        return audio
    if template.audio.voice == "none" and not any(s.line for s in template.slots):
        return "original"  # pictures with no speech: the music (and the text boxes) carry the ad
    return None  # make's default: a voice-over when an offline voice speaks the language


def make_from_template(template: Template, stream: str | Path, facts_paths: Sequence[str | Path],
                       out_dir: str | Path, settings: Settings, catalog, *, brief: str = "", llm=None,
                       draft: bool = False, progress: Callable[[str], None] | None = None,
                       **flags) -> MakeResult:
    """Fill ``template`` with ``stream``'s footage and the product's facts (see the module doc).
    ``flags``: ``duration``, ``aspect``, ``product``, ``audio``, ``music_path``, ``music``, ``language``.

    Raises:
        MakeError (and the other ReelwrightErrors of ``make``): nothing to make the ad from."""
    from tools.production.make import (
        _plan_json,
        _write_plan,
        load_sheets,
        narration_dicts,
        prepare,
        render_timeline,
        spec_for,
    )
    from tools.template.fill_footage import choose_windows, framed_scales, shot_infos

    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    out_dir, stream = Path(out_dir), Path(stream)
    facts = load_sheets(facts_paths)
    seconds = float(flags.get("duration") or template.duration)
    audio = _voice(template, flags.get("audio"))
    spec = spec_for(brief, facts, duration=seconds,
                    aspect=flags.get("aspect") or nearest_aspect(template.source.aspect, template.source.width,
                                                                 template.source.height),
                    product=flags.get("product"), audio=audio, language=flags.get("language"),
                    music=flags.get("music"), music_path=flags.get("music_path"), variants=1)
    say(f"template {template.name}: {len(template.slots)} slots, {template.duration:.1f} s -> {seconds:g} s "
        f"{spec.aspect}")
    p = prepare(stream, facts, spec, settings, catalog, say)
    p.seconds["analysis"] = round(time.perf_counter() - t0, 2)
    if stream.resolve().parent == out_dir.resolve() and (out_dir / "ad.mp4").resolve() == stream.resolve():
        raise MakeError(f"{out_dir}: would overwrite the source")
    out_dir.mkdir(parents=True, exist_ok=True)

    t1 = time.perf_counter()
    if spec.music:
        durations, music, rhythm = _rhythm(template, seconds, spec.music_path, out_dir, say)
    else:
        from tools.template.fill_music import scaled_durations

        durations, music, rhythm = scaled_durations(template, seconds), None, {"on_beat": False, "music": None}
    edges, trans = boundaries(template, durations)
    wants, lengths = _wants(template, durations, trans)
    say("choosing footage for each slot")
    stored = catalog.get_part(p.analysis.video.id, "concepts")
    concepts = stored.data if stored is not None else []
    visual = None
    if "concepts" in p.analysis.versions:
        visual = catalog.get_array(p.analysis.video.id, "concepts", p.analysis.versions["concepts"], "visual")
    infos = shot_infos(p.analysis, concepts, p.report.highlights, visual, p.report.screen)
    width, height = spec.size
    framed_scales(str(stream), infos, p.segment, p.report.highlights, width / height)
    try:
        picks = choose_windows(wants, infos, p.analysis, p.segment)
    except ValueError as exc:
        raise MakeError(f"{stream.name}: {exc}") from None
    for w, pick in zip(wants, picks, strict=True):
        if pick.missing:
            say(f"slot {w.index + 1} ({'/'.join(w.labels)}, {w.scale}, {w.seconds:.1f} s): the stream has no footage "
                f"for it: nearest match {pick.start:.1f}-{pick.end:.1f} s ({'; '.join(pick.missing)})")
    plan = _plan(template, wants, picks, lengths)
    p.plans = [plan]
    p.seconds["arrange"] = round(time.perf_counter() - t1, 2)

    t2 = time.perf_counter()
    lines, narration = _narrate(p, plan, template, settings, llm, say) if p.voiced else (None, None)
    tl, left_out = _timeline(p, plan, template, trans, edges, lines, out_dir, settings, music,
                             bool(rhythm.get("on_beat")), say, wants, picks)
    for x in left_out:
        say(f"text box left out: {x}")
    p.seconds["narration"] = round(time.perf_counter() - t2, 2)
    t3 = time.perf_counter()
    files = render_timeline(p, plan, tl, out_dir, "", cover_suffix="", draft=draft, say=say)
    p.seconds["render"] = round(time.perf_counter() - t3, 2)
    p.seconds["total"] = round(time.perf_counter() - t0, 2)
    narr = None if narration is None else narration_dicts(narration)
    result = MakeResult(out_dir, dict(files), seconds=p.seconds)
    result.plan = _plan_json(p.spec, p.audio, p.language, stream, p.segment, p.plans, [(plan, tl, narr, files)],
                             p.seconds)
    result.plan["template"] = _template_json(template, wants, picks, edges, trans, rhythm, left_out)
    result.files["plan"] = _write_plan(result.plan, out_dir)
    if rhythm.get("made"):
        result.files["music"] = Path(rhythm["music"])
    return result


def _template_json(template: Template, wants: list[Want], picks: list[Pick], edges: list[float], trans,
                   rhythm: dict, left_out: list[str]) -> dict:
    """What ``plan.json`` keeps of the template and how each slot was filled."""
    return {"name": template.name, "source": template.source.path, "duration": round(template.duration, 3),
            "rhythm": rhythm, "left_out": left_out,
            "slots": [{"index": w.index + 1, "start": round(edges[w.index], 3),
                       "seconds": round(edges[w.index + 1] - edges[w.index], 3),
                       "want": {"labels": w.labels, "scale": w.scale, "motion": w.motion,
                                "seconds": round(template.slots[w.index].duration, 3),
                                "transition_in": template.slots[w.index].transition_in},
                       "transition": {"kind": trans[w.index][0], "seconds": trans[w.index][1]},
                       "got": {"start": round(pk.start, 3), "end": round(pk.end, 3), "shots": pk.shots,
                               "scale": pk.scale, "motion": pk.motion, "speed": pk.speed, "tags": pk.tags,
                               "score": pk.score, "parts": pk.parts},
                       "nearest_match": bool(pk.missing), "missing": pk.missing}
                      for w, pk in zip(wants, picks, strict=True)]}
