"""VideoNarrator on a CPU: one grounded narration per storyline slot.

Two narrators share this entry point (``narrate(..., narrator=...)``): "sentences", the default
(issue 25, ``tools.narration.sentences``: lines a presenter would say, selling points woven
into one sentence, the ad's memory across slots), and "facts-v1", the previous one, described
below and kept as a baseline.

For each slot the learned fact plan (``tools.narration.factplan``) chooses the fact phrases to say
(likely and telling ones; none when real ads would say none) and the order of the others.
The LLM gets the product's short name and, in Chinese, its full title (what the product is: a
"KUB可优比" line without "婴儿凉席" had the model selling a toy; the English prompt keeps the
name alone, the demo voice-over read worse with the title), the slot's script label and
definition, those phrases in a plain fact draft,
what the clip shows, its position, its length budget and the previous line as memory, and
turns the draft into a spoken line; before it, a worked example of the same label and
length from another product (its fact draft -> its real line; in English, lines written for
invented products, ``tools/data/examples_en.json``: ``ExampleBank.english()``). Where the server takes
grammars (llama.cpp), a Chinese line is written under ``tools.narration.linegrammar``: the planned
phrases verbatim and in order, the model's own words around them, no digits of its own.
Every line goes
through the fact guard (unsupported numbers, terms and risk words get one regeneration
with the guard's feedback, then are removed) and into its length budget (whole clauses
kept, the plan's next fact phrases appended when short). With a ``LineScorer`` each slot is sampled
more than once and the line real ads' wording favours is kept (``tools.narration.linescore``).
``mode="ad"`` instead writes the whole ad in one JSON-schema call (for strong remote models).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from types import SimpleNamespace
from typing import Literal

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from prompts import render
from tools.core.labels import facts_for_label, get_label
from tools.core.schema import ProductFacts
from tools.core.text import split_clauses, tokens
from tools.guard.factguard import FactGuard, GuardReport, sanitize_facts
from tools.guard.injection import (
    FACTS,
    SELLING_POINTS,
    data_label,
    is_instruction,
    quote_data,
    quote_inline,
)
from tools.narration.context import context_block
from tools.narration.factplan import FactPlanModel, padding_order, plan_applies, plan_facts
from tools.narration.lengthfit import clean_line, clipped, fit_length, mentions
from tools.narration.linegrammar import LineGrammar, line_grammar
from tools.narration.linescore import LineScorer, SlotContext
from tools.narration.listlines import sheet_phrases
from tools.narration.names import short_name, untagged
from tools.narration.storyline import Slot, Storyline, text_length

__all__ = ["Candidate", "Demo", "ExampleBank", "SlotNarration", "Narration", "narrate", "short_name", "assign_facts",
           "draft_line"]


class Evidence(BaseModel):
    text: str
    facts: list[str] = Field(default_factory=list)


class Candidate(BaseModel):
    """One sampled line for a slot, as it would be said (guard-repaired, fitted), and its score."""

    text: str
    raw: str = Field("", description="the sample fitted to the budget, before the guard")
    score: float = 0.0
    guard_ok: bool = True
    repeats_earlier: bool = False
    clipped: bool = Field(False, description="fitting cut the sample inside a clause")
    temperature: float = 0.2


class SlotNarration(BaseModel):
    index: int
    labels: list[str]
    text: str = Field(description="the final, guarded, length-fitted line")
    raw: str = Field("", description="the model's line the narrator keeps without the guard (length-fitted; "
                     "among several samples, picked without the guard's verdict)")
    budget: tuple[int, int]
    unit: str
    facts: list[str] = Field(default_factory=list, description="fact phrases assigned to the slot")
    sentences: list[Evidence] = Field(default_factory=list, description="each clause with its supporting facts")
    flags: list[str] = Field(default_factory=list, description="what the guard found in the raw line")
    attempts: int = 1
    source: Literal["llm", "fallback"] = "llm"
    candidates: list[Candidate] = Field(default_factory=list, description="the sampled lines the line was "
                                        "chosen from (empty when only one was sampled)")

    @property
    def fits(self) -> bool:
        return self.budget[0] <= text_length(self.text, self.unit) <= self.budget[1]


class Narration(BaseModel):
    product: str
    language: str
    slots: list[SlotNarration]
    storyline: str = "given"
    model: str = ""
    seconds: float = 0.0
    dropped_facts: list[str] = Field(default_factory=list, description="instruction-like 'facts' ignored")

    @property
    def text(self) -> str:
        return ("" if self.language == "zh" else " ").join(s.text for s in self.slots)


# ------------------------------------------------------------------ helpers


def assign_facts(storyline: Storyline, facts: dict[str, list[str]], per_slot: int = 2) -> list[list[str]]:
    """Fact phrases per slot: relevant to its label, unused ones first, so the ad covers the sheet."""
    used: set[str] = set()
    out = []
    for slot in storyline.slots:
        relevant = [p for lab in slot.labels for p in facts_for_label(facts, lab)]
        fresh = [p for p in relevant if p not in used]
        pick = (fresh or relevant)[:per_slot]
        used.update(pick)
        out.append(pick)
    return out


_DRAFT = {"zh": ("这款{name}，{facts}。", "，", "真的值得入手"), "en": ("This {name}: {facts}.", ", ", "worth a try")}


def draft_line(name: str, facts: list[str], language: str = "zh") -> str:
    """The plain fact sentence a slot starts from (also baseline a, the fact template)."""
    frame, sep, empty = _DRAFT[language]
    return frame.format(name=name, facts=sep.join(facts) or empty)


@dataclass(frozen=True)
class Demo:
    product: str
    label: str
    facts: list[str]
    narration: str


class ExampleBank:
    """Real narrations (E-SyncVidStory records) used as worked examples: fact draft -> real line.

    ``language`` sets how a line's length is counted (characters in Chinese, words otherwise)."""

    def __init__(self, records: list[dict], language: str = "zh"):
        self.demos: dict[str, list[Demo]] = {}
        self.unit = "chars" if language == "zh" else "words"
        for rec in records:
            phrases = [p for ps in rec["facts"].values() for p in ps if len(p) >= 2]
            name = short_name(rec["product"], language=language)
            for clip in rec["clips"]:
                text = clip.get("narration", "")
                if not text:
                    continue
                used = _said(phrases, text)[:3]
                label = get_label(clip["labels"][0]).zh
                self.demos.setdefault(label, []).append(Demo(rec["product"], label, used,
                                                             text.replace(rec["product"], name)))

    @classmethod
    def english(cls) -> ExampleBank:
        """The shipped English examples: lines written for invented products (no real ad)."""
        data = json.loads((resources.files("tools") / "data" / "examples_en.json").read_text(encoding="utf-8"))
        return cls(data["records"], language="en")

    def pick(self, label: str, exclude_product: str, target: int, k: int = 1, seed: int = 0,
             n_facts: int | None = None) -> list[Demo]:
        """``k`` demos of ``label`` from other products, of about ``target`` characters; with
        ``n_facts``, those whose draft holds fact phrases when the slot has some (and none when
        it has none) first, then those holding as many (one, two or more): the example shows
        how to carry them.

        Any other product, not the most similar: a similar product's line leaks its own
        claims ("修复角质层" from another serum) that then read as plausible here.
        """
        slack = 6 if self.unit == "chars" else 3
        pool = [d for d in self.demos.get(get_label(label).zh, []) if d.product != exclude_product
                and abs(text_length(d.narration, self.unit) - target) <= slack]
        random.Random(seed).shuffle(pool)
        if n_facts is not None:
            pool.sort(key=lambda d: ((not d.facts) != (not n_facts), abs(min(len(d.facts), 2) - min(n_facts, 2))))
        return pool[:k]


