"""The tools that make: plan an ad, write its narration, render it, the whole recipe, and revise it.

Each ad lives in its own folder of the session's working folder (``ad1``, ``ad2``... or the
``name`` given); its ``plan.json`` is the state the tools share (see
:mod:`tools.production.stages`), so they can be called one by one, in any order: a tool whose
input is missing runs the missing step first and says so in ``notes``. Every result lists
the files it wrote (absolute paths).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tools.api.context import ad_folder, as_result, current_workspace, plan_file, readable, say

__all__ = ["plan_ad", "write_narration", "render_ad", "make_ad", "revise_ad", "AdResult"]

Aspect = Literal["9:16", "1:1", "16:9"]
Audio = Literal["original", "voiceover", "both"]
EditKind = Literal["duration", "variant", "drop_clip", "replace_clip", "move_clip", "line", "tone", "aspect",
                   "music", "voice"]


class AdResult(BaseModel):
    """What a production tool reports: the plan, the chosen storyline's slots, the narration and files."""

    plan: str = Field(description="the ad's plan.json (pass it to the next tool as plan_path)")
    product: str | None = None
    duration: float
    aspect: str
    audio: str
    language: str
    variants: list[dict] = Field(description="the ranked storyline variants: variant (1 = best), storyline, score")
    chosen: int = Field(description="the variant the ad uses (1 = best)")
    slots: list[dict] = Field(description="the chosen variant's slots: slot, tags, seconds, clip (stream time)")
    narration: list[dict] = Field(default_factory=list, description="per slot: slot, text, facts, flags")
    video: str | None = Field(None, description="the rendered ad.mp4, once rendered")
    revision: int = 0
    files: list[str] = Field(default_factory=list, description="absolute paths of the files written")
    notes: list[str] = Field(default_factory=list, description="steps run first, what changed")


def _result(plan: dict, path: Path, files: dict | None = None, notes: list[str] | None = None,
            saved: bool = True) -> dict:
    """The tool's answer; ``files``: what the stage wrote, and ``path`` (the plan) when ``saved``."""
    from tools.production.stages import mmss

    v = plan["variants"][plan["chosen"]]
    rendered = plan.get("rendered") or []
    ad = rendered[0]["files"].get("ad") if rendered else None
    written = [str(Path(f).resolve()) for f in (files or {}).values()]
    return AdResult(
        plan=str(path), product=(plan.get("segment") or {}).get("product"), duration=plan["spec"]["duration"],
        aspect=plan["spec"]["aspect"], audio=plan["audio"], language=plan["language"],
        variants=[{"variant": k + 1, "storyline": x["storyline"], "score": x["score"]}
                  for k, x in enumerate(plan["variants"])],
        chosen=plan["chosen"] + 1,
        slots=[{"slot": s["index"], "tags": s["tags"][:2], "seconds": s["seconds"],
                "clip": f"{mmss(s['clip']['start'])}-{mmss(s['clip']['end'])}" if s.get("clip") else None}
               for s in v["slots"]],
        narration=[{"slot": n["slot"], "text": n["text"], "facts": n.get("facts", []), "flags": n.get("flags", [])}
                   for n in plan.get("narration") or []],
        video=str(path.parent / ad) if ad else None, revision=int(plan.get("revision") or 0),
        files=[*written, *([str(path)] if saved else [])], notes=notes or []).model_dump()


def _save(plan: dict, folder: Path) -> Path:
    from tools.production.stages import write_plan

    return write_plan(plan, folder)


def _stored(path: Path, catalog) -> dict:
    """The plan in ``path``, once the paths it names (stream, fact sheets, music) are in the workspace:
    a plan.json is data the tools read, not a way around the workspace."""
    from tools.production import stages

    plan = stages.read_plan(path)
    readable(plan["source"], catalog)
    for f in plan.get("facts") or []:
        readable(f)
    if plan["spec"].get("music_path"):
        readable(plan["spec"]["music_path"])
    return plan


def _inputs(stream: str, facts: list[str] | str, catalog) -> tuple[Path, list[Path]]:
    return readable(stream, catalog), [readable(f) for f in ([facts] if isinstance(facts, str) else facts or [])]


