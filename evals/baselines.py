"""Narration baselines, run on the same ads and storylines as the narrator.

(a) fact template: the slot's assigned fact phrases (the label's fields in sheet order,
    unused ones first) in a fixed frame, length-fitted.
(a') the same template over the narrator's learned fact plan (its picks, and its order
    for padding): what choosing the facts alone is worth, without the LLM's writing.
(b) retrieval: the real narration, from another product's ad, with the same label and
    the closest length (ties: the most similar product title), length-fitted.

Not a baseline but a yardstick: a real line from *another ad of the same product* (same
label, closest length), where the example file has one. It shows what fluent copy that
knows the product scores against these single references.
"""

from __future__ import annotations

from tools.core.labels import facts_for_label, get_label
from tools.core.schema import ProductFacts
from tools.narration.factplan import FactPlanModel, padding_order, plan_facts
from tools.narration.lengthfit import fit_length
from tools.narration.names import short_name
from tools.narration.narrate import assign_facts, draft_line
from tools.narration.storyline import Storyline

__all__ = ["template_baseline", "RetrievalBaseline", "SameProductLines"]

def template_baseline(facts: ProductFacts, storyline: Storyline, plan: FactPlanModel | None = None) -> list[str]:
    """Baseline (a); with ``plan``, (a'): the narrator's planned facts, padded in the plan's order."""
    lang = storyline.language
    name = short_name(facts.product, facts.aliases, lang)
    if plan is None:
        assignments = assign_facts(storyline, facts.facts)
    else:
        assignments = [[f.phrase for f in picks] for picks in plan_facts(storyline, facts.facts, facts.product,
                                                                         model=plan)]
    out = []
    for slot, assigned in zip(storyline.slots, assignments, strict=True):
        fillers = [p for lab in slot.labels for p in facts_for_label(facts.facts, lab)] if plan is None else \
            padding_order(slot, facts.facts, facts.product, assigned, model=plan)
        out.append(fit_length(draft_line(name, assigned, lang), slot.budget, slot.unit, fillers, lang, keep=assigned))
    return out


class RetrievalBaseline:
    """Nearest real narration of the same label from other products (records of the dev file's shape)."""

    def __init__(self, records: list[dict]):
        self.pool: dict[str, list[tuple[str, str]]] = {}
        for rec in records:
            for clip in rec["clips"]:
                if clip.get("narration"):
                    self.pool.setdefault(get_label(clip["labels"][0]).zh, []).append(
                        (rec["product"], clip["narration"]))

    def __call__(self, facts: ProductFacts, storyline: Storyline) -> list[str]:
        out = []
        for slot in storyline.slots:
            cands = [t for p, t in self.pool.get(get_label(slot.labels[0]).zh, []) if p != facts.product]
            if not cands:
                out.append(fit_length("", slot.budget, slot.unit, [], storyline.language))
                continue
            out.append(fit_length(_closest(cands, slot.budget), slot.budget, slot.unit, [], storyline.language))
        return out


class SameProductLines:
    """Real lines from other ads of the same product (records of the dev file's shape)."""

    def __init__(self, records: list[dict]):
        self.pool: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for rec in records:
            for clip in rec["clips"]:
                if clip.get("narration"):
                    self.pool.setdefault((rec["product"], get_label(clip["labels"][0]).zh), []).append(
                        (_ad_key(rec), clip["narration"]))

    def __call__(self, record: dict, storyline: Storyline) -> list[str | None]:
        """Per slot, the closest-length line of the same label from another ad; None where there is none."""
        own = _ad_key(record)
        out: list[str | None] = []
        for slot in storyline.slots:
            cands = [t for ad, t in self.pool.get((record["product"], get_label(slot.labels[0]).zh), []) if ad != own]
            out.append(_closest(cands, slot.budget) if cands else None)
        return out


def _closest(lines: list[str], budget: tuple[int, int]) -> str:
    """The line nearest the middle of ``budget`` in length (ties: the first in text order)."""
    target = sum(budget) / 2
    return min(lines, key=lambda t: (abs(len(t) - target), t))


def _ad_key(record: dict) -> str:
    return str(record.get("id") or "|".join(c.get("narration", "") for c in record["clips"]))
