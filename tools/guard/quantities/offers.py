"""Offers as structures: buy N get M, amounts and rates off, free shipping, gifts, and their conditions."""

from __future__ import annotations

import re

from tools.guard.quantities.model import Offer, Quantity
from tools.guard.quantities.scan import _ScanBase
from tools.guard.quantities.units import _EN_UNITS, _MEASURE_RE, _ZH_MEASURES, _ZH_UNIT_KEYS, _ZH_UNITS
from tools.guard.quantities.words import _SENT_SPLIT, _fmt, _noun_phrase, _span_of, stem

__all__: list[str] = []


_ZH_UNIT_RE = "|".join(map(re.escape, _ZH_UNIT_KEYS))
_ANYUNIT_ZH = rf"(?:{_ZH_UNIT_RE}|{_MEASURE_RE}|ml|ML|mL|g|kg|L)"

_NOUNS = r"[a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2}?"
_BUY_GET_ZH = re.compile(rf"(?:买|拍|购买)\s?(?P<b>#+(?!#))\s?(?P<bu>{_ANYUNIT_ZH})?(?P<bn>[\u4e00-\u9fff]{{0,3}}?)"
                         r"\s?[，,]?\s?(?:就|即|再|还|立|可|能|直接|现在|就能)?(?P<verb>赠送|多送|加送|再送|送|赠|得|享|到手|返)"
                         rf"(?P<g>#+(?!#))?\s?(?P<gu>{_ANYUNIT_ZH})?(?P<gn>[\u4e00-\u9fff]{{0,4}})")
_BUY_GET_EN = [
    re.compile(rf"\bbuy\s+(?P<b>#+|an?)\s*(?P<bn>{_NOUNS})?(?:\s+(?:today|now|tonight))?[\s,;]*(?:and\s+)?"
               r"(?:you(?:'ll|\s+will|\s+can)?\s+)?"
               rf"(?:get|receive|take|grab)\s+(?:(?P<g>#+|an?|another)\s+)?(?:free\s+)?(?P<gn>{_NOUNS})?"
               r"\s*(?:for\s+)?(?:free|on us)?\b", re.IGNORECASE),
    re.compile(rf"\bbuy\s+(?P<b>#+(?!#))\s*(?P<bn>{_NOUNS})?\s*(?:and|,)\s+the\s+(?:\w+)\s+(?:one\s+)?is\s+free",
               re.IGNORECASE),
    re.compile(rf"(?P<b>#+(?!#))\s+(?P<bn>{_NOUNS})\s+gets?\s+you\s+(?P<g>#+|an?)\s+free\s+(?P<gn>{_NOUNS})\b",
               re.IGNORECASE)]
_RATE_PATTERNS = [
    (re.compile(r"(?P<n>#+(?!#))\s?折"), "zh"),
    (re.compile(r"半价|(?<![\w])half[- ](?:price|off)", re.IGNORECASE), "half"),
    (re.compile(r"免费|\bfree\b(?!\s+(?:shipping|delivery|returns?|replacement|trial|of|from))", re.IGNORECASE), "free"),
    (re.compile(r"(?P<n>#+(?!#))\s?(?:%|％|percent|per cent)\s+(?:off|discount)\b", re.IGNORECASE), "off"),
    (re.compile(r"\b(?:save|saving|get|take|enjoy)\s+(?P<n>#+(?!#))\s?(?:%|％|percent)(?:\s+off)?", re.IGNORECASE), "off")]
_SAVE_ZH = re.compile(r"(?:(?:每满|满|购满|订单满|消费满|买满)(?P<t>#+(?!#))\s?(?:元|块钱|块)?\s?(?:就|即|立|再|可)?)?"
                      r"(?P<verb>立减|直降|立省|再减|减免|减|省|便宜)(?P<s>#+(?!#))(?P<s2>)"
                      r"(?!\s?(?:%|％|折|倍|分钟|小时|天|年|毫升|克|成|\d))\s?(?P<cu>元|块钱|块)?")
