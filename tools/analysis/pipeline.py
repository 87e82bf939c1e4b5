"""Analyse a stream's structure once and keep it: the analysis steps and the runner.

Each step (:class:`Step`) declares its name, the steps it needs, its version (its code's
version, its options and the versions of what it needs), how it computes, and how its
stored part is read back. One runner (:func:`analyze`) owns everything else:

- the cache: a step already in the catalog at its current version is loaded, not rerun;
  a run killed midway resumes at the first missing step;
- a per-video lock: a second process analysing the same video waits, then finds the
  steps the first one stored instead of recomputing them;
- the picture thread: shots, on-screen text and concepts run in a second thread while
  speech is recognised (whisper leaves part of the two cores idle; the thumbnail decode
  fills them);
- progress (:class:`Progress`) and the report of what was computed, loaded or skipped.

Source files are only read.

    >>> with Catalog.open(settings) as cat:                                   # doctest: +SKIP
    ...     report = analyze("live.mp4", settings, cat, facts=[facts])
    ...     report.analysis.segments
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from indexes.catalog import Catalog, PartRecord
from models.loaders import memoized, text_embedder
from models.settings import Settings
from tools.analysis import asr as asr_mod
from tools.analysis import scenes as scenes_mod
from tools.analysis import segments as seg_mod
from tools.analysis import shots as shots_mod
from tools.core.errors import NoAudioStream
from tools.core.schema import Analysis, ProductFacts, Scene, Segment, Sentence, Shot, Video, Word

__all__ = ["STEPS", "Step", "Stored", "StepReport", "AnalyzeReport", "Progress", "analyze", "analyze_steps",
           "load_analysis", "speech_density"]

Tick = Callable[[float], None]
Lane = Literal["speech", "picture", "main"]


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


@dataclass
class Stored:
    """What a step computed: the JSON part, its arrays, and the value later steps read.

    ``value`` None: later steps read :meth:`Step.load` of the stored data, exactly as
    after a cached run. ``seconds`` None: the runner's own timing of ``compute``.
    """

    data: Any
    arrays: dict[str, np.ndarray] | None = None
    model: str = ""
    value: Any = None
    seconds: float | None = None


@dataclass
class Run:
    """One analysis in progress: its inputs, the steps' versions and the values they produced."""

    video: Video
    src: Path
    settings: Settings
    catalog: Catalog
    facts: Sequence[ProductFacts]
    opts: asr_mod.AsrOptions
    names: tuple[str, ...]
    clip_key: str | None
    progress: Progress
    versions: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    scratch: dict[str, Any] = field(default_factory=dict)  # what one step hands the next within a run
    db_lock: threading.Lock = field(default_factory=threading.Lock)  # one connection, two threads

    def array(self, step: str, name: str) -> np.ndarray:
        with self.db_lock:
            return self.catalog.get_array(self.video.id, step, self.versions[step], name)

    def embed(self, texts: list[str]) -> np.ndarray:
        """e5 passage vectors; segments and tags embed the same sentences: once."""
        if "embed" not in self.scratch:
            self.scratch["embed"] = memoized(lambda t: text_embedder(self.settings).passage(t))
        return self.scratch["embed"](texts)


@dataclass(frozen=True)
class Step:
    """One analysis step.

    Args:
        name: the catalog part it is stored as.
        needs: steps whose values ``compute`` reads (they run first).
        version: its version string from the run (code version, options, upstream versions).
        compute: computes it (``tick(seconds of media done)`` reports progress).
        load: the value later steps read, from a stored part and an array getter.
        skip: a reason it cannot run for this video (None: it runs).
        lane: "speech" and "picture" run side by side in two threads, then "main" in order.
        timed: it reports progress in seconds of media (the video's duration as the total).
    """

    name: str
    needs: tuple[str, ...]
    version: Callable[[Run], str]
    compute: Callable[[Run, Tick], Stored]
    load: Callable[[Run, Any, Callable[[str], np.ndarray]], Any]
    skip: Callable[[Run], str | None] = lambda run: None
    lane: Lane = "main"
    timed: bool = False


