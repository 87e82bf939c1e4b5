"""Numerals of a text: Arabic, Chinese and spelled English, and the text with its numerals masked."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tools.core.text import chinese_value, english_value

__all__: list[str] = []


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
_NUMCLASS = "#"


@dataclass
class _Num:
    start: int
    end: int
    value: float
    text: str
    spelled: bool = False
    chinese: bool = False
    price_like: bool = False  # "twenty-four ninety": 24.90


_Add = Callable[[_Num], None]


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

    _arabic(text, add)
    _chinese(text, taken, add)
    _fractions(text, add)
    _english(text, add)
    _a_numerals(text, add)
    found.sort(key=lambda n: n.start)
    return found


def _arabic(text: str, add: _Add) -> None:
    """Arabic numerals, with their 万 / thousand scale: 289, 4.6, 1,299, 3万, 2 million."""
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


def _chinese(text: str, taken: list[bool], add: _Add) -> None:
    """Chinese numerals, not in idioms (一起, 十分), ordinals (第二) or vague amounts (一两颗)."""
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
        value = chinese_value(s)
        if value is not None:
            add(_Num(m.start(), m.end(), value, s, chinese=True))


def _fractions(text: str, add: _Add) -> None:
    """Spelled fractions before a unit: half a litre, a quarter of an hour, two thirds of a kilo."""
    for m in _FRACTION.finditer(text):
        mult = {"a": 1, "one": 1, "two": 2, "three": 3}.get((m.group(1) or "a").lower(), 1)
        frac = {"half": 0.5, "quarter": 0.25, "third": 1 / 3}[m.group(2).lower().rstrip("s")]
        add(_Num(m.start(), m.end(), mult * frac, m.group(0).strip(), spelled=True))


def _english(text: str, add: _Add) -> None:
    """Spelled English numbers: twenty-four, one hundred fifty; 'twenty-four ninety' is a price (24.90)."""
    for m in _EN_RUN.finditer(text):
        words = [w for w in re.split(r"[\s-]+", m.group(0)) if w]
        values = english_value(words)
        prev = text[:m.start()].rstrip().lower()
        if prev.endswith("number") and words[0].lower() == "one":
            continue
        if len(values) == 2 and 10 <= values[1] < 100 and values[0] >= 1:
            add(_Num(m.start(), m.end(), values[0] + values[1] / 100, m.group(0), spelled=True, price_like=True))
        elif len(values) == 1:
            add(_Num(m.start(), m.end(), values[0], m.group(0), spelled=True))


def _a_numerals(text: str, add: _Add) -> None:
    """'a' / 'an' as one before a unit, after a word that makes it a measure: 'lasts a day', 'for an hour'."""
    for m in _A_NUMERAL.finditer(text):
        before = re.findall(r"[\w']+", text[:m.start()].lower())
        if before and before[-1] not in _A_ALLOWED_BEFORE:
            continue
        add(_Num(m.start(), m.start() + len(m.group(1)), 1.0, m.group(1), spelled=True))


def _mask(text: str, nums: list[_Num]) -> str:
    """``text`` with every character of its numerals replaced by ``#`` (patterns then match ``#+``)."""
    chars = list(text)
    for n in nums:
        for i in range(n.start, n.end):
            chars[i] = _NUMCLASS
    return "".join(chars)
