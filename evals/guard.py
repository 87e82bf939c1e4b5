"""The fact guard's red-team evaluation.

The lines are checked by the one fact guard (:class:`tools.guard.factguard.FactGuard`, through
:func:`check_lines`): the same check the narrator, ``make`` and ``reelwright guard`` use. A line
is ok when none of these finds a problem: its typed quantities (``tools.guard.quantities``:
numbers in their role, unit and attachment; offers and their conditions); plain contradictions
and unstated free-from claims (``tools.guard.contradictions``); specific terms that must match a
fact phrase; ad-law risk words the seller's own facts do not say; an instruction to the model or
the narration instead of a claim (``tools.guard.injection``); with an embedder only, general
claims too far from every fact phrase.

:func:`evaluate` runs it over the labelled set ``evals/data/guard_cases.jsonl`` (lines of
``{"id", "sheet", "text", "label", "rule", "reason", "split"}``; a sheet is a key of
``evals/data/guard_sheets.json``, ``demo:<product>`` of ``evals/data/demo_stream.json`` or the id of
an E-SyncVidStory dev record) and reports, overall and per rule: recall on unsupported lines,
precision, and the false-alarm rate on supported lines. No models are needed::

    python -m evals.guard --split dev
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from evals.datasets import read_jsonl
from tools.core.errors import DataError
from tools.core.schema import ProductFacts

__all__ = ["CASES", "SHEETS", "check_lines", "evaluate", "load_cases", "load_sheet", "format_report"]

_DATA = Path(__file__).resolve().parent / "data"
CASES = _DATA / "guard_cases.jsonl"
SHEETS = _DATA / "guard_sheets.json"
_DEMO = _DATA / "demo_stream.json"
_LABELS = ("supported", "unsupported")
_SPLITS = ("dev", "heldout")


def check_lines(facts: ProductFacts | dict, lines: list[str], embedder: object | None = None) -> list[dict]:
    """The fact guard's verdict per line (:func:`tools.guard.factguard.check_lines`, the check the
    narrator and ``make`` use), for a sheet given as ``ProductFacts`` or its dict."""
    from tools.guard.factguard import check_lines as check

    sheet = facts if isinstance(facts, ProductFacts) else ProductFacts.model_validate(facts)
    return check(sheet, lines, embedder)


# ------------------------------------------------------------------ the labelled set


def load_cases(path: str | Path = CASES, split: str | None = None) -> list[dict]:
    """The labelled lines (of one split), each checked for its shape; DataError names the bad line."""
    p = Path(path)
    if split is not None and split not in _SPLITS:
        raise DataError(f"unknown split {split!r}; expected one of {', '.join(_SPLITS)}")
    cases = []
    for n, case in read_jsonl(p, "the guard cases"):
        missing = [k for k in ("id", "sheet", "text", "label", "rule", "split") if not isinstance(case.get(k), str)]
        if missing:
            raise DataError(f"{p}:{n}: missing or not text: {', '.join(missing)}")
        if case["label"] not in _LABELS or case["split"] not in _SPLITS:
            raise DataError(f"{p}:{n}: label must be supported/unsupported and split dev/heldout")
        if split is None or case["split"] == split:
            cases.append(case)
    return cases


@lru_cache(maxsize=1)
def _written_sheets(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the guard fact sheets ({exc})") from None


@lru_cache(maxsize=1)
def _dev_records() -> dict[str, dict]:
    from evals.datasets import esync_dev, read_records

    return {r["id"]: r for r in read_records(esync_dev())}


def load_sheet(ref: str, sheets_path: str | Path = SHEETS) -> ProductFacts:
    """A case's fact sheet: a key of ``guard_sheets.json``, ``demo:<product>`` or a dev record id."""
    if ref.startswith("demo:"):
        demo = json.loads(_DEMO.read_text(encoding="utf-8"))
        for prod in demo["products"]:
            if prod["product"] == ref[5:]:
                return ProductFacts.model_validate(prod)
        raise DataError(f"{ref}: no such product in {_DEMO.name}")
    if re.fullmatch(r"[0-9a-f]{32}", ref):
        rec = _dev_records().get(ref)
        if rec is None:
            raise DataError(f"{ref}: no such record in the E-SyncVidStory dev split")
        return ProductFacts.model_validate({"product": rec["product"], "facts": rec["facts"]})
    sheets = _written_sheets(str(sheets_path))
    if ref not in sheets or ref.startswith("_"):
        raise DataError(f"{ref}: no such sheet in {Path(sheets_path).name}")
    return ProductFacts.model_validate(sheets[ref])