def _said(phrases: list[str], text: str) -> list[str]:
    """The phrases ``text`` says, in the order it says them, none inside another one said."""
    low = text.lower()
    found = sorted({p for p in phrases if p.lower() in low}, key=lambda p: (low.find(p.lower()), -len(p)))
    out: list[str] = []
    for p in found:
        if not any(p in q for q in out):
            out.append(p)
    return out


def _kept(phrases: list[str], said: str, fitted: str, unit: str) -> int:
    """How many of ``phrases`` the model ``said`` and its ``fitted`` line still says (a phrase the
    fitting appended, or trimmed away, does not count)."""
    own = clean_line(said)
    return sum(mentions(p, own, unit) and mentions(p, fitted, unit) for p in phrases)


def _copies(line: str, previous: list[str]) -> bool:
    """Whether ``line`` nearly copies one of the ``previous`` lines."""
    return bool(previous) and max(_similar(line, p) for p in previous) > 0.7


def _similar(a: str, b: str) -> float:
    """Overlap of two lines: character trigrams in Chinese, word pairs in English (letter
    trigrams like "the" and "set" are in every English line)."""
    if re.search(r"[\u4e00-\u9fff]", a + b):
        grams = lambda s: {s[i:i + 3] for i in range(max(1, len(s) - 2))}  # noqa: E731
        x, y = grams(re.sub(r"\W", "", a)), grams(re.sub(r"\W", "", b))
    else:
        pairs = lambda s: set(zip(w := re.findall(r"\w+", s.lower()), w[1:], strict=False))  # noqa: E731
        x, y = pairs(a), pairs(b)
    return len(x & y) / max(1, min(len(x), len(y)))


