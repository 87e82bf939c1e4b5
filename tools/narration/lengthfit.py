"""Fit a narration into its length budget without cutting words in half.

Too long: keep the best ordered subset of whole clauses that fits; failing that, whole
clauses up to ``stretch`` times the maximum (a voice-over can speak a little faster);
failing that, cut at the last word boundary that does not leave a dangling word ("get a
free."). Too short: append fact phrases (always supported), then a neutral closing
phrase. Chinese counts characters (punctuation included, as E-SyncVidStory does);
English counts words.
"""

from __future__ import annotations

import itertools
import re

from tools.core.text import split_clauses, tokens
from tools.narration.storyline import Unit, text_length

__all__ = ["fit_length", "clean_line", "clipped", "mentions", "DANGLING_WORDS", "BREAK_WORDS"]

_END_ZH = "。！？"
_CLOSERS = {"zh": ["真的很值得入手", "推荐给大家", "快来试试吧", "值得拥有"],
            "en": ["worth a try", "you will love it", "check it out"]}
# English words a cut line must not end on: "Buy two bags and get a free." reads as broken
# English words a line or a subtitle cue must not end on (a cut after them dangles)
DANGLING_WORDS = frozenset("""a an the and or but nor with without of to for from by at in on into onto as than that
which who whose this these those its your our their my his her is are was were be been get gets got
so very more most less such also just only every each any some no not all both plus over under about
per you we i it they he she can will would should could may might must has have had do does""".split())
# plain words a clause may start with: lower-cased after a comma (names keep their capital)
_COMMON = DANGLING_WORDS | set("""get buy order grab enjoy try add tap click shop save take make see feel taste
look keep stock treat give bring start""".split())
# words that open a new phrase: a line cut just before one ends on a whole phrase
# English words a new phrase starts with: where a long line or a cue may be cut before
BREAK_WORDS = frozenset("""and but or so with without for to because while when which that who where plus from in on at
as if then now today""".split())


def clean_line(text: str) -> str:
    """One spoken line from raw model output: no quotes, labels, numbering or line breaks."""
    text = text.strip().split("\n")[0]
    text = re.sub(r"^(文案|口播|第\s*\d+\s*段|clip\s*\d+|line|narration)\s*[:：]\s*", "", text, flags=re.I)
    text = text.strip(" \"'“”「」『』")
    text = re.sub(r'[“”「」"]', "", text)  # quotes the prompt put around data are not spoken
    # a fragment carried over from the context ("so they resist fading...") starts as a sentence
    fragment = re.match(r"(so|and|but|or|which|because|plus)\s+(?=[a-z])", text)
    if fragment:
        text = text[fragment.end():]
        text = text[:1].upper() + text[1:]
    return text


