"""Which of a sheet's phrases are selling points, and which slot of the ad says each (issue 25).

Sheets list more than a presenter would sell: the bare category words ("价格", "效果",
"成分"), a substance that the seller lists because the product is *free* of it ("防腐剂"
under ingredients while another phrase says "无防腐剂"), a certificate's code, a word in
capitals ("AUTHENTICATION"). :func:`selling_points` drops them before anything is planned.

:func:`plan_ad` gives every slot one fact (two on a long slot, three on a very long one), with the ad's memory: no
phrase is planned twice, nor one inside another already said; the promotion may come back in
the closing call to action only. On Chinese sheets the learned fact plan
(``tools.narration.factplan``) ranks the phrases; on other sheets the slot's labels do.
"""

from __future__ import annotations

import re

from tools.core.labels import facts_for_label, field_category, get_label
from tools.narration.factplan import FactPlanModel, plan_applies
from tools.narration.storyline import Slot, Storyline

__all__ = ["GENERIC_WORDS", "FREE_FROM", "selling_points", "plan_ad", "fact_room", "negated_terms"]

# a sheet's category words: said alone they tell the viewer nothing
GENERIC_WORDS = frozenset("""价格 效果 功效 成分 质地 品质 质量 优惠 活动 福利 好评 产品 商品 正品 官方 颜色 款式 包装 外观 材质
口感 味道 设计 细节 品牌 尺寸 规格 容量 赠品 特点 特性 卖点 作用 功能 适用人群 肤质 用法 工艺 认证 专利 售后 服务 性价比
price effect quality design material ingredients texture promotion features""".split())
# substances a sheet names because the product is free of them; said alone they sell their presence
FREE_FROM = ("防腐剂", "酒精", "香精", "色素", "激素", "荧光剂", "矿物油", "添加剂", "重金属", "甲醛", "塑化剂", "硅油",
             "香料", "糖精", "农药", "麸质", "乳糖")
_NEGATION_ZH = r"(?:无|不含|不添加|未添加|零|0|没有|拒绝|告别|去除|远离|免)"
_NEGATION_EN = r"(?:no|non|without|free of|free from|instead of|zero|not)"


def negated_terms(phrases: list[str]) -> set[str]:
    """The terms some phrase of the sheet states as absent: "无防腐剂" -> 防腐剂, "pectin instead of
    gelatin" -> gelatin, "paraben-free" -> paraben."""
    out: set[str] = set()
    for q in phrases:
        out.update(m.group(1) for m in re.finditer(_NEGATION_ZH + r"([\u4e00-\u9fff]{2,6})", q))
        low = q.lower()
        out.update(m.group(1) for m in re.finditer(r"\b" + _NEGATION_EN + r"\s+([a-z]+(?: [a-z]+)?)", low))
        out.update(m.group(1) for m in re.finditer(r"\b([a-z]+)-free\b", low))
    return out


def _not_selling(phrase: str, negated: set[str], chinese: bool) -> bool:
    p = phrase.strip()
    low = p.lower()
    if low in GENERIC_WORDS or len(p) < 2:
        return True
    if chinese and not re.search(r"[\u4e00-\u9fff]", p) and (len(p) > 4 or re.fullmatch(r"[A-Z]+\d+", p)):
        return True  # a code or a word in capitals ("T26513", "AUTHENTICATION") on a Chinese sheet
    if re.search(_NEGATION_ZH, p) or re.search(r"\b" + _NEGATION_EN + r"\b|-free\b", low):
        return False  # the phrase states the absence itself ("无防腐剂"): a selling point
    if any(p.endswith(s) for s in FREE_FROM):
        return True
    # a term the sheet's own wording negates elsewhere ("防腐剂" beside "无防腐剂", "gelatin" beside
    # "pectin instead of gelatin"): not sold as present
    return any(t == low or t.startswith(low) or (len(t) >= 2 and low.endswith(t)) for t in negated)


def selling_points(facts: dict[str, list[str]]) -> dict[str, list[str]]:
    """``facts`` less the phrases that are not selling points (see the module doc); fields left
    empty are dropped."""
    every = [p for ps in facts.values() for p in ps]
    chinese = plan_applies(facts)
    negated = negated_terms(every)
    out: dict[str, list[str]] = {}
    for field, phrases in facts.items():
        kept = [p for p in phrases if not _not_selling(p, negated, chinese)]
        if kept:
            out[field] = kept
    return out


def fact_room(slot: Slot) -> int:
    """Facts a slot's line carries: one, two on a long slot (30+ characters, 14+ words), three on
    a slot said in three sentences (over 75 characters, 34 words)."""
    hi = slot.budget[1]
    two, three = (30, 75) if slot.unit == "chars" else (14, 34)
    return 3 if hi > three else 2 if hi >= two else 1


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text.lower())


def _overlaps(phrase: str, others: set[str]) -> bool:
    low = _norm(phrase)
    return any(low in _norm(o) or _norm(o) in low for o in others)


def _is_promotion(phrase: str, facts: dict[str, list[str]]) -> bool:
    return any(phrase in ps and field_category(f) in ("promotion", "price") for f, ps in facts.items())


def plan_ad(storyline: Storyline, facts: dict[str, list[str]], product: str, *, model: FactPlanModel | None = None,
            floor: float = 0.03, threshold: float = 0.1) -> list[list[str]]:
    """The selling points each slot says, in storyline order, with the ad's memory (module doc).

    ``facts`` should already be :func:`selling_points`. On a Chinese sheet a slot takes phrases
    by the plan's value (likely and telling), the first from P >= ``floor``, a second from
    ``threshold``; elsewhere its labels' fields in order. A phrase longer than half the slot's
    budget is left for a longer slot. A last slot that is a call to buy says the promotion when the
    sheet has one, said before or not.
    """
    model = model or FactPlanModel.load()
    calibrated = plan_applies(facts)
    said: set[str] = set()
    plan: list[list[str]] = []
    last = len(storyline.slots) - 1
    for k, slot in enumerate(storyline.slots):
        hi = slot.budget[1]
        size = (lambda p: len(p)) if slot.unit == "chars" else (lambda p: len(p.split()))  # noqa: E731
        ranked = model.score(product, facts, slot.labels, slot.position, slot.budget, said)
        if calibrated:
            order = [(f.phrase, f.p) for f in sorted(ranked, key=lambda f: -f.value)]
        else:
            relevant = list(dict.fromkeys(p for lab in slot.labels for p in facts_for_label(facts, lab)))
            order = [(p, 1.0) for p in relevant]
        picks: list[str] = []
        if k == last and k > 0 and any(get_label(x).id == "purchase" for x in slot.labels):  # the closing deal
            promo = [p for p, _ in order if _is_promotion(p, facts) and size(p) <= hi // 2]
            picks += promo[:1]
        for phrase, p in order:
            if len(picks) >= fact_room(slot):
                break
            if calibrated and p < (threshold if picks else floor):
                continue
            if size(phrase) > max(2, hi // 2) or _overlaps(phrase, said) or _overlaps(phrase, set(picks)):
                continue
            picks.append(phrase)
        said |= set(picks)
        plan.append(picks)
    return plan