# ------------------------------------------------------------------ narrator


@dataclass
class _Job:
    facts: ProductFacts
    storyline: Storyline
    llm: object
    guard: FactGuard | None
    examples: ExampleBank | None
    brief: str
    max_retries: int
    name: str
    clean_facts: dict[str, list[str]]
    fact_model: FactPlanModel
    facts_by: str = "plan"
    constrained: bool = False
    scorer: LineScorer | None = None
    candidates: int = 1
    stretch: float = 1.0
    reads_as: Callable[[str, list[str]], bool] | None = None  # whether a line reads as the slot's labels
    redraws: int = 1  # further samples when none is clean ('sentences')
    reserved: set[str] = field(default_factory=set)  # the fact phrases planned for some slot
    sheet_phrases: list[str] = field(default_factory=list)  # every phrase of the sheet (list-line checks)


def _label_text(labels: list[str], lang: str) -> str:
    return "、".join(labels) if lang == "zh" else ", ".join(get_label(x).en for x in labels)


def _request(job: _Job, slot: Slot, product: str, facts: list[str], lo: int, hi: int, previous: str = "",
             context: str = "", title: str = "") -> str:
    lang = job.storyline.language
    lab = get_label(slot.labels[0])
    title = untagged(title)
    if title == product or is_instruction(title):  # a title is data too: never an instruction
        title = ""
    return render(f"narrate_slot_{lang}.j2", product=product, title=title,
                  labels=_label_text(slot.labels, lang),
                  definition=lab.definition if lang == "zh" else lab.definition_en,
                  facts_block=quote_inline(data_label(SELLING_POINTS, lang), facts, lang,
                                           none="无" if lang == "zh" else "none"),
                  context=context, previous=previous,
                  draft=draft_line(product, facts, lang), index=slot.index, total=len(job.storyline.slots),
                  lo=lo, hi=hi)


def _slot_messages(job: _Job, slot: Slot, assigned: list[str], previous: list[str]) -> list:
    """System rules, a worked example (same label, another product: fact draft -> real line), the request."""
    lang = job.storyline.language
    lo, hi = slot.budget
    msgs: list = [SystemMessage(render(f"narrate_system_{lang}.j2", brief=job.brief))]
    if job.examples is not None:
        for d in job.examples.pick(slot.labels[0], job.facts.product, (lo + hi) // 2, seed=slot.index,
                                   n_facts=len(assigned)):
            n = text_length(d.narration, slot.unit)
            msgs += [HumanMessage(_request(job, slot, short_name(d.product, language=lang), d.facts, max(1, n - 3), n + 3,
                                           title=d.product)),
                     AIMessage(d.narration)]
    msgs.append(HumanMessage(_request(job, slot, job.name, assigned, lo, hi, previous[-1] if previous else "",
                                      context_block(slot.context, lang), title=job.facts.product)))
    return msgs


