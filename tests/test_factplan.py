"""The learned fact plan: which fact phrases each storyline slot says."""

from __future__ import annotations

import pytest

from tools.narration.factplan import FactPlanError, FactPlanModel, plan_facts, product_key
from tools.narration.storyline import Slot, Storyline

FACTS = {"功效": ["抗初老", "提亮肤色", "淡化细纹"], "质地": ["轻薄", "不油腻"],
         "成分/材质": ["二裂酵母发酵精粹", "二裂酵母", "玻色因"], "活动优惠": ["289元到手四件套", "双十一"]}
PRODUCT = "欧莱雅黑精华抗初老面部精华液"


def story(*labels_budgets) -> Storyline:
    n = len(labels_budgets)
    return Storyline(slots=[Slot(index=i + 1, labels=[lab], budget=b, position=i / max(1, n - 1))
                            for i, (lab, b) in enumerate(labels_budgets)])


def synthetic_records(n: int = 24) -> list[dict]:
    """Ads whose buying clips say the promotion and whose texture clips say the texture."""
    recs = []
    for i in range(n):
        facts = {"质地": [f"质地{i}号", "轻薄"], "活动优惠": [f"第{i}期满减", "赠品"], "功效": [f"功效{i}", "补水"]}
        recs.append({"product": f"品牌{i}面霜", "facts": facts, "clips": [
            {"labels": ["质地/成分/材质"], "chars": [10, 16], "narration": f"它是质地{i}号，特别轻薄。"},
            {"labels": ["产品功效"], "chars": [8, 14], "narration": "用完皮肤好舒服。"},
            {"labels": ["引导购买"], "chars": [10, 16], "narration": f"现在有第{i}期满减，快下单。"}]})
    return recs


def test_learns_which_field_each_label_says():
    model = FactPlanModel.fit(synthetic_records(), folds=3)
    assert model.cv["auc"] > 0.8  # held-out products
    facts = {"质地": ["丝滑质地"], "活动优惠": ["年货节满减"], "功效": ["保湿"]}
    buy = model.score("新品面霜", facts, ["引导购买"], 1.0, (10, 16))
    texture = model.score("新品面霜", facts, ["质地/成分/材质"], 0.0, (10, 16))
    assert buy[0].phrase == "年货节满减" and texture[0].phrase == "丝滑质地"
    # it lists the products it learned from (an evaluation tells seen products from new ones)
    assert len(model.products) == 24 and all(product_key(r["product"]) in model.products for r in synthetic_records())
    assert product_key("新品面霜") not in model.products


def test_plan_respects_budget_nesting_and_floor():
    model = FactPlanModel.load()
    s = story(("质地/成分/材质", (40, 50)), ("引导购买", (8, 12)), ("产品功效", (20, 26)))
    plan = plan_facts(s, FACTS, PRODUCT, model=model)
    assert len(plan) == 3
    # at most one fact per 14 characters of the budget and never more than two: 2, 1 and 1 here
    for picks, most in zip(plan, (2, 1, 1), strict=True):
        assert len(picks) <= most, plan
        names = [p.phrase for p in picks]
        assert not any(a != b and a in b for a in names for b in names)  # never 二裂酵母 beside 二裂酵母发酵精粹
        assert all(p.p >= 0.03 for p in picks[:1]) and all(p.p >= 0.1 for p in picks[1:])  # floor, then threshold
    assert plan[0] and plan[0][0].phrase in FACTS["成分/材质"] + FACTS["质地"]  # the texture slot leads with its field
    assert plan[1] and plan[1][0].category == "promotion"  # the buying slot says the deal
    # a second fact must clear the threshold; the first only the floor
    strict = plan_facts(s, FACTS, PRODUCT, model=model, threshold=0.99)
    assert strict[0] == plan[0][:1] and strict[1] and all(len(p) <= 1 for p in strict)
    # nothing worth saying: an empty plan, not a forced fact
    empty = plan_facts(s, FACTS, PRODUCT, model=model, floor=0.99)
    assert empty == [[], [], []]


def test_an_earlier_slot_saying_a_phrase_reaches_its_score():
    model = FactPlanModel.load()
    weight = dict(zip(model.features, model.weights, strict=True))["reused"]
    fresh = {f.phrase: f.p for f in model.score(PRODUCT, FACTS, ["质地/成分/材质"], 0.5, (20, 26))}
    used = {f.phrase: f.p for f in model.score(PRODUCT, FACTS, ["质地/成分/材质"], 0.5, (20, 26), {"玻色因"})}
    assert weight != 0 and (used["玻色因"] - fresh["玻色因"]) * weight > 0  # moves the way the model learned
    assert all(used[p] == fresh[p] for p in fresh if p != "玻色因")  # and only for that phrase


def test_bad_model_file_is_a_named_error(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(FactPlanError, match="not a fact-plan model"):
        FactPlanModel.load(bad)
    with pytest.raises(FactPlanError, match="cannot read"):
        FactPlanModel.load(tmp_path / "missing.json")


def test_an_english_sheet_is_planned_by_the_labels_fields():
    """The model learned from Chinese ads; an English sheet still gets facts, from the label's fields."""
    facts = {"texture": ["rich crema", "medium-dark roast"], "promotion": ["buy two bags, get a free cup"],
             "effect": ["smooth finish with low bitterness"], "size/spec": ["1 kg bag"]}
    s = Storyline(language="en", slots=[Slot(index=i + 1, labels=[lab], budget=(7, 9), unit="words", position=i / 2)
                                        for i, lab in enumerate(["质地/成分/材质", "产品功效", "引导购买"])])
    plan = [[p.phrase for p in picks] for picks in plan_facts(s, facts, "Aurora Espresso Blend")]
    assert plan == [["rich crema"], ["smooth finish with low bitterness"], ["buy two bags, get a free cup"]]
