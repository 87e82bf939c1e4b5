"""Extract a :class:`~tools.template.model.Template` from a reference video.

The steps (docs/templates.md has the method and its measured accuracy):

1. speech (ASR) and shots through the analysis pipeline, stored in the catalog like any
   analysis (:func:`tools.analysis.pipeline.analyze_steps`);
2. every frame decoded once, small and grey: boundaries refined to the frame, their kind
   (cut / dissolve / fade / slide) and length, then the camera motion of each slot
   (:mod:`tools.template.visual`);
3. two frames per slot for the shot scale (faces, pose, saliency);
4. text on screen: overlays and the subtitle style (:mod:`tools.template.overlays`);
5. the sound: music, tempo, beats, cuts on beats, voice, speaking rate
   (:mod:`tools.template.audio`);
6. each slot's line (the words said in it), its share of the narration and its script
   labels (the speech-tag model; a slot without words takes the label its overlays serve).

The result is stored in the catalog as the part ``template`` (a rerun on the same video
is a lookup) and returned; :func:`tools.template.library.save_template` keeps it by name.

    >>> with Catalog.open(settings) as cat:                                   # doctest: +SKIP
    ...     t = extract_template("ref.mp4", settings, cat, name="my_style")
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from indexes.catalog import Catalog
from models.settings import Settings
from tools.core.errors import TemplateError
from tools.template import audio as audio_mod
from tools.template import overlays as ov
from tools.template import visual
from tools.template.model import Audio, Box, ExampleLine, Overlay, Slot, Source, SubtitleStyle, Template

__all__ = ["extract_template", "VERSION"]

VERSION = f"2+v{visual.VERSION}+o{ov.VERSION}+a{audio_mod.VERSION}"
_ASPECTS = {"9:16": 9 / 16, "16:9": 16 / 9, "1:1": 1.0, "4:3": 4 / 3, "3:4": 3 / 4, "4:5": 4 / 5, "21:9": 21 / 9,
            "2:3": 2 / 3, "3:2": 3 / 2}
Words = list[tuple[str, float, float]]


def _say(progress: Callable | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _aspect(w: int, h: int) -> str:
    r = w / h if h else 1.0
    return min(_ASPECTS, key=lambda k: abs(np.log(_ASPECTS[k] / r)))


def _name_of(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]+", "_", path.stem).strip("_").lower() or "template"


def _cuts(report, fr: visual.Frames, duration: float) -> list[visual.Cut]:
    """The refined boundaries of the stored shots, in order, none closer than 0.3 s."""
    out: list[visual.Cut] = []
    for shot in report.analysis.shots[1:]:
        c = visual.refine_boundary(fr, shot.start, shot.transition_in)
        if 0.2 < c.t < duration - 0.2 and all(abs(c.t - o.t) >= 0.3 for o in out):
            out.append(c)
    return sorted(out, key=lambda c: c.t)


def _shrink(image: np.ndarray, rows: int = 384) -> np.ndarray:
    """The frame with its short side at most ``rows`` (the scale measures are calibrated at 384)."""
    import cv2

    h, w = image.shape[:2]
    if min(h, w) <= rows:
        return image
    f = rows / min(h, w)
    return cv2.resize(image, (max(2, round(w * f)), max(2, round(h * f))), interpolation=cv2.INTER_AREA)


def _slot_words(words: Words, a: float, b: float) -> Words:
    return [w for w in words if a <= (w[1] + w[2]) / 2 < b]


def _join(words: Words, language: str) -> str:
    sep = "" if language == "zh" else " "
    return sep.join(w[0].strip() for w in words).strip()


def _units(text: str, language: str) -> int:
    return len([c for c in text if "\u4e00" <= c <= "\u9fff"]) if language == "zh" else len(text.split())


def _labels(lines: list[str], settings: Settings) -> list[list[str]]:
    """The script label of each line (the tag model's most likely label; [] for an empty line)."""
    todo = [i for i, x in enumerate(lines) if x]
    out: list[list[str]] = [[] for _ in lines]
    if not todo:
        return out
    from models.loaders import text_embedder
    from tools.analysis.tags import TagModel
    from tools.core.labels import get_label

    model = TagModel.load()
    scores = model.group_scores([lines[i] for i in todo], text_embedder(settings).passage)
    for i, row in zip(todo, scores, strict=True):
        out[i] = [get_label(model.group_names[int(np.argmax(row))]).id]
    return out


def _overlay_labels(overlays: Sequence[Overlay], a: float, b: float) -> list[str]:
    roles = {o.role for o in overlays if o.start < b - 0.05 and o.end > a + 0.05}
    if roles & {"price", "promotion", "call_to_action"}:
        return ["purchase"]
    return ["recommend"] if "title" in roles else []


def _hex(c: Sequence[int] | None) -> str | None:
    return None if c is None else "#{:02x}{:02x}{:02x}".format(*(int(v) for v in c[:3]))


def _text(path: Path, bounds: list[tuple[float, float]], words: Words, duration: float, fps: float,
          pictures: dict[float, tuple[float, np.ndarray]],
          ) -> tuple[list[Overlay], SubtitleStyle, list[tuple[tuple[float, float, float, float], float, float]]]:
    """Overlays, the subtitle style, and every text box on screen with its time (for the motion step);
    ``pictures``: the frames grabbed at the sample times."""
    times = ov.sample_times(bounds)
    lines = ov.read_lines([pictures[t] for t in times if t in pictures])
    times = [pictures[t][0] for t in times if t in pictures]
    groups = ov.group_lines(lines, times)
    subs, rest = ov.split_subtitles(groups, words)
    ov.refine_edges(path, rest, times, duration, fps)  # subtitles' own times are not kept
    rest = [g for g in rest if g.end - g.start >= 0.3]
    groups = subs + rest
    starts = [a for a, _ in bounds]
    overlays = []
    for g in rest:
        x0, y0, x1, y1 = g.box
        size = max(1e-3, y1 - y0)
        mid = (g.start + g.end) / 2
        first = g.lines[0]
        overlays.append(Overlay(text=g.text, role=ov.role_of(g.text, size, g.start, duration),
                                box=Box(x=x0, y=y0, w=x1 - x0, h=y1 - y0), size=round(size, 4),
                                color=_hex(first.color), background=_hex(first.background),
                                start=round(g.start, 3), end=round(g.end, 3),
                                slot=int(np.searchsorted(starts, mid, side="right") - 1)))
    style = SubtitleStyle(present=False)
    if subs:
        all_lines = [x for g in subs for x in g.lines]
        outlined = [x for x in all_lines if x.outline is not None]
        style = SubtitleStyle(
            present=True, position=round(float(np.median([(g.box[1] + g.box[3]) / 2 for g in subs])), 4),
            size=round(float(np.median([g.box[3] - g.box[1] for g in subs])), 4),
            color=_hex(tuple(np.median([x.color for x in all_lines], axis=0))) or "#ffffff",
            outline=_hex(outlined[0].outline) if len(outlined) * 2 >= len(all_lines) else None,
            outline_width=round(float(np.median([x.outline_px / x.frame_h for x in outlined])), 4)
            if len(outlined) * 2 >= len(all_lines) else 0.0)
    return overlays, style, [(g.box, g.start, g.end) for g in groups]


def _voice(words: Words, sentences, cuts: Sequence[float], faces: list[tuple[float, float, list | None]],
           fr: visual.Frames) -> str:
    """voiceover / original / none: original when the speech mostly plays over a face whose mouth moves
    and cuts do not fall inside sentences."""
    if len(words) < 2:
        return "none"
    spans = [(s.start, s.end) for s in sentences] or [(words[0][1], words[-1][2])]
    inside = sum(any(a + 0.15 < c < b - 0.15 for a, b in spans) for c in cuts)
    speech = sum(b - a for a, b in spans)
    talking = 0.0
    for a, b, box in faces:
        if box is None:
            continue
        over = sum(max(0.0, min(b, e) - max(a, s)) for s, e in spans)
        if over > 0.3 and visual.mouth_motion(fr, tuple(box), max(a, spans[0][0]), b) >= 1.6:
            talking += over
    if speech > 0 and talking / speech >= 0.5 and inside <= max(1, len(cuts)) / 2:
        return "original"
    return "voiceover"


def _language(asr_language: str, words: Words, overlays: Sequence[Overlay]) -> str | None:
    if words and asr_language:
        return asr_language
    text = "".join(o.text for o in overlays)
    if any("\u4e00" <= c <= "\u9fff" for c in text):
        return "zh"
    return "en" if re.search(r"[A-Za-z]{2}", text) else None


def _compute(path: Path, settings: Settings, catalog: Catalog, progress: Callable | None) -> tuple[Template, str]:
    from tools.analysis.pipeline import analyze_steps
    from tools.core.media import probe

    info = probe(path)
    if info.video is None:
        raise TemplateError(f"{path}: has no picture; a template needs a video")
    _say(progress, "speech and shots")
    report = analyze_steps(path, settings, catalog, ["asr", "shots"])
    video = report.analysis.video
    version = f"{VERSION}+asr{report.analysis.versions.get('asr', 'none')}+shots{report.analysis.versions['shots']}"
    stored = catalog.get_part(video.id, "template", version)
    if stored is not None:
        return Template.model_validate(stored.data), video.id
    duration = float(video.duration or info.duration)
    _say(progress, "transitions")
    fr = visual.decode_grey(path)
    cuts = _cuts(report, fr, duration)
    bounds, inner, trans = _slot_bounds(cuts, duration)
    language = report.analysis.language or ""
    words: Words = [(w.text, w.start, w.end) for s in report.analysis.sentences for w in s.words]
    _say(progress, "text on screen")
    looks = [(a + 0.35 * (b - a), a + 0.65 * (b - a)) for a, b in inner]
    pictures = ov.grab(path, ov.sample_times(inner) + [t for pair in looks for t in pair])
    overlays, subtitles, boxes = _text(path, inner, words, duration, fr.fps, pictures)
    motions = [visual.camera_motion(fr, a, b, [bx for bx, s, e in boxes if s < b and e > a]) for a, b in inner]
    _say(progress, "shot scale")
    scales = [visual.shot_scale([_shrink(pictures[t][1]) for t in pair]) for pair in looks]
    _say(progress, "music and voice")
    beats = audio_mod.read_beats(path, [(s.start, s.end) for s in report.analysis.sentences], duration)
    on_beat = audio_mod.cuts_on_beat([c.t for c in cuts], beats.beats, beats.tempo)
    faces = [(a, b, sc[1].get("face_box")) for (a, b), sc in zip(bounds, scales, strict=True)]
    voice = _voice(words, report.analysis.sentences, [c.t for c in cuts], faces, fr)
    lang = _language(language, words, overlays)
    texts = [_join(_slot_words(words, a, b), lang or "en") for a, b in bounds]
    slots = _slots(bounds, trans, [m for m, _ in motions], [sc for sc, _ in scales], texts,
                   _labels(texts, settings), overlays, lang or "en")
    notes = _notes(info, slots, words, beats, voice)
    t = Template(name=_name_of(path), source=Source(path=str(path), sha256=video.id, duration=round(duration, 3),
                                                  width=info.video.width, height=info.video.height,
                                                  aspect=_aspect(info.video.width, info.video.height),
                                                  fps=round(info.video.fps, 3), language=lang),
                 slots=slots, overlays=overlays, subtitles=subtitles,
                 audio=Audio(music=beats.music, tempo=beats.tempo, beats=beats.beats, cuts_on_beat=on_beat,
                             on_beat=bool(on_beat is not None and on_beat >= 0.7), voice=voice,
                             speaking_rate=audio_mod.speaking_rate(words, lang or "en") if voice != "none" else None),
                 storyline=[s.labels[0] for s in slots if s.labels],
                 lines=[ExampleLine(slot=s.index, labels=s.labels, text=s.line) for s in slots if s.line],
                 notes=notes)
    catalog.put_part(video.id, "template", version, t.model_dump(mode="json"),
                     model="rapidocr+mediapipe+opencv")
    return t, video.id


def _slot_bounds(cuts: list[visual.Cut], duration: float
                 ) -> tuple[list[tuple[float, float]], list[tuple[float, float]], list[visual.Cut]]:
    """Each slot's (start, end), its inner stretch (its transitions left out) and the transition into it."""
    edges = [0.0] + [c.t for c in cuts] + [duration]
    bounds = [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    trans = [visual.Cut(0.0, "cut", 0.0)] + cuts
    pads = [(max(0.1, trans[i].seconds / 2 + 0.08),
             max(0.1, trans[i + 1].seconds / 2 + 0.08) if i + 1 < len(trans) else 0.1) for i in range(len(bounds))]
    inner = [(a + p, max(a + p + 0.05, b - q)) for (a, b), (p, q) in zip(bounds, pads, strict=True)]
    return bounds, inner, trans


def _slots(bounds: list[tuple[float, float]], trans: list[visual.Cut], motions: list[str], scales: list[str],
           texts: list[str], labels: list[list[str]], overlays: list[Overlay], language: str) -> list[Slot]:
    total = sum(_units(t, language) for t in texts)
    return [Slot(index=i, start=round(a, 3), duration=round(b - a, 3),
                 labels=labels[i] or _overlay_labels(overlays, a, b), scale=scales[i], motion=motions[i],
                 transition_in=trans[i].kind, transition_seconds=trans[i].seconds,
                 narration_share=round(_units(texts[i], language) / total, 3) if total else 0.0,
                 line=texts[i] or None)
            for i, (a, b) in enumerate(bounds)]


def _notes(info, slots: list[Slot], words: Words, beats: audio_mod.Beats, voice: str) -> list[str]:
    notes = []
    if len(slots) == 1:
        notes.append("no cuts: the reference is one shot, so the template has one slot")
    if info.audio is None:
        notes.append("no audio stream: no music, no voice")
    elif not words:
        notes.append("no speech heard: no lines, labels come from the text on screen")
    if info.audio is not None and not beats.music:
        notes.append("no steady music beat found")
    notes.append("playback speed is not measured (1.0 assumed)")
    return notes


def extract_template(video: str | os.PathLike, settings: Settings, catalog: Catalog, *, name: str | None = None,
                     progress: Callable | None = None) -> Template:
    """The template of a reference video: its slots, text on screen, subtitles, sound and storyline.

    The analysis it runs (speech, shots, and the template's own part) is stored in the
    catalog; a second call on the same video reads it back.

    Args:
        video: the reference ad (any video file); never modified.
        settings: models and catalog location.
        catalog: an open catalog.
        name: the template's name (default: from the file name).
        progress: called with a short message as each stage starts.

    Raises:
        TemplateError: the file has no picture.
        MediaError (subclasses): the file is missing or not usable media.
    """
    path = Path(video)
    if not path.is_file():
        raise TemplateError(f"{path}: no such video file")
    t, _ = _compute(path, settings, catalog, progress)
    return t.model_copy(update={"name": name or _name_of(path), "source": t.source.model_copy(
        update={"path": str(path)})})
