"""The line reranker (tools.narration.linescore) and best-of-N sampling in the narrator, with a scripted LLM."""

from __future__ import annotations

from tests.test_narrate_unit import FACTS, llm_with, story
from tools.core.schema import ProductFacts
from tools.guard.factguard import FactGuard
from tools.narration.linescore import LineScorer, SlotContext
from tools.narration.narrate import narrate
from tools.narration.storyline import Slot, Storyline


def _ad(product: str, lines: list[tuple[str, str]]) -> dict:
    return {"product": product, "facts": {"功效": ["保湿"]},
            "clips": [{"index": i + 1, "total": len(lines), "chars": [len(t) - 3, len(t) + 3], "labels": [lab],
                       "narration": t} for i, (lab, t) in enumerate(lines)]}


# real-looking lines: buying slots of several products say "赶紧点击下方链接"; one product says
# its own name in nearly every line
RECORDS = [
    _ad("甲牌洗面奶", [("引导购买", "喜欢的姐妹赶紧点击下方链接下单吧。"), ("产品推荐", "今天给大家推荐甲牌洗面奶。")]),
    _ad("乙牌面霜", [("引导购买", "心动的话赶紧点击下方链接抢购。"), ("产品推荐", "乙牌面霜真的很好用。")]),
    _ad("丙牌口红", [("引导购买", "还等什么，赶紧点击下方链接吧。"), ("产品推荐", "今天给大家推荐丙牌口红。")]),
    _ad("丁牌香水", [("引导购买", "独家秘方，赶紧点击下方链接带回家。"), ("引导购买", "丁牌香水独家秘方，赶紧点击下方链接。")]),
]


def _ctx(labels=("引导购买",), product="戊牌精华", fact_p=None) -> SlotContext:
    return SlotContext(labels=list(labels), product=product, name="戊牌精华", title_words=["戊牌", "精华"],
                       fact_p=fact_p or {}, target_chars=14)


def test_words_real_lines_of_the_label_use_score_higher():
    scorer = LineScorer(RECORDS)
    typical = "喜欢的赶紧点击下方链接购买戊牌精华。"
    odd = "宇宙飞船降落在月球背面的环形山上。"
    assert scorer.score(typical, _ctx()) > 3 * scorer.score(odd, _ctx())
    odds = dict(scorer.gram_odds(typical, _ctx()))
    assert odds[("点击", "下方", "链接")] == 1.0  # every buying line of the other products says it
    # the same words in a recommendation slot: no recommendation line says them
    assert dict(scorer.gram_odds(typical, _ctx(labels=("产品推荐",))))[("点击", "下方", "链接")] == 0.0


def test_the_product_being_narrated_is_left_out_of_the_statistics():
    scorer = LineScorer(RECORDS)
    own = "丁牌香水独家秘方。"
    # "独家秘方" appears only in 丁牌香水's own lines: scoring that product, it is unknown; scoring
    # another product, two of the five buying lines say it
    assert dict(scorer.gram_odds(own, _ctx(product="丁牌香水")))[("独家", "秘方")] == 0.0
    assert dict(scorer.gram_odds(own, _ctx(product="戊牌精华")))[("独家", "秘方")] == 2 / 5


def test_fact_phrases_and_the_name_take_their_odds():
    scorer = LineScorer(RECORDS)
    line = "戊牌精华，玻色因抗皱。"
    odds = dict(scorer.gram_odds(line, _ctx(fact_p={"玻色因": 0.4})))
    assert odds[("玻色", "因")] == odds[("玻色",)] == 0.4  # jieba: 玻色 因
    # one buying line in five (丁牌香水's second) names its product; every recommendation line does
    assert odds[("戊牌", "精华")] == odds[("戊牌",)] == 1 / 5
    assert dict(scorer.gram_odds(line, _ctx(labels=("产品推荐",))))[("戊牌", "精华")] == 1.0
    assert scorer.score(line, _ctx(fact_p={"玻色因": 0.4})) > scorer.score(line, _ctx(fact_p={"玻色因": 0.01}))


def test_a_short_line_pays_a_brevity_term():
    scorer = LineScorer(RECORDS)
    line = "赶紧点击下方链接。"
    ctx = _ctx()
    assert scorer.score(line, ctx) < scorer.score(line, SlotContext(**{**ctx.__dict__, "target_chars": 0}))


def test_the_narrator_keeps_the_sample_real_lines_would_share_words_with():
    s = story(("引导购买", (10, 18)))
    llm, t = llm_with(["宇宙飞船降落在月球背面。", "喜欢的赶紧点击下方链接吧！"])
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), scorer=LineScorer(RECORDS),
                  candidates=2)
    slot = out.slots[0]
    assert slot.text.startswith("喜欢的赶紧点击下方链接")
    assert [c.temperature for c in slot.candidates] == [0.2, 0.8]
    assert slot.candidates[1].score > slot.candidates[0].score
    # one prompt, sampled twice (a llama.cpp server reuses the prompt's cache)
    assert t.requests[0]["messages"] == t.requests[1]["messages"]
    assert [r["temperature"] for r in t.requests] == [0.2, 0.8]


def test_each_extra_sample_draws_with_its_own_seed():
    """The same prompt at the same temperature and seed gives the same line: a third sample would be a copy."""
    llm, t = llm_with(["喜欢的赶紧下单吧！", "喜欢的赶紧点击下方链接吧！", "赶紧点击下方链接带回家！"])
    narrate(FACTS, story(("引导购买", (10, 18))), llm=llm, guard=FactGuard(FACTS.product, FACTS.facts),
            scorer=LineScorer(RECORDS), candidates=3)
    assert [r["seed"] for r in t.requests] == [42, 43, 44]