def _metrics(rows: list[tuple[str, bool]]) -> dict:
    """rows: (label, flagged). Recall / precision of flagging unsupported lines; false alarms on supported."""
    tp = sum(1 for label, flagged in rows if label == "unsupported" and flagged)
    fn = sum(1 for label, flagged in rows if label == "unsupported" and not flagged)
    fp = sum(1 for label, flagged in rows if label == "supported" and flagged)
    tn = sum(1 for label, flagged in rows if label == "supported" and not flagged)
    return {"n": len(rows), "unsupported": tp + fn, "supported": fp + tn, "tp": tp, "fn": fn, "fp": fp, "tn": tn,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "false_alarm_rate": round(fp / (fp + tn), 4) if fp + tn else None}


def evaluate(cases_path: str | Path = CASES, split: str | None = None, sheets_path: str | Path = SHEETS) -> dict:
    """Run the guard over the labelled lines (of ``split``); metrics overall and per rule, and the errors.

    Returns ``{"split", "overall": {...}, "rules": {rule: {...}}, "errors": [{"id", "rule", "label",
    "text", "reasons"}]}``; each metrics dict has n, supported, unsupported, tp, fn, fp, tn, recall,
    precision and false_alarm_rate.
    """
    cases = load_cases(cases_path, split)
    by_sheet: dict[str, list[dict]] = defaultdict(list)
    for c in cases:
        by_sheet[c["sheet"]].append(c)
    results: dict[str, dict] = {}
    for ref, group in by_sheet.items():
        checked = check_lines(load_sheet(ref, sheets_path), [c["text"] for c in group])
        for c, r in zip(group, checked, strict=True):
            results[c["id"]] = r
    rows = [(c["label"], not results[c["id"]]["ok"]) for c in cases]
    per_rule: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for c, row in zip(cases, rows, strict=True):
        per_rule[c["rule"]].append(row)
    errors = [{"id": c["id"], "rule": c["rule"], "label": c["label"], "text": c["text"],
               "reasons": [x["reason"] for x in results[c["id"]]["claims"] if not x["supported"]]}
              for c, (label, flagged) in zip(cases, rows, strict=True) if (label == "unsupported") != flagged]
    return {"split": split or "all", "overall": _metrics(rows),
            "rules": {rule: _metrics(r) for rule, r in sorted(per_rule.items())}, "errors": errors}


def format_report(result: dict) -> str:
    """The evaluation as a table: one row per rule and the overall row."""
    def pct(x: float | None) -> str:
        return "  -  " if x is None else f"{x:.3f}"

    lines = [f"fact guard on the red-team set (split: {result['split']})",
             f"{'rule':18} {'lines':>5} {'unsup':>5} {'recall':>7} {'precision':>9} {'false alarms':>12}"]
    for rule, m in [*result["rules"].items(), ("ALL", result["overall"])]:
        lines.append(f"{rule:18} {m['n']:5d} {m['unsupported']:5d} {pct(m['recall']):>7} {pct(m['precision']):>9} "
                     f"{pct(m['false_alarm_rate']):>12}")
    return "\n".join(lines)


def _main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m evals.guard", description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=_SPLITS, default=None)
    ap.add_argument("--cases", default=str(CASES))
    ap.add_argument("--errors", action="store_true", help="also list the misses and false alarms")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result = evaluate(args.cases, args.split)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(format_report(result))
    if args.errors:
        for e in result["errors"]:
            kind = "MISS" if e["label"] == "unsupported" else "FALSE ALARM"
            print(f"{kind:11} {e['id']} [{e['rule']}] {e['text']}  {' | '.join(e['reasons'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
