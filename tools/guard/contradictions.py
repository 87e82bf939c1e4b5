"""Plain stated negations: a line that says what the sheet says the product is not (or free of).

- the sheet says Y is absent ("pectin instead of gelatin", "no artificial colours", "BPA-free",
  "不含防腐剂", "无香精", "果胶代替明胶") and the line mentions Y without negating it ("made with
  gelatin", "含防腐剂", "添加了香精");
- the line says the product is free of something (an additive: "不含甲醛", "paraben-free", "no
  added sugar") that the sheet does not say it is free of;
- the line says the product lacks Y ("不含烟酰胺") while the sheet lists Y as an ingredient or material.

:func:`unstated_materials` names the materials an English line says the product is made of ("made from
titanium") that no fact phrase names (Chinese terms are the FactGuard lexicon's job).

Offers and conditions that differ from the sheet are typed quantities (``tools.guard.quantities``).

    >>> contradictions("Made with gelatin.", ["made with pectin instead of gelatin"])
    ["'gelatin': the sheet says made with pectin instead of gelatin"]
"""

from __future__ import annotations

import re

from tools.guard.quantities import sheet_phrases, stem, words_match

__all__ = ["contradictions", "negated_terms", "unstated_materials"]

# Things a product is commonly said to be "free of": a free-from claim about one needs the sheet's word.
_ADDITIVES_ZH = ("防腐剂 酒精 香精 香料 色素 硅油 荧光剂 荧光增白剂 甲醛 激素 矿物油 重金属 铅 汞 蔗糖 糖 麸质 添加剂 塑化剂 双酚A "
                 "明胶 果胶 乳糖 反式脂肪 味精 人工色素 农药 氨 螨虫 刺激").split()
_ADDITIVES_EN = ("preservative preservatives paraben parabens sulfate sulfates sulphate sulphates alcohol fragrance "
                 "fragrances perfume dye dyes colour colours color colors colouring coloring sugar gluten lactose "
                 "gelatin gelatine bpa phthalate phthalates formaldehyde silicone silicones mineral oil lead mercury "
                 "pesticide pesticides additive additives palm oil soy dairy nut nuts caffeine").split()
_NEG_ZH = r"(?:不含有?|不添加|未添加|无添加|零添加|0添加|拒绝|没有|并无|未检出|不含任何|无|零)"
_NEG_EN_BEFORE = (r"\b(?:no|not|zero|without|free (?:of|from)|contains? no|instead of|rather than|never|"
                  r"isn't|aren't|doesn't contain|don't contain|no added|no artificial|minus)\s+")


def _zh_terms_after(s: str) -> list[str]:
    """The Chinese terms a negation marker governs: 无香精和无酒精 -> 香精, 酒精; 不含防腐剂 -> 防腐剂."""
    parts = re.split(r"[和及与、，,/]", s)
    out = []
    for p in parts:
        m = re.match(rf"\s*{_NEG_ZH}?\s*(?:任何)?([\u4e00-\u9fffA-Za-z0-9]{{1,6}})", p)
        if m:
            out.append(m.group(1))
    return out


_ZH_ONE_CHAR = frozenset("糖盐油铅汞磷硫醇酒麸奶蛋肉氟碘钠")  # one-character substances a sheet can say are absent


def negated_terms(phrase: str) -> list[str]:
    """Terms ``phrase`` says are absent: 'pectin instead of gelatin' -> ['gelatin']; '不含防腐剂' -> ['防腐剂']."""
    out: list[str] = []
    for m in re.finditer(r"([\u4e00-\u9fffA-Za-z0-9]{1,8}?)(?:代替|替代|取代)([\u4e00-\u9fffA-Za-z0-9]{1,6})", phrase):
        out.append(m.group(2))
    for m in re.finditer(rf"{_NEG_ZH}((?:[\u4e00-\u9fffA-Za-z0-9]{{1,6}})(?:[和及与、](?:{_NEG_ZH})?"
                         r"[\u4e00-\u9fffA-Za-z0-9]{1,6})*)", phrase):
        if re.match(r"(?:线|尺码|需|忧|理由|痕|缝|负担|味|刺激哦|门槛|限|添加$|添加[，。]|任何添加)", m.group(1)) or m.group(1) == "添加":
            continue
        out.extend(_zh_terms_after(m.group(1)))
    for m in re.finditer(_NEG_EN_BEFORE + r"((?:[a-z][a-z-]*\s+){0,1}[a-z][a-z-]*)", phrase, re.IGNORECASE):
        out.append(m.group(1).lower())
    for m in re.finditer(r"\b([a-z][a-z0-9]*(?:\s+[a-z]+)?)-free\b", phrase, re.IGNORECASE):
        out.append(m.group(1).split()[-1].lower())
    parts = [p.strip() for t in out for p in re.split(_NEG_ZH, t)]  # 无酒精无香精: two absent terms
    # one Chinese character after 无 is mostly an idiom (无瑕 flawless, 无痕, 无感), rarely a substance (无糖)
    return [t for t in dict.fromkeys(parts) if t and (not re.fullmatch(r"[\u4e00-\u9fff]", t) or t in _ZH_ONE_CHAR)]


