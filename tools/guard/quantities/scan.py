"""The scanner's state over one text and the helpers its readings share: numerals, spans, units, money."""

from __future__ import annotations

import re

from tools.guard.quantities.model import Quantity
from tools.guard.quantities.numerals import _mask, _Num, _numerals
from tools.guard.quantities.units import _CURRENCY_PREFIX, _EN_UNITS, _PREFIX_CODE, _ZH_UNIT_KEYS, _ZH_UNITS
from tools.guard.quantities.words import _CLAUSE_SPLIT, _SENT_SPLIT, _span_of, _tokens

__all__: list[str] = []


class _ScanBase:
    """One text, its numerals and masked copy, what structures have consumed and the quantities found."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.nums = _numerals(text)
        self.by_start = {n.start: n for n in self.nums}
        self.masked = _mask(text, self.nums)
        self.used: set[int] = set()  # starts of numerals consumed by a structure
        self.taken = [False] * len(text)  # spans consumed by offers (words too)
        self.out: list[Quantity] = []

    def num_at(self, pos: int) -> _Num | None:
        return self.by_start.get(pos)

    def sentence(self, pos: int) -> str:
        a, b = _span_of(self.text, pos, _SENT_SPLIT)
        return self.text[a:b]

    def clause_bounds(self, pos: int) -> tuple[int, int]:
        return _span_of(self.text, pos, _CLAUSE_SPLIT)

    def context(self, start: int, end: int) -> tuple[str, ...]:
        """Content tokens around a quantity: its clause, cut at the neighbouring numerals and at 'and' / 和
        between them (so 'a 2-year warranty and 30-day free returns' gives each its own words)."""
        a, b = self.clause_bounds(start)
        for n in self.nums:
            if a <= n.end <= start and not (start <= n.start < end):
                a = n.end
            if end <= n.start < b:
                b = n.start
                break
        left, right = self.text[a:start], self.text[end:b]
        left = re.split(r"\band\b|和|以及|&", left)[-1]
        right = re.split(r"\band\b|和|以及|&", right)[0]
        return _tokens(left + " " + right)

    def take(self, start: int, end: int) -> None:
        for n in self.nums:
            if start <= n.start < end:
                self.used.add(n.start)
        for i in range(start, end):
            self.taken[i] = True

    def unit_after(self, pos: int) -> tuple[str, str, str, float, int] | None:
        """(written unit, kind, base unit, factor, end) of the unit right after ``pos``."""
        t = self.text
        m = re.match(r"[ \t]?(个(?=小时|月|星期))?", t[pos:])
        p = pos + (m.end() if m else 0)
        for key in _ZH_UNIT_KEYS:
            if t.startswith(key, p):
                kind, base, factor = _ZH_UNITS[key]
                return key, kind, base, factor, p + len(key)
        if m and m.group(1) and t.startswith("月", p):  # 三个月
            kind, base, factor = _ZH_UNITS["个月"]
            return "个月", kind, base, factor, p + 1
        m = re.match(r"(\s*-?\s*)(per cent|°C|°|℃|%|％|µm|μm|[A-Za-z]+)(?![A-Za-z])", t[pos:])
        if m:
            w = m.group(2)
            lw = w.lower()
            if lw in _EN_UNITS and not (lw in ("m", "s", "l", "h", "x", "w", "g") and m.group(1).strip() == "-"):
                if lw == "x" and re.match(r"\s*(?:#|\d)", self.masked[pos + m.end():]):
                    return None  # 50 x 70: a dimension, not a multiplier
                kind, base, factor = _EN_UNITS[lw]
                return w, kind, base, factor, pos + m.end()
            if lw == "per cent":
                return w, "percent", "%", 1.0, pos + m.end()
        return None

    def currency_before(self, start: int) -> tuple[str, int] | None:
        m = _CURRENCY_PREFIX.search(self.text[max(0, start - 5):start])
        if not m:
            return None
        code = _PREFIX_CODE[m.group(1).strip()]
        return code, start - (len(self.text[max(0, start - 5):start]) - m.start())

    def amount(self, num_start: int, default_currency: str = "") -> tuple[float, str, int, int] | None:
        """A money amount at a numeral: (value, currency code, span start, span end)."""
        n = self.num_at(num_start)
        if n is None:
            return None
        cur = self.currency_before(n.start)
        start, code = (cur[1], cur[0]) if cur else (n.start, "")
        end, value = n.end, n.value
        u = self.unit_after(n.end)
        if u and u[1] == "currency":
            code, end, value = u[2], u[4], n.value * u[3]
        return value, code or default_currency, start, end