def _short_hash(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


# --------------------------------------------------------------------- speech


def _asr_version(run: Run) -> str:
    # product names only respell words after decoding: one stored transcript serves every fact sheet
    o = run.opts
    return f"{asr_mod.VERSION}-{o.model}-{o.language or 'auto'}-b{o.beam_size}"


def _asr_compute(run: Run, tick: Tick) -> Stored:
    try:
        tr = asr_mod.transcribe(run.src, run.settings, run.opts, progress=tick)
    except NoAudioStream:
        return Stored({"language": "", "words": [], "note": "no audio stream"}, model=run.opts.model)
    return Stored({"language": tr.language, "language_probability": tr.language_probability,
                   "words": [w.model_dump() for w in tr.words]}, model=run.opts.model)


def _asr_load(run: Run, data: dict, arrays) -> tuple[str, list[Sentence]]:
    language = data.get("language", "")
    words = [Word.model_validate(w) for w in data.get("words", [])]
    if run.names:
        words = asr_mod.correct_names(words, run.names)
    return language, asr_mod.split_sentences(words, language)


# -------------------------------------------------------------------- picture


def _no_video(run: Run) -> str | None:
    return None if run.video.has_video else "no video stream"


def _shots_compute(run: Run, tick: Tick) -> Stored:
    res = shots_mod.detect_shots(run.src, progress=tick)
    data = {"shots": [s.model_dump() for s in res.shots], "boundaries": [b.__dict__ for b in res.boundaries]}
    return Stored(data, arrays=res.features.arrays(), value=(res.shots, res.features))


def _shots_load(run: Run, data: dict, arrays) -> tuple[list[Shot], shots_mod.ShotFeatures]:
    feats = shots_mod.ShotFeatures.from_arrays({n: arrays(n) for n in ("t", "hist", "thumb", "luma")},
                                               run.video.duration)
    return [Shot.model_validate(s) for s in data["shots"]], feats


def _ocr_version(run: Run) -> str:
    from tools.analysis import ocr as ocr_mod

    names = f"{_short_hash(sorted(run.names))}" if run.names else "nonames"
    return f"{ocr_mod.VERSION}+shots{run.versions['shots']}+{names}"


def _look(run: Run, screen: list[dict] | None, tick: Tick):
    """On-screen text and concepts: one pass, one decode per shot (``screen`` given: text stored)."""
    from models.loaders import clip_model
    from tools.analysis import concepts as concepts_mod

    shots, feats = run.values["shots"]
    t0 = time.perf_counter()
    look = concepts_mod.shot_concepts(run.src, shots, feats, screen, run.settings, names=run.names,
                                      clip=clip_model(run.settings) if run.clip_key else None, progress=tick)
    return look, time.perf_counter() - t0 - look.ocr_seconds


def _ocr_compute(run: Run, tick: Tick) -> Stored:
    look, concept_seconds = _look(run, None, tick)
    run.scratch["look"] = (look, concept_seconds)  # the concepts step stores the rest of this pass
    return Stored(look.screen, seconds=look.ocr_seconds)


def _concepts_version(run: Run) -> str:
    from tools.analysis import concepts as concepts_mod

    # includes the version of ocr, so text is never missing while concepts are stored
    clip = f"+clip:{run.clip_key}" if run.clip_key else ""
    return f"{concepts_mod.VERSION}+{run.versions['ocr']}{clip}"


def _concepts_compute(run: Run, tick: Tick) -> Stored:
    look, seconds = run.scratch.pop("look", None) or _look(run, run.values["ocr"], tick)
    return Stored(look.concepts, arrays=look.arrays(), value=(look.concepts, look.visual, look.attention),
                  seconds=seconds)


def _concepts_load(run: Run, data: list[dict], arrays) -> tuple[list[dict], np.ndarray, np.ndarray]:
    return data, arrays("visual").astype(np.float32), arrays("attention")


# ---------------------------------------------------------------- structure


def _scenes_version(run: Run) -> str:
    return f"{scenes_mod.VERSION}+shots{run.versions['shots']}+asr{_asr_version(run)}"


def _scenes_compute(run: Run, tick: Tick) -> Stored:
    shots, feats = run.values["shots"]
    return Stored([s.model_dump() for s in scenes_mod.group_scenes(shots, feats, _sentences(run))])


def _segments_version(run: Run) -> str:
    from tools.analysis import ocr as ocr_mod

    facts_key = _short_hash([f.model_dump() for f in run.facts]) if run.facts else "nofacts"
    return (f"{seg_mod.VERSION}+shots{shots_mod.VERSION}+asr{_asr_version(run)}+{facts_key}"
            f"+ocr{ocr_mod.VERSION}")


def _segments_compute(run: Run, tick: Tick) -> Stored:
    sentences = _sentences(run)
    shots, feats = run.values.get("shots") or ([], None)
    segs = seg_mod.find_segments(seg_mod.items_from_sentences(sentences), run.video.duration,
                                 run.embed if sentences else None, run.facts, shots,
                                 feats.t if feats is not None else None,
                                 feats.hist if feats is not None else None,
                                 screen=[(x["t"], x["text"]) for x in run.values.get("ocr") or []])
    return Stored([s.model_dump() for s in segs])


def _tag_model(run: Run):
    if "tag_model" not in run.scratch:
        from tools.analysis import tags as tags_mod

        run.scratch["tag_model"] = tags_mod.TagModel.load()
    return run.scratch["tag_model"]


def _tags_version(run: Run) -> str:
    from tools.analysis import tags as tags_mod

    return f"{tags_mod.VERSION}+{_tag_model(run).meta.get('digest', 'x')}+{run.versions['segments']}"


def _tags_compute(run: Run, tick: Tick) -> Stored:
    model = _tag_model(run)
    sentences, segments = _sentences(run), run.values["segments"]
    by_name = {f.product: f.facts for f in run.facts}
    sheets = [by_name.get(seg_mod.product_at(segments, (s.start + s.end) / 2)) for s in sentences]
    scores = model.predict([s.text for s in sentences], run.embed, sheets)
    return Stored([{model.tags[k]: round(float(v), 3) for k, v in enumerate(row) if v >= 0.05} for row in scores])


def _pld_model(run: Run):
    if run.settings.highlight_model == "features":
        return None
    if "pld" not in run.scratch:
        from tools.analysis.pld import DEFAULT_PATH, PLDModel

        run.scratch["pld"] = PLDModel.load(run.settings.highlight_model_path or DEFAULT_PATH)
    return run.scratch["pld"]


def _highlights_version(run: Run) -> str:
    from tools.analysis import highlights as hl_mod

    learned = _pld_model(run)
    return (f"{hl_mod.VERSION}+{run.versions['concepts']}+{run.versions.get('tags', 'notags')}"
            f"+{run.settings.highlight_model}{'-' + learned.digest if learned is not None else ''}")


def _highlights_compute(run: Run, tick: Tick) -> Stored:
    from tools.analysis import highlights as hl_mod

    shots, _ = run.values["shots"]
    concepts, _, attention = run.values["concepts"]
    scores = hl_mod.score_shots(shots, concepts, _sentences(run))
    learned = _pld_model(run)
    if learned is not None:
        pld = learned.predict(run.array("concepts", "window"))[0]
        scores = [round(float(p if run.settings.highlight_model == "learned" else (s + p) / 2), 4)
                  for s, p in zip(scores, pld, strict=True)]
    centres = [hl_mod.crop_centre(attention[i]) if attention is not None else (0.5, 0.5) for i in range(len(shots))]
    return Stored([{"shot": i, "score": sc, "crop_x": round(cx, 3), "crop_y": round(cy, 3)}
                   for i, (sc, (cx, cy)) in enumerate(zip(scores, centres, strict=True))])


def _clips_version(run: Run) -> str:
    from tools.analysis import clips as clips_mod

    v = run.versions
    return (f"{clips_mod.VERSION}+{v.get('tags', v['segments'])}+{v['scenes'] if run.values.get('scenes') else ''}"
            f"+{v.get('highlights', '')}")


def _clips_compute(run: Run, tick: Tick) -> Stored:
    """Clips, stored in the catalog; their words' vectors in the library's Faiss indexes."""
    from tools.analysis import clips as clips_mod
    from tools.analysis.search import editing_index

    analysis = _analysis(run)
    concepts, visual, _ = run.values.get("concepts") or ([], None, None)
    built = clips_mod.build_clips(analysis, screen=run.values.get("ocr") or [], shot_concepts=concepts,
                                  highlights=run.values.get("highlights") or [])
    with run.db_lock:
        old_ids = [c.id for c in run.catalog.list_clips(run.video.id)]
    worded = [c for c in built if c.text or c.screen_text or c.concepts]
    vectors = run.embed([clips_mod.search_text(c) for c in worded]) if worded else None
    settings = run.settings
    with editing_index(settings, "text") as index:  # locked: another analyze may be writing too
        index.remove(old_ids)
        if worded:
            index.add([c.id for c in worded], vectors)
    seen = [c for c in built if c.shots]
    if run.clip_key and analysis.shots:
        shot_clip = run.array("concepts", "clip").astype(np.float32)
        with editing_index(settings, "clip", dim=shot_clip.shape[1]) as cindex:
            cindex.remove(old_ids)
            if seen:
                cindex.add([c.id for c in seen], np.stack([shot_clip[c.shots].mean(axis=0) for c in seen]))
    if visual is not None and len(visual):
        with editing_index(settings, "visual") as vindex:
            vindex.remove(old_ids)
            if seen:
                vindex.add([c.id for c in seen], np.stack([visual[c.shots].mean(axis=0) for c in seen]))
    with run.db_lock:
        run.catalog.put_clips(run.video.id, [c.model_copy(update={"vectors": {"text": c.id}})
                                             if (c.text or c.screen_text) else c for c in built])
    return Stored({"clips": len(built), "indexed": len(worded)})


def _sentences(run: Run) -> list[Sentence]:
    """The sentences, with their speech tags once the tags step has run."""
    _, sentences = run.values.get("asr") or ("", [])
    tags = run.values.get("tags")
    if tags is not None:
        sentences = [s.model_copy(update={"tags": t}) for s, t in zip(sentences, tags, strict=True)]
    return sentences


def _analysis(run: Run) -> Analysis:
    language, _ = run.values.get("asr") or ("", [])
    shots, _ = run.values.get("shots") or ([], None)
    return Analysis(video=run.video, versions=dict(run.versions), language=language, sentences=_sentences(run),
                    shots=shots, scenes=run.values.get("scenes") or [], segments=run.values.get("segments") or [])


def _data(run: Run, data, arrays):
    return data


STEP_TABLE: tuple[Step, ...] = (
    Step("asr", (), _asr_version, _asr_compute, _asr_load, lane="speech", timed=True,
         skip=lambda run: None if run.video.has_audio else "no audio stream: no speech"),
    Step("shots", (), lambda run: shots_mod.VERSION, _shots_compute, _shots_load, _no_video, "picture", True),
    Step("ocr", ("shots",), _ocr_version, _ocr_compute, _data, _no_video, "picture", True),
    Step("concepts", ("shots", "ocr"), _concepts_version, _concepts_compute, _concepts_load, _no_video,
         "picture", True),
    Step("scenes", ("shots", "asr"), _scenes_version, _scenes_compute,
         lambda run, data, arrays: [Scene.model_validate(s) for s in data], _no_video),
    Step("segments", ("asr",), _segments_version, _segments_compute,
         lambda run, data, arrays: [Segment.model_validate(s) for s in data]),
    Step("tags", ("asr", "segments"), _tags_version, _tags_compute, _data,
         lambda run: None if _sentences(run) else "no speech"),
    Step("highlights", ("shots", "concepts", "tags"), _highlights_version, _highlights_compute, _data,
         lambda run: None if run.values.get("shots", ([], None))[0] and (run.values.get("concepts") or [[]])[0]
         else "no shots"),
    Step("clips", ("segments", "scenes", "tags", "highlights"), _clips_version, _clips_compute, _data),
)
STEPS = tuple(s.name for s in STEP_TABLE)


# ---------------------------------------------------------------------- runner


class _Runner:
    def __init__(self, run: Run, force: Sequence[str]):
        self.run = run
        self.force = set(force)
        self.reports: dict[str, StepReport] = {}

    def _record(self, step: Step) -> PartRecord | None:
        if step.name in self.force:
            return None
        with self.run.db_lock:
            return self.run.catalog.get_part(self.run.video.id, step.name, self.run.versions[step.name])

    def _arrays_of(self, step: Step, rec: PartRecord) -> Callable[[str], np.ndarray]:
        return lambda name: self.run.array(step.name, name)

    def step(self, step: Step) -> None:
        run, progress = self.run, self.run.progress
        why = step.skip(run)
        if why is not None:
            self.reports[step.name] = StepReport(step.name, "skipped", note=why)
            progress.finish(step.name, "skipped", 0.0)
            return
        run.versions[step.name] = step.version(run)
        rec = self._record(step)
        if rec is not None:
            run.values[step.name] = step.load(run, rec.data, self._arrays_of(step, rec))
            self.reports[step.name] = StepReport(step.name, "cached")
            progress.finish(step.name, "cached", 0.0)
            return
        progress.start(step.name, run.video.duration if step.timed else None)
        t0 = time.perf_counter()
        out = step.compute(run, lambda done: progress.advance(step.name, done))
        seconds = time.perf_counter() - t0 if out.seconds is None else out.seconds
        with run.db_lock:
            run.catalog.put_part(run.video.id, step.name, run.versions[step.name], out.data, arrays=out.arrays,
                                 model=out.model, seconds=seconds)
        fresh = out.arrays or {}
        run.values[step.name] = out.value if out.value is not None else step.load(run, out.data, fresh.__getitem__)
        self.reports[step.name] = StepReport(step.name, "done", seconds)
        progress.finish(step.name, "done", seconds)

    def lane(self, lane: Lane) -> None:
        for step in STEP_TABLE:
            if step.lane == lane:
                self.step(step)

    def warm_up(self) -> None:
        """Fail on a missing model before any work (not after an hour of another step)."""
        run = self.run
        if run.clip_key:
            from models.provision import resolve

            resolve("clip", run.settings)  # a configured but missing checkpoint: its named error
        asr = STEP_TABLE[0]
        if asr.skip(run) is None:
            run.versions["asr"] = asr.version(run)
            if self._record(asr) is None:
                from models.loaders import whisper_model

                whisper_model(run.settings, run.opts.model, threads=run.opts.threads)

    def all(self) -> None:
        self.warm_up()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="picture") as pool:
            picture = pool.submit(self.lane, "picture")
            try:
                self.lane("speech")
            finally:
                picture.result()
        self.lane("main")


