"""Coherence: pair construction, training on ordered ads, scores, the model file, the AUC harness."""

from __future__ import annotations

import numpy as np
import pytest

from evals.coherence import evaluate
from tests.test_tags import fake_embed
from tools.analysis.coherence import CoherenceError, CoherenceModel, pairs_of

# Ads whose clips follow a fixed script: greeting -> texture -> effect -> call to buy.
STEPS = ["姐妹们看过来，今天推荐这款{p}", "质地很清爽，{p}一抹就化开", "而且用完皮肤水润透亮，{p}效果明显",
         "最后库存不多了，{p}赶紧下单"]
ADS = [[s.format(p=p) for s in STEPS] for p in ("面霜", "精华", "乳液", "眼霜", "防晒", "口红", "粉底", "面膜")]
RECORDS = [{"product": ad[0][-2:], "facts": {}, "clips": [{"index": i + 1, "total": 4, "chars": [5, 30],
                                                            "labels": ["产品功效"], "narration": t}
                                                           for i, t in enumerate(ad)]} for ad in ADS]


def test_pairs_are_every_ordered_pair_with_the_next_clip_positive():
    ia, ib, y = pairs_of(3)
    assert list(zip(ia.tolist(), ib.tolist(), y.tolist(), strict=True)) == [(0, 1, 1), (0, 2, 0), (1, 0, 0), (1, 2, 1)]


def test_a_scripted_order_is_learned_and_scores_are_probabilities(tmp_path):
    model = CoherenceModel.fit(ADS, [fake_embed(a) for a in ADS])
    a, b = ["姐妹们看过来，今天推荐这款香水"] * 2, ["质地很清爽，香水一抹就化开", "最后库存不多了，香水赶紧下单"]
    s = model.score(a, b, fake_embed)
    assert s.shape == (2,) and np.all((s > 0) & (s < 1)) and s[0] > s[1]
    loaded = CoherenceModel.load(model.save(tmp_path / "c.npz"))
    assert np.allclose(loaded.score(a, b, fake_embed), s, atol=1e-5)
    report = evaluate(RECORDS, fake_embed, cv=4)
    assert report["auc"] >= 0.9 and report["pairs"] == 8 * 3 * 2


def test_missing_model_file_is_a_named_error(tmp_path):
    with pytest.raises(CoherenceError, match="missing"):
        CoherenceModel.load(tmp_path / "none.npz")
