"""Whether a fact quantity matches a claim: dimension, value under the hedges, attachment, offer."""

from __future__ import annotations

import math
import re

from tools.guard.quantities.model import Offer, Quantity
from tools.guard.quantities.words import _attachments_match, _overlap, _tokens, stem, words_match

__all__: list[str] = []


_TOL = 1e-6


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= _TOL * max(1.0, abs(a), abs(b))


def _bounds(q: Quantity) -> tuple[float, float]:
    if q.qualifier == "range" and q.low is not None and q.high is not None:
        return q.low, q.high
    if q.qualifier == "over":
        return q.value, math.inf
    if q.qualifier == "up_to":
        return -math.inf, q.value
    if q.qualifier == "about":
        return q.value * 0.9, q.value * 1.1
    return q.value, q.value


_LOWER_BOUND_KINDS = ("count", "currency")  # "over 2,000 parents" is true of 2,300; "kids over two" is not "over four"


def _values_match(c: Quantity, f: Quantity) -> bool:
    """The claim's value (with its hedge) is given by the fact's; see the package doc."""
    flo, fhi = _bounds(f)
    if c.qualifier == "exact":
        if f.qualifier == "range":
            return flo - _TOL <= c.value <= fhi + _TOL
        return _close(c.value, f.value)
    if c.qualifier == "about":
        if f.qualifier in ("exact", "about"):
            return abs(c.value - f.value) <= 0.1 * abs(c.value) + _TOL
        if f.qualifier == "range":
            return flo - _TOL <= c.value <= fhi + _TOL
        return _close(c.value, f.value)
    if c.qualifier == "over":
        if c.kind in _LOWER_BOUND_KINDS and f.qualifier != "up_to":
            return flo >= c.value - _TOL * max(1.0, c.value)
        return f.qualifier in ("over", "exact", "about") and _close(flo if f.qualifier == "over" else f.value, c.value)
    if c.qualifier == "up_to":
        return f.qualifier in ("up_to", "exact", "about") and _close(fhi if f.qualifier == "up_to" else f.value,
                                                                      c.value)
    if c.qualifier == "range" and c.low is not None and c.high is not None:
        if f.qualifier == "range":
            return flo - _TOL <= c.low and c.high <= fhi + _TOL
        return f.qualifier in ("exact", "about") and c.low - _TOL <= f.value <= c.high + _TOL
    return False


def _attached(c: Quantity, f: Quantity) -> bool:
    if c.kind == "count":
        if c.unit and f.unit and re.search(r"[\u4e00-\u9fff]", c.attachment + f.attachment):
            return c.unit == f.unit
        return _attachments_match(c.attachment, f.attachment)
    if c.kind == "percent":
        if c.attachment and f.attachment:  # "87%锦纶" vs "87%氨纶", "70% cotton" vs "70% merino wool"
            return _attachments_match(c.attachment, f.attachment, first_word=True)
        if c.attachment and f.context:  # "98%的UVB" vs "阻隔UVA≥98%": the claim's target must be the fact's
            return _overlap(_tokens(c.attachment), f.context) > 0
        return not c.context or not f.context or _overlap(c.context, f.context) > 0
    if c.kind == "currency":
        if c.role != f.role:
            return False
        return not (c.attachment and f.attachment) or words_match(stem(c.attachment), stem(f.attachment))
    if c.kind == "multiplier":
        if c.attachment and f.attachment:
            return _attachments_match(c.attachment, f.attachment)
        return not f.context or _overlap(c.context, f.context) > 0
    return True


def _same_dimension(c: Quantity, f: Quantity) -> bool:
    if c.kind != f.kind:
        return False
    if c.kind in ("currency",):
        return not c.unit or not f.unit or c.unit == f.unit
    if c.kind == "measure":
        return c.unit == f.unit
    return True


def _offers_match(c: Offer, f: Offer) -> tuple[bool, str]:
    """(match, what differs) of two offers of the same type."""
    if c.type == "buy_get":
        if not (_close(c.buy, f.buy) and _close(c.get, f.get)):
            return False, "amounts"
        if c.buy_noun and f.buy_noun and not _attachments_match(c.buy_noun, f.buy_noun):
            return False, "what to buy"
        f_get = f.get_noun or f.buy_noun
        if c.get_noun and f_get and not _attachments_match(c.get_noun, f_get):
            return False, "what you get"
    elif c.type == "save":
        if not _close(c.save, f.save) or (c.currency and f.currency and c.currency != f.currency):
            return False, "amounts"
        if (c.threshold is None) != (f.threshold is None) or (c.threshold is not None and not _close(c.threshold,
                                                                                                     f.threshold)):
            return False, "condition"
    elif c.type == "rate":
        if not _close(c.rate, f.rate):
            return False, "amounts"
    elif c.type == "shipping":
        if (c.threshold is None) != (f.threshold is None) or (c.threshold is not None and not _close(c.threshold,
                                                                                                     f.threshold)):
            return False, "condition"
    elif c.type == "gift":
        if not _close(c.get, f.get):
            return False, "amounts"
        if c.get_noun and f.get_noun and not _attachments_match(c.get_noun, f.get_noun):
            return False, "what you get"
    cc = "" if c.condition in ("", "all") else c.condition
    fc = "" if f.condition in ("", "all") else f.condition
    if c.condition == "up_to" or f.condition == "up_to":
        return True, ""
    if cc != fc or (c.condition == "" and f.condition not in ("", "all") ) or (
            c.type in ("shipping", "save") and c.condition == "all" and f.threshold is not None):
        return False, "condition"
    return True, ""
