"""The 'sentences' narrator (issue 25): lines a presenter would say, not lists of fact phrases.

Per slot, the LLM gets the product (its short name, never the listing title), the slot's label
with the register it is said in (``tools/data/narration_voice.json``: a pain point opens with
the viewer's problem, a call to action tells them what to do now), one or two selling points
to weave into the sentence (:mod:`tools.narration.sellingpoints`: no category words, no
substance the product is free of, nothing said in an earlier slot), the previous line with
the openers real lines of that label use to continue (而且, 所以, 你看... learned from the
worked-example records), a hook in the first slot, a call to action in the last, and whether
it may name the product (once or twice an ad). Before it, one worked example: a real line of
the same label from another product that carries its facts inside a sentence (never a list
line by :mod:`tools.narration.listlines`).

Chinese lines are written under :func:`tools.narration.linegrammar.sentence_grammar` (the
selling points verbatim, no digits or symbols of the model's own, one sentence end, no bare
fact opening the line). A sample is judged, in this order: the guard passes it; it repeats no
earlier line or clause; it is fluent (no list line by :mod:`tools.narration.listlines`, no fact
or clause said twice, no sentence cut by the length limit, no words of the prompt read back, no
listing title read out); it makes no claim the sheet barely holds; it reads as its slot's label
(when the caller gives a reader: ``make --template``); it chains no stock endings; then it fits
whole, carries its selling points and scores best with the reranker (real lines' wording,
:class:`tools.narration.linescore.LineScorer`). While no sample passes all of the first ones, one
more is drawn (``redraws``, 1 by default), without the previous line when the samples copied it.

A long slot is said in two or three sentences (:func:`sentence_parts`), each with its share of
the selling points, each continuing the one before. A line still a clause short of its budget
gets one more sentence; then at most one neutral ending of its label: a line a little short is
better than one padded with "真的很好用，大家可以试试，推荐给大家".
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from prompts import render
from tools.core.labels import get_label
from tools.core.text import tokens
from tools.guard.factguard import GuardReport
from tools.guard.injection import SELLING_POINTS, data_label, quote_inline
from tools.narration.lengthfit import clipped, fit_length, mentions
from tools.narration.linegrammar import LineGrammar, sentence_grammar
from tools.narration.listlines import clauses, is_list_line, repeats_clause, repeats_fact
from tools.narration.names import short_name, untagged
from tools.narration.storyline import Slot, text_length

__all__ = ["AdMemory", "narrate_voice_slot", "openers", "voice"]


@lru_cache(maxsize=1)
def voice() -> dict:
    """The registers, endings and English links of ``tools/data/narration_voice.json``."""
    return json.loads((resources.files("tools") / "data" / "narration_voice.json").read_text(encoding="utf-8"))


@dataclass
class AdMemory:
    """What the ad has said so far: its lines, how often it named the product."""

    lines: list[str] = field(default_factory=list)
    named: int = 0


# a shop or platform an opener may name ("天猫双十一..."): not a link, and not on the sheet
_PLATFORMS = frozenset({"天猫", "京东", "抖音", "淘宝", "直播间", "快手", "拼多多"})


def openers(examples, label: str, lang: str = "zh", k: int = 4, min_count: int = 3) -> list[str]:
    """The words real lines of ``label`` most often open with (2+ characters, no digits), from the
    worked-example records; English: the shipped links; Chinese without records: none."""
    if lang != "zh":
        return list(voice()["connectives_en"])
    if examples is None or examples.unit != "chars":
        return []
    cache = examples.__dict__.setdefault("_openers", {})
    zh = get_label(label).zh
    if zh not in cache:
        counts: Counter = Counter()
        for d in examples.demos.get(zh, []):
            words = [w for w in tokens(d.narration) if w.strip()]
            if words and len(words[0]) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", words[0]) \
                    and words[0] not in d.product and not any(words[0] in f for f in d.facts) \
                    and words[0] not in _PLATFORMS:
                counts[words[0]] += 1
        cache[zh] = [w for w, c in counts.most_common(k) if c >= min_count]
    return cache[zh]


def _closers(label: str, lang: str) -> list[str]:
    table = voice()["closers"][lang]
    return list(table.get(get_label(label).zh, table["default"]))


def _register(label: str, lang: str) -> str:
    return voice()["register"][get_label(label).zh][lang]


def _demo_ok(demo, unit: str) -> bool:
    """A worked example worth imitating: carries at most two facts, inside sentences."""
    names = [short_name(demo.product, language="zh" if unit == "chars" else "en"), demo.product]
    return len(demo.facts) <= 2 and not is_list_line(demo.narration, demo.facts, names)


def _request(job, slot: Slot, product: str, facts: list[str], lo: int, hi: int, *, previous: str = "",
             context: str = "", name_ok: bool = True, openers_: list[str] | None = None, part: int = 0,
             parts: int = 1) -> str:
    lang = job.storyline.language
    lab = get_label(slot.labels[0])
    # no listing title, only the short name: the model read the title's keyword string out
    # ("紧致抗初老面部精华液抗皱修护淡纹补水保湿收缩毛孔") in the first line, and copied it from there on
    labels = "、".join(slot.labels) if lang == "zh" else ", ".join(get_label(x).en for x in slot.labels)
    return render(f"narrate_voice_{lang}.j2", product=product, labels=labels,
                  definition=lab.definition if lang == "zh" else lab.definition_en,
                  register=_register(slot.labels[0], lang), facts=facts,
                  facts_block=quote_inline(data_label(SELLING_POINTS, lang), facts, lang,
                                           none="无" if lang == "zh" else "none"),
                  context=context, previous=previous, openers=openers_ or [],
                  hook=slot.index == 1 and part == 0,
                  cta=slot.index == len(job.storyline.slots) and slot.index > 1 and part == parts - 1,
                  name_ok=name_ok, index=slot.index, total=len(job.storyline.slots), lo=lo, hi=hi,
                  part=part, parts=parts)


def _examples_in(msgs: list) -> list[str]:
    """The worked examples' lines a prompt holds (its model turns)."""
    return [str(m.content) for m in msgs if isinstance(m, AIMessage)]


