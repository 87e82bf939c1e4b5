"""The narration evaluation harness (``reelwright eval narration``).

Runs the narrator on every ad of a JSONL file of the E-SyncVidStory dev file's shape and
writes ``report.json`` and ``report.md``: caption metrics (BLEU-1..4, METEOR, ROUGE-L,
CIDEr on jieba-segmented Chinese), length compliance, faithfulness (unsupported-claim
and unsupported-number rates, ad-law flags per 100 slots), selling-point coverage
(IDF-weighted), intra-ad repetition and throughput, for these systems on the same ads:
(a) fact template, (a') the template over the learned fact plan, (b) retrieval, (c) the
LLM without the guard, (d) the LLM with it.

Each ad's narration is cached under ``OUT/cache/<model>/<narrator>/`` so an interrupted run
resumes; ``<narrator>`` fingerprints the narrator's code, prompts, fact-plan model and example
file, so a changed narrator never reuses lines an older one wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from tools.core.schema import ProductFacts
from tools.guard.factguard import FactGuard
from tools.narration.factplan import FactPlanModel, product_key
from tools.narration.linescore import LineScorer
from tools.narration.listlines import list_measures, product_names, sheet_phrases
from tools.narration.narrate import ExampleBank, Narration, narrate
from tools.narration.storyline import Storyline, generate_storyline, storyline_from_record

from .baselines import RetrievalBaseline, SameProductLines, template_baseline
from .datasets import esync_dir, read_records
from .metrics import (
    caption_scores,
    coverage,
    fact_idf,
    faithfulness,
    length_compliance,
    paired_bootstrap,
    repetition,
)

__all__ = ["SYSTEMS", "run_narration_eval", "write_report"]

SYSTEMS = {"template": "(a) fact template", "template+plan": "(a') fact template, learned fact plan",
           "retrieval": "(b) retrieval", "llm": "(c) LLM, no guard",
           "llm+guard": "(d) LLM + fact guard", "baseline": "(d0) previous narrator + fact guard"}
# the short names lines.jsonl gives the systems
SHORT = {"template": "a", "template+plan": "a'", "retrieval": "b", "llm": "c", "llm+guard": "d", "baseline": "d0"}


def _storyline(record: dict, mode: str) -> Storyline:
    given = storyline_from_record(record)
    if mode == "given":
        return given
    return generate_storyline(record["facts"], [s.budget for s in given.slots], unit="chars", language="zh")


# what the narrator's lines depend on: these packages whole (the guard repairs lines, so its
# quantities, contradictions and instruction filter count too) and these modules
_NARRATOR_PACKAGES = ("tools.narration", "tools.guard")
_NARRATOR_MODULES = ("tools.core.text", "tools.core.labels")


def narrator_fingerprint(planner: FactPlanModel, examples: str = "", candidates: int = 1,
                         narrator: str = "sentences") -> str:
    """12 hex digits naming what the narrator's lines depend on besides the model: its code,
    its prompt files, the fact-plan model, the worked-example source and the samples per slot."""
    import importlib

    from prompts import __file__ as prompts_init

    h = hashlib.sha1()
    files = [Path(importlib.import_module(name).__file__) for name in _NARRATOR_MODULES]
    for package in _NARRATOR_PACKAGES:
        root = Path(importlib.import_module(package).__file__).parent
        files += sorted(root.rglob("*.py"))
    for path in files:
        h.update(path.as_posix().rsplit("tools/", 1)[-1].encode() + path.read_bytes())
    for prompt in sorted(Path(prompts_init).parent.glob("narrate_*.j2")):
        h.update(prompt.name.encode() + prompt.read_bytes())
    voice = Path(importlib.import_module("tools").__file__).parent / "data" / "narration_voice.json"
    if voice.exists():
        h.update(voice.read_bytes())
    h.update(planner.model_dump_json().encode())
    h.update(examples.encode())
    if candidates != 1:
        h.update(f"candidates={candidates}".encode())
    if narrator != "sentences":
        h.update(f"narrator={narrator}".encode())
    return h.hexdigest()[:12]


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")


def _file_part(value: str) -> str:
    """``value`` as one file-name part that cannot leave its folder: itself when plain (ASCII
    letters, digits, ``_.-``, at most 64 characters, not starting with a dot or dash), else its
    plain characters and a hash of the whole (no ``/``, ``..`` or absolute path survives, and two
    ids that differ keep different names)."""
    if _PLAIN_NAME.fullmatch(value):
        return value
    plain = re.sub(r"[^A-Za-z0-9_-]", "_", value)[:40]
    return f"{plain}-{hashlib.sha1(value.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


def _cache_path(out: Path, model: str, record: dict, mode: str, facts_by: str = "plan", free: bool = False,
                narrator: str = "") -> Path:
    """``OUT/cache/<model>/<narrator>/<record id>-<mode>....json``; every part made from data (the
    model name, the record's id) is one plain file name (:func:`_file_part`): always inside ``OUT``."""
    safe = _file_part("".join(c if c.isalnum() or c in "-_." else "_" for c in model))
    key = str(record.get("id") or hashlib.sha1(json.dumps(record, ensure_ascii=False, sort_keys=True)
                                               .encode()).hexdigest()[:16])  # stable across runs
    name = f"{_file_part(key)}-{mode}" + ("" if facts_by == "plan" else f"-{facts_by}") + ("-free" if free else "")
    return out / "cache" / safe / (_file_part(narrator) if narrator else "") / f"{name}.json"


def _example_records(data_records: list[dict], examples: Path | None) -> list[dict]:
    """Worked examples: the given file, else the shared dev split, else the data itself.

    The narrator never sees an example from the product it is writing for.
    """
    if examples is not None:
        return read_records(examples)
    dev = esync_dir() / "dev.jsonl"
    return read_records(dev) if dev.exists() else data_records


def run_narration_eval(data: Path, out: Path, *, llm, guard_embedder, limit: int | None = None,
                       storyline: str = "given", examples: Path | None = None, parallel: int = 1,
                       fact_model: Path | None = None, facts_by: str = "plan", grammar: bool = True,
                       candidates: int = 2, bootstrap: int = 200, narrator: str = "sentences",
                       baseline: Path | None = None, reuse: str | None = None,
                       progress: Callable[[int, int], None] | None = None) -> dict:
    """Evaluate on ``data``; returns the report dict (also written to ``out``).

    ``candidates``: lines sampled per slot, the one real lines would most likely share words
    with kept (``tools.narration.linescore``, statistics from the example records); 1: one sample.
    ``grammar=False`` lets the LLM write each line free (no grammar keeping the facts verbatim).
    ``bootstrap``: resamples of the ads for the paired intervals of (d) against (a) and (b); 0: none.
    ``narrator``: "sentences" (issue 25) or "facts-v1" (the previous narrator).
    ``baseline``: a folder holding another narrator's cached narrations of these ads (a run's
    ``OUT`` or its ``cache/<model>/<narrator>`` folder, e.g. one made with ``narrator="facts-v1"``):
    scored as system (d0) beside the others, when it holds every ad.
    ``reuse``: read and write the cache of this narrator id instead of the current code's
    fingerprint (the report names both): for lines a run made before a change that cannot
    touch them (an English-only fix re-scoring Chinese lines).
    """
    records = read_records(data, limit)
    out.mkdir(parents=True, exist_ok=True)
    bank_records = _example_records(records, examples)
    bank, retrieval = ExampleBank(bank_records), RetrievalBaseline(bank_records)
    scorer = LineScorer(bank_records) if candidates > 1 else None
    same_product = SameProductLines(bank_records)
    planner = FactPlanModel.load(fact_model)
    model = getattr(llm, "model_name", "llm")
    kind = narrator
    narrator = narrator_fingerprint(planner, str(examples.resolve()) if examples else "dev", candidates, kind)
    code, narrator = narrator, reuse or narrator
    use_grammar = bool(grammar and getattr(llm, "grammar", False))
    lock = threading.Lock()
    results: dict[int, dict] = {}
    fresh = {"slots": 0}

    def one(i: int, rec: dict) -> dict:
        facts = ProductFacts.model_validate(rec)
        story = _storyline(rec, storyline)
        cache = _cache_path(out, model, rec, storyline, facts_by, free=not use_grammar, narrator=narrator)
        guard = FactGuard(facts.product, facts.facts, embedder=guard_embedder)
        if cache.exists():
            narration = Narration.model_validate_json(cache.read_text(encoding="utf-8"))
        else:
            narration = narrate(facts, story, llm=llm, guard=guard, examples=bank, fact_model=planner,
                                facts_by=facts_by, constrained=use_grammar, scorer=scorer, candidates=candidates,
                                narrator=kind)
            with lock:
                fresh["slots"] += len(narration.slots)
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp")
            tmp.write_text(narration.model_dump_json(), encoding="utf-8")
            tmp.replace(cache)
        return {"record": rec, "story": story, "guard": guard, "narration": narration,
                "baseline": _baseline_narration(baseline, rec, storyline) if baseline else None,
                "template": template_baseline(facts, story), "template+plan": template_baseline(facts, story, planner),
                "retrieval": retrieval(facts, story), "same_product": same_product(rec, story)}

    done = 0
    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = {pool.submit(one, i, rec): i for i, rec in enumerate(records)}
        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            with lock:
                done += 1
                if progress:
                    progress(done, len(records))
    wall = time.perf_counter() - wall
    items = [results[i] for i in sorted(results)]
    report = _score(items, records, model, storyline, data, embed=getattr(guard_embedder, "passage", None),
                    bootstrap=bootstrap)
    held = [it for it in items if it.get("baseline")]
    if baseline is not None and held and len(held) < len(items):  # (d0) on the ads it holds only
        sub = _score(held, records, model, storyline, data, bootstrap=bootstrap)
        report["baseline_subset"] = {"ads": len(held), "slots": sub["slots"], "systems": sub["systems"],
                                     "paired_bootstrap": sub["paired_bootstrap"]}
    report["systems"]["llm+guard"]["slots_per_minute"] = 60 * fresh["slots"] / wall if fresh["slots"] else None
    report["parallel"] = parallel
    report["narrator"] = narrator
    report["narrator_code"] = code
    report["narrator_kind"] = kind
    if baseline is not None:
        report["baseline"] = str(baseline)
    report["facts_by"] = facts_by
    report["candidates"] = candidates
    report["grammar"] = use_grammar
    seen = set(planner.products)
    report["fact_plan"] = {"ads_trained_on": planner.ads, "cv_auc": planner.cv.get("auc"),
                           "evaluated_products_seen": sum(product_key(r["product"]) in seen for r in records)}
    lines = report.pop("_lines")
    write_report(report, out)
    write_lines(lines, out)
    return report


def _baseline_narration(folder: Path, record: dict, mode: str) -> Narration | None:
    """Another narrator's cached narration of ``record`` under ``folder`` (see ``run_narration_eval``)."""
    name = f"{_file_part(str(record.get('id')))}-{mode}.json"
    hits = sorted(folder.rglob(name))
    return Narration.model_validate_json(hits[0].read_text(encoding="utf-8")) if hits else None


def write_lines(lines: list[dict], out: Path) -> Path:
    """``OUT/lines.jsonl``: one object per slot and system (id, slot, labels, system, text, reference)."""
    path = out / "lines.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return path


def _label_adherence(texts: list[str], labels: list[list[str]], facts: list[dict], embed) -> float | None:
    """Share of slots whose narration the speech-tag model reads as one of the slot's script labels."""
    from tools.analysis.tags import TagError, TagModel

    if embed is None or not texts:
        return None
    try:
        model = TagModel.load()
    except TagError:
        return None
    top = [model.group_names[i] for i in model.group_scores(texts, embed, facts).argmax(axis=1)]
    return float(np.mean([t in labs for t, labs in zip(top, labels, strict=True)]))


def _score(items: list[dict], records: list[dict], model: str, storyline: str, data: Path,
           embed=None, bootstrap: int = 0) -> dict:
    idf = fact_idf(records)
    systems = [s for s in SYSTEMS if s != "baseline" or (items and all(it.get("baseline") for it in items))]
    adherence_in: dict[str, tuple[list[str], list[list[str]], list[dict]]] = {
        s: ([], [], []) for s in [*systems, "reference"]}
    refs: dict[str, str] = {}
    hyps: dict[str, dict[str, str]] = {s: {} for s in systems}
    per_system: dict[str, dict] = {s: {"len": [], "faith": [], "cov": [], "rep": [], "list": []} for s in systems}
    human_lists: list[tuple[str, list[str], list[str]]] = []
    lines_out: list[dict] = []
    slots = 0
    for n, item in enumerate(items):
        rec, story, guard, narr = item["record"], item["story"], item["guard"], item["narration"]
        outputs = {"template": item["template"], "template+plan": item["template+plan"], "retrieval": item["retrieval"],
                   "llm": [s.raw for s in narr.slots], "llm+guard": [s.text for s in narr.slots]}
        if "baseline" in systems:
            outputs["baseline"] = [s.text for s in item["baseline"].slots]
        phrases, names = sheet_phrases(rec["facts"]), product_names(rec["product"], rec.get("aliases") or [])
        for k, (clip, slot) in enumerate(zip(rec["clips"], story.slots, strict=True)):
            key = _slot_key(n, rec, k)
            refs[key] = clip.get("narration", "")
            human_lists.append((refs[key], phrases, names))
            for system, text in [*((sy, ln[k]) for sy, ln in outputs.items()), ("reference", refs[key])]:
                if text:
                    adherence_in[system][0].append(text)
                    adherence_in[system][1].append(list(slot.labels))
                    adherence_in[system][2].append(rec["facts"])
            for system, lines in outputs.items():
                hyps[system][key] = lines[k]
                per_system[system]["len"].append((lines[k], slot.budget, slot.unit))
                per_system[system]["list"].append((lines[k], phrases, names))
                lines_out.append({"id": rec.get("id") or f"ad{n}", "slot": k, "labels": list(slot.labels),
                                  "system": SHORT[system], "text": lines[k], "reference": refs[key]})
            if "baseline" not in systems and item.get("baseline"):  # (d0) holds only some ads: lines.jsonl still
                lines_out.append({"id": rec.get("id") or f"ad{n}", "slot": k, "labels": list(slot.labels),
                                  "system": "d0", "text": item["baseline"].slots[k].text, "reference": refs[key]})
        slots += len(story.slots)
        for system, lines in outputs.items():
            per_system[system]["faith"].append(faithfulness(guard, lines))
            per_system[system]["cov"].append(coverage(lines, guard.facts, idf))
            per_system[system]["rep"].append(repetition(lines))
    table = {}
    for system in systems:
        f = per_system[system]["faith"]
        total = {k: sum(x[k] for x in f) for k in f[0]} if f else {}
        row = caption_scores(refs, hyps[system]) if refs and any(refs.values()) else {}
        row.update({
            "length_compliance": length_compliance(per_system[system]["len"]),
            "unsupported_claim_rate": total.get("unsupported", 0) / max(1, total.get("claims", 0)),
            "unsupported_number_rate": total.get("unsupported_numbers", 0) / max(1, total.get("numbers", 0)),
            "unsupported_numbers": total.get("unsupported_numbers", 0),
            "ad_law_flags_per_100_slots": 100 * total.get("risk_words", 0) / max(1, slots),
            "coverage": sum(per_system[system]["cov"]) / max(1, len(items)),
            "repetition": sum(per_system[system]["rep"]) / max(1, len(items)),
            "label_adherence": _label_adherence(*adherence_in[system], embed),
            **{k: v for k, v in list_measures(per_system[system]["list"]).as_dict().items() if k != "lines"},
        })
        table[system] = row
    return {"data": str(data), "ads": len(items), "slots": slots, "model": model, "storyline": storyline,
            "reference_label_adherence": _label_adherence(*adherence_in["reference"], embed), "systems": table,
            "reference_lists": {k: v for k, v in list_measures(human_lists).as_dict().items() if k != "lines"},
            "reading_sample": _reading_sample(lines_out),
            "_lines": lines_out,
            "same_product_human": _same_product_scores(items, refs, hyps),
            "paired_bootstrap": _significance(refs, hyps, bootstrap),
            "examples": [{"product": it["record"]["product"],
                          "lines": [{"labels": s.labels, "reference": c.get("narration", ""), "guarded": s.text,
                                     "raw": s.raw, "flags": s.flags}
                                    for s, c in zip(it["narration"].slots, it["record"]["clips"], strict=True)]}
                         for it in items[:3]],
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}


def _reading_sample(lines: list[dict], n: int = 20, seed: int = 0) -> list[dict]:
    """``n`` random slots (seeded) with the systems' lines beside the human one, for a person to read."""
    import random

    by_slot: dict[tuple[str, int], dict] = {}
    for x in lines:
        row = by_slot.setdefault((x["id"], x["slot"]), {"id": x["id"], "slot": x["slot"], "labels": x["labels"],
                                                         "reference": x["reference"]})
        row[x["system"]] = x["text"]
    keys = sorted(by_slot)
    return [by_slot[k] for k in sorted(random.Random(seed).sample(keys, min(n, len(keys))))]


def _slot_key(n: int, record: dict, k: int) -> str:
    """Slot ``k`` of the ``n``-th ad: unique even when two ads of one product have no id."""
    return f"{record.get('id') or f'ad{n}'}#{k}"


def _significance(refs: dict[str, str], hyps: dict[str, dict[str, str]], n: int) -> dict | None:
    if n <= 0 or not any(refs.values()):
        return None
    groups = {k: k.rsplit("#", 1)[0] for k in refs}
    pairs = [("llm+guard", "template"), ("llm+guard", "retrieval")] + \
        ([("llm+guard", "baseline")] if "baseline" in hyps else [])
    return {"resamples": n, "ads": len(set(groups.values())),
            "pairs": paired_bootstrap(refs, hyps, groups, pairs, n=n)}


def _same_product_scores(items: list[dict], refs: dict[str, str], hyps: dict[str, dict[str, str]]) -> dict | None:
    """Caption scores on the slots that have a real line from another ad of the same product:
    that line, and every system on the same slots."""
    human = {_slot_key(n, it["record"], k): line
             for n, it in enumerate(items) for k, line in enumerate(it.get("same_product") or []) if line}
    keys = [k for k in human if refs.get(k)]
    if not keys:
        return None
    sub = {k: refs[k] for k in keys}
    metrics = ("BLEU-1", "BLEU-4", "ROUGE-L", "CIDEr")
    scores = {"human": caption_scores(sub, human, meteor=False)}
    scores.update({s: caption_scores(sub, {k: hyps[s][k] for k in keys}, meteor=False) for s in hyps})
    return {"slots": len(keys), "scores": {s: {m: row[m] for m in metrics} for s, row in scores.items()}}


_COLUMNS = ["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "METEOR", "ROUGE-L", "CIDEr", "length_compliance",
            "unsupported_claim_rate", "unsupported_number_rate", "ad_law_flags_per_100_slots", "coverage", "repetition",
            "label_adherence", "list_line_rate", "fact_repeat_rate", "clause_repeat_rate"]


def write_report(report: dict, out: Path) -> None:
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    head = ["system", *[c.replace("_", " ") for c in _COLUMNS]]
    lines = [f"# Narration evaluation: {report['model']}", "",
             f"{report['ads']} ads, {report['slots']} slots from `{report['data']}`; storyline: {report['storyline']}"
             + {True: "; LLM lines under the fact grammar.", False: "; LLM lines free (no grammar)."}.get(
                 report.get("grammar"), "."),
             "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for system, row in report["systems"].items():
        cells = [f"{row[c]:.4f}" if isinstance(row.get(c), float) else str(row.get(c, "n/a")) for c in _COLUMNS]
        lines.append(f"| {SYSTEMS[system]} | " + " | ".join(cells) + " |")
    spm = report["systems"]["llm+guard"].get("slots_per_minute")
    plan = report.get("fact_plan")
    if plan:
        lines += ["", f"Fact plan: learned from {plan['ads_trained_on']} ads (AUC {plan['cv_auc']} by product); "
                  f"{plan['evaluated_products_seen']} of these {report['ads']} ads are of products it was trained on"
                  + (" (optimistic for (a') and the LLM rows)." if plan["evaluated_products_seen"] else ".")]
    lines += ["", f"Throughput (d): {spm:.1f} slots/minute with {report.get('parallel', 1)} sequences in parallel."
              if spm else "Throughput (d): all from cache.",
              "Label adherence: share of slots the speech-tag model reads as one of the slot's script labels "
              f"(the human references score {report['reference_label_adherence']:.3f}; the model was trained on "
              "the dev references, so on dev that figure is optimistic)."
              if report.get("reference_label_adherence") is not None else "Label adherence: n/a (no tag model).",
              ""]
    boot = report.get("paired_bootstrap")
    if boot:
        lines += [f"Paired bootstrap over the {boot['ads']} ads ({boot['resamples']} resamples): the difference, "
                  "its 95% interval, and the share of resamples where the first system is above:", "",
                  "| systems | BLEU-4 difference | 95% interval | above in | CIDEr difference | 95% interval | above in |",
                  "|---|---|---|---|---|---|---|"]
        for pair, row in boot["pairs"].items():
            a, b = pair.split(" vs ")
            cells = []
            for metric in ("BLEU-4", "CIDEr"):
                m = row[metric]
                cells += [f"{m['difference']:+.4f}", f"[{m['interval_95'][0]:+.4f}, {m['interval_95'][1]:+.4f}]",
                          f"{m['share_above']:.0%}"]
            lines.append(f"| {SYSTEMS[a]} vs {SYSTEMS[b]} | " + " | ".join(cells) + " |")
        lines.append("")
    same = report.get("same_product_human")
    if same:
        lines += [f"Yardstick: on the {same['slots']} slots that have a real line from another ad of the same product "
                  "(same label, closest length), that line against the reference, and each system on the same slots:", "",
                  "| lines | BLEU-1 | BLEU-4 | ROUGE-L | CIDEr |", "|---|---|---|---|---|"]
        for system, row in same["scores"].items():
            name = "human, another ad of the product" if system == "human" else SYSTEMS[system]
            lines.append(f"| {name} | " + " | ".join(f"{row[m]:.4f}" for m in ("BLEU-1", "BLEU-4", "ROUGE-L", "CIDEr"))
                         + " |")
        lines.append("")
    subset = report.get("baseline_subset")
    if subset:
        lines += [f"The previous narrator (d0) holds {subset['ads']} of these ads ({subset['slots']} slots); on them:",
                  "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for system, row in subset["systems"].items():
            cells = [f"{row[c]:.4f}" if isinstance(row.get(c), float) else str(row.get(c, "n/a")) for c in _COLUMNS]
            lines.append(f"| {SYSTEMS[system]} | " + " | ".join(cells) + " |")
        pair = (subset.get("paired_bootstrap") or {}).get("pairs", {}).get("llm+guard vs baseline")
        if pair:
            lines.append("")
            lines.append("(d) − (d0), paired bootstrap over these ads: " + "; ".join(
                f"{m} {pair[m]['difference']:+.4f} [{pair[m]['interval_95'][0]:+.4f}, {pair[m]['interval_95'][1]:+.4f}]"
                for m in ("BLEU-4", "CIDEr")))
        lines.append("")
    ref = report.get("reference_lists")
    if ref:
        lines += ["List lines (issue 25; `tools/narration/listlines.py`): a line of 3+ clauses, at least 60 % of them "
                  "nothing but the sheet's fact phrases and the product's name. The human references: list-line rate "
                  f"{ref['list_line_rate']:.4f}, fact phrase said twice {ref['fact_repeat_rate']:.4f}, a clause "
                  f"repeated {ref['clause_repeat_rate']:.4f}. Every system's lines: `lines.jsonl`.", ""]
    sample = report.get("reading_sample")
    if sample:
        shown = [s for s in ("d", "d0", "a") if s in sample[0]]
        lines += ["## Reading sample", "", f"{len(sample)} random slots (seed 0): the systems' lines beside the "
                  "human one.", "", "| ad | slot | labels | human | " + " | ".join(f"({s})" for s in shown) + " |",
                  "|---|---|---|---|" + "---|" * len(shown)]
        for x in sample:
            lines.append(f"| {x['id'][:8]} | {x['slot'] + 1} | {'、'.join(x['labels'])} | {x['reference']} | "
                         + " | ".join(x.get(s, "") for s in shown) + " |")
        lines.append("")
    lines += ["## Examples", ""]
    for ex in report["examples"]:
        lines.append(f"**{ex['product']}**")
        lines.append("")
        for ln in ex["lines"]:
            lines.append(f"- {'、'.join(ln['labels'])}: {ln['guarded']}  (reference: {ln['reference']})")
        lines.append("")
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
