"""The 'sentences' narrator (issue 25) with a scripted LLM: selling points, the ad's memory,
lines kept over lists, lengthening without facts, the name said once or twice, English."""

from __future__ import annotations

import json

from models.llm import get_chat_model
from models.settings import Settings
from tests.scripted import ScriptedTransport
from tools.core.schema import ProductFacts
from tools.guard.factguard import FactGuard
from tools.narration.listlines import is_list_line, sheet_phrases
from tools.narration.narrate import ExampleBank, narrate
from tools.narration.sellingpoints import plan_ad, selling_points
from tools.narration.storyline import Slot, Storyline

FACTS = ProductFacts(product="欧莱雅黑精华紧致抗初老面部精华液", facts={
    "功效": ["抗初老", "提亮肤色", "效果"], "质地": ["轻薄", "不油腻"],
    "成分/材质": ["二裂酵母发酵精粹", "玻色因", "防腐剂"], "质量/特性": ["无防腐剂添加"],
    "活动优惠": ["289元到手四件套", "双十一"], "通用卖点": ["价格"], "鉴定/认证": ["AUTHENTICATION", "T26513"]})


def story(*labels_budgets, language: str = "zh") -> Storyline:
    n = len(labels_budgets)
    unit = "chars" if language == "zh" else "words"
    return Storyline(language=language, slots=[Slot(index=i + 1, labels=[lab], budget=b, unit=unit,
                                                    position=i / max(1, n - 1))
                                               for i, (lab, b) in enumerate(labels_budgets)])


def llm_with(replies, grammar: bool = False):
    t = ScriptedTransport(replies)
    return get_chat_model(Settings(llm_grammar=grammar), transport=t, model="scripted"), t


def test_phrases_that_are_not_selling_points_are_dropped():
    points = [p for ps in selling_points(FACTS.facts).values() for p in ps]
    # category words, a substance the product is free of, a code and a word in capitals go
    for gone in ("效果", "价格", "防腐剂", "T26513", "AUTHENTICATION"):
        assert gone not in points, gone
    # the free-from claim itself stays, and so do the real selling points
    assert {"无防腐剂添加", "玻色因", "抗初老", "双十一"} <= set(points)
    # a term another phrase negates ("pectin instead of gelatin") is not sold as present
    en = selling_points({"ingredients": ["gelatin", "pectin instead of gelatin", "paraben", "paraben-free"]})
    assert en == {"ingredients": ["pectin instead of gelatin", "paraben-free"]}


def test_the_ad_plan_says_no_phrase_twice_but_the_closing_promotion():
    s = story(("产品推荐", (14, 20)), ("质地/成分/材质", (30, 40)), ("产品功效", (14, 20)), ("产品功效", (14, 20)),
              ("引导购买", (14, 20)))
    plan = plan_ad(s, selling_points(FACTS.facts), FACTS.product)
    said = [p for picks in plan[:-1] for p in picks]
    assert len(said) == len(set(said))
    assert not any(a != b and a in b for a in said for b in said)  # nor one inside another
    assert [len(p) for p in plan] and all(len(p) <= 1 for k, p in enumerate(plan) if k != 1) and len(plan[1]) <= 2
    assert plan[-1] and plan[-1][0] in ("289元到手四件套", "双十一")  # the closing call to action: the deal


def test_a_sentence_beats_a_list_and_facts_are_never_tacked_on():
    s = story(("质地/成分/材质", (16, 24)), ("引导购买", (10, 16)))
    listy = "轻薄，不油腻，玻色因，抗初老，提亮肤色。"
    sentence = "这款精华一抹就化开，质地轻薄还不油腻。"
    llm, t = llm_with([listy, sentence, "双十一快去下单。", "双十一赶紧点击下方链接抢！"])
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=2)
    phrases, names = sheet_phrases(FACTS.facts), [FACTS.product, "欧莱雅黑精华"]
    assert is_list_line(listy, phrases, names) and out.slots[0].text == sentence
    # the short call to action (8 characters for 10-16) is lengthened with an ending, not a fact phrase
    short = out.slots[1]
    assert short.fits and short.text.startswith("双十一") and not any(
        p in short.text for p in ("289元到手四件套", "抗初老", "玻色因"))
    assert not any(is_list_line(x.text, phrases, names) for x in out.slots)


