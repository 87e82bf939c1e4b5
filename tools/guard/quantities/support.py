"""Whether the facts support one claimed quantity (the rules are in the package doc)."""

from __future__ import annotations

from tools.guard.quantities.matching import (
    _attached,
    _close,
    _offers_match,
    _same_dimension,
    _values_match,
)
from tools.guard.quantities.model import Quantity, Verdict
from tools.guard.quantities.reasons import _claim_number, _condition_phrase, _reason
from tools.guard.quantities.words import _attachments_match, _fmt, _overlap

__all__ = ["support"]


def _support_offer(c: Quantity, facts: list[Quantity]) -> Verdict:
    assert c.offer is not None
    same = [f for f in facts if f.kind == "offer" and f.offer is not None and f.offer.type == c.offer.type]
    why = ""
    for f in same:
        ok, what = _offers_match(c.offer, f.offer)  # type: ignore[arg-type]
        if ok:
            return Verdict(c, True, "", f.source)
        why = why or what
        if what == "condition":
            return Verdict(c, False, f"{c.text}: {_condition_phrase(c.offer, claim=True)} here, but the sheet's offer "
                                     f"{_condition_phrase(f.offer)} ({f.source})", f.source)
    if same:
        srcs = "; ".join(dict.fromkeys(f.source for f in same))
        return Verdict(c, False, f"{c.text}: not the sheet's offer ({srcs})", same[0].source)
    return Verdict(c, False, f"{c.text}: no such offer in the facts", "")


_BUYING = frozenset(("buy", "order", "grab", "get", "买", "拍", "购买", "下单"))


def _offer_part(claim: Quantity, facts: list[Quantity]) -> Quantity | None:
    """The fact offer whose items to buy are this count ("buy two bags" of "buy two bags, get a
    free cup"), when the claim is a call to buy them; None otherwise."""
    if claim.kind != "count" or not _BUYING.intersection(claim.context):
        return None
    for f in facts:
        o = f.offer
        if (o is not None and o.type == "buy_get" and _close(o.buy, claim.value)
                and (not o.buy_noun or not claim.attachment or _attachments_match(claim.attachment, o.buy_noun))):
            return f
    return None


def support(claim: Quantity, facts: list[Quantity]) -> Verdict:
    """Whether the fact quantities support one claimed quantity (see the package doc for the rules)."""
    if claim.kind == "offer":
        return _support_offer(claim, facts)
    offered = _offer_part(claim, facts)
    if offered is not None:  # "Buy two bags today." against "buy two bags, get a free ceramic cup"
        return Verdict(claim, True, "", offered.source)
    cands = [f for f in facts if _same_dimension(claim, f)]
    matches = [f for f in cands if _values_match(claim, f)]
    good = [f for f in matches if _attached(claim, f)]
    if good and claim.kind in ("time", "age", "multiplier", "weight", "volume", "length", "measure") and claim.context:
        others = [f for f in cands if f not in matches and f.context]
        best_other = max((_overlap(claim.context, f.context) for f in others), default=0)
        scored = [(f, _overlap(claim.context, f.context)) for f in good]
        if claim.kind in ("time", "multiplier"):
            fitting = [f for f, ov in scored if (ov > 0 or not f.context) and ov >= best_other]
            if not fitting and best_other == 0:
                fitting = [f for f, ov in scored if not f.context]
        else:
            fitting = [f for f, ov in scored if ov > 0 or best_other == 0]
        if not fitting:
            better = max(others, key=lambda f: _overlap(claim.context, f.context)) if best_other else None
            f0 = scored[0][0]
            if better is not None:
                return Verdict(claim, False, f"{claim.text}: the sheet says {better.source}", better.source)
            return Verdict(claim, False, f"{claim.text}: the sheet's {_fmt(f0.number)} {f0.written_unit} is about "
                                         f"something else ({f0.source})", f0.source)
        good = fitting
    if good:
        return Verdict(claim, True, "", good[0].source)
    near = [f for f in matches if not _attached(claim, f)]
    if not near:
        near = [f for f in facts if f.kind != claim.kind and f.kind != "offer" and _close(f.number or f.value,
                                                                                          _claim_number(claim))]
    reason, evidence = _reason(claim, facts, near)
    return Verdict(claim, False, reason, evidence)
