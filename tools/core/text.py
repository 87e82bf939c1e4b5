"""Text to checkable claims: clauses, numbers (Arabic, Chinese and English numerals), terms.

    >>> [n.value for n in find_numbers("到手价二百八十九元，买2送1")]
    [289.0, 2.0, 1.0]
    >>> [n.value for n in find_numbers("only $24.90 for twenty bags")]
    [24.9, 20.0]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Number", "split_clauses", "find_numbers", "tokens", "is_chinese", "chinese_value",
           "english_value"]

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_CN_CHARS = "".join(_CN_DIGIT) + "".join(_CN_UNIT) + "点"
# A one-character numeral is a quantity only before a unit: 三大 and 五种 are claims, 二代 is a name.
# A lone 一/两 only counts before a measure (一百元, 一元 are claims; 一支口红, 一款 are not).
_CN_MEASURE_UNITS = "元块折倍天周月年小时分钟秒毫升克斤公吨米厘码层重"
_CN_QUANTITY_UNITS = _CN_MEASURE_UNITS + "种大款色步次件支瓶片盒袋套包罐颗粒只双个"
_EN_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
             "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}

_ARABIC = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:[.,]\d+)*)(?![A-Za-z]*\d)\s*(%|万|千|亿|k\b)?")
_CHINESE = re.compile(f"[{_CN_CHARS}]+")
_EN_WORDS = re.compile(r"\b(?:" + "|".join([*_EN_UNITS, *_EN_TENS, *_EN_SCALES, "and"]) + r")\b(?:[\s-]+(?:"
                       + "|".join([*_EN_UNITS, *_EN_TENS, *_EN_SCALES, "and"]) + r")\b)*", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(r"(?<=[，。！？；：,.!?;:…~\n])\s*")


@dataclass(frozen=True)
class Number:
    text: str
    value: float
    start: int
    end: int


def letters(text: str) -> str:
    """Lower-case word characters only: how names are compared across spacing, case and punctuation."""
    return re.sub(r"[^\w]", "", text.lower())


def is_chinese(text: str) -> bool:
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return han >= max(1, len(text) // 5)


def split_clauses(text: str) -> list[str]:
    """Clauses cut at punctuation, each keeping its punctuation (Chinese and English)."""
    parts = [p for p in _CLAUSE_SPLIT.split(text) if p.strip()]
    merged: list[str] = []
    for p in parts:  # "2.5" or "$24.90" must not be split at its dot
        if merged and re.search(r"\d[.,]$", merged[-1]) and re.match(r"\d", p):
            merged[-1] += p
        else:
            merged.append(p)
    return merged


def chinese_value(s: str) -> float | None:
    """'二百八十九' -> 289.0; '七点三' -> 7.3; '二零二三' -> 2023.0 (None for a bad decimal)."""
    if "点" in s:
        whole, _, frac = s.partition("点")
        w = chinese_value(whole) if whole else 0.0
        digits = "".join(str(_CN_DIGIT[c]) for c in frac if c in _CN_DIGIT)
        return None if w is None or not digits else float(f"{int(w)}.{digits}")
    if all(c in _CN_DIGIT for c in s):  # digit by digit: 二零二三
        return float("".join(str(_CN_DIGIT[c]) for c in s))
    total, section, digit = 0, 0, 0
    for c in s:
        if c in _CN_DIGIT:
            digit = _CN_DIGIT[c]
        elif c in ("万", "亿"):
            section = (section + digit) * _CN_UNIT[c]
            total += section
            section, digit = 0, 0
        else:
            section += (digit or 1) * _CN_UNIT[c]
            digit = 0
    return float(total + section + digit)


def english_value(words: list[str]) -> list[float]:
    """'twenty four ninety' -> [24, 90]; 'one hundred fifty' -> [150]."""
    values, current, started = [], 0, False
    for w in (w.lower() for w in words):
        if w == "and":
            continue
        if w in _EN_SCALES:
            current = (current or 1) * _EN_SCALES[w]
        elif w in _EN_TENS:
            if started and current % 100 != 0:
                values.append(float(current))
                current = 0
            current += _EN_TENS[w]
        else:
            if started and current % 10 != 0:
                values.append(float(current))
                current = 0
            current += _EN_UNITS[w]
        started = True
    if started:
        values.append(float(current))
    return values


def find_numbers(text: str) -> list[Number]:
    """Every quantity in ``text``: 289, 289元, 4.6折, 50%, 二百八十九, 三大, twenty-four, $24.90."""
    found: list[Number] = []
    taken = [False] * len(text)
    for m in _ARABIC.finditer(text):
        raw = m.group(1).replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", m.group(1)) else m.group(1)
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            continue
        scale = {"万": 1e4, "千": 1e3, "亿": 1e8, "k": 1e3}.get(m.group(2) or "", 1)
        found.append(Number(m.group(0), value * scale, m.start(), m.end()))
        for i in range(m.start(), m.end()):
            taken[i] = True
    for m in _CHINESE.finditer(text):
        s, start = m.group(0), m.start()
        if any(taken[start:m.end()]) or s == "点":
            continue
        s = s.strip("点")
        if not s or "点点" in s:
            continue
        nxt = text[m.end():m.end() + 1]
        if len(s) == 1:
            units = _CN_MEASURE_UNITS if s in "一两" else _CN_QUANTITY_UNITS
            if not nxt or nxt not in units or s in "万亿":
                continue
        if len(s) == 1 and s in "一两" and text[max(0, start - 1):start] in ("第", "唯", "统", "专"):
            continue
        value = chinese_value(s)
        if value is not None:
            found.append(Number(s, value, start, m.end()))
    for m in _EN_WORDS.finditer(text):
        words = re.split(r"[\s-]+", m.group(0))
        if all(w.lower() == "and" for w in words):
            continue
        if len(words) == 1 and words[0].lower() == "one":  # "one of", "this one": not a quantity
            continue
        for value in english_value(words):
            found.append(Number(m.group(0), value, m.start(), m.end()))
    return sorted(found, key=lambda n: n.start)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    from tools.core.quiet import jieba_log_level

    jieba.setLogLevel(jieba_log_level())  # its "Building prefix dict..." lines: only when verbose
    return jieba


@lru_cache(maxsize=1)
def _term_tokenizer():
    """A jieba tokenizer that keeps product terms whole (玻尿酸, not 玻/尿酸); the global one is untouched."""
    tok = _jieba().Tokenizer()  # jieba's one logger, set by _jieba(), serves every tokenizer
    from importlib import resources

    words = resources.files("tools") / "data" / "ingredient_terms.txt"
    for w in words.read_text(encoding="utf-8").split():
        tok.add_word(w, freq=20000)
    return tok


def tokens(text: str, terms: bool = False) -> list[str]:
    """Words: jieba for Chinese (``terms``: keep known product terms whole), lower-case runs for English."""
    if is_chinese(text):
        cut = _term_tokenizer().lcut if terms else _jieba().lcut
        return [t for t in cut(text) if t.strip()]
    return re.findall(r"[a-z0-9][a-z0-9'\-]*", text.lower())