def _label_feedback(job, slot: Slot, dropped: bool) -> str:
    """What a redraw is told when its line was clean but read as another script label
    (``dropped``: its selling points were taken away for this try)."""
    lang = job.storyline.language
    lab = get_label(slot.labels[0])
    return render(f"narrate_label_feedback_{lang}.j2", label=lab.zh if lang == "zh" else lab.en,
                  definition=lab.definition if lang == "zh" else lab.definition_en,
                  register=_register(slot.labels[0], lang), dropped=dropped)


def _messages(job, slot: Slot, assigned: list[str], memory: AdMemory, name_ok: bool, part: int = 0,
              parts: int = 1) -> list:
    """System rules, one worked example (same label, another product, facts inside a sentence), the request."""
    from tools.narration.context import context_block

    lang = job.storyline.language
    lo, hi = slot.budget
    msgs: list = [SystemMessage(render(f"narrate_voice_system_{lang}.j2", brief=job.brief))]
    if job.examples is not None:
        pool = job.examples.pick(slot.labels[0], job.facts.product, (lo + hi) // 2, k=6, seed=slot.index,
                                 n_facts=len(assigned))
        for d in [d for d in pool if _demo_ok(d, slot.unit)][:1]:
            n = text_length(d.narration, slot.unit)
            msgs += [HumanMessage(_request(job, slot, short_name(d.product, language=lang), d.facts,
                                           max(1, n - 3), n + 3)),
                     AIMessage(d.narration)]
    msgs.append(HumanMessage(_request(job, slot, job.name, assigned, lo, hi,
                                      previous=memory.lines[-1] if memory.lines else "",
                                      context=context_block(slot.context, lang), name_ok=name_ok,
                                      openers_=openers(job.examples, slot.labels[0], lang) if memory.lines else [],
                                      part=part, parts=parts)))
    return msgs


