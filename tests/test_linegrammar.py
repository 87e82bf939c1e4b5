"""The narration line grammar: its rules, the facts it forces, and trimming a capped ending."""

from __future__ import annotations

import re

from tools.narration.linegrammar import FREE_CHAR, line_grammar


def _accepts(g, line: str) -> bool:
    """Whether ``line`` is in the language of the grammar's root rule.

    A small GBNF reader for the shape the root has (a sequence of literals and ``rule{m,n}``
    repeats of one-character rules): what a grammar-constrained server lets the model write.
    """
    lines = g.gbnf.strip().splitlines()
    rules = dict(r.split(" ::= ", 1) for r in lines[1:])
    pattern = ""
    for tok in re.findall(r'"(?:\\.|[^"\\])*"|\S+', lines[0].removeprefix("root ::= ")):
        if tok.startswith('"'):
            pattern += re.escape(re.sub(r"\\(.)", r"\1", tok[1:-1]))
            continue
        name, rep = re.fullmatch(r"(\w+)(\{\d+,\d+\})?", tok).groups()
        pattern += f"(?:{rules[name]}){rep or ''}"
    return re.fullmatch(pattern, line) is not None


def test_facts_are_literals_in_order_and_free_parts_are_capped():
    g = line_grammar(["温和不刺激", "控油祛痘", "温和不刺激"], (20, 30))
    assert g.facts == ["温和不刺激", "控油祛痘"]  # a repeated phrase is said once
    assert _accepts(g, "这款洁面温和不刺激，还能控油祛痘，油皮姐妹放心用。")
    assert _accepts(g, "温和不刺激，控油祛痘！")
    assert not _accepts(g, "这款洁面控油祛痘，还温和不刺激。")  # the plan's order
    assert not _accepts(g, "这款洁面温和不刺激，还能控油。")  # every fact, verbatim
    assert not _accepts(g, "这款洁面很温和，还能控油祛痘。")
    assert not _accepts(g, "温和不刺激控油祛痘。")  # at least a comma between two facts
    assert not _accepts(g, "温和不刺激，控油祛痘，3瓶99元。")  # no digits of its own
    assert not _accepts(g, "温和不刺激，控油祛痘")  # one sentence-final mark
    # a free part may take what the budget leaves beside the facts and the end mark: 30 - 9 - 1
    assert _accepts(g, "好" * 20 + "温和不刺激，控油祛痘。") and not _accepts(g, "好" * 21 + "温和不刺激，控油祛痘。")
    assert g.tail_cap == 20  # what trim() takes for "ran into its cap"
    assert _accepts(g, "温和不刺激，控油祛痘" + "好" * 20 + "。")
    assert not _accepts(g, "温和不刺激，控油祛痘" + "好" * 21 + "。")


def test_facts_that_leave_no_room_are_dropped_from_the_end():
    g = line_grammar(["二裂酵母发酵产物滤液", "玻色因"], (8, 14))
    assert g.facts == ["二裂酵母发酵产物滤液"]
    assert line_grammar(["二裂酵母发酵产物滤液", "玻色因"], (8, 10)).facts == []


def test_a_line_without_facts_has_a_minimum_and_a_cap():
    g = line_grammar([], (12, 18))
    assert g.facts == []
    assert _accepts(g, "好" * 11 + "。") and not _accepts(g, "好" * 10 + "。")  # at least the budget's minimum
    full = "这款精华真的好用，姐妹们快来试试吧。"  # 18 characters: the budget's maximum
    assert _accepts(g, full) and g.trim(full) == full  # allowed, and not taken for a line cut short
    assert not _accepts(g, "好" * 36 + "。")  # but the model cannot run on
    # trim() takes a free part of tail_cap characters as one that ran into the cap
    assert _accepts(g, "好" * g.tail_cap + "。") and not _accepts(g, "好" * (g.tail_cap + 1) + "。")


def test_quotes_and_backslashes_in_a_fact_are_escaped():
    g = line_grammar(['"小蛮腰"设计'], (10, 30))
    assert '"\\"小蛮腰\\"设计"' in g.gbnf
    assert _accepts(g, '这款裙子"小蛮腰"设计，显瘦。')  # the server reads it back as the phrase


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
