"""Claims as typed quantities: what a number in a line measures, and whether the facts give it that role.

Every quantity in a line becomes a :class:`Quantity`: its value in a base unit, what it
measures (``kind``), the role it plays (a price, a saving, a spending threshold...), what it
is attached to (the noun, measure word or percentage target) and how it is hedged
(``qualifier``). English and Chinese; Arabic digits, spelled English numbers and Chinese
numerals::

    >>> [(q.kind, q.value, q.unit) for q in extract("Just $24.90 for a one-kilogram bag")]
    [('currency', 24.9, 'USD'), ('weight', 1000.0, 'g')]
    >>> [(q.kind, q.value, q.role, q.attachment) for q in extract("289元到手四件套")]
    [('currency', 289.0, 'price', ''), ('count', 4.0, '', '件套')]

Kinds and base units: ``currency`` (value in the currency, ``unit`` its code: CNY, USD, EUR;
``role`` price / discount / threshold / original / value), ``weight`` (g), ``volume`` (ml),
``length`` (mm), ``time`` (s), ``age`` (years), ``year`` (a calendar year), ``percent`` (0-100,
``attachment`` what it is a percentage of), ``multiplier`` (2倍, 3x, twice; ``attachment`` the
property), ``count`` (``attachment`` the noun or Chinese measure word: double shots, 件套),
``size`` (EU 42), ``spf``, ``event`` (618, 双11), ``measure`` (other units: W, gsm, degrees) and
``offer`` (an :class:`Offer`: buy N get M, spend N save M, N折 / N% off, free shipping, a gift,
each with its condition).

When a fact supports a claim (:func:`support`):

- same kind, compatible unit (after conversion: 1 kg = 1000 g = 2 斤, 1 L = 1000 ml, 72 小时 =
  3 天) and, for money, the same currency (a number without a currency matches any);
- the same value, by the claim's hedge:

  * an exact claim ("50 double shots") is supported by the same value stated exactly, approximately
    ("about 50"), as a lower bound ("over 40,000 bags" supports "40,000 bags") or as an upper bound
    ("up to 24 hours" supports "24 hours"): a hedge may be dropped; a value inside a fact range is
    supported ("EU size 42" by "EU sizes 36 to 46");
  * "about N" needs a fact within 10 % of N; "over N" needs a fact whose lower bound is at least N
    ("over 2,000 parents" is supported by "2,300 parents"); "up to N" needs a fact whose upper
    bound is at most N; a range needs a fact inside it;
- the same attachment: a count's noun ("50 bags" is not "50 double shots") or measure word class
  (粒 = 颗, 级 = 档, but 瓶 is not 盒); a percentage's target ("87%锦纶" is not "87%氨纶", "50% off" is
  an offer, not a share); a price's role ("$15" is not the "$15" saved; "$40" is not the free-shipping
  threshold) and its "per" noun ("$24 per pair" is not "$24 per pack"); a duration's or multiplier's
  context words (a claim that fits another fact of the same kind better is unsupported: "hot for 24
  hours" when the sheet says "cold for up to 24 hours" and "hot for 12 hours");
- offers must match as structures with their conditions: "buy one get one" is not "buy two get
  one"; "free shipping on every order" is not "free shipping over $40"; a condition dropped
  ("立减30元" when the sheet says "满199减30") or added is unsupported.

An unsupported quantity's reason names both sides, e.g. ``7 dollars: the sheet's 7 is days
(roasted within 7 days of shipping)``.
"""

from __future__ import annotations

from tools.guard.quantities.checker import QuantityChecker, sheet_phrases
from tools.guard.quantities.extract import extract
from tools.guard.quantities.model import Offer, Quantity, QuantityVerdict, Verdict
from tools.guard.quantities.support import support
from tools.guard.quantities.units import is_unit
from tools.guard.quantities.words import stem, words_match

__all__ = ["Offer", "Quantity", "Verdict", "QuantityVerdict", "QuantityChecker", "extract", "support",
           "sheet_phrases", "stem", "words_match", "is_unit"]
