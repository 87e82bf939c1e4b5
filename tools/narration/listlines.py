"""List lines: a narration line that is the fact sheet's phrases strung together with commas.

The definition (issue 25), so anyone can recompute it:

- a line is split into clauses at Chinese and Western clause marks (，、；。！？,;!? and,
  in Chinese, spaces; in English the words' own spaces do not split);
- a clause is *bare* when removing every fact phrase of the sheet (2+ characters, longest
  first) and the product's name(s) leaves at most one word character (Chinese) or one
  word (English);
- a line is a *list line* when it has 3 or more clauses and at least 60 % of them are bare.

Beside it: a line *repeats a fact phrase* when one phrase of the sheet (2+ characters)
occurs twice or more in it (non-overlapping occurrences), and a line *repeats a clause*
when two of its clauses are the same (word characters compared, case-insensitive).

    >>> sheet = ["点击链接购买", "双十一", "双11", "买二送正装唇膏", "淡化唇纹", "滋润"]
    >>> is_list_line("点击链接购买，双十一，双11，买二送正装唇膏，淡化唇纹，滋润。", sheet)
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ListMeasures", "bare", "clauses", "is_list_line", "list_measures", "product_names", "repeats_clause",
           "repeats_fact", "sheet_phrases"]

_MARKS_ZH = r"[，、；。！？,;!?\s]+"
_MARKS_EN = r"[，、；。！？,;!?]+"  # English: words are separated by spaces, clauses by marks
MIN_CLAUSES = 3
BARE_SHARE = 0.6


def _lang(text: str, language: str | None) -> str:
    if language:
        return language
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def sheet_phrases(facts: dict[str, list[str]]) -> list[str]:
    """The sheet's fact phrases of 2+ characters, each once."""
    return list(dict.fromkeys(p.strip() for ps in facts.values() for p in ps if len(p.strip()) >= 2))


def product_names(product: str, aliases: Iterable[str] = (), language: str = "zh") -> list[str]:
    """What counts as the product's name: its title, the title without a shop tag, its short
    name (``tools.narration.names``) and its aliases."""
    from tools.narration.names import short_name, untagged

    names = [product, untagged(product), short_name(product, list(aliases) or None, language), *aliases]
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def clauses(text: str, language: str | None = None) -> list[str]:
    """``text`` split at clause marks (and, in Chinese, spaces); empty pieces dropped."""
    lang = _lang(text, language)
    return [c.strip() for c in re.split(_MARKS_ZH if lang == "zh" else _MARKS_EN, text) if c.strip()]


def _remove(clause: str, strings: Iterable[str], language: str) -> str:
    out = clause
    for s in sorted({s.strip() for s in strings if s and len(s.strip()) >= 2}, key=len, reverse=True):
        if language == "zh":
            out = re.sub(re.escape(s), " ", out, flags=re.I)
        else:
            out = re.sub(r"(?<!\w)" + re.escape(s) + r"(?!\w)", " ", out, flags=re.I)
    return out


def bare(clause: str, phrases: Iterable[str], names: Iterable[str] = (), language: str | None = None) -> bool:
    """Whether ``clause`` is nothing but fact phrases and the product's name: removing them leaves at
    most one word character (Chinese) or one word (English)."""
    lang = _lang(clause, language)
    rest = _remove(clause, [*phrases, *names], lang)
    if lang == "zh":
        return len(re.findall(r"\w", rest)) <= 1
    return len(re.findall(r"\w+", rest)) <= 1


def is_list_line(text: str, phrases: Iterable[str], names: Iterable[str] = (), language: str | None = None) -> bool:
    """3 or more clauses, at least 60 % of them bare (:func:`bare`)."""
    lang = _lang(text, language)
    parts = clauses(text, lang)
    if len(parts) < MIN_CLAUSES:
        return False
    phrases, names = list(phrases), list(names)
    return sum(bare(c, phrases, names, lang) for c in parts) >= BARE_SHARE * len(parts)


def repeats_fact(text: str, phrases: Iterable[str], language: str | None = None) -> bool:
    """Whether one fact phrase (2+ characters) occurs twice or more in ``text``."""
    lang = _lang(text, language)
    low = text.lower()
    for p in {p.strip().lower() for p in phrases if len(p.strip()) >= 2}:
        pattern = re.escape(p) if lang == "zh" else r"(?<!\w)" + re.escape(p) + r"(?!\w)"
        if len(re.findall(pattern, low)) >= 2:
            return True
    return False


def repeats_clause(text: str, language: str | None = None) -> bool:
    """Whether two clauses of ``text`` are the same (word characters, case-insensitive)."""
    keys = [re.sub(r"\W", "", c).lower() for c in clauses(text, language)]
    keys = [k for k in keys if k]
    return len(keys) != len(set(keys))


@dataclass(frozen=True)
class ListMeasures:
    lines: int
    list_line_rate: float
    fact_repeat_rate: float
    clause_repeat_rate: float

    def as_dict(self) -> dict[str, float]:
        return {"lines": self.lines, "list_line_rate": self.list_line_rate,
                "fact_repeat_rate": self.fact_repeat_rate, "clause_repeat_rate": self.clause_repeat_rate}


def list_measures(items: Iterable[tuple[str, list[str], list[str]]], language: str | None = None) -> ListMeasures:
    """The three shares over (line, the sheet's phrases, the product's names); empty lines are skipped."""
    n = lists = facts = repeated = 0
    for text, phrases, names in items:
        if not text.strip():
            continue
        n += 1
        lists += is_list_line(text, phrases, names, language)
        facts += repeats_fact(text, phrases, language)
        repeated += repeats_clause(text, language)
    return ListMeasures(n, lists / max(1, n), facts / max(1, n), repeated / max(1, n))
