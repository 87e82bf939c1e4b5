"""Single numerals as quantities: a unit, a currency, a percentage's target, a count's noun, a hedge."""

from __future__ import annotations

import re
from dataclasses import replace

from tools.guard.quantities.model import Quantity
from tools.guard.quantities.numerals import _Num
from tools.guard.quantities.scan import _ScanBase
from tools.guard.quantities.units import _DAY, _EN_UNITS, _MEASURE_RE, _ZH_MEASURES
from tools.guard.quantities.words import _EN_NOUN_STOP, _EN_STOP, _SENT_SPLIT, _span_of, stem

__all__: list[str] = []


class _SingleScanner(_ScanBase):
    """Reads one numeral left by the structures as a quantity."""

    def _qualifier(self, start: int, end: int) -> tuple[str, int, int]:
        """(qualifier, span start, span end) from the words around a quantity."""
        t = self.text
        a, _ = self.clause_bounds(start)
        before = t[a:start]
        after = t[end:end + 4]
        pats = [("over", r"(?:\b(?:over|more than|above|at least|upwards of|in excess of|no less than|beyond)\s+|"
                         r"[>≥]\s?|超过|超出|超|逾|高于|多于|不少于|至少|起码|大于)$"),
                ("up_to", r"(?:\b(?:up to|within|under|less than|below|at most|no more than|as (?:much|many|long) "
                          r"as)\s+|[<≤]\s?|不超过|不到|不足|低于|少于|最多|最高|至多)$"),
                ("about", r"(?:\b(?:about|around|approximately|approx\.?|roughly|nearly|almost|some|close to)\s+|"
                          r"[~～]\s?|约|大约|大概|近|将近|接近|差不多)$")]
        found = [(m.start(), name) for name, pat in pats for m in [re.search(pat, before, re.IGNORECASE)] if m]
        if found:
            first, name = min(found)
            return name, a + first, end
        for name, pat in (("over", r"^(?:以上|多|余|\+|＋|\s?or more\b|\s?and (?:up|older|over)\b)"),
                          ("up_to", r"^(?:以内|以下|之内|内|\s?or (?:less|fewer)\b)"),
                          ("about", r"^(?:左右|上下)")):
            m = re.match(pat, after, re.IGNORECASE)
            if m:
                return name, start, end + m.end()
        return "exact", start, end

    def _single(self, n: _Num) -> Quantity | None:
        t = self.text
        pos, over_inside = n.end, False
        m = re.match(r"\s?(\+|＋|多|余)(?=[\u4e00-\u9fff])", t[pos:])
        if m and not (n.chinese and m.group(1) == "多" and len(n.text) == 1):
            pos, over_inside = pos + m.end(), True
        unit = self.unit_after(pos)
        cur = self.currency_before(n.start)
        start = cur[1] if cur else n.start
        if re.search(r"百分之$", t[max(0, n.start - 3):n.start]):
            start, unit = n.start - 3, ("百分之", "percent", "%", 1.0, n.end)
        elif n.chinese and len(n.text) == 1 and t[n.end:n.end + 1] == "成" and not re.match(
                r"成(?:分|膜|为|功|本|型|长|熟|人|品|交|员|立|就|果|绩|年|套|色)", t[n.end:n.end + 2]):
            unit = ("成", "percent", "%", 10.0, n.end + 1)
        if unit is None and n.price_like:
            unit = ("", "currency", "", 1.0, n.end)
        if unit is None and not n.spelled and not re.match(r"\s?[\u4e00-\u9fffA-Za-z%％]", t[pos:pos + 2]) and re.search(
                r"(?:只要|只需|仅需|仅售|售价|到手价?|价格是?|原价|低至|才|只有|只卖|价|\bcosts?|\bprice is|\bfor just|"
                r"\bonly|\bjust)\s*$", t[max(0, n.start - 10):n.start], re.IGNORECASE):
            unit = ("", "currency", "", 1.0, n.end)  # 只需3099: a price without its 元
        if cur and (unit is None or unit[1] != "currency"):
            unit = (t[start:n.start].strip(), "currency", cur[0], 1.0, n.end)
        if unit is not None:
            return self._with_unit(n, unit, start, over_inside)
        return self._count(n, over_inside)

    def _with_unit(self, n: _Num, unit: tuple[str, str, str, float, int], start: int, over_inside: bool
                   ) -> Quantity | None:
        """The quantity of a numeral with a unit (or a currency), None when it is not a claim."""
        t = self.text
        written, kind, base, factor, end = unit
        if self._rhetoric(n, written, kind, end):
            return None
        kind, base, factor, end = self._time_kind(n, written, kind, base, factor, start, end)
        if kind == "multiplier" and written.lower() == "x" and re.match(r"\s*(?:#|\d)", self.masked[end:]):
            return None
        value = n.value * factor
        if kind == "currency":
            end, cents = self._cents(end)
            value += cents
        qual, qstart, qend = self._qualifier(start, end)
        if over_inside:
            qual = "over"
        if kind == "percent":
            return self._percent(n, written, value, start, end, qual, qstart, qend)
        q = Quantity(t[min(start, qstart):qend].strip(), kind, value, unit=base, number=n.value,
                     written_unit=written, qualifier=qual, start=min(start, qstart), end=qend,
                     context=self.context(start, end))
        if kind == "currency":
            q = replace(q, role=self._currency_role(start, end), attachment=self._per_noun(end))
        if kind == "multiplier":
            q = replace(q, attachment=self._property(start, end))
        return q

    def _rhetoric(self, n: _Num, written: str, kind: str, end: int) -> bool:
        """True when a numeral with this unit is not a claim: 辛苦了一天, 这一块, 千元级, 一天两粒, once a day."""
        t = self.text
        before6 = t[max(0, n.start - 6):n.start]
        if n.chinese and n.text == "一" and kind == "time" and not re.search(
                r"(?:质保|保修|保质期?|试睡|试用|退换|持续|续航|长达|只需|仅需|只要|仅|不到|超过|约|近|内|达)\s*$", before6):
            return True  # 辛苦了一天, 一秒化水: rhetoric, not a claim
        if n.chinese and n.text == "一" and written == "块" and not t.startswith("钱", end) and not re.search(
                r"(?:只要|只需|仅需|仅|才|卖|价|到手)\s*$", before6):
            return True  # 这一块: a piece, not a yuan
        if kind == "currency" and re.match(r"级|档|价位", t[end:end + 2]):
            return True  # 千元级: a price class
        if kind == "time" and n.text in ("一", "a", "an") and re.match(r"\s?[#\d零一二两三四五六七八九十]", self.masked[end:]):
            return True  # 一天两粒: a rate
        if kind == "time" and re.search(r"(?:\bper|\beach|\bevery|\ba|每|一)\s*$", t[max(0, n.start - 6):n.start]) \
                and n.value == 1:
            return True
        return False

    def _time_kind(self, n: _Num, written: str, kind: str, base: str, factor: float, start: int, end: int
                   ) -> tuple[str, str, float, int]:
        """(kind, base unit, factor, end): a duration that is a calendar year (2019年) or an age (3 years old,
        kids over 3); other quantities as they are."""
        t = self.text
        if kind == "time" and written == "年" and 1800 <= n.value <= 2100 and "." not in n.text:
            kind, base, factor = "year", "", 1.0
            end = end + 1 if t[end:end + 1] == "度" else end
        if kind == "time" and re.match(r"[\s-]*old\b", t[end:]) or re.search(
                r"\b(?:kids?|children|child|toddlers?|babies|ages?|aged)\s+(?:(?:over|under|above|from|of)\s+)?$",
                t[max(0, start - 20):start], re.IGNORECASE):
            if kind in ("time", "count"):
                kind, base, factor = "age", "years", (factor / (365 * _DAY) if kind == "time" else 1.0)
        return kind, base, factor, end

    def _cents(self, end: int) -> tuple[int, float]:
        """'... dollars and ninety cents': (the new end, 0.90)."""
        m = re.match(r"\s+and\s+(#+(?!#))\s+cents?\b", self.masked[end:], re.IGNORECASE)
        c = self.num_at(end + m.start(1)) if m else None
        if m is None or c is None:
            return end, 0.0
        self.used.add(c.start)
        return end + m.end(), c.value / 100

    def _percent(self, n: _Num, written: str, value: float, start: int, end: int, qual: str, qstart: int,
                 qend: int) -> Quantity:
        t = self.text
        a, b = self.clause_bounds(start)
        after = t[qend:b]
        after = re.sub(r"^\s*(?:以上|以下|左右)?(?:的)?(?:这种|这个|那种|高浓度|高浓缩|高纯度|纯|的)*", "", after)
        target = ""
        m = re.match(r"\s*(?:of\s+(?:the\s+)?)?([A-Za-z][A-Za-z-]*(?:\s+[A-Za-z][A-Za-z-]*){0,2})", after)
        if m:
            ws = [w for w in m.group(1).split() if w.lower() not in _EN_NOUN_STOP]
            stop_at = next((i for i, w in enumerate(m.group(1).split()) if w.lower() in _EN_NOUN_STOP), None)
            ws = m.group(1).split()[:stop_at] if stop_at is not None else ws
            target = " ".join(ws)
        if not target:
            m = re.match(r"([\u4e00-\u9fffA-Za-z]{1,6})", after)
            if m:
                target = m.group(1)
        return Quantity(t[min(start, qstart):qend].strip(), "percent", value, unit="%", number=n.value,
                        written_unit=written, role="share", attachment=target.strip(), qualifier=qual,
                        start=min(start, qstart), end=qend, context=self.context(start, end))

    def _currency_role(self, start: int, end: int) -> str:
        t = self.text
        a, _ = _span_of(t, start, _SENT_SPLIT)
        before = t[a:start].lower()
        after = t[end:end + 8].lower()
        if re.search(r"(?:down from|was|were|originally|regular(?:ly)?|usually|list price|原价|原来|日常价|划线价|专柜价|"
                     r"平时)\s*\W*$", before):
            return "original"
        if re.search(r"(?:\b(?:orders? (?:of |over |above )?|spend(?:ing)? (?:over )?|passes|reaches|exceeds)|满|每满"
                     r"|订单满|消费满|购满|买满)\s*$", before) or re.match(r"\s?(?:包邮|免邮|可用)", after):
            return "threshold"
        if re.search(r"(?:\b(?:save|saving|savings of|discount of|coupon)|立减|直降|减|省|立省|优惠|便宜|返|抵)\s*$",
                     before) or re.match(r"\s?(?:的)?(?:off\b|discount|coupon|优惠券|券|立减)", after):
            return "discount"
        if re.search(r"(?:\bworth|价值)\s*$", before) or re.match(r"\s?(?:好礼|豪礼|礼包|礼品|的礼|超值好礼|worth)", after):
            return "value"
        return "price"

    def _per_noun(self, end: int) -> str:
        """The noun a price is per: 'bag' in '$24.90 per 1 kg bag' or 'for a one-kilogram bag'."""
        m = re.match(r"\s*(?:per|a|an|each|/|for\s+(?:a|an|one|the|every|each))\b", self.masked[end:], re.IGNORECASE)
        if not m:
            return ""
        for w in re.findall(r"[#\w-]+", self.masked[end + m.end():end + m.end() + 40])[:4]:
            lw = w.lower().strip("-")
            parts = [x for x in lw.split("-") if x and "#" not in x]
            if not parts or all(x in _EN_UNITS or x in ("full", "whole", "single", "big", "small", "new") for x in parts):
                continue
            head = parts[-1]
            return "" if head in _EN_NOUN_STOP or head in _EN_UNITS else head
        return ""

    def _property(self, start: int, end: int) -> str:
        """What a multiplier multiplies: 'fast' in 'dries twice as fast', 吸水速度 in 吸水速度是...的3倍."""
        t = self.text
        a, b = self.clause_bounds(start)
        after = t[end:b]
        m = re.match(r"\s*(?:as\s+)?(?:more\s+|less\s+)?([a-z]+)", after, re.IGNORECASE)
        if m and m.group(1).lower() not in _EN_STOP:
            w = m.group(1).lower()
            for suf in ("ier", "er"):
                if w.endswith(suf) and len(w) > 4:
                    w = w[: -len(suf)] + ("y" if suf == "ier" else "")
                    break
            return stem(w)
        before = t[a:start]
        if re.search(r"[\u4e00-\u9fff]", before + after):
            prop = re.split(r"[是比较]", before)[0] if re.search(r"[是比较]", before) else before
            prop = re.sub(r"(?:提升|提高|增加|增强|达到|高出|添加了|添加|含有|加了|了|的|足足|有)+$", "", prop.strip())
            if not prop:
                m = re.match(r"\s*(?:的)?([\u4e00-\u9fff]{1,6})", after)
                prop = m.group(1) if m else ""
            return prop
        words = [w for w in re.findall(r"[a-z]+", before.lower()) if w not in _EN_STOP]
        return stem(words[-1]) if words else ""

    def _count(self, n: _Num, over_inside: bool) -> Quantity | None:
        """A count (or an age, size, year, 'N times' multiplier) from the words after a bare numeral."""
        t = self.text
        pos = n.end
        if over_inside:
            m = re.match(r"\s?(\+|＋|多|余)", t[pos:])
            pos += m.end() if m else 0
        # a Chinese measure word
        m = re.match(rf"\s?({_MEASURE_RE})", t[pos:])
        if m and re.search(r"[\u4e00-\u9fff]", m.group(1)) and not (n.spelled and not n.chinese):
            return self._measured(n, m, pos, over_inside)
        if n.chinese and len(n.text) == 1:
            return None
        if n.chinese and n.text in ("零", "〇"):
            return None
        return self._noun_count(n, pos, over_inside)

    def _measured(self, n: _Num, m: re.Match[str], pos: int, over_inside: bool) -> Quantity | None:
        """A count with a Chinese measure word (``m`` matched it at ``pos``): 三款, 四件套, 三个档位."""
        t = self.text
        if n.chinese and n.text in ("一",):
            return None  # 一瓶, 一款: rhetoric, not a count claim
        measure = m.group(1)
        rest = re.match(r"[\u4e00-\u9fff]{0,1}", t[pos + m.end():]).group(0)
        if n.text in ("零", "〇"):
            return None  # 零色素: free-from, not a count (see contradictions)
        if measure in ("个", "只") and rest in _ZH_MEASURES and rest not in ("个", "只"):
            measure, rest = rest, ""  # 三个档位 is 三档
        attach = measure + (rest if rest in ("套", "装") else "")
        end = pos + m.end() + (len(rest) if rest in ("套", "装") else 0)
        qual, qs, qe = self._qualifier(n.start, end)
        if over_inside:
            qual = "over"
        return Quantity(t[min(qs, n.start):qe], "count", n.value, unit=_ZH_MEASURES[measure], number=n.value,
                        attachment=attach, qualifier=qual, start=min(qs, n.start), end=qe,
                        context=self.context(n.start, end))

    def _noun_words(self, pos: int) -> tuple[list[str], int]:
        """The English noun phrase right after ``pos`` (at most three words, up to a stop word or unit) and
        where it ends."""
        t = self.text
        words: list[str] = []
        p = pos
        for wm in re.finditer(r"(?:[ \t]+|-)([A-Za-z][A-Za-z'-]*)", t[pos:]):
            if wm.start() != p - pos:
                break
            w = wm.group(1).lower()
            if w in _EN_NOUN_STOP or w in _EN_UNITS or len(words) == 3:
                break
            words.append(w)
            p = pos + wm.end()
        return words, p

    def _noun_count(self, n: _Num, pos: int, over_inside: bool) -> Quantity | None:
        """A count of the English noun after a numeral ('50 double shots'), or an age, size, year or 'N times'."""
        t = self.text
        # an English noun phrase
        words, p = self._noun_words(pos)
        if n.spelled and (n.value == 1 or n.text.lower() in ("a", "an")) and not words:
            return None
        if n.text.lower() in ("a", "an"):
            return None
        if n.spelled and n.value == 1:
            return None  # "one bag", "one-way valve": rhetoric
        attach = " ".join(words)
        end = p if words else n.end
        qual, qs, qe = self._qualifier(n.start, end)
        if over_inside:
            qual = "over"
        kind = "count"
        before = t[max(0, n.start - 24):qs]
        value = n.value
        if re.search(r"\b(?:kids?|children|child|toddlers?|babies|ages?|aged)\s+(?:(?:over|under|above|from|of)\s+)?$",
                     t[max(0, n.start - 24):n.start], re.IGNORECASE):
            kind = "age"
        elif re.search(r"\bsizes?\s*$", before, re.IGNORECASE):
            kind = "size"
        elif re.match(r"\s*times\s+(?:as\s+|more\s+)?[a-z]+(?:er)?\b", t[n.end:], re.IGNORECASE) and not re.match(
                r"\s*times\s+(?:a|per|each|every)\b", t[n.end:], re.IGNORECASE):
            m2 = re.match(r"\s*times", t[n.end:], re.IGNORECASE)
            e = n.end + m2.end()
            return Quantity(t[n.start:e], "multiplier", value, unit="x", number=value, written_unit="times",
                            attachment=self._property(n.start, e), start=n.start, end=e, context=self.context(n.start, e))
        elif re.search(r"\b(?:since|in|founded|established|from)\s+$", before, re.IGNORECASE) and 1800 <= value <= 2100:
            kind = "year"
        return Quantity(t[min(qs, n.start):qe].strip(), kind, value, unit="years" if kind == "age" else "",
                        number=value, attachment=attach if kind == "count" else "", qualifier=qual,
                        start=min(qs, n.start), end=qe, context=self.context(n.start, end))