def _generate(job: _Job, msgs: list, slot: Slot, temperature: float, grammar: LineGrammar | None = None,
              sample: int = 0) -> str:
    """One line from the model; ``sample`` > 0 draws with another seed (the same prompt and
    temperature would otherwise give the same line)."""
    hi = slot.budget[1]
    if grammar is not None:
        limit = int(hi * 1.5) + 20  # forced phrases can tokenize worse than the model's own words
    else:
        limit = int(hi * 1.1) + 10 if slot.unit == "chars" else int(hi * 1.8) + 10
    extra = {} if grammar is None else {"grammar": grammar.gbnf}
    if sample:
        extra["seed"] = (getattr(job.llm, "seed", None) or 0) + sample
    reply = job.llm.invoke(msgs, stop=["\n"], max_tokens=limit, temperature=temperature, frequency_penalty=0.3,
                           **extra)
    text = clean_line(reply.text)
    return _without_repeats(grammar.trim(text) if grammar is not None else text)


def _without_repeats(text: str) -> str:
    """``text`` less clauses it already said (a small model loops: "快来抢哦，大家都知道吧，快来抢哦...")."""
    seen: set[str] = set()
    out = []
    for clause in split_clauses(text):
        key = re.sub(r"\W", "", clause)
        if key and key in seen:
            continue
        seen.add(key)
        out.append(clause)
    return "".join(out)


def _without_echo(text: str, instruction: str) -> str:
    """``text`` less the clauses that only repeat the instruction (a small model echoes "只用给出的卖点")."""
    told = re.sub(r"\W", "", instruction)
    return "".join(c for c in split_clauses(text) if not (len(w := re.sub(r"\W", "", c)) >= 4 and w in told))


def _evidence(job: _Job, text: str) -> list[Evidence]:
    if job.guard is None:
        return [Evidence(text=c) for c in split_clauses(text)]
    return [Evidence(text=c.text, facts=c.evidence) for c in job.guard.check(text).claims]


def _fillers(job: _Job, slot: Slot, assigned: list[str]) -> list[str]:
    """Fact phrases to pad a short line with; in English, none another slot will say (a
    voice-over that says "250 gsm matte art paper" twice in a row sounds broken; Chinese
    references do repeat facts, and the learned plan knows it)."""
    order = padding_order(slot, job.clean_facts, job.facts.product, assigned, model=job.fact_model,
                          by_label=job.facts_by == "label")
    if slot.unit == "words":
        order = [p for p in order if p in assigned or p not in job.reserved]
    return order


def _fit(job: _Job, slot: Slot, repaired: str, fillers: list[str], assigned: list[str], append_min: int) -> str:
    """A guard-repaired line fitted to the budget (the joins of appended fact phrases re-checked)."""
    lang = job.storyline.language
    final = fit_length(repaired, slot.budget, slot.unit, fillers, lang, keep=assigned, append_min=append_min,
                       stretch=job.stretch)
    if job.guard is not None and final != repaired:  # fillers are facts, but check the joins too
        final = fit_length(job.guard.repair(final), slot.budget, slot.unit, fillers, lang, keep=assigned,
                           append_min=append_min, stretch=job.stretch)
    return final


def _scoring_context(job: _Job, slot: Slot) -> SlotContext:
    ranked = job.fact_model.score(job.facts.product, job.clean_facts, slot.labels, slot.position, slot.budget) \
        if plan_applies(job.clean_facts) else []
    return SlotContext(labels=slot.labels, product=job.facts.product, name=job.name,
                       title_words=[w for w in tokens(untagged(job.facts.product)) if len(w) >= 2],
                       fact_p={f.phrase: f.p for f in ranked}, target_chars=sum(slot.budget) / 2)


