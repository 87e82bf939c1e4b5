"""A GBNF grammar for one Chinese narration line: the slot's fact phrases verbatim, in the
plan's order, and the model's own words around them.

Left free, the 1.5B model paraphrases the fact phrases ("温和不刺激" becomes "很温和"), drops
them, or writes numbers the sheet lacks. Under this grammar it still writes the line (the
opening, the links between the facts, the ending), but each planned phrase appears exactly
as the sheet says it, its own words hold no digits, percent or currency signs (nor emoji,
"#tags", "～" or stray symbols), and the line ends with one sentence-final mark. Each free part is
capped by the budget; a part that ran into its cap (a word cut short) is trimmed back to its
last whole clause by :meth:`LineGrammar.trim`, and :func:`tools.narration.lengthfit.fit_length` does the
rest.

    >>> g = line_grammar(["温和不刺激", "控油祛痘"], (20, 30))
    >>> reply = llm.invoke(messages, grammar=g.gbnf)
    >>> line = g.trim(reply.text)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LineGrammar", "line_grammar", "sentence_grammar", "FREE_CHAR"]

# the model's own words: Chinese characters, Latin letters (BB霜) and clause marks; no digits,
# percent or currency signs, and none of the emoji, "#" tags and stray symbols the 1.5B adds
# (nor "～": it looped "值得买哦～～～～～～～～～～～～～～～～～～～耐用")
FREE_CHAR = "[一-鿿A-Za-z，、；：]"
_END_MARKS = "。！"
_END = f"[{_END_MARKS}]"
_CLAUSE_MARKS = "，、；：,;:"


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class LineGrammar:
    gbnf: str
    facts: list[str]
    tail_cap: int  # the most characters the free part after the last fact may take

    def trim(self, text: str) -> str:
        """``text`` less a final free part that hit its cap (cut mid-word) back to its last clause mark."""
        text = text.strip()
        if not text:
            return text
        start = 0
        for fact in self.facts:
            found = text.find(fact, start)
            if found < 0:  # not the grammar's output (a server that ignored it): leave it to fit_length
                return text
            start = found + len(fact)
        body = text[:-1] if text[-1] in _END_MARKS + "？" else text
        tail = body[start:]
        if len(tail) < self.tail_cap:
            return text
        cut = max(tail.rfind(m) for m in _CLAUSE_MARKS)
        kept = body[:start] + (tail[:cut] if cut > 0 else "")
        return (kept.rstrip(_CLAUSE_MARKS) + "。") if kept.strip(_CLAUSE_MARKS) else text


def _fitting(facts: list[str], hi: int, per_fact: int) -> list[str]:
    """The facts (stripped, deduplicated, one line each) that fit ``hi`` characters with ``per_fact``
    characters of the model's own words beside each, dropped from the end."""
    kept = [f for f in dict.fromkeys(f.strip() for f in facts) if f and not re.search(r"[\n\r]", f)]
    while kept and sum(map(len, kept)) + per_fact * len(kept) + 2 > hi:
        kept.pop()
    return kept


def _grammar(parts: list[str], end: str, kept: list[str], room: int) -> LineGrammar:
    rules = [f"root ::= {' '.join(parts)} end", f"c ::= {FREE_CHAR}", f"end ::= {end}"]
    return LineGrammar("\n".join(rules) + "\n", kept, room)


def _free_line(lo: int, hi: int, end: str) -> LineGrammar:
    """No fact to carry: free characters for the whole budget (a little over it), then the end."""
    cap = hi + 6
    return _grammar([f"c{{{max(1, lo - 1)},{cap}}}"], end, [], cap)


def line_grammar(facts: list[str], budget: tuple[int, int]) -> LineGrammar:
    """The grammar for a line of ``budget`` (min, max characters) carrying ``facts`` in order.

    Facts that leave no room for the model's own words are dropped from the end (the plan
    lists the most valuable first).
    """
    lo, hi = budget
    kept = _fitting(facts, hi, 2)
    room = max(4, hi - sum(map(len, kept)) - 1)
    if not kept:
        return _free_line(lo, hi, _END)
    # each free part may take the whole room: capping the lead-in or the links (8 / 6 characters)
    # or forcing a minimum after the facts made the 1.5B glue facts onto clauses and loop
    # (measured on 12 ads: CIDEr 0.153 against 0.211)
    parts = [f"c{{0,{room}}}"]
    for i, fact in enumerate(kept):
        parts.append(_literal(fact))
        parts.append(f"c{{0,{room}}}" if i == len(kept) - 1 else f"c{{1,{room}}}")
    return _grammar(parts, _END, kept, room)


_SENTENCE_END = "[。！？]"


def sentence_grammar(facts: list[str], budget: tuple[int, int], lead: int = 2) -> LineGrammar:
    """The grammar of the 'sentences' narrator (issue 25): like :func:`line_grammar` (the facts
    verbatim and in order, no digits, currency, emoji or symbols of the model's own, one
    sentence end, which may be a question mark), but the line never opens on a bare fact (at
    least ``lead`` characters of the model's own words first), two facts are linked by at least
    two of its words (not a comma alone), and the words after the last fact may run until
    the line reaches its minimum, assuming a lead-in of about 10 characters.
    """
    lo, hi = budget
    kept = _fitting(facts, hi, lead + 2)
    if not kept:
        return _free_line(lo, hi, _SENTENCE_END)
    room = max(lead + 2, hi - sum(map(len, kept)) - 1)
    tail_min = max(0, min(room - 1, lo - sum(map(len, kept)) - 1 - 10))
    parts = [f"c{{{lead},{room}}}"]
    for i, fact in enumerate(kept):
        parts.append(_literal(fact))
        parts.append(f"c{{{tail_min},{room}}}" if i == len(kept) - 1 else f"c{{2,{room}}}")
    return _grammar(parts, _SENTENCE_END, kept, room)
