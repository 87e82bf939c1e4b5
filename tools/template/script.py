"""``reelwright template script``: a shooting script for a product that has no footage yet.

From a template and the product's fact sheet: ``script.md`` (per slot: when, how long, the
shot to film: scale, camera motion, the transition in and what to show for the slot's script
label; the text on screen, the product's own words in the template's boxes; the narration
line) and ``storyboard.png`` (a panel per slot: the frame at the template's aspect with a
sketch of the framing, the motion as arrows, the text boxes where they will be, and the
slot's duration, text and line below).

The narration lines are written in the template's storyline by the narrator and checked by
the fact guard (``narrate=True``), or drafted from the fact plan's phrases without a model
(``narrate=False``: "Aurora: medium-dark roast, rich crema.").

    >>> res = write_script(template, facts, "out/script", settings)         # doctest: +SKIP
    >>> res.files["script"], res.files["storyboard"]                         # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from models.settings import Settings
from tools.core.schema import ProductFacts
from tools.template.model import Template

__all__ = ["ScriptSlot", "Script", "SHOW", "plan_script", "write_script", "draw_storyboard", "script_markdown"]

SHOW = {  # what to film for a script label
    "recommend": "the product presented: the pack in hand or on a clean surface",
    "pain_point": "the problem it solves: the moment before, the frustration",
    "purchase": "the product with its price and offer, ready to buy",
    "appearance": "the design: the product turned slowly, its shape and finish",
    "material": "the texture, ingredients or material, very close",
    "trial": "someone using the product, hands and face",
    "efficacy": "the result after use",
    "quality": "a feature in detail, the product doing what it promises",
    "authentication": "labels, certificates, the real thing up close",
    "safety": "certification marks and test labels",
    "production": "how it is made or packed",
    "general": "the product in its everyday setting",
}
MOTION = {"static": "locked-off (tripod)", "pan": "slow pan", "tilt": "slow tilt", "zoom": "slow push-in"}
TRANSITION = {"cut": "cut", "dissolve": "dissolve", "fade": "fade through black", "slide": "slide"}


@dataclass
class ScriptSlot:
    index: int
    start: float
    seconds: float
    labels: list[str]
    scale: str
    motion: str
    transition: str
    show: str
    texts: list[dict] = field(default_factory=list)  # role, text, box (x, y, w, h fractions), colours
    line: str = ""


@dataclass
class Script:
    template: str
    product: str
    language: str
    aspect: str
    seconds: float
    slots: list[ScriptSlot]
    notes: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)


def _language(facts: ProductFacts, language: str | None) -> str:
    if language:
        return language
    text = facts.product + "".join(p for ps in facts.facts.values() for p in ps)
    return "zh" if re.search(r"[\u3400-\u9fff]", text) else "en"


def plan_script(template: Template, facts: ProductFacts, seconds: float | None = None,
                language: str | None = None) -> Script:
    """The script's slots (no narration yet): timing, shot, what to show, the text boxes filled."""
    from tools.narration.names import short_name
    from tools.template.fill import boundaries, nearest_aspect, slot_labels
    from tools.template.fill_music import scaled_durations
    from tools.template.fill_text import fill_overlays, time_map

    lang = _language(facts, language)
    durations = scaled_durations(template, seconds)
    edges, _ = boundaries(template, durations)
    aspect = nearest_aspect(template.source.aspect, template.source.width, template.source.height)
    w, h = (1080, 1920) if aspect == "9:16" else (1080, 1080) if aspect == "1:1" else (1920, 1080)
    boxes, left_out = fill_overlays(template, facts, short_name(facts.product, facts.aliases, lang),
                                    time_map(template, edges), (w, h), lang)
    labels = slot_labels(template)
    slots = []
    for k, s in enumerate(template.slots):
        a, b = edges[k], edges[k + 1]
        texts = [{"role": x.role, "text": x.text, "box": [round(x.x, 3), round(x.y, 3), round(x.w, 3), round(x.h, 3)],
                  "color": x.color, "background": x.background, "start": x.start, "end": x.end}
                 for x in boxes if x.start < b - 0.05 and x.end > a + 0.05]
        slots.append(ScriptSlot(k + 1, round(a, 3), round(b - a, 3), s.labels or [labels[k]], s.scale, s.motion,
                                s.transition_in, SHOW.get(labels[k], SHOW["general"]), texts))
    return Script(template.name, facts.product, lang, aspect, round(sum(durations), 3), slots,
                  notes=[f"text box left out: {x}" for x in left_out])