def _names(job) -> list[str]:
    names = {job.name, job.facts.product, untagged(job.facts.product), *job.facts.aliases}
    return sorted((n for n in names if n and len(n) >= 2), key=len, reverse=True)


def _title_prefix(text: str, names: list[str]) -> list[str]:
    """The longest stretch of each name, from its start (3+ characters), that ``text`` says: the
    1.5B model often writes the title's first words ("欧莱雅黑精华紧致抗初老面部精华液...")."""
    out = []
    for n in names:
        for k in range(len(n), 2, -1):
            if n[:k] in text:
                out.append(n[:k])
                break
    return out


def _unname(text: str, names: list[str], lang: str) -> str:
    """``text`` with the product's name said as 它 / it (the ad named it enough)."""
    if lang == "zh":
        names = sorted(set(names) | set(_title_prefix(text, names)), key=len, reverse=True)
    for n in names:
        if lang == "zh":
            text = re.sub(r"(这款|这个|这支|这瓶)?" + re.escape(n), lambda m: m.group(1) or "它", text)
        else:
            text = re.sub(r"\b(?:the |this |our )?" + re.escape(n) + r"\b", "it", text, flags=re.I)
            text = text[:1].upper() + text[1:]
    if lang == "zh":  # the name alone as a clause ("欧莱雅黑精华，质地细腻") leaves "它，": say "它质地细腻"
        text = re.sub(r"(它|这款|这个|这支|这瓶)[，、,]\s*(?=[\u4e00-\u9fff])", r"\1", text)
    return text


def _price_as_gift(text: str, facts: dict[str, list[str]]) -> bool:
    """English: a price read as something the viewer gets ("get $24.90 per jar")."""
    prices = [p for f, ps in facts.items() if "price" in f.lower() or "价格" in f for p in ps]
    low = text.lower()
    return any(re.search(r"\bget\s+(?:\w+\s+){0,2}" + re.escape(m.group(0).lower()), low)
               for p in prices for m in [re.search(r"[$€£¥]\s?\d[\d.,]*", p)] if m)


def stock_phrases(text: str, lang: str) -> list[str]:
    """The stock phrases (``narration_voice.json``: "真的很好用", "worth a try"...) ``text`` says."""
    low = text.lower()
    return [p for p in voice()["stock"][lang] if p.lower() in low]


def _stocky(text: str, earlier: list[str], lang: str) -> bool:
    """A line padded with stock phrases: two of them, or one an earlier line of the ad said."""
    found = stock_phrases(text, lang)
    return len(found) >= 2 or any(p.lower() in line.lower() for p in found for line in earlier)


def _echoes_prompt(text: str, rules: str, facts: list[str], lang: str) -> bool:
    """Whether ``text`` says words of the instructions (5 characters, 4 words in a row) other than
    its facts: "不要编造数字、价格、成分..." is the system prompt read back, not a line."""
    for f in sorted(facts, key=len, reverse=True):
        text = text.replace(f, " ")
    if lang == "zh":
        told, said = re.sub(r"\W", "", rules), [re.sub(r"\W", "", c) for c in re.split(r"\s+", text)]
        return any(w[i:i + 5] in told for w in said for i in range(len(w) - 4))
    told = " " + " ".join(re.findall(r"[a-z']+", rules.lower())) + " "
    words = re.findall(r"[a-z']+", text.lower())
    return any(" " + " ".join(words[i:i + 4]) + " " in told for i in range(len(words) - 3))


def _rejoin(kept: list[str], lang: str) -> str:
    """Clauses kept from a line joined again, a dangling comma at the end made a sentence end."""
    out = ("".join(kept) if lang == "zh" else " ".join(k.strip() for k in kept)).strip()
    if out and out[-1] in "，、；：,;:":
        out = out[:-1] + ("。" if lang == "zh" else ".")
    return out


