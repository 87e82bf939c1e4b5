"""Fit a narration into its length budget without cutting words in half.

Too long: keep the best ordered subset of whole clauses that fits; failing that, cut
at the last word boundary. Too short: append fact phrases (always supported), then a
neutral closing phrase. Chinese counts characters (punctuation included, as
E-SyncVidStory does); English counts words.
"""

from __future__ import annotations

import itertools
import re

from .claims import split_clauses, tokens
from .storyline import Unit, text_length

__all__ = ["fit_length", "clean_line"]

_END_ZH = "。！？"
_CLOSERS = {"zh": ["真的很值得入手", "推荐给大家", "快来试试吧", "值得拥有"],
            "en": ["worth a try", "you will love it", "check it out"]}


def clean_line(text: str) -> str:
    """One spoken line from raw model output: no quotes, labels, numbering or line breaks."""
    text = text.strip().split("\n")[0]
    text = re.sub(r"^(文案|口播|第\s*\d+\s*段|clip\s*\d+|line|narration)\s*[:：]\s*", "", text, flags=re.I)
    return text.strip(" \"'“”「」『』")


def _join(parts: list[str], unit: Unit) -> str:
    return ("" if unit == "chars" else " ").join(p.strip() for p in parts).strip()


def _finish(text: str, unit: Unit) -> str:
    if not text:
        return text
    if unit == "chars":
        return text[:-1] + "。" if text[-1] in "，、；：,;:" else (text if text[-1] in _END_ZH + "!?.~" else text + "。")
    return text[:-1] + "." if text[-1] in ",;:" else (text if text[-1] in ".!?" else text + ".")


def _shorten(text: str, lo: int, hi: int, unit: Unit, keep: list[str]) -> str:
    clauses = split_clauses(text)
    if len(clauses) <= 10:
        best = under = None  # inside the budget; else the longest under the maximum (lengthened later)
        for r in range(len(clauses), 0, -1):
            for combo in itertools.combinations(range(len(clauses)), r):
                cand = _finish(_join([clauses[i] for i in combo], unit), unit)
                n, kept = text_length(cand, unit), sum(k in cand for k in keep)
                if n > hi:
                    continue
                key = (kept, len(combo), -sum(combo))  # keeps the facts, then most clauses, earliest
                if n >= lo and (best is None or key > best[0]):
                    best = (key, cand)
                if under is None or (kept, n) > under[0]:
                    under = ((kept, n), cand)
        # none lands inside: the longest subset under the maximum rather than a phrase cut in half
        if best or under:
            return (best or under)[1]
    # no clause subset fits: cut at a word boundary
    words = tokens(text) if unit == "chars" else text.split()
    out = ""
    for w in words:
        nxt = out + w if unit == "chars" else (out + " " + w).strip()
        if text_length(_finish(nxt, unit), unit) > hi:
            break
        out = nxt
    return _finish(out, unit)


def _lengthen(text: str, lo: int, hi: int, unit: Unit, fillers: list[str], language: str) -> str:
    sep = "，" if unit == "chars" else ", "
    body = text.rstrip("。！？.!?") if text else ""
    pool = list(dict.fromkeys(f for f in fillers if f)) + _CLOSERS["zh" if language == "zh" else "en"]
    for phrase in pool:
        if text_length(_finish(body, unit), unit) >= lo:
            break
        if phrase.lower() in body.lower():
            continue
        cand = (body + sep + phrase) if body else phrase
        if text_length(_finish(cand, unit), unit) <= hi:
            body = cand
    return _finish(body, unit)


def fit_length(text: str, budget: tuple[int, int], unit: Unit, fillers: list[str] | None = None,
               language: str = "zh", keep: list[str] | None = None, append_min: int = 0) -> str:
    """``text`` made to fit ``budget`` (min, max) in ``unit``.

    Args:
        fillers: fact phrases to append when the text is too short.
        keep: phrases (the slot's facts) that trimming should preserve, and that are added
            when none of them made it and there is room.
        append_min: the shortest kept phrase worth adding when the line left all of them out
            (Chinese characters); a line that skipped a generic word like "效果" is not
            patched with it.
    """
    lo, hi = budget
    keep = [k for k in (keep or []) if k]
    text = _finish(clean_line(text), unit) if text else ""
    if text_length(text, unit) > hi:
        text = _shorten(text, lo, hi, unit, keep)
    if keep and not any(k.lower() in text.lower() for k in keep):
        sep = "，" if unit == "chars" else ", "
        for k in (k for k in keep if unit == "words" or len(k) >= append_min):
            cand = _finish((text.rstrip("。！？.!?") + sep + k) if text else k, unit)
            if text_length(cand, unit) <= hi:
                text = cand
                break
    if text_length(text, unit) < lo:
        text = _lengthen(text, lo, hi, unit, fillers or [], language)
    if text_length(text, unit) > hi:  # a filler overshot: last resort, cut at a word boundary
        text = _shorten(text, lo, hi, unit, keep)
    return text
