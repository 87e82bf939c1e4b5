"""Words for matching: stop words, stems, content tokens, clause and sentence spans, number format."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tools.guard.quantities.numerals import _EN_SMALL
from tools.guard.quantities.units import _EN_UNITS

__all__ = ["stem", "words_match"]


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


def _noun_phrase(s: str) -> str:
    """The first words of ``s`` up to a stop word (at most three): 'ceramic cup' of 'ceramic cup with it'."""
    out = []
    for w in re.findall(r"[A-Za-z][A-Za-z'-]*|\S", s):
        lw = w.lower()
        if not w[0].isalpha() or lw in _EN_NOUN_STOP or lw in ("us", "charge") or len(out) == 3:
            break
        out.append(lw)
    return " ".join(out)


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
