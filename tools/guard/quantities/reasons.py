"""Reasons for unsupported quantities, naming both sides: what the claim is, what the sheet's number is."""

from __future__ import annotations

from tools.guard.quantities.matching import _close
from tools.guard.quantities.model import Offer, Quantity
from tools.guard.quantities.units import _CURRENCY_NAME
from tools.guard.quantities.words import _fmt

__all__: list[str] = []


def _describe(f: Quantity) -> str:
    """What a fact quantity is, in a reason: 'days', 'a count of double shots', 'a saving'."""
    if f.kind == "offer" and f.offer is not None:
        return _offer_phrase(f.offer)
    if f.kind == "currency":
        role = {"price": "a price", "discount": "a saving", "threshold": "a spending threshold",
                "original": "the old price", "value": "a gift's value"}.get(f.role, "a price")
        return f"{role} in {_CURRENCY_NAME.get(f.unit, f.unit or 'money')}"
    if f.kind == "count":
        return f"a count of {f.attachment}" if f.attachment else "a count"
    if f.kind == "percent":
        return f"a percentage of {f.attachment}" if f.attachment else "a percentage"
    if f.kind == "multiplier":
        return f"a multiplier of {f.attachment}" if f.attachment else "a multiplier"
    if f.kind in ("year", "age", "size", "spf", "event"):
        return {"year": "a year", "age": "an age", "size": "a size", "spf": "an SPF", "event": "a sales event"}[f.kind]
    return f.written_unit or f.kind


def _offer_phrase(o: Offer) -> str:
    if o.type == "buy_get":
        return f"an offer: buy {_fmt(o.buy or 0)} get {_fmt(o.get or 0)}" + (f" {o.get_noun}" if o.get_noun else "")
    if o.type == "save":
        return f"a saving of {_fmt(o.save or 0)}" + (f" over {_fmt(o.threshold)}" if o.threshold else "")
    if o.type == "rate":
        return f"a discount to {_fmt(round((o.rate or 0) * 100, 2))}% of the price"
    if o.type == "shipping":
        return "free shipping" + (f" over {_fmt(o.threshold)}" if o.threshold else "")
    return f"a gift of {_fmt(o.get or 1)} {o.get_noun}".rstrip()


def _numbers_of(f: Quantity) -> list[tuple[float, str]]:
    """(number as written, what it is) of a fact quantity, offers' parts included."""
    if f.kind != "offer" or f.offer is None:
        return [(f.number, _describe(f))] + ([(f.high, _describe(f))] if f.high is not None and f.low is not None
                                             and f.number and f.high != f.low else [])
    o, out = f.offer, []
    if o.threshold is not None:
        out.append((o.threshold, {"shipping": "a free-shipping threshold", "save": "the spend a saving needs"}.get(
            o.type, "a spending threshold")))
    if o.save is not None:
        out.append((o.save, "a saving"))
    if o.buy is not None:
        out.append((o.buy, "the items to buy in an offer"))
    if o.get is not None:
        out.append((o.get, "the items given in an offer"))
    if o.rate is not None:
        out.append((round(o.rate * 10, 4), "a discount (折)"))
        out.append((round((1 - o.rate) * 100, 4), "a percent off"))
    return out


def _claim_number(c: Quantity) -> float:
    return c.number if c.number else c.value


def _kind_noun(c: Quantity) -> str:
    if c.kind == "currency":
        return {"price": "price", "discount": "saving", "threshold": "spending threshold", "original": "old price",
                "value": "gift value"}.get(c.role, "price")
    if c.kind == "count":
        return f"count of {c.attachment}" if c.attachment else "count"
    return {"percent": "percentage", "multiplier": "multiplier", "time": "duration", "age": "age", "year": "year",
            "weight": "weight", "volume": "volume", "length": "length", "measure": "measure", "size": "size",
            "spf": "SPF", "event": "sales event"}.get(c.kind, c.kind)


def _condition_phrase(o: Offer | None, claim: bool = False) -> str:
    """An offer's condition in words: 'needs a spend of 40 dollars', 'is for the second item'."""
    if o is None:
        return ""
    if o.threshold is not None:
        money = _CURRENCY_NAME.get(o.currency, o.currency)
        return f"needs a spend of {_fmt(o.threshold)}{' ' + money if money else ''}"
    cond = o.condition
    if cond.startswith("first:"):
        return f"is for the first {cond[6:]} buyers"
    return {"second": "is for the second item", "members": "is for members", "coupon": "needs a coupon",
            "all": "every order" if claim else "has no condition", "up_to": "is an upper bound"}.get(
        cond, "no condition" if claim else "has no condition")


def _reason(c: Quantity, facts: list[Quantity], near: list[Quantity]) -> tuple[str, str]:
    """Why ``c`` is unsupported, naming what the sheet's same number is."""
    n = _claim_number(c)
    label = c.text
    if near:
        f = near[0]
        if c.kind == "currency" and f.kind == "currency" and c.role != f.role:
            return f"{label}: the sheet's {f.text} is {_describe(f)}, not a {_kind_noun(c)} ({f.source})", f.source
        if f.kind == c.kind:
            return f"{label}: the sheet's {_fmt(f.number or f.value)} is {_describe(f)} ({f.source})", f.source
        return (f"{label}: no {_kind_noun(c)} of {_fmt(n)} in the facts; the sheet's {_fmt(f.number or f.value)} is "
                f"{_describe(f)} ({f.source})"), f.source
    for f in facts:
        if c.kind == "currency" and f.kind == "currency" and c.unit and f.unit and c.unit != f.unit and _close(
                c.value, f.value):
            return (f"{label}: the sheet's {_fmt(f.number)} is in {_CURRENCY_NAME.get(f.unit, f.unit)}, not "
                    f"{_CURRENCY_NAME.get(c.unit, c.unit)} ({f.source})", f.source)
    others = [(f, what) for f in facts for num, what in _numbers_of(f) if _close(num, n)]
    head = f"{label}: no {_kind_noun(c)} of {_fmt(n)} in the facts"
    if others:
        f, what = others[0]
        return f"{head}; the sheet's {_fmt(n)} is {what} ({f.source})", f.source
    same_kind = list(dict.fromkeys(f.source for f in facts if f.kind == c.kind))[:2]
    if same_kind:
        return f"{head} (the sheet says: {'; '.join(same_kind)})", same_kind[0]
    return head, ""