_CUR = r"(?:\$|US\$|€|¥)?"
_CU = r"(?:\s?(?:dollars?|bucks|yuan|euros?))?"
_SAVE_EN = [
    re.compile(rf"\bspend(?:ing)?\s+(?:over\s+)?{_CUR}(?P<t>#+(?!#)){_CU}[\s,;]*(?:and\s+)?(?:you(?:'ll)?\s+)?"
               rf"(?:save|get)\s+{_CUR}(?P<s>#+(?!#))(?P<s2>){_CU}(?!\s?%)(?:\s+off)?", re.IGNORECASE),
    re.compile(r"\b(?:save|saving|get)\s+(?:(?:\$|US\$|€|¥)(?P<s>#+(?!#))|(?P<s2>#+(?!#))\s?(?:dollars?|bucks|yuan|"
               r"euros?)\b)(?!\s?%)(?:\s+off)?", re.IGNORECASE),
    re.compile(r"(?:(?:\$|US\$|€|¥)(?P<s>#+(?!#))|(?P<s2>#+(?!#))\s?(?:dollars?|bucks|yuan|euros?))\s+off\b(?!\s?%)",
               re.IGNORECASE)]
_SHIPPING = re.compile(r"(?:满(?P<t>#+(?!#))\s?(?:元|块钱|块)?\s?(?:即|就|可)?)?(?:包邮|免邮|免运费|运费全免)"
                       r"|free (?:shipping|delivery)|ships? (?:for )?free|(?:shipping|delivery) is (?:free|on us)",
                       re.IGNORECASE)
_SHIPPING_THRESHOLD = re.compile(r"(?:\b(?:over|above|passes|reaches|exceeds|of at least|spend(?:ing)?(?:\s+over)?|"
                                 r"orders? (?:of|over|above))\s+|满)(?:\$|US\$|€|¥)?\s?(#+(?!#))", re.IGNORECASE)
_GIFT_ZH = re.compile(rf"(?:赠送|加赠|送|赠)(?:(?P<g>#+(?!#))\s?(?P<gu>{_MEASURE_RE}))?(?P<gn>[\u4e00-\u9fff]{{1,6}}?)"
                      rf"(?:(?P<g2>#+(?!#))\s?(?P<gu2>{_MEASURE_RE}))?(?=[，。！？,.!?\s]|$)")
_GIFT_EN = re.compile(r"(?:(?P<g>#+|an?|one)\s+)?free\s+(?P<gn>[a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2}?)"
                      r"(?=\s+(?:with|for|when|if|today|on|in|per|every)\b|[\s,.;!?]*$|[,.;!?])", re.IGNORECASE)