def _lines(script: Script, template: Template, facts: ProductFacts, settings: Settings, llm) -> list[str]:
    """One guarded line per slot from the narrator, in the template's storyline."""
    from models.llm import get_chat_model
    from models.loaders import text_embedder
    from tools.core.labels import get_label
    from tools.guard.factguard import FactGuard
    from tools.narration.narrate import ExampleBank, narrate
    from tools.narration.storyline import Slot, Storyline, budget_for_duration

    n = len(script.slots)
    slots = [Slot(index=s.index, labels=[get_label(s.labels[0]).zh],
                  budget=budget_for_duration(max(1.0, s.seconds - 0.4), script.language)[0],
                  unit=budget_for_duration(1.0, script.language)[1], position=k / max(1, n - 1), duration=s.seconds)
             for k, s in enumerate(script.slots)]
    story = Storyline(slots=slots, source=f"template:{template.name}", language=script.language)
    guard = FactGuard(facts.product, facts.facts, embedder=text_embedder(settings))
    chat = llm or get_chat_model(settings, temperature=0.7, max_tokens=160)
    examples = ExampleBank.english() if script.language == "en" else None
    out = narrate(facts, story, llm=chat, guard=guard, examples=examples, candidates=2, stretch=1.3)
    return [s.text for s in out.slots]


def _draft_lines(script: Script, facts: ProductFacts) -> list[str]:
    """Lines drafted from the fact plan's phrases (no model): the short name and the slot's facts."""
    from tools.core.labels import get_label
    from tools.narration.factplan import plan_facts
    from tools.narration.names import short_name
    from tools.narration.narrate import draft_line
    from tools.narration.storyline import Slot, Storyline, budget_for_duration

    slots = [Slot(index=s.index, labels=[get_label(s.labels[0]).zh],
                  budget=budget_for_duration(max(1.0, s.seconds - 0.4), script.language)[0],
                  unit=budget_for_duration(1.0, script.language)[1], duration=s.seconds) for s in script.slots]
    picks = plan_facts(Storyline(slots=slots, language=script.language), facts.facts, facts.product)
    name = short_name(facts.product, facts.aliases, script.language)
    return [draft_line(name, [f.phrase for f in p][:2], script.language) for p in picks]


def script_markdown(script: Script) -> str:
    """``script.md``: the header and a section per slot."""
    from tools.core.labels import get_label

    out = [f"# Shooting script: {script.product}", "",
           f"Template **{script.template}**, {script.seconds:.1f} s, {script.aspect}, {len(script.slots)} shots.", ""]
    for s in script.slots:
        label = get_label(s.labels[0]).name(script.language)
        out += [f"## Shot {s.index}: {_mmss(s.start)}-{_mmss(s.start + s.seconds)} ({s.seconds:.1f} s), {label}", "",
                f"- **Shot**: {s.scale}, {MOTION.get(s.motion, s.motion)}; in by {TRANSITION.get(s.transition, s.transition)}",
                f"- **Show**: {s.show}"]
        for t in s.texts:
            x, y, _, _ = t["box"]
            out.append(f"- **On screen** ({t['role'].replace('_', ' ')}, at {x:.0%} across, {y:.0%} down, "
                       f"{_mmss(t['start'])}-{_mmss(t['end'])}): \"{t['text']}\"")
        if not s.texts:
            out.append("- **On screen**: nothing but the subtitles")
        out += [f"- **Narration**: \"{s.line}\"" if s.line else "- **Narration**: none", ""]
    if script.notes:
        out += ["## Notes", "", *[f"- {n}" for n in script.notes], ""]
    out.append("The storyboard: `storyboard.png`.")
    return "\n".join(out) + "\n"


def _mmss(t: float) -> str:
    return f"{int(t // 60)}:{t % 60:04.1f}"


def write_script(template: Template, facts: ProductFacts, out_dir: str | Path, settings: Settings, *,
                 seconds: float | None = None, language: str | None = None, narrate: bool = True,
                 llm=None) -> Script:
    """Write ``script.md`` and ``storyboard.png`` into ``out_dir`` (see the module doc)."""
    from tools.core.files import write_atomic
    from tools.template.script_board import draw_storyboard as _draw

    script = plan_script(template, facts, seconds, language)
    spoken = [s for s, t in zip(script.slots, template.slots, strict=True) if t.narration_share > 0 or t.line]
    if not spoken and template.audio.voice == "none":
        script.notes.append("the reference has no voice: no narration (the text on screen carries the ad)")
    else:
        part = Script(**{**script.__dict__, "slots": spoken or script.slots, "notes": [], "files": {}})
        lines = _lines(part, template, facts, settings, llm) if narrate else _draft_lines(part, facts)
        for s, line in zip(part.slots, lines, strict=True):
            s.line = line
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    script.files["script"] = write_atomic(out / "script.md", script_markdown(script).encode("utf-8"), mode=0o644)
    script.files["storyboard"] = _draw(script, out / "storyboard.png")
    return script


def draw_storyboard(script: Script, path: str | Path) -> Path:
    """``storyboard.png`` of ``script`` (see :mod:`tools.template.script_board`)."""
    from tools.template.script_board import draw_storyboard as _draw

    return _draw(script, path)