def _candidates(job: _Job, slot: Slot, msgs: list, grammar: LineGrammar | None, previous: list[str],
                fillers: list[str], assigned: list[str], append_min: int
                ) -> tuple[str, GuardReport | None, str, list[Candidate], int]:
    """Sample the slot's line ``job.candidates`` times (the first at a low temperature, the others
    hotter with their own seeds; the prompt is the same, so a llama.cpp server decodes only the new
    line) and pick one: a line the guard passes before one it does not, a line that does not copy
    an earlier slot before one that does, a line fitted whole before one cut inside a clause,
    then the highest ``job.scorer`` score (without a scorer: the line saying more of the slot's
    fact phrases).

    Returns the chosen raw line and the guard's report on it, the line the same narrator would
    keep without the guard (picked on the unrepaired samples, fitted: baseline c), every
    candidate, and the number of calls."""
    lang = job.storyline.language
    temps = [0.2] + [0.8] * (job.candidates - 1)
    ctx = _scoring_context(job, slot) if job.scorer is not None else None
    pool: list[tuple[tuple, tuple, str, GuardReport | None, Candidate]] = []
    calls = 0
    for k, temperature in enumerate(temps):
        raw = _generate(job, msgs, slot, temperature=temperature, grammar=grammar, sample=k)
        calls += 1
        copies = _copies(raw, previous)
        if copies and len(temps) == 1:  # copying itself: once more, hotter
            raw = _generate(job, msgs, slot, temperature=0.8, grammar=grammar)
            calls += 1
            copies = _copies(raw, previous)
        unguarded = fit_length(raw, slot.budget, slot.unit, fillers, lang, keep=assigned, append_min=append_min,
                               stretch=job.stretch)
        report = job.guard.check(raw) if job.guard is not None else None
        ok = report is None or report.ok
        repaired = job.guard.repair(raw) if job.guard is not None else raw
        final = unguarded if job.guard is None else _fit(job, slot, repaired, fillers, assigned, append_min)
        score = job.scorer.score(final, ctx) if ctx is not None else 0.0
        raw_score = job.scorer.score(unguarded, ctx) if ctx is not None else 0.0
        cut, raw_cut = clipped(raw, final), clipped(raw, unguarded)
        # without a scorer, the line saying more of the slot's facts (the scorer weighs them itself)
        said = _kept(assigned, repaired, final, slot.unit) if ctx is None else 0
        raw_said = _kept(assigned, raw, unguarded, slot.unit) if ctx is None else 0
        pool.append(((ok, not copies, not cut, said, score, -k), (not copies, not raw_cut, raw_said, raw_score, -k),
                     raw, report,
                     Candidate(text=final, raw=unguarded, score=round(score, 5), guard_ok=ok, repeats_earlier=copies,
                               clipped=cut, temperature=temperature)))
    free = max(pool, key=lambda x: x[1])
    if ctx is None and len(temps) > 1 and assigned and (not any(x[0][3] for x in pool)
                                                        or all(x[4].repeats_earlier for x in pool)):
        pool.append(_fact_line(job, slot, assigned, fillers, append_min, previous))
    best = max(pool, key=lambda x: x[0])
    return best[2], best[3], free[4].raw, [x[4] for x in pool], calls


def _fact_line(job: _Job, slot: Slot, assigned: list[str], fillers: list[str], append_min: int,
               previous: list[str]) -> tuple[tuple, tuple, str, GuardReport | None, Candidate]:
    """The slot's fact phrases as a line of their own: the candidate kept when no sample says
    any of them (a buying slot that forgot its promotion, a feature slot gone vague) or every
    sample copies an earlier line."""
    sep = "，" if slot.unit == "chars" else ", "
    line = sep.join(assigned)
    line = line[:1].upper() + line[1:]
    report = job.guard.check(line) if job.guard is not None else None
    final = _fit(job, slot, job.guard.repair(line) if job.guard is not None else line, fillers, assigned,
                 append_min)
    said = _kept(assigned, line, final, slot.unit)
    copies = _copies(final, previous)
    return ((report is None or report.ok, not copies, True, said, 0.0, -99), (), line, report,
            Candidate(text=final, raw=final, guard_ok=report is None or report.ok, repeats_earlier=copies,
                      temperature=0.0))


def _narrate_slot(job: _Job, slot: Slot, assigned: list[str], previous: list[str]) -> SlotNarration:
    lang = job.storyline.language
    fillers = _fillers(job, slot, assigned)
    msgs = _slot_messages(job, slot, assigned, previous)
    grammar = line_grammar(assigned, slot.budget) if job.constrained else None
    append_min = 3 if job.facts_by == "plan" else 0
    raw, report, fitted_raw, candidates, attempts = _candidates(job, slot, msgs, grammar, previous, fillers,
                                                                assigned, append_min)
    flags: list[str] = []
    text = raw
    if job.guard is not None and report is not None:
        flags = [p for c in report.unsupported for p in c.problems] + [f"risk word: {w}" for w in report.risk_words]
        retries = 0
        while not report.ok and retries < job.max_retries:
            feedback = render(f"narrate_feedback_{lang}.j2", problems=report.feedback(lang), lo=slot.budget[0],
                              hi=slot.budget[1])
            text = _without_echo(_generate(job, [*msgs, AIMessage(text), HumanMessage(feedback)], slot,
                                           temperature=0.5, grammar=grammar), feedback)
            report = job.guard.check(text)
            retries += 1
            attempts += 1
    repaired = job.guard.repair(text) if job.guard is not None else text
    source = "llm" if repaired else "fallback"
    final = _fit(job, slot, repaired, fillers, assigned, append_min)
    return SlotNarration(index=slot.index, labels=slot.labels, text=final, raw=fitted_raw, budget=slot.budget,
                         unit=slot.unit, facts=assigned, sentences=_evidence(job, final), flags=flags,
                         attempts=attempts, source=source, candidates=candidates if len(candidates) > 1 else [])


