"""List-line measures of a made ad's voice-over (issue 25), in any language the sheet is in.

The measure itself is ``tools/narration/listlines.py`` (the narrator avoids list lines with
it; the harness ``reelwright eval narration`` reports it per system). This prints it for the
voice-over of a ``reelwright make`` run against its fact sheet:

    .venv/bin/python -m evals.listlines OUT/plan.json FACTS.json

and narrates the English sheets written for this (``tools/data/narration_sheets_en.json``) with
the real model, printing each ad's lines and the shares over all of them:

    .venv/bin/python -m evals.listlines --narrate tools/data/narration_sheets_en.json [--model NAME]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tools.core.schema import ProductFacts
from tools.narration.listlines import ListMeasures, list_measures, product_names, sheet_phrases

__all__ = ["narrate_sheets", "voice_over_lines", "voice_over_measures"]


def voice_over_lines(plan: dict) -> list[str]:
    """The chosen variant's voice-over lines in a ``plan.json`` (empty without a voice-over)."""
    rendered = plan.get("rendered") or []
    return [s["text"] for s in (rendered[0].get("narration") or [])] if rendered else []


def voice_over_measures(lines: list[str], facts: ProductFacts, language: str | None = None) -> ListMeasures:
    """List-line, repeated-fact and repeated-clause shares of ``lines`` against ``facts``."""
    phrases, names = sheet_phrases(facts.facts), product_names(facts.product, facts.aliases,
                                                                language or "zh")
    return list_measures([(t, phrases, names) for t in lines], language)


def narrate_sheets(path: Path, model: str | None = None) -> tuple[list[list[str]], ListMeasures]:
    """Narrate each sheet of ``path`` (the shape of ``tools/data/narration_sheets_en.json``) with the
    real model, the guard and the English worked examples, as ``reelwright make`` does."""
    from models.llm import get_chat_model
    from models.settings import Settings
    from tools.guard.factguard import FactGuard
    from tools.narration.narrate import ExampleBank, narrate
    from tools.narration.storyline import Slot, Storyline

    data = json.loads(path.read_text(encoding="utf-8"))
    llm = get_chat_model(Settings(), model=model, temperature=0.7, max_tokens=160)
    ads, items = [], []
    for sheet in data["sheets"]:
        facts = ProductFacts.model_validate(sheet)
        n = len(sheet["storyline"])
        story = Storyline(language="en", slots=[Slot(index=i + 1, labels=[lab], budget=tuple(b), unit="words",
                                                     position=i / max(1, n - 1))
                                                for i, (lab, b) in enumerate(sheet["storyline"])])
        out = narrate(facts, story, llm=llm, guard=FactGuard(facts.product, facts.facts),
                      examples=ExampleBank.english(), candidates=2, stretch=1.3)
        lines = [s.text for s in out.slots]
        ads.append(lines)
        phrases, names = sheet_phrases(facts.facts), product_names(facts.product, facts.aliases, "en")
        items += [(t, phrases, names) for t in lines]
    return ads, list_measures(items, "en")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--narrate"] and len(args) in (2, 4):
        ads, measures = narrate_sheets(Path(args[1]), args[3] if len(args) == 4 else None)
        for lines in ads:
            print(" ".join(lines))
        print(json.dumps(measures.as_dict()))
        return 0
    if len(args) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    plan = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    facts = ProductFacts.model_validate_json(Path(args[1]).read_text(encoding="utf-8"))
    lines = voice_over_lines(plan)
    for i, t in enumerate(lines, 1):
        print(f"{i}. {t}")
    print(json.dumps(voice_over_measures(lines, facts, plan.get("language")).as_dict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
