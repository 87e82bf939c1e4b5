"""The list-line measure (issue 25): lines a person would not voice, by the issue's definition."""

from __future__ import annotations

import pytest

from tools.narration.listlines import (
    bare,
    clauses,
    is_list_line,
    list_measures,
    product_names,
    repeats_clause,
    repeats_fact,
)

# a sheet shaped like the issue's lip-balm ad (its phrases as the quoted lines use them)
SHEET = ["点击链接购买", "双十一", "双11", "买二送正装唇膏", "淡化唇纹", "滋润", "滋润保湿唇膏", "植物萃取", "不黏腻", "水润",
         "防腐剂", "防干裂", "VE", "随身携带", "口红打底", "滋润双唇"]
NAMES = ["曼秀雷敦"]
SYSTEM = ["点击链接购买，双十一，双11，买二送正装唇膏，淡化唇纹，滋润。",
          "曼秀雷敦，滋润保湿唇膏，植物萃取，滋润，曼秀雷敦唇膏，不黏腻，水润，防腐剂。",
          "滋润保湿唇膏防干裂，VE，滋润，随身携带，植物萃取，口红打底，淡化唇纹，滋润双唇。"]
HUMAN = "天猫双十一错过真的要后悔一年，秋冬天气干燥，看看我用什么幸福感好物。"


@pytest.mark.parametrize("line", SYSTEM)
def test_the_issues_system_lines_are_list_lines(line):
    assert is_list_line(line, SHEET, NAMES)


def test_the_issues_human_line_is_not():
    assert clauses(HUMAN) == ["天猫双十一错过真的要后悔一年", "秋冬天气干燥", "看看我用什么幸福感好物"]
    assert not is_list_line(HUMAN, SHEET, NAMES)


def test_bare_leaves_at_most_one_word_character():
    assert bare("双十一", SHEET) and bare("曼秀雷敦", SHEET, NAMES)
    assert bare("滋润呀", SHEET)  # one character left
    assert not bare("曼秀雷敦唇膏", SHEET, NAMES)  # "唇膏" is two
    assert not bare("很滋润哦", SHEET)
    # the longest phrase first: 滋润保湿唇膏 whole, not 滋润 and a leftover 保湿唇膏
    assert bare("滋润保湿唇膏", SHEET)
    # one-character phrases do not count as facts
    assert not bare("好用", ["好", "用"])


def test_three_clauses_and_sixty_percent():
    # two clauses, both bare: too short to be a list
    assert not is_list_line("双十一，淡化唇纹。", SHEET)
    # 3 of 5 bare = 60 %: a list; 2 of 5 = 40 %: not
    assert is_list_line("双十一，淡化唇纹，水润，秋冬必备好物，大家快来看看。", SHEET)
    assert not is_list_line("双十一，淡化唇纹，秋冬真的很干燥，嘴巴总是起皮，大家快来看看。", SHEET)
    # spaces split Chinese clauses too
    assert is_list_line("双十一 淡化唇纹 水润", SHEET)


def test_fact_and_clause_repeats():
    assert repeats_fact(SYSTEM[2], SHEET)  # 滋润 three times
    assert repeats_fact("双十一买它，双十一就是今天。", SHEET)
    assert not repeats_fact("双十一买它，双11就是今天。", SHEET)  # two different phrases
    assert not repeats_fact(HUMAN, SHEET)
    assert repeats_clause("快来抢哦，真的好用，快来抢哦。") and not repeats_clause(HUMAN)
    assert repeats_clause("Grab it now, so smooth, grab it now!")


def test_english_counts_words():
    phrases = ["espresso machine owners", "moka pot users", "1 kg bag", "rich crema", "$24.90 per 1 kg bag"]
    names = ["Aurora Espresso Blend", "Aurora"]
    assert is_list_line("Espresso machine owners, moka pot users, 1 kg bag.", phrases, names)
    assert not is_list_line("Espresso machine owners, moka pot users: this 1 kg bag of Aurora pulls a rich crema "
                            "every morning.", phrases, names)  # one sentence with its facts woven in
    # spaces do not split an English clause; one word left over is still bare
    assert clauses("Order today, and get it fast!") == ["Order today", "and get it fast"]
    assert bare("and moka pot users", phrases) and not bare("made for moka pot users", phrases)
    assert is_list_line("Aurora, rich crema, and moka pot users, made for you.", phrases, names)
    assert repeats_fact("Rich crema here, rich crema there.", phrases)
    assert not repeats_fact("Richer crema here.", phrases)


def test_measures_over_lines():
    m = list_measures([(line, SHEET, NAMES) for line in SYSTEM] + [(HUMAN, SHEET, NAMES), ("", SHEET, NAMES)])
    # the second system line says 滋润 twice too (in 滋润保湿唇膏 and alone), the third three times
    assert m.lines == 4 and m.list_line_rate == 0.75 and m.fact_repeat_rate == 0.5 and m.clause_repeat_rate == 0
    assert "曼秀雷敦" in product_names("【曼秀雷敦】润唇膏植物精油蔷薇果护唇膏小蜜油保湿")