def _flags(duration, aspect, product, audio) -> dict:
    return {"duration": duration, "aspect": aspect, "product": product, "audio": audio}


@as_result
def plan_ad(stream: str, facts: list[str], brief: str = "", duration: float | None = None,
            aspect: Aspect | None = None, product: str | None = None, audio: Audio | None = None,
            name: str | None = None) -> dict:
    """Plan an ad without rendering it: the spec and the ranked storyline variants, each with a clip per slot.

    Analyses the video first when it is not analysed yet. Writes the ad's plan.json in a new folder.

    Args:
        stream: the live-stream video to cut the ad from.
        facts: paths of the fact sheets (JSON) of the products sold in the stream.
        brief: what to make, in the user's words, e.g. "15s beauty ad, energetic".
        duration: the ad's length in seconds (6 to 300); default: the brief's, else 15.
        aspect: "9:16" (vertical, default), "1:1" (square) or "16:9" (landscape).
        product: which product of the stream (default: the best covered one).
        audio: "original" (the presenter's own speech), "voiceover" (a new narration) or "both"; default: a voice-over when one can speak the stream's language.
        name: a folder name for this ad in the working folder (default: ad1, ad2, ...).
    """
    from indexes.catalog import Catalog
    from tools.production import stages

    ws = current_workspace()
    folder = ad_folder(name)
    with Catalog.open(ws.settings) as cat:
        video, sheets = _inputs(stream, facts, cat)
        done = stages.plan_stage(video, sheets, brief, ws.settings, cat, progress=say,
                                 **_flags(duration, aspect, product, audio))
    return _result(done.plan, _save(done.plan, folder), notes=done.notes)


@as_result
def write_narration(plan_path: str | None = None) -> dict:
    """Write the voice-over lines of a planned ad, one per slot, each checked against the fact sheet (no render).

    Args:
        plan_path: the ad's plan.json or its folder (default: this session's latest ad).
    """
    from indexes.catalog import Catalog
    from tools.production import stages

    ws = current_workspace()
    path = plan_file(plan_path)
    with Catalog.open(ws.settings) as cat:
        done = stages.narrate_stage(_stored(path, cat), ws.settings, cat, progress=say)
    return _result(done.plan, _save(done.plan, path.parent), notes=done.notes)


@as_result
def render_ad(plan_path: str | None = None, draft: bool = False) -> dict:
    """Render a planned ad to ad.mp4 with its cover, subtitles (SRT, ASS) and editor file (OTIO); writes the narration first if missing.

    Args:
        plan_path: the ad's plan.json or its folder (default: this session's latest ad).
        draft: a quicker, larger encode, to preview.
    """
    from indexes.catalog import Catalog
    from tools.production import stages

    ws = current_workspace()
    path = plan_file(plan_path)
    with Catalog.open(ws.settings) as cat:
        done = stages.render_stage(_stored(path, cat), path.parent, ws.settings, cat, draft=draft, progress=say)
    return _result(done.plan, _save(done.plan, path.parent), done.files, done.notes)


@as_result
def make_ad(stream: str, facts: list[str], brief: str = "", duration: float | None = None,
            aspect: Aspect | None = None, product: str | None = None, audio: Audio | None = None,
            name: str | None = None, template: str | None = None) -> dict:
    """Make a finished short ad from a live stream in one go: analyse (if needed), plan, narrate, render.

    Args:
        stream: the live-stream video to cut the ad from.
        facts: paths of the fact sheets (JSON) of the products sold in the stream.
        brief: what to make, in the user's words, e.g. "15s beauty ad, energetic".
        duration: the ad's length in seconds (6 to 300); default: the brief's, else 15.
        aspect: "9:16" (vertical, default), "1:1" (square) or "16:9" (landscape).
        product: which product of the stream (default: the best covered one).
        audio: "original" (the presenter's own speech), "voiceover" (a new narration) or "both"; default: a voice-over when one can speak the stream's language.
        name: a folder name for this ad in the working folder (default: ad1, ad2, ...).
        template: only when the user asks for the style of a reference: a template name (e.g. "hook_first_15") or the template JSON extract_template wrote; the ad follows its rhythm, transitions, text layout and storyline.
    """
    from indexes.catalog import Catalog
    from tools.production import stages

    ws = current_workspace()
    folder = ad_folder(name)
    if template:
        return _from_template(template, stream, facts, brief, folder, _flags(duration, aspect, product, audio))
    with Catalog.open(ws.settings) as cat:
        video, sheets = _inputs(stream, facts, cat)
        planned = stages.plan_stage(video, sheets, brief, ws.settings, cat, progress=say,
                                    **_flags(duration, aspect, product, audio))
        done = stages.render_stage(planned.plan, folder, ws.settings, cat, live=planned.live, progress=say)
    notes = [*planned.notes, *(n for n in done.notes if n != stages.NARRATED_FIRST)]
    return _result(done.plan, _save(done.plan, folder), done.files, notes)