def analyze(path: str | os.PathLike, settings: Settings, catalog: Catalog, facts: Sequence[ProductFacts] = (),
            asr_options: asr_mod.AsrOptions | None = None, progress: Progress | None = None,
            force: Sequence[str] = ()) -> AnalyzeReport:
    """Run every analysis step not yet in the catalog for ``path`` and return the whole analysis.

    A second process analysing the same video waits for the first and then reuses its
    stored steps.

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
    from models.loaders import clip_key

    opts = asr_options or asr_mod.AsrOptions()
    names = tuple(opts.hotwords) or tuple(n for f in facts for n in f.names)
    opts = asr_mod.AsrOptions(**{**opts.__dict__, "hotwords": (), "decoder_hotwords": False})
    video = catalog.add_video(path)
    run = Run(video=video, src=Path(path), settings=settings, catalog=catalog, facts=facts, opts=opts,
              names=names, clip_key=clip_key(settings), progress=progress or Progress())
    runner = _Runner(run, force)
    with catalog.video_lock(video.id):
        runner.all()
    report = AnalyzeReport(_analysis(run), steps=[runner.reports[s] for s in STEPS if s in runner.reports])
    report.highlights = run.values.get("highlights") or []
    report.screen = list(run.values.get("ocr") or [])
    report.analysis.clips = catalog.list_clips(video.id)
    return report


def analyze_steps(path: str | os.PathLike, settings: Settings, catalog: Catalog, steps: Sequence[str],
                  asr_options: asr_mod.AsrOptions | None = None, progress: Progress | None = None) -> AnalyzeReport:
    """Run only ``steps`` (and the steps they need), stored and reused exactly as :func:`analyze` does.

    For callers that need part of the analysis (``reelwright template extract`` needs speech
    and shots, not concepts or clips): the parts stored are the ones a full run stores, at
    the same versions, so a later full run reuses them.

    Args:
        path: the video (or audio) file; never modified.
        settings: models and catalog location.
        catalog: an open catalog.
        steps: names from :data:`STEPS`.
        asr_options: model, language, beam size.
        progress: receives step starts, progress and ends.

    Raises:
        MediaError (subclasses): the file is not usable media.
        ValueError: an unknown step name.
    """
    from models.loaders import clip_key

    bad = [s for s in steps if s not in STEPS]
    if bad:
        raise ValueError(f"unknown analysis step(s) {', '.join(bad)}; known: {', '.join(STEPS)}")
    by_name = {s.name: s for s in STEP_TABLE}
    wanted: set[str] = set()
    todo = list(steps)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += list(by_name[name].needs)
    opts = asr_options or asr_mod.AsrOptions()
    video = catalog.add_video(path)
    run = Run(video=video, src=Path(path), settings=settings, catalog=catalog, facts=(), opts=opts, names=(),
              clip_key=clip_key(settings), progress=progress or Progress())
    runner = _Runner(run, ())
    with catalog.video_lock(video.id):
        for step in STEP_TABLE:
            if step.name in wanted:
                runner.step(step)
    report = AnalyzeReport(_analysis(run), steps=[runner.reports[s] for s in STEPS if s in runner.reports])
    report.screen = list(run.values.get("ocr") or [])
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
