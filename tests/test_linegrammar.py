"""The narration line grammar: its rules, the facts it forces, and trimming a capped ending."""

from __future__ import annotations

import re

from tools.linegrammar import FREE_CHAR, line_grammar


def test_facts_are_literals_in_order_and_free_parts_are_capped():
    g = line_grammar(["温和不刺激", "控油祛痘", "温和不刺激"], (20, 30))
    assert g.facts == ["温和不刺激", "控油祛痘"]  # a repeated phrase is said once
    root = g.gbnf.splitlines()[0]
    room = 30 - len("温和不刺激控油祛痘") - 1
    assert root.startswith(f"root ::= c{{0,{room}}} ") and root.index('"温和不刺激"') < root.index('"控油祛痘"')
    assert root.endswith(" end") and f"c ::= {FREE_CHAR}" in g.gbnf
    assert g.tail_cap == room and f"c{{1,{room}}}" in root  # at least a comma between two facts
    assert root.endswith(f"c{{0,{room}}} end")


def test_facts_that_leave_no_room_are_dropped_from_the_end():
    g = line_grammar(["二裂酵母发酵产物滤液", "玻色因"], (8, 14))
    assert g.facts == ["二裂酵母发酵产物滤液"]
    assert line_grammar(["二裂酵母发酵产物滤液", "玻色因"], (8, 10)).facts == []


def test_a_line_without_facts_has_a_minimum_and_a_cap():
    g = line_grammar([], (12, 18))
    assert g.gbnf.splitlines()[0] == "root ::= c{11,24} end" and g.tail_cap == 24


def test_quotes_and_backslashes_in_a_fact_are_escaped():
    g = line_grammar(['"小蛮腰"设计'], (10, 30))
    assert '"\\"小蛮腰\\"设计"' in g.gbnf


def test_free_characters_exclude_digits_currency_and_sentence_ends():
    pattern = re.compile(FREE_CHAR)
    assert all(pattern.fullmatch(c) for c in "这款真的好用，姐妹们A")
    assert not any(pattern.fullmatch(c) for c in "0９%¥￥$。！？\n#🌟.β～")


def test_trim_drops_a_capped_last_clause_only():
    g = line_grammar(["温和不刺激"], (10, 16))  # room 10 after the fact
    assert g.trim("这款洁面温和不刺激，洗完很舒服。") == "这款洁面温和不刺激，洗完很舒服。"
    capped = "这款洁面温和不刺激，洗完很舒服清爽干净。"  # 10 free characters after the fact: cut short
    assert g.trim(capped) == "这款洁面温和不刺激。"
    assert g.trim("完全不同的话。") == "完全不同的话。"  # not the grammar's output: left alone