def _from_template(template: str, stream: str, facts: list[str] | str, brief: str, folder: Path, flags: dict) -> dict:
    """make_ad with a template: the template filled with the stream's footage (tools.template.fill)."""
    from indexes.catalog import Catalog
    from tools.template.extract import extract_template
    from tools.template.fill import make_from_template
    from tools.template.library import load_template

    ws = current_workspace()
    name, notes = str(template).strip(), [f"template {template}"]
    with Catalog.open(ws.settings) as cat:
        video, sheets = _inputs(stream, facts, cat)
        if "/" in name or "." in name:  # a file: inside the workspace like any input
            path = readable(name, cat)
            if path.suffix.lower() == ".json":
                tpl = load_template(str(path), ws.settings)
            else:  # a reference ad: read its template first
                say(f"reading the style of {path.name}")
                tpl = extract_template(path, ws.settings, cat)
                notes = [f"read the template of {path.name} first (slots: {len(tpl.slots)})"]
        else:
            tpl = load_template(name, ws.settings)
        done = make_from_template(tpl, video, sheets, folder, ws.settings, cat, brief=brief, progress=say,
                                  **{k: v for k, v in flags.items() if v is not None})
    missing = [f"slot {s['index']}: {'; '.join(s['missing'])}" for s in done.plan.get("template", {}).get("slots", [])
               if s.get("missing")]
    path = folder / "plan.json"
    return _result(done.plan, path, done.files, [*notes, *missing], saved=False)


@as_result
def revise_ad(kind: EditKind, plan_path: str | None = None, seconds: float | None = None,
              variant: int | None = None, slot: int | None = None, position: int | None = None,
              start: float | None = None, text: str | None = None, aspect: Aspect | None = None,
              on: bool | None = None) -> dict:
    """Change a made ad and render it again: its length, storyline variant, a clip (drop, replace, move), a line, the tone, the aspect, music or voice-over on/off.

    Args:
        kind: the edit: "duration" (needs seconds), "variant" (needs variant), "drop_clip" (slot), "replace_clip" (slot; start picks the footage, else the next best), "move_clip" (slot, position), "line" (slot, text), "tone" (text), "aspect" (aspect), "music" (on), "voice" (on).
        plan_path: the ad's plan.json or its folder (default: this session's latest ad).
        seconds: for "duration": the new length in seconds (6 to 300).
        variant: for "variant": which ranked storyline variant to use (1 = best).
        slot: for "drop_clip", "replace_clip", "move_clip", "line": the slot, counted from 1.
        position: for "move_clip": the slot's new position, counted from 1.
        start: for "replace_clip": show the stream's footage starting nearest this time (seconds).
        text: for "line": the new line (checked against the facts); for "tone": the new tone, e.g. "calm".
        aspect: for "aspect": "9:16", "1:1" or "16:9".
        on: for "music" and "voice": true to turn it on, false to turn it off.
    """
    from indexes.catalog import Catalog
    from tools.production import revise

    ws = current_workspace()
    path = plan_file(plan_path)
    edit = revise.edit_from(kind=kind, seconds=seconds, variant=variant, slot=slot, position=position, start=start,
                            text=text, aspect=aspect, on=on)
    with Catalog.open(ws.settings) as cat:
        done = revise.revise(_stored(path, cat), edit, path.parent, ws.settings, cat, progress=say)
    if not done.files:  # nothing to redo: the plan stays as it was
        return _result(done.plan, path, notes=done.notes, saved=False)
    return _result(done.plan, _save(done.plan, path.parent), done.files, done.notes)