class _OfferScanner(_ScanBase):
    """Reads the offers of a text (their numerals and words are then taken)."""

    def _add_offer(self, start: int, end: int, offer: Offer, main: float | None) -> None:
        text = self.text[start:end].strip(" ，,。.")
        number = main if main is not None else 0.0
        value = main if main is not None else 0.0
        self.out.append(Quantity(text, "offer", value, role=offer.type, number=number, start=start, end=end,
                                 offer=offer, context=self.context(start, end)))
        self.take(start, end)

    def _condition(self, pos: int) -> str:
        """The condition of the offer at ``pos``, read from its clause (explicit "no coupon needed" and
        "every order" from its sentence)."""
        a, b = self.clause_bounds(pos)
        c = self.text[a:b].lower()
        s = self.sentence(pos).lower()
        if re.search(r"无需领券|不用领券|不需要领券|无门槛|\bno (?:code|coupon)\b", s):
            return "all"
        if re.search(r"第\s?(?:二|2)\s?(?:件|瓶|支|个|套|盒|份|条|单)|\b(?:second|2nd)\b", c):
            return "second"
        if re.search(r"会员|\bmembers?\b|\bmembership\b|\bsubscribers?\b", c):
            return "members"
        m = re.search(r"前\s?(#+(?!#))\s?(?:名|位|个)", self.masked[a:b])
        if m:
            n = self.num_at(a + m.start(1))
            if n:
                self.used.add(n.start)
                return f"first:{_fmt(n.value)}"
        if re.search(r"领券|用券|券后|\bcoupons?\b|\bcode\b|\bvoucher\b", c):
            return "coupon"
        if re.search(r"全场|全部|所有|每.{0,2}都|任意|\b(?:every|all|any|everything|anything|everyone|anyone|"
                     r"whole|entire|sitewide|storewide)\b", c):
            return "all"
        return ""

    def _offers(self) -> None:
        self._buy_get()
        self._rates()
        self._saves()
        self._shipping()
        self._gifts()

    def _buy_get(self) -> None:
        """Buy N get M: 买二送一, 买50毫升享102.5毫升, buy two jars get one free, two bags get you a free cup."""
        mk = self.masked
        for m in _BUY_GET_ZH.finditer(mk):
            b = self.num_at(m.start("b"))
            if b is None:
                continue
            g = self.num_at(m.start("g")) if m.group("g") else None
            unit, buy, get = "", b.value, (g.value if g else 1.0)
            bu, gu = m.group("bu") or "", m.group("gu") or ""
            conv = _ZH_UNITS.get(bu) or _EN_UNITS.get(bu.lower())
            if conv and conv[0] in ("volume", "weight"):
                unit, buy = conv[1], b.value * conv[2]
                gconv = _ZH_UNITS.get(gu) or _EN_UNITS.get(gu.lower()) or conv
                get = (g.value if g else 0.0) * gconv[2]
            if m.group("verb") in ("享", "到手") and g is not None:
                get = get - buy
            gn = (m.group("gn") or "") if not gu or gu not in _ZH_MEASURES else gu + (m.group("gn") or "")
            offer = Offer("buy_get", buy=buy, get=get, unit=unit, buy_noun=(bu if bu in _ZH_MEASURES else "")
                          + (m.group("bn") or ""), get_noun=gn.strip(), condition=self._condition(m.start()))
            end = m.end() if g or gu else m.end("verb") + len(m.group("gn") or "")
            self._add_offer(m.start(), end, offer, get)
        for pat in _BUY_GET_EN:
            for m in pat.finditer(mk):
                if any(self.taken[m.start():m.end()]):
                    continue
                b = self.num_at(m.start("b"))
                buy = b.value if b else 1.0
                gtxt = m.groupdict().get("g")
                g = self.num_at(m.start("g")) if gtxt and gtxt.startswith("#") else None
                get = g.value if g else 1.0
                gn = _noun_phrase(self.text[m.start("gn"):m.start("gn") + 40]) if m.groupdict().get("gn") else ""
                offer = Offer("buy_get", buy=buy, get=get, buy_noun=(m.group("bn") or "").strip(), get_noun=gn,
                              condition=self._condition(m.start()))
                self._add_offer(m.start(), m.end(), offer, get)

    def _rates(self) -> None:
        """Pay a share of the price: 7.3折, 半价, 20% off, save 15%, 第二瓶免费."""
        mk = self.masked
        for pat, how in _RATE_PATTERNS:
            for m in pat.finditer(mk):
                if any(self.taken[m.start():m.end()]):
                    continue
                if how == "free":
                    # only "the second one is free" / 第二瓶免费: otherwise "free" is a gift or shipping
                    if not re.search(r"第\s?(?:二|2)\s?(?:件|瓶|支|个|套|盒|份|条)?$|\bsecond\b.{0,12}$",
                                     self.text[max(0, m.start() - 14):m.start()], re.IGNORECASE):
                        continue
                    rate = 0.0
                elif how == "half":
                    rate = 0.5
                else:
                    n = self.num_at(m.start("n"))
                    if n is None:
                        continue
                    if how == "zh":
                        v = n.value
                        rate = v / 100 if v >= 10 else v / 10
                    else:
                        rate = 1 - n.value / 100
                offer = Offer("rate", rate=round(rate, 4), condition=self._condition(m.start()))
                self._add_offer(m.start(), m.end(), offer, round(rate, 4))

    def _saves(self) -> None:
        """An amount off, maybe over a threshold: 满300减50, 领券立减10元, spend $60 save $10, $10 off."""
        t, mk = self.text, self.masked
        for pat in [_SAVE_ZH, *_SAVE_EN]:
            for m in pat.finditer(mk):
                if any(self.taken[m.start():m.end()]):
                    continue
                s_at = m.start("s") if m.group("s") else m.start("s2")
                s_amt = self.amount(s_at)
                if s_amt is None:
                    continue
                t_amt = self.amount(m.start("t")) if m.groupdict().get("t") else None
                english = pat is not _SAVE_ZH
                code = s_amt[1] or (t_amt[1] if t_amt else "") or ("" if english else "CNY")
                if t_amt and not t_amt[1] and code:
                    t_amt = (t_amt[0], code, t_amt[2], t_amt[3])
                before = t[max(0, m.start() - 3):m.start()]
                condition = "up_to" if re.search(r"最高|至高|最多", before) else self._condition(m.start())
                offer = Offer("save", save=s_amt[0], threshold=t_amt[0] if t_amt else None, currency=code,
                              condition="" if t_amt and condition == "all" else condition)
                end = max(m.end(), s_amt[3])
                self._add_offer(m.start(), end, offer, s_amt[0])

    def _shipping(self) -> None:
        """Free shipping and its threshold: 满99包邮, free shipping on orders over $40, 全场包邮."""
        t, mk = self.text, self.masked
        for m in _SHIPPING.finditer(mk):
            if any(self.taken[m.start():m.end()]):
                continue
            start, end = m.start(), m.end()
            amount = self.amount(m.start("t")) if m.group("t") else None
            if amount is None:
                a, b = _span_of(t, m.start(), _SENT_SPLIT)
                for tm in _SHIPPING_THRESHOLD.finditer(mk[a:b]):
                    n = self.num_at(a + tm.start(1))
                    if n is not None and (a + tm.start(1)) not in self.used:
                        amount = self.amount(n.start)
                        if amount:
                            start, end = min(start, a + tm.start()), max(end, amount[3])
                        break
            code = (amount[1] if amount else "") or ("CNY" if re.search(r"[\u4e00-\u9fff]", m.group(0)) else "")
            cond = "" if amount else self._condition(m.start())
            if cond not in ("", "all"):
                cond = ""
            offer = Offer("shipping", threshold=amount[0] if amount else None, currency=code, condition=cond)
            if amount:
                self.take(amount[2], amount[3])
            self._add_offer(start, end, offer, amount[0] if amount else None)

    def _gifts(self) -> None:
        """A free item: 前100名送枕套一对, 赠小棕瓶精华, a free aluminium frame with the set."""
        mk = self.masked
        zh, en = _GIFT_ZH, _GIFT_EN
        for pat in (zh, en):
            for m in pat.finditer(mk):
                if any(self.taken[m.start():m.end()]):
                    continue
                gn = re.split(r"[的了啦哦呀吧呢]", m.group("gn").strip())[0]
                if pat is zh and (not gn or re.match(r"[他她你我给男女妈爸礼人闺老朋亲对错到疯出上达来去走回进这那什么品了的啦]",
                                                     gn) or self.text[m.start():m.start() + 2] == "赠品"):
                    continue
                if pat is en and stem(gn.split()[-1]) in ("shipping", "delivery", "return", "replacement",
                                                           "trial", "sample", "gift"):
                    continue
                gtxt = m.group("g") or (m.groupdict().get("g2") or "")
                g = self.num_at(m.start("g")) if m.group("g") and m.group("g").startswith("#") else (
                    self.num_at(m.start("g2")) if m.groupdict().get("g2") else None)
                count = g.value if g else 1.0
                if not gtxt and pat is zh and not re.search(r"[\u4e00-\u9fff]", gn):
                    continue
                offer = Offer("gift", get=count, get_noun=gn, condition=self._condition(m.start()))
                self._add_offer(m.start(), m.end(), offer, count)
