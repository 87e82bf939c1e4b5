"""The make recipe as resumable stages over the plan as data: ``plan.json`` is the state between them.

    >>> st = plan_stage("live.mp4", ["facts.json"], "15s food ad", settings, catalog)   # doctest: +SKIP
    >>> st = render_stage(st.plan, "out/ad1", settings, catalog)    # narrates first  # doctest: +SKIP

A plan is the dict ``plan.json`` holds: the keys :func:`tools.production.make.make_ad` writes
(``spec``, ``audio``, ``language``, ``source``, ``segment``, ``variants``, ``chosen``,
``rendered``, ``seconds``) and the state the stages keep between calls (:data:`STATE_KEYS`):

- ``facts``: the fact sheets' absolute paths (the analysis and the narration read them again);
- ``narration``: the guarded lines of ``variants[chosen]``, one dict per slot as in
  ``rendered[k]["narration"]``; None until written and after an edit that makes them stale;
- ``revision``: 0 for the first render, one more per revision; a revision's files carry
  ``_r{n}`` (``ad_r2.mp4``, ``voice_r2/``, ``cover_r2.jpg``) so earlier versions stay playable;
- ``edits``: the edits applied so far, each with what it changed (:mod:`tools.production.revise`).

The stages, each callable on its own (a stage whose input is missing runs the missing step
first and says so in its ``notes``):

1. :func:`plan_stage`: the spec, the analysis (run first when the stream is not analysed) and
   the ranked storyline variants with a clip per slot; nothing narrated or rendered;
2. :func:`narrate_stage`: the guarded lines of the chosen variant (voice-over modes only);
3. :func:`render_stage`: timeline, voice-over, ``ad.mp4``, subtitles, OTIO, cover.

The live objects behind a plan (:class:`~tools.production.make.Planned`) come back with
:func:`load_plan` from the stored analysis; the floats ``plan.json`` rounds (to the
millisecond) are the only difference from the plan as first arranged.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from models.settings import Settings
from tools.core.errors import MakeError
from tools.production.adspec import AdSpec
from tools.production.arrange import Moment, Plan, PlanSlot
from tools.production.make import (
    Planned,
    _plan_json,
    _write_plan,
    arrange_variants,
    load_sheets,
    narrate_variant,
    narration_dicts,
    prepare,
    render_timeline,
    rendered_entry,
    spec_for,
    spoken_lines,
    timeline_for,
)

__all__ = ["STATE_KEYS", "NARRATED_FIRST", "Staged", "plan_stage", "narrate_stage", "render_stage", "load_plan", "refresh",
           "new_plan", "adopt", "read_plan", "write_plan", "variant_from_dict", "analysis_note", "mmss"]

STATE_KEYS = ("facts", "narration", "revision", "edits")
NARRATED_FIRST = "the plan had no narration for its clips yet: wrote it first"

Say = Callable[[str], None]


def _quiet(msg: str) -> None:
    pass


@dataclass
class Staged:
    """What a stage did: the plan after it, the files it wrote, notes for the caller (steps it ran
    first, what a revision changed) and the live plan, to chain a next stage without reloading."""

    plan: dict
    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    live: Planned | None = None


def mmss(t: float) -> str:
    """A source time as the chat says it: ``1:10.5``."""
    return f"{int(t // 60)}:{t % 60:04.1f}"


# ------------------------------------------------------------------ plan.json


def read_plan(path: str | Path) -> dict:
    """The plan in ``path`` (a ``plan.json``).

    Raises:
        MakeError: missing, not JSON or not a plan."""
    p = Path(path)
    try:
        plan = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MakeError(f"{p}: cannot read the plan ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise MakeError(f"{p}: not a plan (not JSON: {exc})") from None
    problem = _problem(plan)
    if problem:
        raise MakeError(f"{p}: not a plan made by reelwright ({problem})")
    return adopt(plan)


def _problem(plan) -> str | None:
    """What makes ``plan`` unusable as a plan (None: nothing)."""
    missing = [k for k in ("spec", "audio", "language", "source", "variants", "chosen") if
               not isinstance(plan, dict) or k not in plan]
    if missing:
        return f"missing {', '.join(missing)}"
    try:
        AdSpec.model_validate(plan["spec"])
    except ValueError as exc:
        return f"bad spec: {' '.join(str(exc).split())[:200]}"
    variants = plan["variants"]
    if not isinstance(variants, list) or not variants or not isinstance(plan["chosen"], int) \
            or not 0 <= plan["chosen"] < len(variants):
        return "no variant to use"
    for v in variants:
        slots = v.get("slots") if isinstance(v, dict) else None
        if not isinstance(slots, list) or not slots or "storyline" not in v or not all(
                isinstance(s, dict) and {"index", "tags", "seconds", "clip"} <= set(s) for s in slots):
            return "a variant without its slots"
    return None


def adopt(plan: dict) -> dict:
    """``plan`` with the stage state (:data:`STATE_KEYS`) it lacks: a plan written by ``reelwright
    make`` gets its rendered narration as the current one, no fact sheets, revision 0."""
    plan.setdefault("facts", [])
    plan.setdefault("revision", 0)
    plan.setdefault("edits", [])
    if "narration" not in plan:
        first = (plan.get("rendered") or [{}])[0]
        same = first.get("storyline") == plan["variants"][plan["chosen"]]["storyline"]
        plan["narration"] = first.get("narration") if same else None
    return plan


def write_plan(plan: dict, out_dir: str | Path) -> Path:
    """``out_dir/plan.json``, written whole."""
    return _write_plan(plan, Path(out_dir))


def new_plan(p: Planned, facts_paths: Sequence[str | Path]) -> dict:
    """The plan of a freshly arranged ad: make's keys (nothing rendered) and the stage state."""
    plan = _plan_json(p.spec, p.audio, p.language, p.stream, p.segment, p.plans, [], dict(p.seconds))
    plan.update(facts=[str(Path(f).resolve()) for f in facts_paths], narration=None, revision=0, edits=[])
    return plan


