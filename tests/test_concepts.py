"""Concept keywords follow their documented rules; people, actions and split screens are found in
real photos; MobileNetV2 loads from the packaged weights."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from evals.fixtures import photo
from tools.analysis.body import Body, hand_near_face, look
from tools.analysis.concepts import KEYWORD_RULES, keywords, people_signals, split_screen


def _rgb(name: str, size: tuple[int, int] | None = None) -> np.ndarray:
    img = Image.open(photo(name)).convert("RGB")
    return np.asarray(img.resize(size) if size else img)


def test_keyword_rules():
    assert set(keywords({"lipstick": 0.6}, face=0.0, motion=0.01, screen_kinds=["price"])) == {
        "close-up", "product shot", "calm", "price on screen"}
    kw = keywords({"wig": 0.2}, face=0.2, motion=0.12, screen_kinds=[])
    assert set(kw) == {"medium shot", "person", "showing", "energetic"} and kw["energetic"] == pytest.approx(0.75)
    assert "wide shot" in keywords({"street sign": 0.05}, face=0.0, motion=0.05, screen_kinds=[])
    every = set().union(*(keywords(o, f, m, k, p, t) for o, f, m, k, p, t in [
        ({"x": 0.6}, 0.5, 0.2, ["price", "promo", "product"], {}, ["Before", "unboxing day"]), ({}, 0.2, 0.0, [], {}, []),
        ({"x": 0.3}, 0.0, 0.05, [], {"hands": 1.0, "two_hands": 1.0}, []), ({}, 0.05, 0.05, [], {"scale": 2}, []), ({"x": 0.3}, 0.0, 0.05, [], {}, []),
        ({"carton": 0.3}, 0.4, 0.05, [], {"person": 1.0, "hands": 1.0, "two_hands": 0.5, "at_face": 0.6}, [])]))
    assert every == set(KEYWORD_RULES)


def test_action_keywords_need_their_signals():
    at_face = {"person": 1.0, "hands": 1.0, "two_hands": 0.0, "at_face": 0.8, "scale": 0.0, "split": 0.0}
    assert keywords({"lotion": 0.3}, 0.4, 0.03, [], at_face)["applying"] == pytest.approx(0.8)
    assert "applying" not in keywords({"lotion": 0.3}, 0.4, 0.03, [], dict(at_face, at_face=0.0))
    two = dict(at_face, at_face=0.0, two_hands=1.0)
    assert "unboxing" in keywords({"carton": 0.4}, 0.3, 0.03, [], two)
    assert "unboxing" not in keywords({"lotion": 0.4}, 0.3, 0.03, [], two)  # no package in hand
    assert "before/after" in keywords({}, 0.0, 0.03, [], {"split": 0.7})
    assert "before/after" in keywords({}, 0.0, 0.03, [], {}, ["使用前 vs 使用后"])
    assert "before/after" not in keywords({}, 0.0, 0.03, [], {}, ["only 19.99 today"])
    # no face and no shoulders: a product photo is not a person, whatever the selfie mask says
    assert "person" not in keywords({"espresso": 0.9}, 0.0, 0.03, [], {"person": 0.0})


def test_hand_near_face_counts_fingertips_at_the_face():
    hand = np.full((21, 2), 0.9, np.float32)
    body = Body(faces=[(0.4, 0.2, 0.6, 0.5)], hands=[hand])
    assert hand_near_face(body) == 0.0
    hand[[4, 8, 12]] = (0.5, 0.45)  # three fingertips on the cheek
    assert hand_near_face(body) == pytest.approx(0.6)
    assert hand_near_face(Body(hands=[hand])) == 0.0  # no face


def test_split_screen_finds_two_photos_side_by_side_not_one():
    a, c, k = _rgb("astronaut", (320, 360)), _rgb("chelsea", (320, 360)), _rgb("coffee", (320, 360))
    for name in ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field"):
        assert split_screen(_rgb(name)) == 0.0, name
    assert split_screen(np.concatenate([a, c], 1)) > 0.5
    assert split_screen(np.concatenate([c, k], 0)) > 0.5  # top / bottom
    assert split_screen(np.concatenate([a, np.full((360, 6, 3), 255, np.uint8), a], 1)) > 0.5  # divider bar


def test_mediapipe_finds_the_astronaut_not_a_person_in_the_coffee():
    body = look(_rgb("astronaut"))
    assert body.source == "mediapipe"
    assert len(body.faces) == 1 and 0.1 < body.largest_face < 0.35
    x0, y0, x1, y1 = body.faces[0]
    assert 0.25 < (x0 + x1) / 2 < 0.6 and y1 < 0.5  # her face, upper middle
    signals = people_signals([body], body, 0.0)
    assert signals["person"] == 1.0 and signals["scale"] in (0.0, 1.0)
    coffee = look(_rgb("coffee"))
    assert not coffee.faces and people_signals([coffee], coffee, 0.0)["person"] == 0.0


@pytest.mark.slow
def test_mobilenet_recognises_a_coffee_photo(real_settings):
    from tools.analysis.concepts import _classify

    objects, vec = _classify(_rgb("coffee"), real_settings)
    assert vec.shape == (1280,)
    assert next(iter(objects)) in {"espresso", "cup", "coffee mug"}
