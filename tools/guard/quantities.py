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

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace

from tools.core.text import _chinese_value, _english_value

__all__ = ["Offer", "Quantity", "Verdict", "QuantityVerdict", "QuantityChecker", "extract", "support",
           "sheet_phrases", "stem", "words_match", "is_unit"]

# ------------------------------------------------------------------ data model


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
    """One quantity of a text. ``value`` is in the base unit of its ``kind`` (see the module doc);
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

# ------------------------------------------------------------------ units

_H = 3600.0
_DAY = 86400.0
# written unit (lower case) -> (kind, base unit, factor to the base unit)
_EN_UNITS: dict[str, tuple[str, str, float]] = {
    **dict.fromkeys(["mg", "milligram", "milligrams"], ("weight", "g", 0.001)),
    **dict.fromkeys(["g", "gram", "grams", "gramme", "grammes"], ("weight", "g", 1.0)),
    **dict.fromkeys(["kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"], ("weight", "g", 1000.0)),
    **dict.fromkeys(["lb", "lbs", "pound", "pounds"], ("weight", "g", 453.59237)),
    **dict.fromkeys(["oz", "ounce", "ounces"], ("weight", "g", 28.349523)),
    **dict.fromkeys(["ton", "tons", "tonne", "tonnes"], ("weight", "g", 1e6)),
    **dict.fromkeys(["ml", "millilitre", "millilitres", "milliliter", "milliliters"], ("volume", "ml", 1.0)),
    **dict.fromkeys(["l", "litre", "litres", "liter", "liters"], ("volume", "ml", 1000.0)),
    **dict.fromkeys(["um", "µm", "μm", "micron", "microns"], ("length", "mm", 0.001)),
    **dict.fromkeys(["mm", "millimetre", "millimetres", "millimeter", "millimeters"], ("length", "mm", 1.0)),
    **dict.fromkeys(["cm", "centimetre", "centimetres", "centimeter", "centimeters"], ("length", "mm", 10.0)),
    **dict.fromkeys(["m", "metre", "metres", "meter", "meters"], ("length", "mm", 1000.0)),
    **dict.fromkeys(["km", "kilometre", "kilometres", "kilometer", "kilometers"], ("length", "mm", 1e6)),
    **dict.fromkeys(["inch", "inches"], ("length", "mm", 25.4)),
    **dict.fromkeys(["ft", "foot", "feet"], ("length", "mm", 304.8)),
    **dict.fromkeys(["s", "sec", "secs", "second", "seconds"], ("time", "s", 1.0)),
    **dict.fromkeys(["min", "mins", "minute", "minutes"], ("time", "s", 60.0)),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], ("time", "s", _H)),
    **dict.fromkeys(["day", "days"], ("time", "s", _DAY)),
    **dict.fromkeys(["week", "weeks"], ("time", "s", 7 * _DAY)),
    **dict.fromkeys(["month", "months"], ("time", "s", 30 * _DAY)),
    **dict.fromkeys(["year", "years", "yr", "yrs"], ("time", "s", 365 * _DAY)),
    **dict.fromkeys(["w", "watt", "watts"], ("measure", "W", 1.0)),
    "kw": ("measure", "W", 1000.0),
    "mah": ("measure", "mAh", 1.0),
    "gsm": ("measure", "gsm", 1.0),
    **dict.fromkeys(["°", "degree", "degrees"], ("measure", "deg", 1.0)),
    **dict.fromkeys(["°c", "℃"], ("measure", "C", 1.0)),
    **dict.fromkeys(["%", "％", "percent", "pct"], ("percent", "%", 1.0)),
    "x": ("multiplier", "x", 1.0),
    **dict.fromkeys(["dollar", "dollars", "buck", "bucks", "usd"], ("currency", "USD", 1.0)),
    **dict.fromkeys(["cent", "cents"], ("currency", "USD", 0.01)),
    **dict.fromkeys(["yuan", "rmb", "cny", "kuai"], ("currency", "CNY", 1.0)),
    **dict.fromkeys(["euro", "euros", "eur"], ("currency", "EUR", 1.0)),
}
_ZH_UNITS: dict[str, tuple[str, str, float]] = {
    "毫克": ("weight", "g", 0.001), "千克": ("weight", "g", 1000.0), "公斤": ("weight", "g", 1000.0),
    "克": ("weight", "g", 1.0), "斤": ("weight", "g", 500.0), "吨": ("weight", "g", 1e6),
    "毫升": ("volume", "ml", 1.0), "升": ("volume", "ml", 1000.0),
    "微米": ("length", "mm", 0.001), "毫米": ("length", "mm", 1.0), "厘米": ("length", "mm", 10.0),
    "公分": ("length", "mm", 10.0), "分米": ("length", "mm", 100.0), "千米": ("length", "mm", 1e6),
    "公里": ("length", "mm", 1e6), "米": ("length", "mm", 1000.0),
    "秒钟": ("time", "s", 1.0), "秒": ("time", "s", 1.0), "分钟": ("time", "s", 60.0), "小时": ("time", "s", _H),
    "钟头": ("time", "s", _H), "天": ("time", "s", _DAY), "周": ("time", "s", 7 * _DAY),
    "星期": ("time", "s", 7 * _DAY), "个月": ("time", "s", 30 * _DAY), "年": ("time", "s", 365 * _DAY),
    "岁": ("age", "years", 1.0),
    "元": ("currency", "CNY", 1.0), "块钱": ("currency", "CNY", 1.0), "块": ("currency", "CNY", 1.0),
    "圆": ("currency", "CNY", 1.0), "分钱": ("currency", "CNY", 0.01), "毛钱": ("currency", "CNY", 0.1),
    "美元": ("currency", "USD", 1.0), "美金": ("currency", "USD", 1.0), "欧元": ("currency", "EUR", 1.0),
    "倍": ("multiplier", "x", 1.0), "度": ("measure", "deg", 1.0), "瓦": ("measure", "W", 1.0),
    "千瓦": ("measure", "W", 1000.0), "毫安时": ("measure", "mAh", 1.0), "毫安": ("measure", "mAh", 1.0),
    "码": ("size", "", 1.0),
}
# Chinese measure words of counts -> their class (counts of the same class compare)
_ZH_MEASURES = {
    "件": "件", "个": "件", "只": "件", "样": "件", "款": "种", "种": "种", "类": "种", "大": "种", "重": "种",
    "色": "色", "套": "套", "组": "套", "支": "瓶", "瓶": "瓶", "罐": "瓶", "管": "瓶", "盒": "盒", "袋": "袋",
    "包": "袋", "颗": "粒", "粒": "粒", "片": "片", "张": "张", "条": "条", "双": "双", "对": "双", "台": "台",
    "部": "台", "层": "层", "级": "级", "档": "级", "步": "步", "次": "次", "遍": "次", "项": "项", "名": "人",
    "位": "人", "人": "人", "家": "家", "份": "份", "抽": "抽", "枚": "枚", "根": "根", "杯": "杯", "星": "星",
    "朵": "朵", "滴": "滴", "道": "道", "环": "环", "代": "代", "分": "分",
}
_ZH_UNIT_KEYS = sorted(_ZH_UNITS, key=len, reverse=True)
_CURRENCY_PREFIX = re.compile(r"(US\$|\$|¥|￥|€|RMB\s?|USD\s?|CNY\s?)\s?$")
_PREFIX_CODE = {"$": "USD", "US$": "USD", "¥": "CNY", "￥": "CNY", "€": "EUR", "RMB": "CNY", "USD": "USD",
                "CNY": "CNY"}
_CURRENCY_NAME = {"CNY": "元", "USD": "dollars", "EUR": "euros"}



def is_unit(word: str) -> bool:
    """True for a unit or Chinese measure word (厘米, 毫升, kg, litres, 件)."""
    w = word.strip()
    return w in _ZH_UNITS or w in _ZH_MEASURES or w.lower() in _EN_UNITS

# ------------------------------------------------------------------ numerals

_EN_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
             "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
             "hundred thousand million").split()
_EN_WORD = "(?:" + "|".join(sorted(_EN_SMALL, key=len, reverse=True)) + ")"
_EN_RUN = re.compile(rf"\b{_EN_WORD}(?:(?:\s+|-)(?:and\s+)?{_EN_WORD})*\b", re.IGNORECASE)
_ARABIC = re.compile(r"(?<![A-Za-z0-9.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s?[万千亿]|\s(?:thousand|million|billion)\b)?"
                     r"(?!\.\d)", re.IGNORECASE)
_CN_RUN = re.compile(r"[零〇一二两三四五六七八九十百千万亿](?:[零〇一二两三四五六七八九十百千万亿]|点(?=[零一二三四五六七八九]))*")
_UNIT_WORDS_FOR_A = ("kilogram|kilo|litre|liter|metre|meter|pound|second|minute|hour|day|week|month|year|"
                     "dollar|buck|century|decade|dozen")
_A_NUMERAL = re.compile(rf"\b(an?)\s+(?:(?:full|whole|single|entire)\s+)?(?=(?:{_UNIT_WORDS_FOR_A})s?\b)",
                        re.IGNORECASE)
_A_ALLOWED_BEFORE = frozenset("for within in about around over under than to of lasts last takes take weighs "
                              "weigh holds hold is it's only just nearly almost roughly approximately "
                              "whole full".split())
_FRACTION = re.compile(r"\b(?:(a|one|two|three)\s+)?(half|quarters?|thirds?)\s+(?:of\s+)?(?:an?\s+)?"
                       rf"(?=(?:{_UNIT_WORDS_FOR_A}|litre|liter|kilogram|kilo)s?\b)", re.IGNORECASE)
_CN_DIGITS = "一二三四五六七八九"
_CN_IDIOM = re.compile(r"一(?:起|下|样|直|定|点|些|般|切|致|体|旦|边|眼|抹|键|推|冲|步到位|字|片式|扣式|衣多穿|款|份心|夜)"
                       r"|唯一|统一|万一|三热一冷|十足|万能|百搭|千万|一模一样|百分(?=之|百)|百分百|十分|万分|折一折|一波三折|几[十百千万]+")


@dataclass
class _Num:
    start: int
    end: int
    value: float
    text: str
    spelled: bool = False
    chinese: bool = False
    price_like: bool = False  # "twenty-four ninety": 24.90


def _numerals(text: str) -> list[_Num]:
    """Every numeral of ``text`` (not yet a quantity): Arabic, Chinese and spelled English."""
    found: list[_Num] = []
    taken = [False] * len(text)

    def add(n: _Num) -> None:
        if any(taken[n.start:n.end]):
            return
        found.append(n)
        for i in range(n.start, n.end):
            taken[i] = True

    for m in _ARABIC.finditer(text):
        raw = m.group(0)
        digits = re.sub(r"\s?(?:[万千亿]|thousand|million|billion)$", "", raw, flags=re.IGNORECASE)
        scale = {"万": 1e4, "千": 1e3, "亿": 1e8, "thousand": 1e3, "million": 1e6, "billion": 1e9}.get(
            raw[len(digits):].strip().lower(), 1.0)
        try:
            value = float(digits.replace(",", ""))
        except ValueError:
            continue
        add(_Num(m.start(), m.end(), value * scale, raw))
    for m in _CN_IDIOM.finditer(text):
        for i in range(m.start(), m.end()):
            taken[i] = True
    for m in _CN_RUN.finditer(text):
        s = m.group(0)
        if text[max(0, m.start() - 1):m.start()] == "第":  # ordinal: 第二瓶
            continue
        if re.fullmatch(r"一两|两三|三四|四五|五六|六七|七八|八九|三五|十几|几十", s) or (
                len(s) == 2 and s[0] in _CN_DIGITS and s[1] in _CN_DIGITS
                and _CN_DIGITS.index(s[1]) == _CN_DIGITS.index(s[0]) + 1 and text[m.end():m.end() + 1] != "折"):
            for i in range(m.start(), m.end()):
                taken[i] = True  # 一两颗, 六七成: a vague amount, not a claim
            continue
        value = _chinese_value(s)
        if value is not None:
            add(_Num(m.start(), m.end(), value, s, chinese=True))
    for m in _FRACTION.finditer(text):
        mult = {"a": 1, "one": 1, "two": 2, "three": 3}.get((m.group(1) or "a").lower(), 1)
        frac = {"half": 0.5, "quarter": 0.25, "third": 1 / 3}[m.group(2).lower().rstrip("s")]
        add(_Num(m.start(), m.end(), mult * frac, m.group(0).strip(), spelled=True))
    for m in _EN_RUN.finditer(text):
        words = [w for w in re.split(r"[\s-]+", m.group(0)) if w]
        values = _english_value(words)
        prev = text[:m.start()].rstrip().lower()
        if prev.endswith("number") and words[0].lower() == "one":
            continue
        if len(values) == 2 and 10 <= values[1] < 100 and values[0] >= 1:
            add(_Num(m.start(), m.end(), values[0] + values[1] / 100, m.group(0), spelled=True, price_like=True))
        elif len(values) == 1:
            add(_Num(m.start(), m.end(), values[0], m.group(0), spelled=True))
    for m in _A_NUMERAL.finditer(text):
        before = re.findall(r"[\w']+", text[:m.start()].lower())
        if before and before[-1] not in _A_ALLOWED_BEFORE:
            continue
        add(_Num(m.start(), m.start() + len(m.group(1)), 1.0, m.group(1), spelled=True))
    found.sort(key=lambda n: n.start)
    return found


# ------------------------------------------------------------------ text helpers

_EN_STOP = frozenset(
    "a an the and or of for to in on at by with from is are was were be been being it its it's this that these "
    "those you your you'll we our they their them he she his her i me my every each per just only now today "
    "tonight get gets got up over about within than as so very all any more less has have had will can could "
    "would should there here what which who also too even into out no not new still ever own do does did "
    "just really super much many some such then when while if because after before since until again "
    "stay stays keep keeps make makes made"
    .split())
_EN_NOUN_STOP = frozenset(
    "a an the and or of for to in on at by with from is are was were be been it its this that you your we our "
    "they per each every than as so just only today now already have has been sold left used included "
    "available remaining bought shipped can will get gets take takes a day off free who which that to".split())
_ZH_STOP = set("的了是在有就都也很还和与及等着吧呢啊哦呀嘛这那个我你他她它们来去给让把被从对为以只要就能")


def stem(word: str) -> str:
    """A crude English stem: lower case, plural and -ing / -ed / -er endings stripped."""
    w = word.lower().strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            return w[: -len(suffix)] + repl
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        w = w[:-1]
    for suffix in ("ing", "ed", "er"):
        if w.endswith(suffix) and len(w) > len(suffix) + 3:
            return w[: -len(suffix)]
    return w


def words_match(a: str, b: str) -> bool:
    """Two stems match when equal or one is a prefix (of four letters or more) of the other."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short)