def test_the_prompt_carries_register_memory_hook_and_call_to_action():
    records = [{"product": f"品牌{i}面霜", "facts": {"功效": ["保湿"]},
                "clips": [{"labels": ["产品功效"], "chars": [10, 16], "narration": f"而且用完皮肤特别水润{i}。"}]}
               for i in range(4)]
    s = story(("痛点铺垫", (14, 20)), ("产品功效", (10, 16)), ("引导购买", (10, 16)))
    llm, t = llm_with(["换季皮肤总是干，你是不是也一样？", "而且用了以后提亮肤色很明显。", "双十一赶紧下单带回家！"])
    narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), examples=ExampleBank(records))
    first, second, last = (r["messages"][-1]["content"] for r in t.requests)
    assert "烦恼" in first and "开场第一句" in first and "上一句" not in first
    assert "上一句：换季皮肤总是干，你是不是也一样？" in second and "“而且”" in second  # the label's real openers
    assert "最后一句" in last and "下单" in last and "开场" not in last


def test_the_product_is_named_once_or_twice_an_ad():
    s = story(*[("产品推荐", (12, 30))] * 4)
    lines = ["欧莱雅黑精华真的好用，姐妹们一定要试试。", "欧莱雅黑精华，用完皮肤亮亮的，早晚都能用。",
             "欧莱雅黑精华抹开就吸收，一点也不黏。", "欧莱雅黑精华现在下单正合适。"]
    llm, t = llm_with(lines)
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=1)
    named = [("欧莱雅黑精华" in x.text) for x in out.slots]
    assert named == [True, False, False, True]  # the first line, then 它, and the close
    assert "不要再说商品名" in t.requests[1]["messages"][-1]["content"]
    # the name alone as a clause leaves no "它，": the line reads "它用完皮肤亮亮的"
    assert out.slots[1].text.startswith("它用完皮肤亮亮的") and out.slots[2].text.startswith("它抹开就吸收")


def test_a_grammar_server_gets_the_sentence_grammar():
    s = story(("质地/成分/材质", (20, 30)),)
    llm, t = llm_with(["这款精华质地轻薄，抹开就吸收了！"], grammar=True)
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=1)
    root = t.requests[0]["grammar"].splitlines()[0]
    assert root.startswith("root ::= c{2,") and all(f'"{f}"' in root for f in out.slots[0].facts)
    assert "end ::= [。！？]" in t.requests[0]["grammar"]


def test_english_a_price_is_never_something_you_get():
    facts = ProductFacts(product="Nonna's Tomato Sauce", aliases=["Nonna's"],
                         facts={"price": ["$6.50 per jar"], "target users": ["busy parents", "pasta lovers"],
                                "size/spec": ["680 g jar"]})
    s = story(("引导购买", (6, 12)), language="en")
    llm, t = llm_with(["Order today and get $6.50 per jar today.", "Order today: just $6.50 per jar."])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=2)
    assert out.slots[0].text == "Order today: just $6.50 per jar."
    # and no list of audiences and pack sizes is ever made up from the sheet
    s2 = story(("产品推荐", (6, 12)), language="en")
    llm, _ = llm_with(["Busy parents, pasta lovers, 680 g jar.", "Busy parents and pasta lovers, dinner is ready."])
    out = narrate(facts, s2, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=2)
    assert out.slots[0].text == "Busy parents and pasta lovers, dinner is ready."


def test_a_clause_an_earlier_line_said_is_not_said_again_and_the_title_is_not_repeated():
    s = story(("产品功效", (12, 30)), ("产品功效", (12, 30)), ("引导购买", (8, 20)))
    # the listing title's keyword string read out: that clause goes, the rest of the line stays
    first = "欧莱雅黑精华抗初老，紧致抗初老面部精华液，质地细腻、触感顺滑。"
    llm, t = llm_with([first, "欧莱雅黑精华紧致抗初老面部，提亮肤色很明显，质地细腻、触感顺滑。", "双十一赶紧下单吧！"])
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=1)
    assert out.slots[0].text == "欧莱雅黑精华抗初老，质地细腻、触感顺滑。"
    second = out.slots[1].text
    # the copied clause is gone, and the title's first words (the product named a second time) are 它
    assert "质地细腻" not in second and "欧莱雅" not in second and second.startswith("它")
    assert "提亮肤色" in second and out.slots[1].fits
    # the prompts name the product by its short name, never by the listing title
    assert all(FACTS.product not in r["messages"][-1]["content"] for r in t.requests)


def test_english_a_line_cut_on_a_dangling_word_loses_to_a_whole_one():
    facts = ProductFacts(product="Aurora Espresso Blend", aliases=["Aurora"],
                         facts={"quality/features": ["roasted in small batches"]})
    s = story(("质量/特性介绍", (6, 9)), language="en")
    garbled = "they can golden roasted in small batches. Now the taste, you get."  # issue 25's demo, near enough
    llm, _ = llm_with([garbled, "Every bag is roasted in small batches for you."])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=2, stretch=1.3)
    assert out.slots[0].text == "Every bag is roasted in small batches for you."
    # alone, the dangling clause is dropped rather than spoken
    llm, _ = llm_with(["It is roasted in small batches, the"])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=1, stretch=1.3)
    assert not out.slots[0].text.endswith("the.") and "roasted in small batches" in out.slots[0].text


