"""Revising a made ad: one small edit applied to its plan, then only the stages the edit needs rerun.

    >>> st = revise(plan, Edit(kind="duration", seconds=10), "out/ad1", settings, catalog)  # doctest: +SKIP

An :class:`Edit` names its ``kind`` and the fields that kind reads. Slots, variants and
positions count from 1, as the chat shows them. What each edit does, and what is redone:

============  ==================================================================  ===========================
kind          what changes in the plan                                            redone
============  ==================================================================  ===========================
duration      ``spec.duration = seconds`` (6 s - 5 min)                           arrange, narration, render
variant       the ranked variant ``variant`` becomes the chosen one                 narration, render
drop_clip     slot ``slot`` goes; the others share its time (arrange's balancing)  render (lines kept)
replace_clip  slot ``slot`` shows other footage: the moment starting nearest        render (line kept)
              ``start`` (seconds in the stream), the catalog clip ``clip_id``,
              or else the next best candidate for the slot (never footage
              another slot shows, never the clip it showed)
move_clip     slot ``slot`` moves to ``position``; its line moves with it           render
line          slot ``slot`` says ``text``, as the fact guard lets it: an            voice, render
              unsupported claim (a number the facts lack...) is cut and a risk
              word softened; a line with nothing supported left is refused
tone          ``spec.tone = text`` (the narrator's brief; calm tones crossfade)     narration, render
aspect        ``spec.aspect = aspect`` (9:16, 1:1 or 16:9)                        render
music         ``spec.music = on`` (the music file is the one given at plan time)   render
voice         a voice-over (``on``) or the presenter's own speech (off)            arrange, narration, render
============  ==================================================================  ===========================

"render" always speaks the voice-over again and renders the files of the next revision
(``ad_r1.mp4``, ``ad_r2.mp4``...: the earlier versions stay). An edit that changes nothing
(the variant already chosen, music already off) reruns nothing and says so.
:func:`apply_edit` is the edit on the plan as data (no model, no media); :func:`revise`
applies it and reruns the stages.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from models.settings import Settings
from tools.core.errors import UsageError
from tools.core.schema import ProductFacts
from tools.production.adspec import RESOLUTIONS
from tools.production.arrange import Moment, _balance, _duration_fit, _tag_fit, moments
from tools.production.make import Planned, arrange_variants, load_sheets, variant_dict
from tools.production.stages import (
    NARRATED_FIRST,
    Staged,
    load_plan,
    mmss,
    refresh,
    render_stage,
    variant_from_dict,
)

__all__ = ["Edit", "EditKind", "Revision", "REQUIRED", "edit_from", "apply_edit", "replace_clip", "revise"]

EditKind = Literal["duration", "variant", "drop_clip", "replace_clip", "move_clip", "line", "tone", "aspect",
                   "music", "voice"]
REQUIRED: dict[str, tuple[str, ...]] = {
    "duration": ("seconds",), "variant": ("variant",), "drop_clip": ("slot",), "replace_clip": ("slot",),
    "move_clip": ("slot", "position"), "line": ("slot", "text"), "tone": ("text",), "aspect": ("aspect",),
    "music": ("on",), "voice": ("on",),
}


class Edit(BaseModel):
    """One edit of a plan (see the module doc for what each ``kind`` does)."""

    model_config = {"extra": "forbid"}

    kind: EditKind
    seconds: float | None = Field(None, description="duration: the new length in seconds")
    variant: int | None = Field(None, description="variant: which ranked storyline variant (1 = best)")
    slot: int | None = Field(None, description="drop_clip, replace_clip, move_clip, line: the slot (1 = first)")
    position: int | None = Field(None, description="move_clip: the slot's new position (1 = first)")
    start: float | None = Field(None, description="replace_clip: show the footage starting nearest this "
                                "time of the stream (seconds)")
    clip_id: str | None = Field(None, description="replace_clip: show this clip of the catalog")
    text: str | None = Field(None, description="line: the new line; tone: the new tone")
    aspect: Literal["9:16", "1:1", "16:9"] | None = Field(None, description="aspect: the new aspect ratio")
    on: bool | None = Field(None, description="music, voice: on (true) or off (false)")

    @model_validator(mode="after")
    def _has_what_its_kind_needs(self) -> Edit:
        missing = [f for f in REQUIRED[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind} edit needs {' and '.join(missing)}")
        return self


def edit_from(**fields) -> Edit:
    """An :class:`Edit` from flat fields (None = not given).

    Raises:
        UsageError: one line naming the field that is wrong or missing."""
    try:
        return Edit(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise UsageError(f"bad edit: {where + ': ' if where else ''}{msg}") from None


@dataclass
class Revision:
    """An edit applied to the plan as data: the new plan, the stages to rerun, what changed."""

    plan: dict
    redo: set[str] = field(default_factory=set)  # of "arrange", "narrate", "render"
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ the edits on the plan as data


def _slot_index(plan: dict, slot: int, what: str = "slot") -> int:
    n = len(plan["variants"][plan["chosen"]]["slots"])
    if not 1 <= slot <= n:
        raise UsageError(f"{what} {slot}: the ad has slots 1 to {n}")
    return slot - 1


def _voiced(plan: dict) -> bool:
    return plan["audio"] in ("voiceover", "both")


def _renumber(plan: dict) -> None:
    for k, s in enumerate(plan["variants"][plan["chosen"]]["slots"]):
        s["index"] = k + 1
    for k, line in enumerate(plan.get("narration") or []):
        line["slot"] = k + 1


def _duration(plan: dict, e: Edit) -> Revision:
    if not 6.0 <= e.seconds <= 300.0:
        raise UsageError(f"duration {e.seconds:g} s: an ad is 6 s to 5 min long")
    old = plan["spec"]["duration"]
    if abs(old - e.seconds) < 1e-6:
        return Revision(plan, notes=[f"the ad is already {old:g} s long: nothing to do"])
    plan["spec"]["duration"] = float(e.seconds)
    plan["narration"] = None
    return Revision(plan, {"arrange", "narrate", "render"}, [f"length {old:g} s -> {e.seconds:g} s: clips and "
                                                             f"storylines chosen again"])


def _variant(plan: dict, e: Edit) -> Revision:
    n = len(plan["variants"])
    if not 1 <= e.variant <= n:
        raise UsageError(f"variant {e.variant}: the plan has variants 1 to {n}")
    if e.variant - 1 == plan["chosen"]:
        return Revision(plan, notes=[f"variant {e.variant} is already the chosen one: nothing to do"])
    old = plan["variants"][plan["chosen"]]["storyline"]
    plan["chosen"] = e.variant - 1
    plan["narration"] = None
    new = plan["variants"][plan["chosen"]]["storyline"]
    return Revision(plan, {"narrate", "render"} if _voiced(plan) else {"render"},
                    [f"storyline {old} -> variant {e.variant}: {new}"])


def _rebalanced(plan: dict) -> None:
    """The chosen variant's slot lengths adding up to the ad's length again (arrange's balancing)."""
    v = plan["variants"][plan["chosen"]]
    live = variant_from_dict(v)
    kind = "speech" if plan["audio"] == "original" else "pictures"
    kept = _balance(live.slots, float(plan["spec"]["duration"]), kind)
    if len(kept) != len(live.slots) and plan.get("narration"):  # speech slots dropped: no lines in that mode
        plan["narration"] = None
    live.slots = kept
    v["slots"] = variant_dict(live)["slots"]


def _drop(plan: dict, e: Edit) -> Revision:
    k = _slot_index(plan, e.slot)
    slots = plan["variants"][plan["chosen"]]["slots"]
    if len(slots) == 1:
        raise UsageError("the ad has one slot left: it cannot be dropped")
    gone = slots.pop(k)
    if plan.get("narration"):
        plan["narration"].pop(k)
    _renumber(plan)
    _rebalanced(plan)
    _renumber(plan)
    clip = gone.get("clip") or {}
    where = f" ({mmss(clip['start'])}-{mmss(clip['end'])})" if clip else ""
    return Revision(plan, {"render"}, [f"slot {e.slot}{where} dropped; the other {len(slots)} share its "
                                       f"{gone['seconds']:.1f} s"])


def _move(plan: dict, e: Edit) -> Revision:
    k = _slot_index(plan, e.slot)
    to = _slot_index(plan, e.position, "position")
    if k == to:
        return Revision(plan, notes=[f"slot {e.slot} is already at position {e.position}: nothing to do"])
    slots = plan["variants"][plan["chosen"]]["slots"]
    slots.insert(to, slots.pop(k))
    if plan.get("narration"):
        plan["narration"].insert(to, plan["narration"].pop(k))
    _renumber(plan)
    return Revision(plan, {"render"}, [f"slot {e.slot} moved to position {e.position}"])


def _line(plan: dict, e: Edit, facts: ProductFacts | None, embedder=None) -> Revision:
    from tools.guard.factguard import FactGuard

    if not _voiced(plan):
        raise UsageError("this ad has no narration (the presenter's own speech): turn the voice-over on first "
                         "(kind voice, on true)")
    if facts is None:
        raise UsageError("the plan's fact sheet is not known: a new line cannot be checked against it")
    k = _slot_index(plan, e.slot)
    if not plan.get("narration"):
        raise UsageError("the plan has no narration yet: write it first (write_narration), then change a line")
    guard = FactGuard(facts.product, {f: list(v) for f, v in facts.facts.items()}, embedder=embedder,
                      aliases=list(facts.aliases))
    text = " ".join(e.text.split())
    report = guard.check(text)
    notes = []
    if not report.ok:
        fixed = guard.repair(text)
        problems = report.feedback(plan["language"])
        if not fixed.strip():
            raise UsageError(f"line refused: nothing in it is supported by the facts ({problems})")
        notes.append(f"the fact guard changed the line ({problems}): {fixed!r}")
        text = fixed
    line = plan["narration"][k]
    old = line["text"]
    line.update(text=text, raw=e.text, flags=[p for c in report.unsupported for p in c.problems]
                + [f"risk word: {w}" for w in report.risk_words], edited=True)
    return Revision(plan, {"render"}, [f"slot {e.slot}: line {old!r} -> {text!r}", *notes])


def _tone(plan: dict, e: Edit) -> Revision:
    old = plan["spec"].get("tone", "")
    plan["spec"]["tone"] = e.text.strip()
    redo = {"render"}
    if _voiced(plan):
        plan["narration"] = None
        redo.add("narrate")
    return Revision(plan, redo, [f"tone {old!r} -> {e.text.strip()!r}"])


def _aspect(plan: dict, e: Edit) -> Revision:
    old = plan["spec"]["aspect"]
    if old == e.aspect:
        return Revision(plan, notes=[f"the ad is already {old}: nothing to do"])
    plan["spec"]["aspect"] = e.aspect
    w, h = RESOLUTIONS[e.aspect]
    return Revision(plan, {"render"}, [f"aspect {old} -> {e.aspect} ({w}x{h})"])


def _music(plan: dict, e: Edit) -> Revision:
    spec = plan["spec"]
    if bool(spec.get("music")) == e.on:
        return Revision(plan, notes=[f"music is already {'on' if e.on else 'off'}: nothing to do"])
    spec["music"] = e.on
    if e.on and not spec.get("music_path"):
        return Revision(plan, notes=["music on, but no music file was given when the ad was planned: "
                                     "nothing to play, nothing rendered"])
    return Revision(plan, {"render"}, [f"music {'on' if e.on else 'off'}"])


def _voice(plan: dict, e: Edit) -> Revision:
    if _voiced(plan) == e.on:
        return Revision(plan, notes=[f"the voice-over is already {'on' if e.on else 'off'}: nothing to do"])
    if e.on and plan["language"] == "zh":
        raise UsageError("no Mandarin voice exists offline: the ad keeps the presenter's speech")
    old = plan["audio"]
    plan["audio"] = plan["spec"]["audio"] = "voiceover" if e.on else "original"
    plan["narration"] = None
    shown = "pictures under a voice-over" if e.on else "the presenter's whole sentences"
    return Revision(plan, {"arrange", "narrate", "render"},
                    [f"audio {old} -> {plan['audio']}: clips chosen again for {shown}"])


_EDITS: dict[str, Callable[[dict, Edit], Revision]] = {
    "duration": _duration, "variant": _variant, "drop_clip": _drop, "move_clip": _move, "tone": _tone,
    "aspect": _aspect, "music": _music, "voice": _voice,
}


def apply_edit(plan: dict, edit: Edit, facts: ProductFacts | None = None, embedder=None) -> Revision:
    """``edit`` applied to a copy of ``plan`` (the dict of ``plan.json``): no model, no media.

    ``facts``: the product's sheet (a ``line`` edit is checked against it; ``embedder`` scores its
    general claims, None skips that). ``replace_clip`` needs the stream: see :func:`replace_clip`.

    Raises:
        UsageError: an edit this plan cannot take (a slot it does not have, a line with nothing
            supported left...), in one line."""
    plan = copy.deepcopy(plan)
    if edit.kind == "line":
        rev = _line(plan, edit, facts, embedder)
    elif edit.kind == "replace_clip":
        raise UsageError("replace_clip needs the stream's analysis: use revise()")
    else:
        rev = _EDITS[edit.kind](plan, edit)
    rev.plan.setdefault("edits", [])
    rev.plan["edits"] = [*rev.plan["edits"], {**edit.model_dump(exclude_none=True), "notes": rev.notes}]
    return rev


# ------------------------------------------------------------------ replacing a clip (needs the stream)


def replace_clip(plan: dict, edit: Edit, live: Planned) -> Revision:
    """The ``replace_clip`` edit: slot ``edit.slot`` of the chosen variant shows other footage of the stream
    (see the module doc); ``live`` is the plan loaded (:func:`~tools.production.stages.load_plan`)."""
    plan = copy.deepcopy(plan)
    k = _slot_index(plan, edit.slot)
    refresh(live, plan)
    variant = live.plans[plan["chosen"]]
    slot = variant.slots[k]
    others = [s.moment for i, s in enumerate(variant.slots) if i != k and s.moment is not None]
    if edit.clip_id is not None:
        new, how = _from_clip(live, edit.clip_id), f"clip {edit.clip_id}"
    else:
        pool = moments(live.analysis, live.report.highlights, live.segment, live.kind,
                       max_seconds=max(6.0, live.spec.duration / 2))
        free = [m for m in pool if not any(m.overlaps(o) for o in others)]
        if edit.start is not None:
            free = [m for m in free if slot.moment is None or abs(m.start - slot.moment.start) > 0.05]
            new = min(free, key=lambda m: (abs(m.start - edit.start), -_duration_fit(slot.duration, m)), default=None)
            how = f"the footage nearest {mmss(edit.start)}"
        else:
            free = [m for m in free if slot.moment is None or not m.overlaps(slot.moment)]
            new = max(free, key=lambda m: _slot_score(slot.tags, slot.duration, m), default=None)
            how = "the next best footage for the slot"
        if new is None:
            raise UsageError(f"slot {edit.slot}: no other footage of the segment is free to show")
    old = slot.moment
    slot.moment = new
    slot.parts = {"tags": round(_tag_fit(slot.tags, new), 3), "highlight": round(new.highlight, 3),
                  "duration": round(_duration_fit(slot.duration, new), 3)}
    slot.reasons = [f"replaced on request: {how}", f"{new.duration:.1f} s of {new.kind} for a "
                                                   f"{slot.duration:.1f} s slot"]
    v = plan["variants"][plan["chosen"]]
    v["slots"] = variant_dict(variant)["slots"]
    _rebalanced(plan)
    _renumber(plan)
    was = f"{mmss(old.start)}-{mmss(old.end)}" if old is not None else "nothing"
    rev = Revision(plan, {"render"}, [f"slot {edit.slot}: {was} -> {mmss(new.start)}-{mmss(new.end)} ({how})"])
    rev.plan["edits"] = [*rev.plan.get("edits", []), {**edit.model_dump(exclude_none=True), "notes": rev.notes}]
    return rev


def _slot_score(tags: list[str], seconds: float, m: Moment) -> float:
    from tools.production.arrange import SLOT_WEIGHTS

    fit = _duration_fit(seconds, m)
    if (m.kind == "speech" and fit <= 0) or (m.kind == "pictures" and fit < 0.5):
        return -1.0 + fit  # usable only when nothing else is
    return SLOT_WEIGHTS["tags"] * _tag_fit(tags, m) + SLOT_WEIGHTS["highlight"] * m.highlight \
        + SLOT_WEIGHTS["duration"] * fit


def _from_clip(live: Planned, clip_id: str) -> Moment:
    clip = next((c for c in live.analysis.clips if c.id == clip_id), None)
    if clip is None:
        raise UsageError(f"no clip {clip_id!r} in {Path(live.analysis.video.path).name} "
                         f"(search_clips lists the clips of a video)")
    sents = [s for s in live.analysis.sentences if s.index in clip.sentences]
    if live.kind == "speech" and not sents:
        raise UsageError(f"clip {clip_id!r} has no speech: this ad plays the presenter's words")
    hl = max((live.report.highlights[i]["score"] for i in clip.shots if i < len(live.report.highlights)),
             default=0.0)
    return Moment(clip.start, clip.end, live.kind, clip.text, dict(clip.tags), hl, list(clip.shots),
                  list(clip.sentences), speech_end=sents[-1].end if sents and live.kind == "speech" else None)


# ------------------------------------------------------------------ the whole revision


def revise(plan: dict, edit: Edit, out_dir: str | Path, settings: Settings, catalog, *,
           facts_paths: Sequence[str | Path] = (), llm=None, draft: bool = False,
           progress: Callable[[str], None] | None = None) -> Staged:
    """Apply ``edit`` to ``plan`` and rerun what it needs (see the module doc): the next revision's
    files in ``out_dir``. An edit that changes nothing returns the plan as it was, with a note."""
    say = progress or (lambda msg: None)
    paths = plan.get("facts") or list(facts_paths)
    live = None
    if edit.kind == "replace_clip":
        live = load_plan(plan, settings, catalog, facts_paths=paths, say=say)
        rev = replace_clip(plan, edit, live)
    else:
        rev = apply_edit(plan, edit, _product_facts(plan, paths), _embedder(settings) if edit.kind == "line" else None)
    if not rev.redo:
        return Staged(plan, notes=rev.notes)
    new = rev.plan
    new["facts"] = [str(Path(f).resolve()) for f in paths]
    new["revision"] = int(plan.get("revision") or 0) + (1 if plan.get("rendered") else 0)  # a new version
    live = refresh(live, new) if live is not None else load_plan(new, settings, catalog, say=say)
    if "arrange" in rev.redo:
        arrange_variants(live, settings, catalog, llm, say)
        new["variants"], new["chosen"], new["narration"] = [variant_dict(v) for v in live.plans], 0, None
        live = refresh(live, new)
    done = render_stage(new, out_dir, settings, catalog, live=live, llm=llm, draft=draft, progress=say)
    later = [n for n in done.notes if not ("narrate" in rev.redo and n == NARRATED_FIRST)]
    return Staged(done.plan, done.files, [*rev.notes, *later], done.live)


def _product_facts(plan: dict, paths: Sequence[str | Path]) -> ProductFacts | None:
    if not paths:
        return None
    sheets = load_sheets(paths)
    product = (plan.get("segment") or {}).get("product")
    return next((f for f in sheets if f.product == product), sheets[0] if len(sheets) == 1 else None)


def _embedder(settings: Settings):
    from models.loaders import text_embedder

    return text_embedder(settings)
