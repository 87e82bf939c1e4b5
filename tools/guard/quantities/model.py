"""The data model of typed quantities: :class:`Offer`, :class:`Quantity` and :class:`Verdict`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Offer", "Quantity", "Verdict", "QuantityVerdict"]


@dataclass(frozen=True)
class Offer:
    """A promotion as a structure.

    ``type``: ``buy_get`` (buy ``buy`` get ``get`` more free), ``save`` (``save`` off, maybe over a
    ``threshold``), ``rate`` (pay ``rate`` of the price: 0.73 for 7.3折, 0.8 for 20% off, 0 for
    free), ``shipping`` (free shipping, maybe over a ``threshold``) or ``gift`` (``get`` of
    ``get_noun`` free). ``condition``: "" (none stated), "all" (explicitly every order / 全场),
    "second" (the second item), "members", "coupon", "first:N" (the first N buyers).
    """

    type: str
    buy: float | None = None
    get: float | None = None
    unit: str = ""  # base unit of buy / get when they are amounts (ml, g), "" for items
    buy_noun: str = ""
    get_noun: str = ""
    save: float | None = None
    rate: float | None = None
    threshold: float | None = None
    currency: str = ""
    condition: str = ""


@dataclass(frozen=True)
class Quantity:
    """One quantity of a text. ``value`` is in the base unit of its ``kind`` (see the package doc);
    ``number`` is the numeral as written (7 for "7 days"); ``text`` the span as written."""

    text: str
    kind: str
    value: float
    unit: str = ""
    number: float = 0.0
    written_unit: str = ""
    role: str = ""
    attachment: str = ""
    qualifier: str = "exact"  # exact, about, over, up_to, range
    low: float | None = None
    high: float | None = None
    start: int = 0
    end: int = 0
    context: tuple[str, ...] = ()
    offer: Offer | None = None
    source: str = ""

    def to_dict(self) -> dict:
        """JSON-ready fields (offer as a nested dict, empty fields dropped)."""
        d = asdict(self)
        return {k: v for k, v in d.items() if v not in (None, "", (), [])}


@dataclass(frozen=True)
class Verdict:
    """Whether the facts support one quantity; ``evidence`` is the fact phrase that does (or the one
    the reason names)."""

    quantity: Quantity
    supported: bool
    reason: str = ""
    evidence: str = ""

    def to_dict(self) -> dict:
        q = self.quantity
        return {"text": q.text, "kind": q.kind, "supported": self.supported, "reason": self.reason,
                "evidence": [self.evidence] if self.evidence else [], "value": q.value, "unit": q.unit,
                "role": q.role, "attachment": q.attachment, "qualifier": q.qualifier}


QuantityVerdict = Verdict
