"""The extractor: every quantity of a text, structures (codes, events, offers, dimensions, ranges) first."""

from __future__ import annotations

import re
from dataclasses import replace

from tools.guard.quantities.model import Quantity
from tools.guard.quantities.offers import _OfferScanner
from tools.guard.quantities.singles import _SingleScanner
from tools.guard.quantities.units import _DAY, _EN_UNITS

__all__ = ["extract"]


class _Scanner(_OfferScanner, _SingleScanner):
    """Turns one text into quantities: offers and structures first, then single numerals."""

    def run(self) -> list[Quantity]:
        self._codes()
        self._events()
        self._offers()
        self._dimensions()
        self._ranges()
        for n in self.nums:
            if n.start in self.used or any(self.taken[n.start:n.end]):
                continue
            q = self._single(n)
            if q is not None:
                self.out.append(q)
        self.out.sort(key=lambda q: q.start)
        return self.out

    def _codes(self) -> None:
        """Model codes, ratios and dates are names, not quantities; SPF is a rating."""
        t = self.text
        for m in re.finditer(r"SPF\s?(\d+)\s?\+?", t, re.IGNORECASE):
            self.out.append(Quantity(m.group(0).strip(), "spf", float(m.group(1)), number=float(m.group(1)),
                                     start=m.start(), end=m.end()))
            self.take(m.start(), m.end())
        pats = [r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-/.][A-Za-z0-9]+)*",
                r"(?<![A-Za-z0-9.])\d+(?:\.\d+)?\s?[/:：比]\s?\d+(?:\s?[/:：比]\s?\d+)*|\d{2}后",
                r"\d+\s*(?:月|号|日|点(?![零一二三四五六七八九\d]))(?:\s?\d+\s?分(?!钟))?|\d{1,2}[:：]\d{2}"]
        for i, pat in enumerate(pats):
            for m in re.finditer(pat, t):
                if i == 0 and not re.search(r"\d", m.group(0)):
                    continue
                if i == 2 and re.match(r"\d+\s*个月", t[m.start():]):
                    continue
                self.take(m.start(), m.end())
        for m in re.finditer(r"(?<![A-Za-z0-9.])\d+([A-Za-z]+)\d*", t):
            u = m.group(1)
            if u.lower() not in _EN_UNITS and u.lower() not in ("k",):
                self.take(m.start(), m.end())

    def _events(self) -> None:
        for m in re.finditer(r"双\s?(?:11|十一|12|十二)|(?<![\d.])(?:618|520|六一八|五二零)(?![\d.%元块])", self.text):
            key = re.sub(r"\s", "", m.group(0))
            value = {"双11": 11.11, "双十一": 11.11, "双12": 12.12, "双十二": 12.12, "618": 6.18, "六一八": 6.18,
                     "520": 5.2, "五二零": 5.2}[key]
            self.out.append(Quantity(m.group(0), "event", value, start=m.start(), end=m.end()))
            self.take(m.start(), m.end())

    def _number_pairs(self, separator: str):
        """(first numeral, its unit, second numeral) of every "N [unit] <separator> M" not yet read
        (checked as the caller goes: what it reads is skipped after)."""
        for m in re.finditer(r"#+", self.masked):
            a = self.num_at(m.start())
            if a is None or a.start in self.used:
                continue
            u1 = self.unit_after(a.end)
            p = u1[4] if u1 else a.end
            sep = re.match(separator, self.text[p:])
            if not sep:
                continue
            b = self.num_at(p + sep.end())
            if b is not None:
                yield a, u1, b

    def _dimensions(self) -> None:
        for a, u1, b in self._number_pairs(r"\s*(?:x|X|×|\*|by|乘)\s*"):
            u2 = self.unit_after(b.end)
            unit = u2 if u2 and u2[1] == "length" else (u1 if u1 and u1[1] == "length" else None)
            if unit is None or (u1 and u1[1] != "length") or (u2 and u2[1] != "length"):
                continue
            for n, u in ((a, u1 or unit), (b, u2 or unit)):
                end = u[4] if u is u1 or u is u2 else n.end
                self.out.append(Quantity(self.text[n.start:end], "length", n.value * u[3], unit=u[2], number=n.value,
                                         written_unit=u[0], start=n.start, end=end,
                                         context=self.context(n.start, end)))
                self.used.add(n.start)

    def _ranges(self) -> None:
        for a, u1, b in self._number_pairs(r"\s*(?:-|–|—|~|～|到|至|to)\s*"):
            if b.start in self.used or b.value < a.value:
                continue
            u2 = self.unit_after(b.end)
            unit = u2 or u1
            before = self.text[max(0, a.start - 8):a.start].lower()
            if unit is None and not re.search(r"sizes?\s*$|ages?\s*$", before):
                continue
            if unit and unit[1] in ("offer",):
                continue
            kind, base, factor = (unit[1], unit[2], unit[3]) if unit else (
                ("size", "", 1.0) if "size" in before else ("age", "years", 1.0))
            if kind == "time" and re.search(r"ages?|kids?|children|儿童|宝宝", before):
                kind, base, factor = "age", "years", factor / (365 * _DAY)
            end = unit[4] if unit else b.end
            start = a.start
            cur = self.currency_before(a.start)
            if kind == "currency" and cur:
                start = cur[1]
            lo, hi = a.value * factor, b.value * factor
            self.out.append(Quantity(self.text[start:end], kind, lo, unit=base, number=a.value,
                                     written_unit=unit[0] if unit else "", qualifier="range", low=lo, high=hi,
                                     start=start, end=end, context=self.context(start, end)))
            self.used.update({a.start, b.start})


def _twice(sc: _Scanner) -> list[Quantity]:
    """'twice as fast', 双倍, 翻倍: multipliers of 2 without a numeral ('twice a day' is a frequency)."""
    out = []
    for m in re.finditer(r"\b(twice|double|双倍|翻倍)\b(?!\s+(?:a|per|each|every)\b)", sc.text, re.IGNORECASE):
        if m.group(1).lower() == "double" and not re.match(r"\s+(?:as|the)\b", sc.text[m.end():]):
            continue
        out.append(Quantity(m.group(0), "multiplier", 2.0, unit="x", number=2.0, written_unit=m.group(1),
                            attachment=sc._property(m.start(), m.end()), start=m.start(), end=m.end(),
                            context=sc.context(m.start(), m.end())))
    return out


def extract(text: str, language: str | None = None) -> list[Quantity]:
    """Every quantity of ``text``, in order (``language`` is accepted for symmetry: both are read)."""
    if not text or not text.strip():
        return []
    scanner = _Scanner(text)
    quantities = scanner.run()
    spans = [(q.start, q.end) for q in quantities]
    for q in _twice(scanner):
        if not any(a <= q.start < b for a, b in spans):
            quantities.append(q)
    return sorted((replace(q, source=text) for q in quantities), key=lambda q: q.start)