def _title_copy(text: str, title: str, names: list[str], lang: str) -> bool:
    """Chinese: the line copies 8 characters in a row of the listing title beyond the product's short
    name ("紧致抗初老面部精华液抗皱修护..."): a keyword string, not speech."""
    if lang != "zh" or not title:
        return False
    for n in sorted(names, key=len):
        if len(n) < len(title):
            text = text.replace(n, " ")
    told = re.sub(r"\W", "", title)
    return any(w[i:i + 8] in told for w in re.split(r"[\W_]+", text) for i in range(len(w) - 7))


def _without_title_copy(text: str, title: str, names: list[str], lang: str) -> str:
    """``text`` less the clauses that read the listing title out (:func:`_title_copy`), while one stays."""
    if lang != "zh" or not title:
        return text
    from tools.core.text import split_clauses

    parts = split_clauses(text)
    kept = [c for c in parts if not _title_copy(c, title, names, lang)]
    if not kept or len(kept) == len(parts):
        return text
    return _rejoin(kept, lang)


def _copies_example(text: str, shown: list[str], lang: str) -> bool:
    """Whether ``text`` takes a run of another product's worked example (5 words, 8 characters):
    told to say no selling point, the 1.5B model read a shoe ad's line out for a coffee ad
    ("Slipping on wet rocks is no way to end a run."), and "Drizzle it on toast" for an espresso."""
    if not shown:
        return False

    def grams(t: str) -> set:  # runs of 8 characters (Chinese) or 5 words
        if lang == "zh":
            flat = re.sub(r"\W", "", t)
            return {flat[i:i + 8] for i in range(len(flat) - 7)}
        w = re.findall(r"\w+", t.lower())
        return {tuple(w[i:i + 5]) for i in range(len(w) - 4)}

    return bool(grams(text) & {g for e in shown for g in grams(e)})


def _echoes(text: str, earlier: list[str]) -> bool:
    """Whether ``text`` says again a clause (4+ word characters) an earlier line of the ad said."""
    said = {re.sub(r"\W", "", c) for line in earlier for c in clauses(line)}
    return any(len(k := re.sub(r"\W", "", c)) >= 4 and k in said for c in clauses(text))


def _without_earlier(text: str, earlier: list[str], lang: str) -> str:
    """``text`` less the clauses (4+ word characters) an earlier line of the ad said: the small
    model copies the previous line it is shown ("质地细腻、触感顺滑" three slots in a row)."""
    if not earlier:
        return text
    from tools.core.text import split_clauses

    said = {re.sub(r"\W", "", c).lower() for line in earlier for c in [*clauses(line), *split_clauses(line)]}
    kept = [c for c in split_clauses(text) if not (len(k := re.sub(r"\W", "", c).lower()) >= 4 and k in said)]
    out = _rejoin(kept, lang)
    if lang != "zh":
        out = re.sub(r"^(?:and|but|so|plus)\s+", "", out, flags=re.I)
        out = out[:1].upper() + out[1:]
    return out or text


# words an English clause cannot end on (a line cut after them dangles)
_CUT_WORDS = frozenset("""a an the and or but of to for from by at in on with without get gets your our their my this
these those its is are was were be been very so than that as into onto per plus over under about can will""".split())


# Chinese characters a sentence cannot end on: a conjunction, preposition, structural particle or
# adverb left dangling when the length limit cut the sentence
_ZH_CUT = r"(?:(?<![温柔平缓暖调饱谐祥中])和|[与把被让使给从并或跟但就也还都更太又]|因为|所以|而且|不仅|以及|还有|能够|可以|变得|(?<!然)后)$"