def _key(term: str) -> list[str]:
    """What to look for: the stems of an English term ('artificial colours' -> ['artificial', 'colour']),
    a Chinese term as it is."""
    if re.search(r"[\u4e00-\u9fff]", term):
        return [term]
    words = [stem(w) for w in re.findall(r"[a-z0-9]+", term.lower()) if w not in ("at", "the", "a", "an", "of", "in")]
    return [w.replace("color", "colour") for w in words]


def _mentions(text: str, term: str) -> list[tuple[int, int]]:
    """Spans of ``text`` where ``term`` is mentioned (English by stems, in order)."""
    key = _key(term)
    if not key:
        return []
    if re.search(r"[\u4e00-\u9fff]", key[0]):
        return [(m.start(), m.end()) for m in re.finditer(re.escape(key[0]), text)]
    words = [(m.start(), m.end(), stem(m.group(0)).replace("color", "colour"))
             for m in re.finditer(r"[A-Za-z0-9]+", text)]
    out = []
    for i in range(len(words) - len(key) + 1):
        if all(words[i + j][2] == k or (len(k) >= 4 and words[i + j][2].startswith(k)) for j, k in enumerate(key)):
            out.append((words[i][0], words[i + len(key) - 1][1]))
    return out


def _is_negated(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 24):start]
    after = text[end:end + 8]
    if re.search(rf"{_NEG_ZH}\s*(?:任何|的)?$|(?:代替|替代|取代)$", before):
        return True
    if re.search(r"(?:[和及与、]\s*(?:无|不含)?)$", before) and re.search(rf"{_NEG_ZH}[\u4e00-\u9fff]{{1,6}}[和及与、]\s*$",
                                                                     before):
        return True
    if re.search(_NEG_EN_BEFORE + r"(?:[a-z-]+\s+){0,2}$", before, re.IGNORECASE):
        return True
    if re.search(r"\b(?:no|not|zero|without|free of|free from)\b[^.;!?]{0,20}\b(?:or|and|nor)\s+$", before,
                 re.IGNORECASE):
        return True
    return bool(re.match(r"-?free\b|\s*(?:free\b)", after, re.IGNORECASE))


def _free_from_claims(text: str) -> list[str]:
    """Additives the line says the product is free of."""
    out = []
    for term in negated_terms(text):
        key = term if re.search(r"[\u4e00-\u9fff]", term) else term.split()[-1]
        if any(key.startswith(a) or a == key for a in _ADDITIVES_ZH) or stem(key) in {stem(a) for a in _ADDITIVES_EN}:
            out.append(term)
    return out


def contradictions(text: str, facts: object) -> list[str]:
    """Reasons ``text`` contradicts, or claims a free-from the sheet does not state; [] when none.

    ``facts``: a ``ProductFacts``, a sheet dict, a ``{field: [phrases]}`` mapping or a list of phrases.
    """
    phrases = sheet_phrases(facts)
    out: list[str] = []
    negated = [(term, p) for p in phrases for term in negated_terms(p)]
    for term, phrase in negated:
        for start, end in _mentions(text, term):
            if not _is_negated(text, start, end):
                out.append(f"'{text[start:end]}': the sheet says {phrase}")
                break
    sheet_negated = {k for term, _ in negated for k in _key(term)}
    for term in negated_terms(text):
        key = _key(term)
        positive = [p for p in phrases for s, e in _mentions(p, term) if not _is_negated(p, s, e)]
        if positive and not any(k in sheet_negated for k in key):
            out.append(f"'{term}': the line says it is absent, the sheet lists it ({positive[0]})")
    for term in _free_from_claims(text):
        key = _key(term)
        if not any(k in sheet_negated or any(k in t for t in sheet_negated) for k in key) and not any(
                _mentions(p, term) and all(_is_negated(p, s, e) for s, e in _mentions(p, term)) for p in phrases):
            out.append(f"'{term}': the sheet does not say it is free of {term}")
    return list(dict.fromkeys(out))


_NOT_MATERIAL = frozenset("love care passion pride heart you us kids families people our your the a an in mind "
                          "real simple just only no".split())


def unstated_materials(text: str, facts: object) -> list[str]:
    """Materials an English line says the product is made of that the sheet does not name."""
    sheet = " ".join(sheet_phrases(facts)).lower()
    sheet_stems = {stem(w) for w in re.findall(r"[a-z0-9]+", sheet)}
    out = []
    for m in re.finditer(r"\b(?:made|crafted|built|woven|knitted)\s+(?:from|of|with|out of|in)\s+(?:\d+(?:\.\d+)?\s?%\s+)?"
                         r"((?:[A-Za-z][A-Za-z/-]*\s*){1,3})", text, re.IGNORECASE):
        words = []
        for w in m.group(1).split():
            lw = w.lower().strip("-")
            if lw in ("for", "and", "or", "that", "to", "a", "an", "the", "so", "which", "not", "but", "with"):
                break
            words.append(lw)
        missing = [w for w in words if w not in _NOT_MATERIAL and stem(w) not in sheet_stems
                   and not any(words_match(stem(w), s) for s in sheet_stems)]
        if words and words[-1] in missing and not set(words) & _NOT_MATERIAL:  # the head noun decides
            out.append(f"'{' '.join(words)}': the sheet does not say it is made of {' '.join(missing)}")
    return out