def variant_from_dict(v: dict, analysis=None, highlights: Sequence[dict] = ()) -> Plan:
    """A stored variant as a live :class:`Plan`; with the analysis, its moments get back their
    highlight and the end of their last word (what the timeline and the cover need)."""
    slots = []
    for s in v["slots"]:
        c = s.get("clip")
        m = None
        if c is not None:
            hl = max((highlights[i]["score"] for i in c["shots"] if i < len(highlights)), default=0.0)
            m = Moment(float(c["start"]), float(c["end"]), c["kind"], c.get("text", ""), {}, float(hl),
                       list(c["shots"]), list(c["sentences"]), speech_end=_speech_end(c, analysis))
        slots.append(PlanSlot(int(s["index"]), list(s["tags"]), float(s["seconds"]), m, s.get("score", 0.0),
                              dict(s.get("parts", {})), list(s.get("reasons", []))))
    return Plan(v["storyline"], slots, dict(v.get("scores", {})), v.get("score", 0.0))


def _speech_end(clip: dict, analysis) -> float | None:
    if clip["kind"] != "speech":
        return None
    ends = [s.end for s in (analysis.sentences if analysis is not None else []) if s.index in clip["sentences"]]
    return max(ends) if ends else float(clip["end"])


# ------------------------------------------------------------------ live plans


def analysis_note(report, seconds: float) -> str | None:
    """What the caller should hear about the analysis a stage ran first (None: all of it was stored)."""
    done = [s.step for s in report.steps if s.status == "done"]
    if not done:
        return None
    if len(done) == len([s for s in report.steps if s.status != "skipped"]):
        return f"the video was not analysed yet: analysed it first ({seconds:.0f} s)"
    return f"part of the video's analysis was missing ({', '.join(done)}): ran it first ({seconds:.0f} s)"


def load_plan(plan: dict, settings: Settings, catalog, *, facts_paths: Sequence[str | Path] = (),
              say: Say = _quiet) -> Planned:
    """The live plan behind ``plan``: the stream's analysis (stored steps reused) and its variants.

    Raises:
        MakeError: the plan names no fact sheets (a plan of ``reelwright make``: pass them), or the
            stream cannot be used any more."""
    paths = plan.get("facts") or list(facts_paths)
    if not paths:
        raise MakeError("the plan records no fact sheets (made by `reelwright make`?): pass them, or make the ad "
                        "again with make_ad")
    facts = load_sheets(paths)
    t0 = time.perf_counter()
    p = prepare(plan["source"], facts, AdSpec.model_validate(plan["spec"]), settings, catalog, say)
    p.seconds["analysis"] = round(time.perf_counter() - t0, 2)
    p.audio, p.language = plan["audio"], plan["language"]
    return refresh(p, plan)