def _broken(text: str, lang: str) -> bool:
    """English: a line a voice cannot say whole: a clause ending on "the", "a", "get"..., a clause of one
    word, a sentence that starts in lower case ("they can golden. Now the taste, you get.")."""
    if lang == "zh":  # a sentence cut by the length limit: "...光泽度和。", "...让肌肤变得。"
        return any(re.search(_ZH_CUT, x) for x in re.split(r"[。！？]", text) if x.strip())
    parts = [p.strip() for p in re.split(r"[,;:.!?]+", text) if p.strip()]
    sentences = [p.strip() for p in re.split(r"[.!?]+", text) if p.strip()]
    return any(len(p.split()) < 2 or p.split()[-1].lower() in _CUT_WORDS for p in parts) or \
        any(x[:1].islower() for x in sentences)


def _mend(text: str, lang: str) -> str:
    """English: a last clause that dangles ("..., the.") dropped, then trailing sentences a voice
    cannot say whole ("Look at that crema. you get.") while a whole one stays."""
    if lang == "zh":  # a clause the length limit cut ("...，光泽度和。") goes while a whole one stays
        parts = re.findall(r"[^，、；。！？]+[，、；。！？]*", text.strip())
        while len(parts) > 1 and re.search(_ZH_CUT, re.sub(r"[，、；。！？]+$", "", parts[-1])):
            parts.pop()
        out = "".join(parts)
        return out if out == text.strip() else re.sub(r"[，、；]$", "", out) + ("" if out[-1:] in "。！？" else "。")
    m = re.match(r"^(.*\w)[,;:]\s+(\w+)[.!?]$", text)
    if m and m.group(2).lower() in _CUT_WORDS:
        text = m.group(1) + "."
    sentences = re.findall(r"[^.!?]+[.!?]*", text.strip())
    while len(sentences) > 1 and _broken(sentences[-1].strip(), lang):
        sentences.pop()
        text = "".join(sentences).strip()
        text = text if text[-1:] in ".!?" else text + "."
    last = re.split(r"[,;:]\s+", text.rstrip(".!? "))
    while len(last) > 1 and last[-1].split()[-1:] and last[-1].split()[-1].lower() in _CUT_WORDS:
        last.pop()
        text = ", ".join(last) + "."
    return text


@dataclass
class _Sample:
    final: str
    unguarded: str
    report: GuardReport | None
    key: tuple
    free_key: tuple
    candidate: object


def _judge(job, slot: Slot, raw: str, assigned: list[str], memory: AdMemory, name_ok: bool, k: int,
           temperature: float, ctx, kit, pad: int = 1, shown: list[str] | None = None) -> _Sample:
    """One sample, repaired, un-named where due, fitted (``pad``: at most this many neutral endings
    appended to a short line), and its ranking keys (guarded and not). ``shown``: the worked
    examples the prompt held (a line copying one is not fresh)."""
    shown = shown or []
    Candidate, _copies = kit.Candidate, kit.copies

    lang = job.storyline.language
    names = _names(job)
    closers = _closers(slot.labels[0], lang)
    fresh_closers = [c for c in closers if not any(c in line for line in memory.lines)] or closers
    phrases = job.sheet_phrases
    rules = render(f"narrate_voice_system_{lang}.j2", brief="")

    def fit(text: str) -> str:
        text = _without_title_copy(text, untagged(job.facts.product), [job.name], lang)
        text = text if name_ok else _unname(text, names, lang)
        text = _without_earlier(text, memory.lines, lang)
        return _mend(fit_length(text, slot.budget, slot.unit, fresh_closers, lang, keep=assigned,
                                stretch=job.stretch, append_keep=False, max_added=pad), lang)

    def key(text: str, source: str, ok: bool) -> tuple:
        whole = not clipped(source, text)
        fits_bare = slot.budget[0] <= text_length(source if name_ok else _unname(source, names, lang), slot.unit)
        said = sum(mentions(p, text, slot.unit) for p in assigned)
        fluent = not (is_list_line(text, phrases, names) or repeats_fact(text, phrases) or repeats_clause(text)
                      or _broken(text, lang) or _echoes_prompt(text, rules, assigned, lang)
                      or _title_copy(text, untagged(job.facts.product), [job.name], lang))
        score = job.scorer.score(text, ctx) if ctx is not None else 0.0
        fresh = not (_copies(text, memory.lines) or _echoes(text, memory.lines) or _copies_example(text, shown, lang))
        # a claim the guard finds only weakly in the sheet ("入口即化" of a make-up remover): the small
        # model's invention, most often in a sentence without a fact
        sound = not _weak_clauses(job, text)
        # a line that repeats an earlier one is worse than any other flaw but the guard's: the ad
        # must read as one script (the memory across slots); then a list, a fact said twice, the
        # prompt read back; then stock endings chained or said again
        # read as its slot's script label by the caller's reader (a template's storyline), when given
        labelled = job.reads_as is None or not text or job.reads_as(text, slot.labels)
        return (ok, fresh, fluent, sound, labelled, not _stocky(text, memory.lines, lang),
                not _price_as_gift(text, job.clean_facts), whole, said, fits_bare, score, -k)

    report = job.guard.check(raw) if job.guard is not None else None
    ok = report is None or report.ok
    repaired = job.guard.repair(raw) if job.guard is not None else raw
    final = fit(repaired)
    unguarded = fit(raw)
    g_key, f_key = key(final, repaired, ok), key(unguarded, raw, True)
    cand = Candidate(text=final, raw=unguarded, score=round(g_key[-2], 5), guard_ok=ok,
                     repeats_earlier=not g_key[1], clipped=not g_key[7], temperature=temperature)
    return _Sample(final, unguarded, report, g_key, f_key, cand)


