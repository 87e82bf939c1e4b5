"""Checking lines against one fact sheet: the sheet's phrases, their quantities, one verdict each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tools.guard.quantities.extract import extract
from tools.guard.quantities.model import Quantity, Verdict
from tools.guard.quantities.support import support

__all__ = ["QuantityChecker", "sheet_phrases"]


def sheet_phrases(facts: object) -> list[str]:
    """The phrases of a fact sheet: a ``ProductFacts``, ``{"product", "facts": {field: [...]}}``, a
    ``{field: [phrases]}`` mapping or a list of phrases (product name and aliases first)."""
    if hasattr(facts, "phrases") and hasattr(facts, "names"):
        return [*facts.names, *facts.phrases()]  # type: ignore[attr-defined]
    if isinstance(facts, Mapping):
        if "facts" in facts and isinstance(facts["facts"], Mapping):
            names = [facts.get("product", ""), *facts.get("aliases", [])]
            return [p for p in [*names, *sheet_phrases(facts["facts"])] if p]
        return [str(p) for ps in facts.values() if isinstance(ps, list | tuple) for p in ps]
    if isinstance(facts, Iterable) and not isinstance(facts, str):
        return [str(p) for p in facts]
    raise TypeError(f"not a fact sheet: {type(facts).__name__}")


class QuantityChecker:
    """Checks the quantities of lines against one fact sheet.

    Fact phrases that are instructions (:func:`tools.guard.injection.is_instruction`) are dropped
    (``dropped``) before they can support anything.
    """

    def __init__(self, facts: object) -> None:
        from tools.guard.injection import is_instruction

        phrases = list(dict.fromkeys(p.strip() for p in sheet_phrases(facts) if p and p.strip()))
        self.dropped = [p for p in phrases if is_instruction(p)]
        self.phrases = [p for p in phrases if p not in self.dropped]
        self.facts: list[Quantity] = [q for p in self.phrases for q in extract(p)]

    def check(self, text: str) -> list[Verdict]:
        """One verdict per quantity of ``text``, in order."""
        return [support(q, self.facts) for q in extract(text)]
