"""Unit tables: written units to (kind, base unit, factor), Chinese measure words, currency marks."""

from __future__ import annotations

import re

__all__ = ["is_unit"]


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
_MEASURE_RE = "|".join(_ZH_MEASURES)


def is_unit(word: str) -> bool:
    """True for a unit or Chinese measure word (厘米, 毫升, kg, litres, 件)."""
    w = word.strip()
    return w in _ZH_UNITS or w in _ZH_MEASURES or w.lower() in _EN_UNITS