def _bigrams(han: str) -> set[str]:
    if len(han) == 1:
        return {han}
    return {han[i:i + 2] for i in range(len(han) - 1) if not (set(han[i:i + 2]) <= _ZH_STOP)}


def _tokens(text: str) -> tuple[str, ...]:
    """Content tokens for matching: English stems without stop words, Chinese character bigrams."""
    out: list[str] = []
    for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text):
        lw = w.lower()
        if lw in _EN_STOP or lw in _EN_UNITS or lw in _EN_SMALL:
            continue
        for part in lw.split("-"):
            if part and part not in _EN_STOP and part not in _EN_UNITS and part not in _EN_SMALL:
                out.append(stem(part))
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        run = "".join(c for c in run if c not in "的了")
        if run:
            out.extend(sorted(_bigrams(run)))
    return tuple(dict.fromkeys(out))


def _overlap(a: Iterable[str], b: Iterable[str]) -> int:
    b = list(b)
    return sum(1 for x in a if any(x == y or (x.isascii() and y.isascii() and words_match(x, y)) for y in b))


_SENT_SPLIT = re.compile(r"[。！？；!?;\n]|\.(?!\d)")
_CLAUSE_SPLIT = re.compile(r"[。！？；!?;，,：:\n、]|\.(?!\d)")