def _tidy(text: str, phrases: list[str], lang: str, weak: set[str] = frozenset()) -> str:
    """``text`` less its later clauses that say again a clause or a fact phrase an earlier clause of
    it said ("刷牙时，...。刷牙时，...", "...抗初老...对抗初老"), and less the clauses in ``weak`` (claims
    the sheet barely holds), while one clause stays: what two sentences of one slot repeat."""
    from tools.core.text import split_clauses

    parts = split_clauses(text)
    weak = {re.sub(r"\W", "", w).lower() for w in weak}
    said_clauses: set[str] = set()
    said_facts: set[str] = set()
    kept: list[str] = []
    for c in parts:
        key = re.sub(r"\W", "", c).lower()
        facts = {p for p in phrases if len(p) >= 2 and mentions(p, c, "chars" if lang == "zh" else "words")}
        if kept and (key in said_clauses or facts & said_facts or key in weak):
            continue
        kept.append(c)
        said_clauses.add(key)
        said_facts |= facts
    if len(kept) == len(parts):
        return text
    out = _rejoin(kept, lang)
    if lang != "zh":  # a sentence whose first clause went starts with a capital all the same
        out = re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), out)
    return out


def _weak_clauses(job, text: str) -> set[str]:
    """The clauses of ``text`` whose claims the guard finds only weakly in the sheet, or not at all."""
    if job.guard is None or not text:
        return set()
    return {c.text.strip() for c in job.guard.check(text).claims
            if c.kind != "rhetoric" and (c.weak or not c.supported)}