def _narrate_ad(job: _Job) -> list[str]:
    """All lines in one JSON-schema call (mode="ad")."""
    lang = job.storyline.language
    n = len(job.storyline.slots)
    slots = [{"index": s.index, "labels": "、".join(s.labels), "lo": s.budget[0], "hi": s.budget[1],
              "context": context_block(s.context, lang, 60, 0)} for s in job.storyline.slots]
    schema = {"type": "object", "required": ["slots"], "properties": {"slots": {
        "type": "array", "minItems": n, "maxItems": n, "items": {
            "type": "object", "required": ["index", "text"],
            "properties": {"index": {"type": "integer"}, "text": {"type": "string", "maxLength": 120}}}}}}
    prompt = [SystemMessage(render(f"narrate_system_{lang}.j2", brief=job.brief)),
              HumanMessage(render(f"narrate_ad_{lang}.j2", product=job.name, slots=slots, brief=job.brief,
                                  facts_block=quote_data(data_label(FACTS, lang), [
                                      f"{field}: {'; '.join(phrases)}" for field, phrases in job.clean_facts.items()])))]
    out = job.llm.structured(prompt, schema, max_tokens=60 * n + 40)
    return [clean_line(s["text"]) for s in out["slots"]]


def narrate(facts: ProductFacts, storyline: Storyline, *, llm, guard: FactGuard | None = None,
            examples: ExampleBank | None = None, brief: str = "", mode: Literal["slot", "ad"] = "slot",
            max_retries: int = 1, fact_model: FactPlanModel | None = None,
            facts_by: Literal["plan", "label"] = "plan", constrained: bool | None = None,
            scorer: LineScorer | None = None, candidates: int | None = None, stretch: float = 1.0,
            on_slot: Callable[[SlotNarration], None] | None = None,
            narrator: Literal["sentences", "facts-v1"] = "sentences",
            reads_as: Callable[[str, list[str]], bool] | None = None, redraws: int = 1) -> Narration:
    """Write one grounded narration per slot of ``storyline`` for the product in ``facts``.

    Args:
        facts: the product's fact sheet (instruction-like phrases in it are ignored).
        storyline: the slots (labels, budgets, positions, optional clip context).
        llm: the chat model (``models.llm.get_chat_model``).
        guard: a FactGuard for these facts; None writes without the guard (baseline c).
        examples: worked examples (real Chinese ads, or ``ExampleBank.english()``); None
            writes without them.
        brief: tone / audience wishes from the user (data, not instructions for the facts).
        mode: "slot" (one call per slot, memory of earlier lines) or "ad" (one JSON call).
        max_retries: regenerations after the guard finds an unsupported claim.
        fact_model: the fact-plan model choosing each slot's phrases (None: the shipped one).
        facts_by: "plan" (the learned fact plan) or "label" (two phrases of the slot's label
            fields, unused first, as baseline (a) assigns them; padding in sheet order).
        constrained: write each Chinese line under a grammar that keeps the slot's fact phrases
            verbatim and the model's own words free of digits (``tools.narration.linegrammar``);
            None: whenever the server takes grammars (``llm.grammar``).
        scorer: a ``LineScorer`` (real lines' n-gram statistics): among a slot's samples, the
            one a real line would most likely share words with is kept.
        candidates: samples per slot (None: 2 with a scorer, else 1). Without a scorer the
            guard's verdict, not copying an earlier line and fitting whole still choose.
        stretch: a line may keep whole clauses up to this many times its budget's maximum
            rather than be cut inside a clause (a voice-over can speak a little faster).
        on_slot: called with each finished slot (progress).
        narrator: "sentences" (issue 25: lines a presenter would say, selling points woven into
            one sentence, the ad's memory across slots; ``tools.narration.sentences``) or
            "facts-v1" (the previous narrator: the fact draft rewritten, padded with fact
            phrases; kept as a baseline). ``facts_by`` and ``mode="ad"`` apply to "facts-v1".
        reads_as: ``(line, labels) -> bool``, whether a line reads as its slot's script labels
            (a template's storyline is read back from what is said): a line that does not ranks
            below one that does ('sentences').
        redraws: further samples a slot draws, one at a time, while none is clean: the guard
            passes it, it repeats nothing, is no list, reads as its labels ('sentences').
    """
    start = time.perf_counter()
    clean, dropped = sanitize_facts(facts.facts)
    planner = fact_model or FactPlanModel.load()
    job = _Job(facts, storyline, llm, guard, examples, brief, max_retries,
               short_name(facts.product, facts.aliases, storyline.language), clean, planner, facts_by,
               constrained=(getattr(llm, "grammar", False) if constrained is None else constrained)
               and storyline.language == "zh", scorer=scorer,
               candidates=max(1, candidates if candidates is not None else (2 if scorer is not None else 1)),
               stretch=stretch, reads_as=reads_as, redraws=max(0, redraws))
    job.sheet_phrases = sheet_phrases(clean)
    if narrator == "sentences" and mode == "slot":
        return _narrate_sentences(job, start, dropped, on_slot)
    if facts_by == "label":
        assignments = assign_facts(storyline, clean)
    else:
        assignments = [[f.phrase for f in picks]
                       for picks in plan_facts(storyline, clean, facts.product, model=planner)]
    job.reserved = {p for picks in assignments for p in picks}
    results: list[SlotNarration] = []
    if mode == "ad":
        lines = _narrate_ad(job)
        for slot, assigned, line in zip(storyline.slots, assignments, lines, strict=True):
            fillers = _fillers(job, slot, assigned)
            text = guard.repair(line) if guard else line
            final = fit_length(text, slot.budget, slot.unit, fillers, storyline.language)
            results.append(SlotNarration(index=slot.index, labels=slot.labels, text=final,
                                         raw=fit_length(line, slot.budget, slot.unit, fillers, storyline.language),
                                         budget=slot.budget, unit=slot.unit, facts=assigned,
                                         sentences=_evidence(job, final), source="llm" if text else "fallback"))
    else:
        previous: list[str] = []
        for slot, assigned in zip(storyline.slots, assignments, strict=True):
            res = _narrate_slot(job, slot, assigned, previous)
            previous.append(res.text)
            results.append(res)
            if on_slot:
                on_slot(res)
    return Narration(product=facts.product, language=storyline.language, slots=results, storyline=storyline.source,
                     model=getattr(llm, "model_name", ""), seconds=round(time.perf_counter() - start, 2),
                     dropped_facts=dropped)