def test_an_english_line_never_ends_on_a_fragment_a_voice_cannot_say():
    from tools.narration.sentences import _mend

    assert _mend("Look at that crema, they can golden. you get.", "en") == "Look at that crema, they can golden."
    assert _mend("Smooth finish, rich crema, and the.", "en") == "Smooth finish, rich crema."
    whole = "Order today and get the 30-day freshness guarantee."
    assert _mend(whole, "en") == whole and _mend("这款真的很好用，", "zh") == "这款真的很好用，"


def test_a_long_slot_is_said_in_sentences_each_with_its_selling_point():
    s = story(("质地/成分/材质", (60, 72)),)
    first = "这款精华里有二裂酵母发酵精粹，抹在脸上很快就被吸收了，一点都不会黏。"
    second = "而且还加了玻色因，坚持用上一段时间，皮肤摸起来明显更有弹性了。"
    llm, t = llm_with([first, second])
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=1)
    asks = [r["messages"][-1]["content"] for r in t.requests]
    assert len(asks) == 2 and "分2句说" in asks[0] and "第1句" in asks[0] and "第2句" in asks[1]
    assert f"上一句：{first}" in asks[1]  # the second sentence continues the first
    assert out.slots[0].text == first + second and out.slots[0].fits
    # the slot's selling points are shared out: each sentence is asked for its own
    facts = out.slots[0].facts
    points = [a.split("卖点（")[1].splitlines()[0] for a in asks]
    assert len(facts) >= 2 and facts[0] in points[0] and facts[0] not in points[1] and facts[1] in points[1]
    assert "And" not in asks[1]  # a Chinese prompt never offers English links


def test_stock_endings_are_not_chained_and_a_short_line_gets_one_more_sentence():
    s = story(("产品功效", (24, 32)),)
    stocky = "用完提亮肤色，真的很好用，大家可以试试，推荐给大家。"
    plain = "用了一个星期，提亮肤色真的看得见。"  # short of 24: one more sentence is asked for
    llm, t = llm_with([stocky, plain, "早上上妆都服帖多了。", "早上化妆也更服帖了。"])
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=2)
    assert out.slots[0].text == plain + "早上上妆都服帖多了。" and out.slots[0].fits
    assert len(t.requests) == 4 and "上一句：" + plain in t.requests[2]["messages"][-1]["content"]
    # a line that stays short is padded with one neutral ending at most, never a chain
    llm, _ = llm_with(["提亮肤色很明显。", "真好。"])
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=1)
    from tools.narration.sentences import stock_phrases
    assert len(stock_phrases(out.slots[0].text, "zh")) <= 1


def test_the_prompt_read_back_is_not_a_line_and_the_title_is_never_shown():
    s = story(("产品推荐", (14, 24)), ("引导购买", (14, 24)))
    echo = "不要编造数字、价格、成分、认证、功效和。"
    llm, t = llm_with(["欧莱雅黑精华，抗初老就靠它了！", echo, "双十一到了，赶紧点链接下单吧！"])
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=1)
    assert out.slots[1].text == "双十一到了，赶紧点链接下单吧！"  # the echo was drawn again
    asks = [r["messages"][-1]["content"] for r in t.requests]
    assert "商品：欧莱雅黑精华\n" in asks[0] and not any(FACTS.product in a for a in asks)


def test_a_line_is_drawn_again_until_it_reads_as_its_label_within_the_redraws():
    facts = ProductFacts(product="Aurora Espresso Blend", aliases=["Aurora"],
                         facts={"quality/features": ["roasted in small batches"], "audience": ["moka pot users"]})
    s = story(("痛点铺垫", (4, 12)), language="en")
    seen = []

    def reads_as(line: str, labels: list[str]) -> bool:  # a stand-in reader: a question is a pain point
        seen.append((line, labels))
        return line.endswith("?")

    replies = ["Made for moka pot users.", "Every moka pot user will love it.",
               "Tired of bitter coffee every single morning?"]
    llm, t = llm_with(replies)
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=1,
                  reads_as=reads_as, redraws=3)
    assert out.slots[0].text == "Tired of bitter coffee every single morning?" and len(t.requests) == 3
    assert seen and all(labels == ["痛点铺垫"] for _, labels in seen)
    # a redraw is told which label its line must sound like, and not shown the line it said
    # (the 1.5B model said that line again); only the last redraw is told to say no selling point
    redraw = t.requests[1]["messages"]
    told = redraw[-1]["content"]
    assert "must sound like pain point" in told and "Say no selling point" not in told and "4-12 words" in told
    assert "moka pot users" in told and "Made for moka pot users" not in json.dumps(redraw)
    assert "must sound like" not in json.dumps(t.requests[0]["messages"])
    # with no redraws left, the best of what was drawn stays
    llm, t = llm_with(replies[:2])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=1,
                  reads_as=reads_as, redraws=1)
    assert len(t.requests) == 2 and out.slots[0].text in replies[:2]
    last = t.requests[1]["messages"][-1]["content"]  # the last redraw: without selling points
    assert "must sound like pain point" in last and "Say no selling point" in last and "moka pot users" not in last