def _spare_point(job, slot: Slot, said: list[str]) -> list[str]:
    """A selling point of the slot's labels no slot was planned to say and no line said yet (for the
    sentence that lengthens a short line), else none."""
    from tools.core.labels import facts_for_label
    from tools.narration.sellingpoints import selling_points

    points = selling_points(job.clean_facts)
    unit = slot.unit
    for lab in slot.labels:
        for p in facts_for_label(points, lab):
            if p not in job.reserved and not any(mentions(p, line, unit) for line in said) \
                    and text_length(p, unit) <= max(2, slot.budget[1] // 2):
                return [p]
    return []


def sentence_parts(slot: Slot) -> int:
    """How many sentences a slot's line is said in: a presenter says 90 characters as two or three
    sentences, each carrying its own selling point, not one sentence stuffed to length."""
    hi = slot.budget[1]
    one, two = (45, 75) if slot.unit == "chars" else (20, 34)
    return 1 if hi <= one else 2 if hi <= two else 3


def _split(items: list[str], n: int) -> list[list[str]]:
    """``items`` in ``n`` consecutive runs, the longer runs first ([a, b, c] in 2: [a, b], [c])."""
    size, extra = divmod(len(items), n)
    out, at = [], 0
    for j in range(n):
        take = size + (j < extra)
        out.append(items[at:at + take])
        at += take
    return out


@dataclass
class _Line:
    text: str
    raw: str
    flags: list[str]
    attempts: int
    candidates: list


def _voice_line(job, slot: Slot, assigned: list[str], memory: AdMemory, kit, part: int, parts: int,
                pad: int) -> _Line:
    """One sentence of a slot (its whole line when ``parts`` is 1): sampled, judged, resampled once
    when no sample is clean, retried with the guard's feedback when the guard rejects it."""
    _generate, _without_echo = kit.generate, kit.without_echo
    lang = job.storyline.language
    total = len(job.storyline.slots)
    name_ok = memory.named == 0 or (memory.named == 1 and slot.index == total and part == parts - 1)
    msgs = _messages(job, slot, assigned, memory, name_ok, part, parts)
    grammar: LineGrammar | None = sentence_grammar(assigned, slot.budget) if job.constrained else None
    ctx = kit.scoring_context(job, slot) if job.scorer is not None else None
    temps = [0.2] + [0.8] * (job.candidates - 1)
    samples = []

    def draw(k: int, temperature: float, turns: list | None = None) -> None:
        """One sample of ``msgs``, or of ``turns`` (a redraw told which label to sound like)."""
        raw = _generate(job, turns or msgs, slot, temperature=temperature, grammar=grammar, sample=k)
        if turns:
            raw = _without_echo(raw, turns[-1].content)
        samples.append(_judge(job, slot, raw, assigned, memory, name_ok, k, temperature, ctx, kit, pad,
                              _examples_in(turns or msgs)))

    label_tries = 0

    for k, temperature in enumerate(temps):
        draw(k, temperature)
    best = max(samples, key=lambda s: s.key)
    for _ in range(job.redraws):  # no clean sample: another draw (``redraws`` at most)
        if all(best.key[:6]) or not best.key[0]:  # clean, or the guard's retry below deals with it
            break
        if not best.key[1]:  # without the previous line when the samples copied it
            msgs = _messages(job, slot, assigned, AdMemory(named=memory.named), name_ok, part, parts)
        if all(best.key[:4]) and not best.key[4]:  # clean but heard as another label: stress the label
            label_tries += 1
            # (shown its own line, the 1.5B model said it again word for word: the request is asked
            # afresh with the label stressed, and on the last try without the selling points that
            # pulled it towards another label, e.g. an audience fact in a pain point)
            facts = assigned if label_tries < job.redraws else []
            turns = _messages(job, slot, facts, memory, name_ok, part, parts)
            turns[-1] = HumanMessage(_label_feedback(job, slot, bool(assigned) and not facts) + "\n" + turns[-1].content)
            draw(len(samples), 0.9, turns)
        else:
            draw(len(samples), 0.9)
        best = max(samples, key=lambda s: s.key)
    free = max(samples, key=lambda s: s.free_key)
    attempts, flags = len(samples), []
    if best.report is not None:
        flags = [p for c in best.report.unsupported for p in c.problems] + \
                [f"risk word: {w}" for w in best.report.risk_words]
        if not best.report.ok and job.max_retries > 0:
            feedback = render(f"narrate_feedback_{lang}.j2", problems=best.report.feedback(lang),
                              lo=slot.budget[0], hi=slot.budget[1])
            text = _without_echo(_generate(job, [*msgs, AIMessage(best.final), HumanMessage(feedback)], slot,
                                           temperature=0.5, grammar=grammar), feedback)
            attempts += 1
            retry = _judge(job, slot, text, assigned, memory, name_ok, len(samples), 0.5, ctx, kit, pad,
                           _examples_in(msgs))
            best = max([best, retry], key=lambda s: s.key)
    # a further sentence that only repeats, or says what the sheet barely holds: none
    text = best.final if part == 0 or (best.key[1] and best.key[3]) else ""
    if text:
        memory.lines.append(text)
    memory.named += any(n.lower() in text.lower() for n in _names(job))
    return _Line(text, free.unguarded, flags, attempts, [s.candidate for s in samples] if len(samples) > 1 else [])


def narrate_voice_slot(job, slot: Slot, assigned: list[str], memory: AdMemory, kit):
    """One slot's line by the 'sentences' narrator (module doc); updates ``memory``.

    A long slot is said in :func:`sentence_parts` sentences, each with its share of the budget
    and of the selling points, each shown the one before as the previous line. A line still
    short of its budget by a clause (5+ characters, 3+ words) gets one more sentence; then at most
    one neutral ending of its label fills the rest: never a chain of stock endings.

    ``kit``: what this narrator shares with ``tools.narration.narrate`` (which calls it), passed
    in rather than imported back: ``Candidate``, ``SlotNarration``, ``copies``, ``evidence``,
    ``generate``, ``scoring_context``, ``without_echo``."""
    SlotNarration, _evidence = kit.SlotNarration, kit.evidence
    lang = job.storyline.language
    parts = sentence_parts(slot)
    lo, hi = slot.budget
    shares = _split(assigned, parts)
    lines: list[_Line] = []
    before = list(memory.lines)

    def used() -> int:
        return text_length(sep.join(x.text for x in lines if x.text), slot.unit)

    sep = "" if lang == "zh" else " "
    for j in range(parts):
        left = parts - j
        budget = (max(1, (lo - used()) // left), max(2, (hi - used()) // left))
        sub = slot if parts == 1 else slot.model_copy(update={"budget": budget})
        lines.append(_voice_line(job, sub, shares[j], memory, kit, j, parts, pad=0))
    def tidied() -> str:  # what the sentences say once repeats and weak claims are gone
        joined = sep.join(x.text for x in lines if x.text).strip()
        return _tidy(joined, job.sheet_phrases, lang, _weak_clauses(job, joined))

    joined = tidied()
    n, short = text_length(joined, slot.unit), (5 if slot.unit == "chars" else 3)
    if lo - n >= short and hi - n >= short:  # short once tidied: one more sentence
        unsaid = [f for f in assigned if not mentions(f, joined, slot.unit)]
        point = unsaid[:1] or _spare_point(job, slot, memory.lines)
        job.reserved |= set(point)
        sub = slot.model_copy(update={"budget": (lo - n, hi - n)})
        lines.append(_voice_line(job, sub, point, memory, kit, parts, parts + 1, pad=0))
        joined = tidied()
    closers = _closers(slot.labels[0], lang)
    fresh = [c for c in closers if not any(c in line for line in before)] or closers

    def fit(text: str) -> str:  # an empty line (every sample rejected) still says a neutral ending
        return fit_length(text, slot.budget, slot.unit, fresh, lang, keep=assigned, stretch=job.stretch,
                          append_keep=False, max_added=1)

    final, raw = fit(joined), fit(sep.join(x.raw for x in lines if x.raw).strip())
    del memory.lines[len(before):]
    memory.lines.append(final)
    return SlotNarration(index=slot.index, labels=slot.labels, text=final, raw=raw, budget=slot.budget,
                         unit=slot.unit, facts=assigned, sentences=_evidence(job, final),
                         flags=[f for x in lines for f in x.flags], attempts=sum(x.attempts for x in lines),
                         source="llm" if final else "fallback", candidates=[c for x in lines for c in x.candidates])
