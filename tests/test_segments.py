"""Product segments: partitioning limits, the product Viterbi, and labelling on a made-up transcript."""

from __future__ import annotations

import numpy as np

from tools.analysis.segments import Item, SegmentParams, find_segments, partition, viterbi
from tools.core.schema import ProductFacts, Shot


def test_partition_finds_the_change_and_respects_length_limits():
    x = np.vstack([np.tile([1.0, 0.0], (30, 1)), np.tile([0.0, 1.0], (30, 1))])
    starts = np.arange(60) * 10.0
    ends = starts + 8.0
    assert partition(x, starts, ends, 600.0, 0.0, np.inf, penalty=1.0) == [0, 30]
    cuts = partition(x, starts, ends, 600.0, 180.0, 240.0, penalty=1.0)  # 600 s in runs of 180-240 s
    edges = [*(starts[c] if c else 0.0 for c in cuts), 600.0]
    assert all(180.0 - 10 <= b - a <= 240.0 + 10 for a, b in zip(edges, edges[1:], strict=False))


def test_viterbi_keeps_a_product_through_a_few_vague_sentences():
    ev = np.array([[0.0, 0.0]] * 3 + [[1.5, 0.0], [0.1, 0.0], [0.0, 0.1], [1.2, 0.0]] + [[0.0, 1.4]] * 3)
    path = viterbi(ev, none_score=0.15, switch=0.4)
    assert path.tolist() == [-1, -1, -1, 0, 0, 0, 0, 1, 1, 1]


COFFEE = ProductFacts(product="Aurora Espresso Blend", aliases=["Aurora"],
                      facts={"origin": ["arabica beans from Colombia"], "taste": ["dark chocolate and caramel notes"]})
POSTER = ProductFacts(product="Deep Field Poster Set", facts={"print": ["matte art paper prints"],
                                                              "size": ["50 by 70 centimetres"]})
TALK = [
    "hello everyone welcome back", "tell me where you are watching from", "the weather was crazy today",
    "first up the Aurora Espresso Blend", "arabica beans from Colombia", "you taste dark chocolate and caramel",
    "the beans are roasted every week", "grab the Aurora now", "my dog is asleep next to me",
    "thanks for the likes", "now the Deep Field Poster Set", "printed on matte art paper",
    "each print is 50 by 70 centimetres", "they look great in any room", "add the Deep Field Poster Set",
    "good night everyone",
]


def _items() -> list[Item]:
    return [Item(i * 10.0, i * 10.0 + 8.0, t) for i, t in enumerate(TALK)]


def test_segments_are_labelled_from_names_and_fact_words_without_an_embedder():
    segs = find_segments(_items(), 160.0, embed=None, facts=[COFFEE, POSTER],
                         shots=[Shot(index=0, start=0.0, end=29.0), Shot(index=1, start=29.0, end=160.0)])
    labelled = [(s.product, s.start, s.end) for s in segs if s.product]
    assert [p for p, _, _ in labelled] == ["Aurora Espresso Blend", "Deep Field Poster Set"]
    (_, c0, c1), (_, p0, p1) = labelled
    assert c0 == 29.0  # the chat before it is its own segment, cut on the shot boundary in the silence
    assert 79.0 <= c1 <= p0 <= 99.0 and p1 >= 149.0  # the two-line chat between may go to either side
    assert segs[0].start == 0.0 and segs[-1].end == 160.0
    assert all(a.end == b.start for a, b in zip(segs, segs[1:], strict=False))


def test_a_long_stream_gets_segments_of_three_to_ten_minutes():
    items = [Item(t, t + 8.0, TALK[int(t // 10) % len(TALK)]) for t in np.arange(0.0, 3600.0, 10.0)]
    segs = find_segments(items, 3600.0, embed=None, facts=[COFFEE, POSTER], params=SegmentParams())
    lengths = [s.end - s.start for s in segs]
    assert sum(lengths) == 3600.0
    assert all(lengths[i] <= 600.0 + 1 for i in range(len(lengths)))
    no_facts = find_segments(items, 3600.0, embed=None)
    assert all(170.0 <= s.end - s.start <= 610.0 for s in no_facts)


def test_a_product_is_found_where_the_presenter_introduces_it():
    from tools.analysis.segments import introduced_product

    said = ["Now, product number two, and this one is for the Space Fans.",
            "This is the Deep Field Space Poster set, three big prints in one set.",
            "First up is the Aurora Espresso Blend, our best-selling coffee beans."]
    assert introduced_product(said) == "Deep Field Space Poster set"
    assert introduced_product(said[2:]) == "Aurora Espresso Blend"
    assert introduced_product(["This is it for tonight.", "Here is the deal.", "this is crazy"]) is None
    assert introduced_product(["今天给大家介绍一下这款保湿面霜，非常好用"]) == "保湿面霜"
    assert introduced_product(["这款口红真的很显白"]) == "口红"