def test_the_sentences_of_one_slot_never_say_a_clause_or_a_fact_twice_and_weak_claims_go():
    from tools.narration.sentences import _tidy

    phrases = ["抗初老", "发酵精粹", "二裂酵母"]
    line = "它抗初老，发酵精粹修复屏障。这个里面含有二裂酵母，对抗初老，刷牙时很舒服。刷牙时很舒服，真的。"
    got = _tidy(line, phrases, "zh", weak={"刷牙时很舒服，"})
    assert got == "它抗初老，发酵精粹修复屏障。这个里面含有二裂酵母，真的。"
    assert _tidy("质地轻薄。", phrases, "zh") == "质地轻薄。"  # one clause always stays
    en = _tidy("Rich crema in every cup. And rich crema again, you will love it.", ["rich crema"], "en")
    assert en == "Rich crema in every cup. You will love it."
    # in the narrator: the second sentence of a long slot loses the clause that says its first fact again
    s = story(("质地/成分/材质", (60, 72)),)
    first = "这款精华里有二裂酵母发酵精粹，抹在脸上很快就被吸收了，一点都不会黏。"
    second = "二裂酵母发酵精粹真的很温和，而且还加了玻色因，皮肤摸起来明显更有弹性了。"
    llm, _ = llm_with([first, second, "早晚都能用，敏感肌也不怕。"])
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=1)
    assert out.slots[0].text.count("二裂酵母发酵精粹") == 1 and "玻色因" in out.slots[0].text


def test_a_line_that_tidying_left_short_gets_one_more_sentence():
    s = story(("产品功效", (24, 32)),)
    # the last clause says 提亮肤色 again: it goes, and the 16 characters left are short of 24
    llm, t = llm_with(["用了一个星期，提亮肤色很明显，提亮肤色真的看得见。", "早上上妆都服帖多了，一整天都不暗。"])
    out = narrate(FACTS, s, llm=llm, guard=FactGuard(FACTS.product, FACTS.facts), candidates=1, redraws=0)
    assert out.slots[0].text == "用了一个星期，提亮肤色很明显，早上上妆都服帖多了，一整天都不暗。"
    assert len(t.requests) == 2 and out.slots[0].fits


def test_a_line_that_reads_out_another_products_worked_example_is_not_kept():
    from tools.narration.sentences import _copies_example

    shoe = "Slipping on wet rocks is no way to end a run."
    assert _copies_example(shoe, [shoe], "en")
    assert _copies_example("Drizzle it on toast and taste that smooth finish.",
                           ["Drizzle it on toast and taste that floral, buttery taste."], "en")
    assert not _copies_example("It has a smooth finish, even on toast.", [shoe], "en")  # shapes may be shared
    assert _copies_example("姐妹们冬天皮肤干到起皮怎么办", ["冬天皮肤干到起皮怎么办呢"], "zh")
    assert not _copies_example("这款精华液真的很好用，质地很轻薄", ["质地很轻薄，吸收很快，真的很好用"], "zh")
    # in the narrator: with a worked example in the prompt, the sample that reads it out loses
    bank = ExampleBank([{"product": "Trail running shoes", "facts": {"grip": ["lugged outsole"]},
                         "clips": [{"labels": ["痛点铺垫"], "narration": shoe}]}], language="en")
    facts = ProductFacts(product="Aurora Espresso Blend", aliases=["Aurora"],
                         facts={"audience": ["moka pot users"]})
    s = story(("痛点铺垫", (6, 12)), language="en")
    llm, t = llm_with([shoe, "Bitter coffee again, every single morning?"])
    out = narrate(facts, s, llm=llm, guard=FactGuard(facts.product, facts.facts), candidates=2, examples=bank)
    assert shoe in json.dumps(t.requests[0]["messages"])  # the example was shown
    assert out.slots[0].text == "Bitter coffee again, every single morning?"