def _narrate_sentences(job: _Job, start: float, dropped: list[str],
                       on_slot: Callable[[SlotNarration], None] | None) -> Narration:
    """The 'sentences' narrator (``tools.narration.sentences``; it gets this module's shared pieces as a kit)."""
    from tools.narration.sellingpoints import plan_ad, selling_points
    from tools.narration.sentences import AdMemory, narrate_voice_slot

    points = selling_points(job.clean_facts)
    assignments = plan_ad(job.storyline, points, job.facts.product, model=job.fact_model)
    job.reserved = {p for picks in assignments for p in picks}
    memory = AdMemory()
    kit = SimpleNamespace(Candidate=Candidate, SlotNarration=SlotNarration, copies=_copies, evidence=_evidence,
                          generate=_generate, scoring_context=_scoring_context, without_echo=_without_echo)
    results: list[SlotNarration] = []
    for slot, assigned in zip(job.storyline.slots, assignments, strict=True):
        res = narrate_voice_slot(job, slot, assigned, memory, kit)
        results.append(res)
        if on_slot:
            on_slot(res)
    return Narration(product=job.facts.product, language=job.storyline.language, slots=results,
                     storyline=job.storyline.source, model=getattr(job.llm, "model_name", ""),
                     seconds=round(time.perf_counter() - start, 2), dropped_facts=dropped)