def _span_of(text: str, pos: int, pattern: re.Pattern) -> tuple[int, int]:
    start = 0
    for m in pattern.finditer(text):
        if m.end() <= pos:
            start = m.end()
        else:
            return start, m.start()
    return start, len(text)


def _fmt(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}" if abs(x) >= 10_000 else f"{int(x)}"


# ------------------------------------------------------------------ extraction

_NUMCLASS = "#"
_ZH_UNIT_RE = "|".join(map(re.escape, _ZH_UNIT_KEYS))
_MEASURE_RE = "|".join(_ZH_MEASURES)
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


class _Scanner:
    """Turns one text into quantities: offers and structures first, then single numerals."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.nums = _numerals(text)
        self.by_start = {n.start: n for n in self.nums}
        chars = list(text)
        for n in self.nums:
            for i in range(n.start, n.end):
                chars[i] = _NUMCLASS
        self.masked = "".join(chars)
        self.used: set[int] = set()  # starts of numerals consumed by a structure
        self.taken = [False] * len(text)  # spans consumed by offers (words too)
        self.out: list[Quantity] = []

    # -------------------------------------------------------------- helpers

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

    # -------------------------------------------------------------- structures

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

    def _dimensions(self) -> None:
        for m in re.finditer(r"#+", self.masked):
            a = self.num_at(m.start())
            if a is None or a.start in self.used:
                continue
            u1 = self.unit_after(a.end)
            p = u1[4] if u1 else a.end
            sep = re.match(r"\s*(?:x|X|×|\*|by|乘)\s*", self.text[p:])
            if not sep:
                continue
            b = self.num_at(p + sep.end())
            if b is None:
                continue
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
        for m in re.finditer(r"#+", self.masked):
            a = self.num_at(m.start())
            if a is None or a.start in self.used:
                continue
            u1 = self.unit_after(a.end)
            p = u1[4] if u1 else a.end
            sep = re.match(r"\s*(?:-|–|—|~|～|到|至|to)\s*", self.text[p:])
            if not sep:
                continue
            b = self.num_at(p + sep.end())
            if b is None or b.start in self.used or b.value < a.value:
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

    # -------------------------------------------------------------- single numerals

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
        t = self.text
        written, kind, base, factor, end = unit
        before6 = t[max(0, n.start - 6):n.start]
        if n.chinese and n.text == "一" and kind == "time" and not re.search(
                r"(?:质保|保修|保质期?|试睡|试用|退换|持续|续航|长达|只需|仅需|只要|仅|不到|超过|约|近|内|达)\s*$", before6):
            return None  # 辛苦了一天, 一秒化水: rhetoric, not a claim
        if n.chinese and n.text == "一" and written == "块" and not t.startswith("钱", end) and not re.search(
                r"(?:只要|只需|仅需|仅|才|卖|价|到手)\s*$", before6):
            return None  # 这一块: a piece, not a yuan
        if kind == "currency" and re.match(r"级|档|价位", t[end:end + 2]):
            return None  # 千元级: a price class
        if kind == "time" and n.text in ("一", "a", "an") and re.match(r"\s?[#\d零一二两三四五六七八九十]", self.masked[end:]):
            return None  # 一天两粒: a rate
        if kind == "time" and re.search(r"(?:\bper|\beach|\bevery|\ba|每|一)\s*$", t[max(0, n.start - 6):n.start]) \
                and n.value == 1:
            return None
        if kind == "time" and written == "年" and 1800 <= n.value <= 2100 and "." not in n.text:
            kind, base, factor = "year", "", 1.0
            end = end + 1 if t[end:end + 1] == "度" else end
        if kind == "time" and re.match(r"[\s-]*old\b", t[end:]) or re.search(
                r"\b(?:kids?|children|child|toddlers?|babies|ages?|aged)\s+(?:(?:over|under|above|from|of)\s+)?$",
                t[max(0, start - 20):start], re.IGNORECASE):
            if kind in ("time", "count"):
                kind, base, factor = "age", "years", (factor / (365 * _DAY) if kind == "time" else 1.0)
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
        t = self.text
        pos = n.end
        if over_inside:
            m = re.match(r"\s?(\+|＋|多|余)", t[pos:])
            pos += m.end() if m else 0
        # a Chinese measure word
        m = re.match(rf"\s?({_MEASURE_RE})", t[pos:])
        if m and re.search(r"[\u4e00-\u9fff]", m.group(1)) and not (n.spelled and not n.chinese):
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
        if n.chinese and len(n.text) == 1:
            return None
        if n.chinese and n.text in ("零", "〇"):
            return None
        # an English noun phrase
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


def _noun_phrase(s: str) -> str:
    """The first words of ``s`` up to a stop word (at most three): 'ceramic cup' of 'ceramic cup with it'."""
    out = []
    for w in re.findall(r"[A-Za-z][A-Za-z'-]*|\S", s):
        lw = w.lower()
        if not w[0].isalpha() or lw in _EN_NOUN_STOP or lw in ("us", "charge") or len(out) == 3:
            break
        out.append(lw)
    return " ".join(out)


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


# ------------------------------------------------------------------ support

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
    """The claim's value (with its hedge) is given by the fact's; see the module doc."""
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


def _en_words(s: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[a-z]+", s.lower()) if w not in _EN_STOP]


def _attachments_match(a: str, b: str, first_word: bool = False) -> bool:
    """Nouns / targets: English stems overlap (``first_word``: the claim's first word must occur in the
    fact's), Chinese character bigrams overlap."""
    if not a or not b:
        return True
    ea, eb = _en_words(a), _en_words(b)
    za, zb = "".join(re.findall(r"[\u4e00-\u9fff]", a)), "".join(re.findall(r"[\u4e00-\u9fff]", b))
    if ea and eb:
        if first_word:
            return any(words_match(ea[0], w) for w in eb)
        if not any(words_match(x, y) for x in ea for y in eb):
            return False
        if not (za and zb):
            return True
    if za and zb:
        return bool(_bigrams(za) & _bigrams(zb)) or (len(za) == 1 and za in zb) or (len(zb) == 1 and zb in za)
    return True  # one side English, the other Chinese: no evidence of a mismatch


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
    """Whether the fact quantities support one claimed quantity (see the module doc for the rules)."""
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


# ------------------------------------------------------------------ a sheet


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
