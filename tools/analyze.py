"""Analyse a stream's structure once and keep it: speech, shots, scenes, product segments.

Each step is a catalog part keyed by the video's content hash, the step's version and
what it depends on (model, options, upstream parts, fact sheets). A step already in
the catalog is loaded, not rerun; a run killed midway resumes at the first missing
step. Source files are only read.

    >>> with Catalog.open(settings) as cat:                                   # doctest: +SKIP
    ...     report = analyze("live.mp4", settings, cat, facts=[facts])
    ...     report.analysis.segments
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexes.catalog import Catalog
from models.loaders import memoized, text_embedder
from models.settings import Settings
from tools import asr as asr_mod
from tools import scenes as scenes_mod
from tools import segments as seg_mod
from tools import shots as shots_mod
from tools.media import NoAudioStream
from tools.schema import Analysis, ProductFacts, Scene, Segment, Sentence, Shot, Video, Word

__all__ = ["STEPS", "StepReport", "AnalyzeReport", "Progress", "analyze", "load_analysis", "speech_density"]

STEPS = ("asr", "shots", "ocr", "concepts", "scenes", "segments", "tags", "highlights", "clips")


class Progress:
    """What a caller sees of a run; the CLI draws progress bars from it. All methods optional."""

    def start(self, step: str, total: float | None) -> None:  # total: seconds of media (None: unknown)
        pass

    def advance(self, step: str, done: float) -> None:
        pass

    def finish(self, step: str, status: str, seconds: float) -> None:  # status: done | cached | skipped
        pass


@dataclass
class StepReport:
    step: str
    status: str  # "done" (computed now), "cached" (from the catalog), "skipped" (not possible)
    seconds: float = 0.0
    note: str = ""


@dataclass
class AnalyzeReport:
    analysis: Analysis
    steps: list[StepReport] = field(default_factory=list)
    highlights: list[dict] = field(default_factory=list)  # per shot: score, crop_x, crop_y
    screen: list[dict] = field(default_factory=list)  # OCR lines: t, shot, text, score, box (540-line frame)

    @property
    def did_work(self) -> bool:
        return any(s.status == "done" for s in self.steps)

    def step(self, name: str) -> StepReport | None:
        return next((s for s in self.steps if s.step == name), None)


def _short_hash(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def _versions(opts: asr_mod.AsrOptions, facts: Sequence[ProductFacts]) -> dict[str, str]:
    from tools import ocr as ocr_mod

    # product names only respell words after decoding: one stored transcript serves every fact sheet
    asr_v = f"{asr_mod.VERSION}-{opts.model}-{opts.language or 'auto'}-b{opts.beam_size}"
    shots_v = shots_mod.VERSION
    scenes_v = f"{scenes_mod.VERSION}+shots{shots_v}+asr{asr_v}"
    facts_key = _short_hash([f.model_dump() for f in facts]) if facts else "nofacts"
    seg_v = f"{seg_mod.VERSION}+shots{shots_v}+asr{asr_v}+{facts_key}+ocr{ocr_mod.VERSION}"
    return {"asr": asr_v, "shots": shots_v, "scenes": scenes_v, "segments": seg_v}


def _run_step(report: AnalyzeReport, progress: Progress, step: str, total: float | None,
              cached: Callable[[], object | None], compute: Callable[[Callable[[float], None]], object],
              store: Callable[[object, float], None]) -> object:
    got = cached()
    if got is not None:
        progress.finish(step, "cached", 0.0)
        report.steps.append(StepReport(step, "cached"))
        return got
    progress.start(step, total)
    t0 = time.perf_counter()
    value = compute(lambda done: progress.advance(step, done))
    seconds = time.perf_counter() - t0
    store(value, seconds)
    progress.finish(step, "done", seconds)
    report.steps.append(StepReport(step, "done", seconds))
    return value


def analyze(path: str | os.PathLike, settings: Settings, catalog: Catalog, facts: Sequence[ProductFacts] = (),
            asr_options: asr_mod.AsrOptions | None = None, progress: Progress | None = None,
            force: Sequence[str] = ()) -> AnalyzeReport:
    """Run every analysis step not yet in the catalog for ``path`` and return the whole analysis.

    Args:
        path: the video (or audio) file; never modified.
        settings: models and catalog location.
        catalog: an open catalog.
        facts: fact sheets of the products in the stream (segment labels, ASR name spelling).
        asr_options: model, language, beam size; hotwords default to the product names.
        progress: receives step starts, progress (seconds of media) and ends.
        force: steps to recompute even when stored.

    Raises:
        MediaError (subclasses): the file is not usable media; the message names it.
        ModelError: a model is missing.
    """
    progress = progress or Progress()
    opts = asr_options or asr_mod.AsrOptions()
    names = tuple(opts.hotwords) or tuple(n for f in facts for n in f.names)
    opts = asr_mod.AsrOptions(**{**opts.__dict__, "hotwords": (), "decoder_hotwords": False})
    video = catalog.add_video(path)
    src = Path(path)
    versions = _versions(opts, facts)
    report = AnalyzeReport(Analysis(video=video))

    def part(step: str):
        if step in force:
            return None
        rec = catalog.get_part(video.id, step, versions[step])
        return rec

    def stored(step: str):
        """The stored data of ``step`` at its current version (None: compute it)."""
        rec = part(step)
        return None if rec is None else rec.data

    # shots run in a second thread while speech is recognised: whisper leaves part of the
    # two cores idle (measured: 1.25 cores busy on average), the thumbnail decode fills them.
    shots_cached = None
    if video.has_video:
        rec = part("shots")
        if rec is not None:
            arrays = {n: catalog.get_array(video.id, "shots", versions["shots"], n) for n in rec.arrays}
            shots_cached = (rec.data, shots_mod.ShotFeatures.from_arrays(arrays, video.duration))

    from tools import ocr as ocr_mod

    versions["ocr"] = f"{ocr_mod.VERSION}+shots{versions['shots']}+{_short_hash(sorted(names)) if names else 'nonames'}"
    ocr_cached = part("ocr") if video.has_video else None

    from models.loaders import clip_key, clip_model
    from models.provision import resolve
    from tools import concepts as concepts_mod

    ckey = clip_key(settings)  # open_clip vectors too, when a CLIP model is configured
    if ckey:
        resolve("clip", settings)  # a configured but missing checkpoint: its named error, before any work
    versions["concepts"] = f"{concepts_mod.VERSION}+{versions['ocr']}" + (f"+clip:{ckey}" if ckey else "")
    concepts_cached = part("concepts") if video.has_video else None

    def visual_compute(cached_shots):
        """Shots, on-screen text, then concepts: the picture work that runs beside ASR."""
        data = feats = None
        shot_seconds = ocr_seconds = 0.0
        if cached_shots is None:
            t0 = time.perf_counter()
            res = shots_mod.detect_shots(src, progress=lambda done: progress.advance("shots", done))
            data = {"shots": [s.model_dump() for s in res.shots],
                    "boundaries": [b.__dict__ for b in res.boundaries]}
            feats, shot_seconds = res.features, time.perf_counter() - t0
        # on-screen text and concepts: one pass, one decode per shot (the version of concepts
        # includes the version of ocr, so text is never missing while concepts are stored)
        got_look = None
        ocr_seconds = concept_seconds = 0.0
        if concepts_cached is None:
            sdata, sfeats = (data, feats) if cached_shots is None else cached_shots
            t0 = time.perf_counter()
            progress.start("concepts", video.duration)
            got_look = concepts_mod.shot_concepts(
                src, [Shot.model_validate(x) for x in sdata["shots"]], sfeats,
                None if ocr_cached is None else ocr_cached.data, settings, names=names,
                clip=clip_model(settings) if ckey else None,
                progress=lambda done: progress.advance("concepts", done))
            ocr_seconds = got_look.ocr_seconds
            concept_seconds = time.perf_counter() - t0 - ocr_seconds
        lines = got_look.screen if got_look is not None else None
        concepts = got_look
        return data, feats, shot_seconds, lines, ocr_seconds, concepts, concept_seconds

    if video.has_audio and part("asr") is None:
        from models.loaders import whisper_model

        whisper_model(settings, opts.model, threads=opts.threads)  # a missing model fails before any work
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shots") as pool:
        pending = None
        if video.has_video and (shots_cached is None or ocr_cached is None or concepts_cached is None):
            if shots_cached is None:
                progress.start("shots", video.duration)
            pending = pool.submit(visual_compute, shots_cached)

        # speech
        sentences: list[Sentence] = []
        language = ""
        if video.has_audio:
            def asr_compute(tick):
                try:
                    tr = asr_mod.transcribe(src, settings, opts, progress=tick)
                except NoAudioStream:
                    return {"language": "", "words": [], "note": "no audio stream"}
                return {"language": tr.language, "language_probability": tr.language_probability,
                        "words": [w.model_dump() for w in tr.words]}

            data = _run_step(report, progress, "asr", video.duration, lambda: stored("asr"), asr_compute,
                             lambda v, s: catalog.put_part(video.id, "asr", versions["asr"], v, model=opts.model,
                                                           seconds=s))
            language = data.get("language", "")
            words = [Word.model_validate(w) for w in data.get("words", [])]
            if names:
                words = asr_mod.correct_names(words, names)
            sentences = asr_mod.split_sentences(words, language)
        else:
            report.steps.append(StepReport("asr", "skipped", note="no audio stream: no speech"))
            progress.finish("asr", "skipped", 0.0)

        # shots (+ the per-frame features scenes and segments reuse)
        shots: list[Shot] = []
        feats = None
        screen: list[dict] = []
        got = pending.result() if pending is not None else None
        if got is not None and got[0] is not None:
            data, feats, seconds = got[0], got[1], got[2]
            catalog.put_part(video.id, "shots", versions["shots"], data, arrays=feats.arrays(), seconds=seconds)
            progress.finish("shots", "done", seconds)
            report.steps.append(StepReport("shots", "done", seconds))
        elif shots_cached is not None:
            data, feats = shots_cached
            progress.finish("shots", "cached", 0.0)
            report.steps.append(StepReport("shots", "cached"))
        else:
            for step in ("shots", "scenes", "ocr", "concepts"):
                report.steps.append(StepReport(step, "skipped", note="no video stream"))
                progress.finish(step, "skipped", 0.0)
        if got is not None and got[3] is not None:
            screen = got[3]
            catalog.put_part(video.id, "ocr", versions["ocr"], screen, seconds=got[4])
            progress.finish("ocr", "done", got[4])
            report.steps.append(StepReport("ocr", "done", got[4]))
        elif ocr_cached is not None:
            screen = ocr_cached.data
            progress.finish("ocr", "cached", 0.0)
            report.steps.append(StepReport("ocr", "cached"))
        shot_concepts: list[dict] = []
        visual = None
        attention = None
        if got is not None and got[5] is not None:
            shot_concepts, visual, attention = got[5].concepts, got[5].visual, got[5].attention
            catalog.put_part(video.id, "concepts", versions["concepts"], shot_concepts, arrays=got[5].arrays(),
                             seconds=got[6])
            progress.finish("concepts", "done", got[6])
            report.steps.append(StepReport("concepts", "done", got[6]))
        elif concepts_cached is not None:
            shot_concepts = concepts_cached.data
            visual = catalog.get_array(video.id, "concepts", versions["concepts"], "visual").astype(np.float32)
            attention = catalog.get_array(video.id, "concepts", versions["concepts"], "attention")
            progress.finish("concepts", "cached", 0.0)
            report.steps.append(StepReport("concepts", "cached"))
        if feats is not None:
            shots = [Shot.model_validate(s) for s in data["shots"]]

    # scenes
    scenes: list[Scene] = []
    if feats is not None:
        data = _run_step(report, progress, "scenes", None, lambda: stored("scenes"),
                         lambda tick: [s.model_dump() for s in scenes_mod.group_scenes(shots, feats, sentences)],
                         lambda v, s: catalog.put_part(video.id, "scenes", versions["scenes"], v, seconds=s))
        scenes = [Scene.model_validate(s) for s in data]

    # product segments
    # segments and tags embed the same sentences: once
    embed = memoized(lambda texts: text_embedder(settings).passage(texts))

    def seg_compute(tick):
        segs = seg_mod.find_segments(seg_mod.items_from_sentences(sentences), video.duration,
                                     embed if sentences else None, facts, shots,
                                     feats.t if feats is not None else None,
                                     feats.hist if feats is not None else None,
                                     screen=[(x["t"], x["text"]) for x in screen])
        return [s.model_dump() for s in segs]

    data = _run_step(report, progress, "segments", None, lambda: stored("segments"), seg_compute,
                     lambda v, s: catalog.put_part(video.id, "segments", versions["segments"], v, seconds=s))
    segments = [Segment.model_validate(s) for s in data]

    # speech tags (21, multi-label), with the fact sheet of the product segment each sentence is in
    if sentences:
        from tools import tags as tags_mod

        model = tags_mod.TagModel.load()
        tags_v = f"{tags_mod.VERSION}+{model.meta.get('digest', 'x')}+{versions['segments']}"
        versions["tags"] = tags_v
        by_name = {f.product: f.facts for f in facts}

        def tags_compute(tick):
            texts = [s.text for s in sentences]
            sheets = [by_name.get(seg_mod.product_at(segments, (s.start + s.end) / 2)) for s in sentences]
            scores = model.predict(texts, embed, sheets)
            return [{model.tags[k]: round(float(v), 3) for k, v in enumerate(row) if v >= 0.05} for row in scores]

        data = _run_step(report, progress, "tags", None, lambda: stored("tags"), tags_compute,
                         lambda v, s: catalog.put_part(video.id, "tags", tags_v, v, seconds=s))
        sentences = [s.model_copy(update={"tags": t}) for s, t in zip(sentences, data, strict=True)]
    else:
        report.steps.append(StepReport("tags", "skipped", note="no speech"))
        progress.finish("tags", "skipped", 0.0)

    # highlights: a score per shot from what is said, shown and written, and the crop guide
    highlights: list[dict] = []
    if shots and shot_concepts:
        from tools import highlights as hl_mod

        learned = None
        if settings.highlight_model != "features":
            from tools.pld import DEFAULT_PATH, PLDModel

            learned = PLDModel.load(settings.highlight_model_path or DEFAULT_PATH)
        hl_v = (f"{hl_mod.VERSION}+{versions['concepts']}+{versions.get('tags', 'notags')}"
                f"+{settings.highlight_model}{'-' + learned.digest if learned is not None else ''}")
        versions["highlights"] = hl_v

        def hl_compute(tick):
            scores = hl_mod.score_shots(shots, shot_concepts, sentences)
            if learned is not None:
                window = catalog.get_array(video.id, "concepts", versions["concepts"], "window")
                pld = learned.predict(window)[0]
                scores = [round(float(p if settings.highlight_model == "learned" else (s + p) / 2), 4)
                          for s, p in zip(scores, pld, strict=True)]
            centres = [hl_mod.crop_centre(attention[i]) if attention is not None else (0.5, 0.5)
                       for i in range(len(shots))]
            return [{"shot": i, "score": sc, "crop_x": round(cx, 3), "crop_y": round(cy, 3)}
                    for i, (sc, (cx, cy)) in enumerate(zip(scores, centres, strict=True))]

        highlights = _run_step(report, progress, "highlights", None, lambda: stored("highlights"), hl_compute,
                               lambda v, s: catalog.put_part(video.id, "highlights", hl_v, v, seconds=s))
    else:
        report.steps.append(StepReport("highlights", "skipped", note="no shots"))
        progress.finish("highlights", "skipped", 0.0)

    report.analysis = Analysis(video=video, versions=versions, language=language, sentences=sentences,
                               shots=shots, scenes=scenes, segments=segments)
    report.highlights = highlights
    report.screen = list(screen)

    # clips: stored in the catalog, their words' vectors in the library's Faiss index
    from tools import clips as clips_mod
    from tools.search import editing_index

    clips_v = (f"{clips_mod.VERSION}+{versions.get('tags', versions['segments'])}+{versions['scenes'] if scenes else ''}"
               f"+{versions.get('highlights', '')}")
    versions["clips"] = clips_v

    def clips_compute(tick):
        built = clips_mod.build_clips(report.analysis, screen=screen, shot_concepts=shot_concepts,
                                      highlights=highlights)
        old_ids = [c.id for c in catalog.list_clips(video.id)]
        worded = [c for c in built if c.text or c.screen_text or c.concepts]
        vectors = embed([clips_mod.search_text(c) for c in worded]) if worded else None
        with editing_index(settings, "text") as index:  # locked: another analyze may be writing too
            index.remove(old_ids)
            if worded:
                index.add([c.id for c in worded], vectors)
        if ckey and len(shots):
            shot_clip = catalog.get_array(video.id, "concepts", versions["concepts"], "clip").astype(np.float32)
            with editing_index(settings, "clip", dim=shot_clip.shape[1]) as cindex:
                cindex.remove(old_ids)
                seen = [c for c in built if c.shots]
                if seen:
                    cindex.add([c.id for c in seen], np.stack([shot_clip[c.shots].mean(axis=0) for c in seen]))
        if visual is not None and len(visual):
            with editing_index(settings, "visual") as vindex:
                vindex.remove(old_ids)
                seen = [c for c in built if c.shots]
                if seen:
                    vindex.add([c.id for c in seen], np.stack([visual[c.shots].mean(axis=0) for c in seen]))
        catalog.put_clips(video.id, [c.model_copy(update={"vectors": {"text": c.id}})
                                     if (c.text or c.screen_text) else c for c in built])
        return {"clips": len(built), "indexed": len(worded)}

    _run_step(report, progress, "clips", None, lambda: stored("clips"), clips_compute,
              lambda v, s: catalog.put_part(video.id, "clips", clips_v, v, seconds=s))
    report.analysis.clips = catalog.list_clips(video.id)
    report.analysis.versions = versions
    return report


def load_analysis(catalog: Catalog, video: Video) -> Analysis | None:
    """The newest stored analysis of a video (whatever versions), or None when nothing is stored."""
    out = Analysis(video=video)
    found = False
    for step in STEPS:
        rec = catalog.get_part(video.id, step)
        if rec is None:
            continue
        found = True
        out.versions[step] = rec.version
        if step == "asr":
            out.language = rec.data.get("language", "")
            words = [Word.model_validate(w) for w in rec.data.get("words", [])]
            out.sentences = asr_mod.split_sentences(words, out.language)
        elif step == "shots":
            out.shots = [Shot.model_validate(s) for s in rec.data["shots"]]
        elif step == "scenes":
            out.scenes = [Scene.model_validate(s) for s in rec.data]
        elif step == "segments":
            out.segments = [Segment.model_validate(s) for s in rec.data]
        elif step == "clips":
            out.clips = catalog.list_clips(video.id)
        elif step in ("ocr", "concepts", "highlights"):
            continue  # per-shot parts: in the clips, or read with catalog.get_part
        elif len(rec.data) == len(out.sentences):
            out.sentences = [s.model_copy(update={"tags": t}) for s, t in zip(out.sentences, rec.data, strict=True)]
    return out if found else None


def speech_density(sentences: Sequence[Sentence], duration: float,
                   bin_seconds: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """Words per second in bins of ``bin_seconds``: (bin starts, density)."""
    n = max(1, int(np.ceil(duration / bin_seconds)))
    counts = np.zeros(n)
    for s in sentences:
        for w in s.words or []:
            counts[min(n - 1, int(w.start // bin_seconds))] += 1
    return np.arange(n) * bin_seconds, counts / bin_seconds

