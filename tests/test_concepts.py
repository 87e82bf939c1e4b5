"""Concept keywords follow their documented rules; MobileNetV2 loads from the packaged weights."""

from __future__ import annotations

import pytest

from tools.concepts import KEYWORD_RULES, keywords


def test_keyword_rules():
    assert set(keywords({"lipstick": 0.6}, face=0.0, motion=0.01, screen_kinds=["price"])) == {
        "close-up", "product shot", "calm", "price on screen"}
    kw = keywords({"wig": 0.2}, face=0.2, motion=0.12, screen_kinds=[])
    assert set(kw) == {"medium shot", "person", "showing", "energetic"} and kw["energetic"] == pytest.approx(0.75)
    assert "wide shot" in keywords({"street sign": 0.05}, face=0.0, motion=0.05, screen_kinds=[])
    every = set().union(*(keywords(o, f, m, k) for o, f, m, k in [
        ({"x": 0.6}, 0.5, 0.2, ["price", "promo", "product"]), ({}, 0.2, 0.0, []), ({"x": 0.3}, 0.0, 0.05, []),
        ({}, 0.05, 0.05, [])]))
    assert every <= set(KEYWORD_RULES)


@pytest.mark.slow
def test_mobilenet_recognises_a_coffee_photo(real_settings):
    import numpy as np
    from PIL import Image

    from evals.fixtures import photo
    from tools.concepts import _classify

    img = np.asarray(Image.open(photo("coffee")).convert("RGB"))
    objects, vec = _classify(img, real_settings)
    assert vec.shape == (1280,)
    assert next(iter(objects)) in {"espresso", "cup", "coffee mug"}