def refresh(p: Planned, plan: dict) -> Planned:
    """``p`` with the spec and variants of ``plan`` (after an edit of the dict)."""
    p.spec = AdSpec.model_validate(plan["spec"])
    p.audio, p.language = plan["audio"], plan["language"]
    p.plans = [variant_from_dict(v, p.analysis, p.report.highlights) for v in plan["variants"]]
    return p


def _live(plan: dict, live: Planned | None, settings: Settings, catalog, say: Say) -> tuple[Planned, list[str]]:
    """``live``, or the plan loaded (with a note when its analysis had to run first)."""
    if live is not None:
        return live, []
    live = load_plan(plan, settings, catalog, say=say)
    note = analysis_note(live.report, live.seconds.get("analysis", 0.0))
    return live, [note] if note else []


def _stale_narration(plan: dict) -> bool:
    lines = plan.get("narration")
    return not lines or len(lines) != len(plan["variants"][plan["chosen"]]["slots"])


# ------------------------------------------------------------------ the stages


def plan_stage(stream: str | Path, facts_paths: Sequence[str | Path], brief: str, settings: Settings, catalog, *,
               llm=None, progress: Say | None = None, **flags) -> Staged:
    """Stage 1: the spec (flags over the brief), the analysis (run first when missing: noted) and the
    ranked storyline variants. Writes nothing."""
    say = progress or _quiet
    facts = load_sheets(facts_paths)
    t0 = time.perf_counter()
    p = prepare(stream, facts, spec_for(brief, facts, **flags), settings, catalog, say)
    p.seconds["analysis"] = round(time.perf_counter() - t0, 2)
    arrange_variants(p, settings, catalog, llm, say)
    note = analysis_note(p.report, p.seconds["analysis"])
    return Staged(new_plan(p, facts_paths), notes=[note] if note else [], live=p)


def narrate_stage(plan: dict, settings: Settings, catalog, *, live: Planned | None = None, llm=None,
                  progress: Say | None = None) -> Staged:
    """Stage 2: the guarded lines of ``variants[chosen]`` into ``plan["narration"]`` (a copy).

    An ad with the presenter's own speech has no narration: the plan comes back unchanged, with a note."""
    say = progress or _quiet
    plan = copy.deepcopy(plan)
    p, notes = _live(plan, live, settings, catalog, say)
    if plan["audio"] not in ("voiceover", "both"):
        return Staged(plan, notes=[*notes, "this ad uses the presenter's own speech: no narration to write"], live=p)
    narration = narrate_variant(p, p.plans[plan["chosen"]], settings, llm=llm, say=say)
    plan["narration"] = narration_dicts(narration)
    return Staged(plan, notes=notes, live=p)


def render_stage(plan: dict, out_dir: str | Path, settings: Settings, catalog, *, live: Planned | None = None,
                 llm=None, draft: bool = False, progress: Say | None = None) -> Staged:
    """Stage 3: render ``variants[chosen]`` into ``out_dir`` (files suffixed ``_r{revision}`` after the
    first); a voice-over ad without its lines is narrated first (noted). ``plan["rendered"]`` becomes
    the one rendered entry."""
    say = progress or _quiet
    out_dir = Path(out_dir)
    live, notes = _live(plan, live, settings, catalog, say)
    if plan["audio"] in ("voiceover", "both") and _stale_narration(plan):
        done = narrate_stage(plan, settings, catalog, live=live, llm=llm, progress=say)
        plan = done.plan
        notes.append(NARRATED_FIRST)
    plan = copy.deepcopy(plan)
    variant = live.plans[plan["chosen"]]
    rev = int(plan.get("revision") or 0)
    suffix = f"_r{rev}" if rev else ""
    voiced = plan["audio"] in ("voiceover", "both")
    lines = spoken_lines([n["text"] for n in plan["narration"]], live.language) if voiced else None
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tl = timeline_for(live, variant, lines, out_dir, suffix, settings, say)
    files = render_timeline(live, variant, tl, out_dir, suffix, cover_suffix=suffix, draft=draft, say=say)
    plan["rendered"] = [rendered_entry(variant, tl, plan["narration"] if voiced else None, files)]
    plan["seconds"] = {**plan.get("seconds", {}), f"render{suffix}": round(time.perf_counter() - t0, 2)}
    voices = {f"voice{it.index:02d}": Path(it.voice) for it in tl.items if it.voice}
    return Staged(plan, files={**files, **voices}, notes=notes, live=live)