def test_a_sample_the_guard_passes_beats_a_better_scored_one_it_does_not():
    s = story(("引导购买", (10, 18)))
    llm, t = llm_with(["现在只要199元，赶紧点击下方链接！", "喜欢的话就带走吧，双十一！"])
    guard = FactGuard(FACTS.product, FACTS.facts)
    out = narrate(FACTS, s, llm=llm, guard=guard, scorer=LineScorer(RECORDS), candidates=2, narrator="facts-v1")
    slot = out.slots[0]
    assert slot.candidates[0].score > slot.candidates[1].score and not slot.candidates[0].guard_ok
    assert "199" not in slot.text and "带走" in slot.text
    assert "199" in slot.raw  # without the guard (baseline c) the better-scored sample is kept
    assert len(t.requests) == 2  # the passed sample needed no regeneration


def test_without_a_scorer_one_sample_per_slot_unless_asked():
    llm, t = llm_with(["喜欢的赶紧点击下方链接吧！"])
    out = narrate(FACTS, story(("引导购买", (10, 18))), llm=llm, guard=FactGuard(FACTS.product, FACTS.facts))
    assert len(t.requests) == 1 and out.slots[0].candidates == []


def test_a_sample_that_fits_whole_beats_one_cut_inside_a_clause():
    facts = ProductFacts(product="Aurora Espresso Blend", aliases=["Aurora"],
                         facts={"promotion": ["buy two bags, get a free ceramic cup"]})
    s = Storyline(language="en", slots=[Slot(index=1, labels=["引导购买"], budget=(4, 8), unit="words")])
    long = "Buy two bags today and you will get a free ceramic cup with your order."  # one clause, 15 words
    llm, t = llm_with([long, "Buy two bags, get a free ceramic cup."])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=2)
    first, second = out.slots[0].candidates
    assert len(t.requests) == 2 and first.clipped and not second.clipped
    assert out.slots[0].text == "Buy two bags, get a free ceramic cup."


def test_when_no_sample_says_the_slot_facts_the_fact_line_is_kept():
    facts = ProductFacts(product="Aurora Espresso Blend", aliases=["Aurora"],
                         facts={"promotion": ["buy two bags, get a free ceramic cup"]})
    s = Storyline(language="en", slots=[Slot(index=1, labels=["引导购买"], budget=(5, 9), unit="words")])
    llm, _ = llm_with(["Order today and get two bags.", "Grab yours today, you will love it."])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=2, narrator="facts-v1")
    assert out.slots[0].text == "Buy two bags, get a free ceramic cup."
    assert len(out.slots[0].candidates) == 3 and out.slots[0].candidates[-1].temperature == 0.0
    # a sample that says the fact in its own words (10 words: whole, as 1.3x the budget allows) is
    # kept, and no fact line is added
    llm, _ = llm_with(["Order today and get two bags.", "Buy two bags today and get a free ceramic cup!"])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=2, stretch=1.3,
                  narrator="facts-v1")
    assert out.slots[0].text == "Buy two bags today and get a free ceramic cup!" and len(out.slots[0].candidates) == 2


def test_when_every_sample_copies_an_earlier_line_the_fact_line_is_kept():
    facts = ProductFacts(product="Deep Field Space Poster Set", aliases=["the poster set"],
                         facts={"brand story": ["designed by a small studio in Lisbon"],
                                "appearance": ["deep black borders"]})
    s = Storyline(language="en", slots=[Slot(index=1, labels=["产品推荐"], budget=(6, 12), unit="words"),
                                        Slot(index=2, labels=["外观设计"], budget=(3, 12), unit="words")])
    copy = "Beautifully designed by a small studio in Lisbon."
    llm, _ = llm_with([copy, copy, copy + " Deep black borders!", copy])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=2, narrator="facts-v1")
    assert out.slots[0].text == copy
    second = out.slots[1]
    assert all(c.repeats_earlier for c in second.candidates[:2]) and not second.candidates[-1].repeats_earlier
    assert second.text == "Deep black borders."


def test_english_padding_leaves_the_facts_of_later_slots_to_them():
    facts = ProductFacts(product="Deep Field Space Poster Set", aliases=["the poster set"],
                         facts={"appearance": ["deep black borders"],
                                "ingredients/material": ["250 gsm matte art paper", "archival pigment inks"]})
    s = Storyline(language="en", slots=[Slot(index=1, labels=["外观设计"], budget=(9, 12), unit="words"),
                                        Slot(index=2, labels=["质地/成分/材质"], budget=(6, 12), unit="words")])
    # the first slot's line is 6 words short, so it gets a second sentence: that sentence's prompt
    # must not hand it the paper and inks the second slot is planned to say
    llm, t = llm_with(["Deep black borders.", "They look great on any wall.",
                       "Printed on 250 gsm matte art paper with archival pigment inks."])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), facts_by="label")
    first = out.slots[0].text
    assert first.startswith("Deep black borders") and "matte" not in first and "inks" not in first
    padding_prompt = t.requests[1]["messages"][-1]["content"]
    assert "sentence 2" in padding_prompt
    assert "matte" not in padding_prompt and "inks" not in padding_prompt
    assert out.slots[1].facts and all(f not in first for f in out.slots[1].facts)