def _words(text: str) -> list[str]:
    """Lower-case words, numbers kept whole ("$24.90"), a plural -s dropped ("borders" = "border")."""
    out = []
    for w in re.findall(r"[\w$%]+(?:[.,]\d+)*", text.lower()):
        out.append(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def _shared(phrase: str, text: str) -> float:
    """The share of ``phrase``'s words that ``text`` has."""
    words, heard = _words(phrase), set(_words(text))
    return sum(w in heard for w in words) / max(1, len(words))


def mentions(phrase: str, text: str, unit: Unit) -> bool:
    """Whether ``text`` says ``phrase``: verbatim in Chinese; in English, three quarters of its
    words at least ("a deep black border" says "deep black borders", "fade-resistant" says
    "fade resistant")."""
    if unit == "chars":
        return phrase.lower() in text.lower()
    return bool(_words(phrase)) and _shared(phrase, text) >= 0.75


def _join(parts: list[str], unit: Unit) -> str:
    return ("" if unit == "chars" else " ").join(p.strip() for p in parts).strip()


def _finish(text: str, unit: Unit) -> str:
    if not text:
        return text
    if unit == "chars":
        return text[:-1] + "。" if text[-1] in "，、；：,;:" else (text if text[-1] in _END_ZH + "!?.~" else text + "。")
    # clauses of two sentences joined by a comma: ", Get a second set" -> ", get a second set"
    text = re.sub(r"([,;] )([A-Z][a-z]+)\b", lambda m: m.group(1) + m.group(2).lower()
                  if m.group(2).lower() in _COMMON else m.group(0), text)
    return text[:-1] + "." if text[-1] in ",;:" else (text if text[-1] in ".!?" else text + ".")


def _shorten(text: str, lo: int, hi: int, unit: Unit, keep: list[str], stretch: float = 1.0) -> str:
    clauses = split_clauses(text)
    longest = max(hi, int(hi * stretch))
    if len(clauses) <= 10:
        # inside the budget; else whole clauses inside the stretched maximum; else the longest
        # under the maximum (lengthened later) rather than a phrase cut in half
        best = stretched = under = None
        for r in range(len(clauses), 0, -1):
            for combo in itertools.combinations(range(len(clauses)), r):
                cand = _finish(_join([clauses[i] for i in combo], unit), unit)
                n, kept = text_length(cand, unit), sum(mentions(k, cand, unit) for k in keep)
                if n > longest:
                    continue
                if n > hi:  # keeps the facts, then the shortest, then the earliest
                    key = (kept, -n, -sum(combo))
                    if n >= lo and (stretched is None or key > stretched[0]):
                        stretched = (key, cand)
                    continue
                key = (kept, len(combo), -sum(combo))  # keeps the facts, then most clauses, earliest
                if n >= lo and (best is None or key > best[0]):
                    best = (key, cand)
                if under is None or (kept, n) > under[0]:
                    under = ((kept, n), cand)
        if stretched and (best is None or stretched[0][0] > best[0][0]):  # more of the facts, a bit long
            return stretched[1]
        if best or under:
            return (best or under)[1]
    # no clause subset fits: cut at a word boundary
    words = tokens(text) if unit == "chars" else text.split()
    out: list[str] = []
    for w in words:
        joined = _join([*out, w], unit) if unit == "words" else "".join([*out, w])  # keep "Olay 小白瓶"'s space
        if text_length(_finish(joined, unit), unit) > hi:
            break
        out.append(w)
    if unit == "words":
        # end where a new phrase would start ("Buy two bags | and get a free cup"), else at least
        # not on "a", "the", "with", "get"...
        word = lambda w: w.strip(",;:").lower()  # noqa: E731
        breaks = [n for n in range(1, len(out) + 1) if n < len(words) and word(words[n]) in BREAK_WORDS
                  and word(out[n - 1]) not in DANGLING_WORDS]
        if breaks:
            out = out[:breaks[-1]]
        while len(out) > 1 and word(out[-1]) in DANGLING_WORDS:
            out.pop()
        return _finish(_join(out, unit), unit)
    return _finish("".join(out), unit)


def _bare(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().lower()


def clipped(raw: str, fitted: str) -> bool:
    """Whether fitting cut ``raw`` inside a clause: the fitted line ends on a strict prefix
    of one of the raw line's clauses (whole clauses and appended phrases are not cut)."""
    ends = split_clauses(fitted)
    if not ends or not raw:
        return False
    last = _bare(ends[-1])
    whole = [_bare(c) for c in split_clauses(clean_line(raw))]
    return bool(last) and last not in whole and any(c.startswith(last) and c != last for c in whole)


def _lengthen(text: str, lo: int, hi: int, unit: Unit, fillers: list[str], language: str,
              max_added: int | None = None) -> str:
    sep = "，" if unit == "chars" else ", "
    body = text.rstrip("。！？.!?") if text else ""
    pool = list(dict.fromkeys(f for f in fillers if f)) + _CLOSERS["zh" if language == "zh" else "en"]
    added = 0
    for phrase in pool:
        if text_length(_finish(body, unit), unit) >= lo or (max_added is not None and added >= max_added):
            break
        if mentions(phrase, body, unit) or (unit == "words" and _shared(phrase, body) >= 0.5):  # said already
            continue
        cand = (body + sep + phrase) if body else phrase
        if text_length(_finish(cand, unit), unit) <= hi:
            body = cand
            added += 1
    return _finish(body, unit)


def fit_length(text: str, budget: tuple[int, int], unit: Unit, fillers: list[str] | None = None,
               language: str = "zh", keep: list[str] | None = None, append_min: int = 0,
               stretch: float = 1.0, append_keep: bool = True, max_added: int | None = None) -> str:
    """``text`` made to fit ``budget`` (min, max) in ``unit``.

    Args:
        fillers: fact phrases to append when the text is too short.
        keep: phrases (the slot's facts) that trimming should preserve, and that are added
            when none of them made it and there is room.
        append_min: the shortest kept phrase worth adding when the line left all of them out
            (Chinese characters); a line that skipped a generic word like "效果" is not
            patched with it.
        stretch: a line too long for the budget may keep whole clauses up to this many
            times the maximum rather than be cut inside a clause (1.0: never over).
        append_keep: add a ``keep`` phrase the line left out (False: ``keep`` only guides
            trimming; the 'sentences' narrator never tacks a fact onto a line).
        max_added: at most this many phrases appended to a short line (None: as many as it
            takes); a line left short is better than one that chains stock endings.
    """
    lo, hi = budget
    keep = [k for k in (keep or []) if k]
    text = _finish(clean_line(text), unit) if text else ""
    if text_length(text, unit) > hi:
        text = _shorten(text, lo, hi, unit, keep, stretch)
    if append_keep and keep and not any(mentions(k, text, unit) for k in keep):
        sep = "，" if unit == "chars" else ", "
        for k in (k for k in keep if unit == "words" or len(k) >= append_min):
            cand = _finish((text.rstrip("。！？.!?") + sep + k) if text else k, unit)
            if text_length(cand, unit) <= hi:
                text = cand
                break
    if text_length(text, unit) < lo:
        text = _lengthen(text, lo, hi, unit, fillers or [], language, max_added)
    if text_length(text, unit) > max(hi, int(hi * stretch)):  # a filler overshot: last resort, cut
        text = _shorten(text, lo, hi, unit, keep, stretch)
    return text
