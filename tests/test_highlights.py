"""Highlight scores follow what is said and shown; the crop guide follows the attention map."""

from __future__ import annotations

import numpy as np
import pytest

from tools.highlights import crop_centre, score_shots
from tools.schema import Sentence, Shot


def test_a_product_demo_outscores_chit_chat():
    shots = [Shot(index=0, start=0, end=4), Shot(index=1, start=4, end=8)]
    sentences = [Sentence(index=0, start=0.2, end=3.8, text="my dog is asleep", tags={"chit_chat": 0.9}),
                 Sentence(index=1, start=4.2, end=7.8, text="watch how it melts", tags={"product_trial": 0.8})]
    talking = {"keywords": {"medium shot": 0.8, "person": 1.0}, "quality": {"sharpness": 0.4}, "motion": 0.01}
    demo = {"keywords": {"close-up": 0.9, "product shot": 0.9}, "quality": {"sharpness": 0.6}, "motion": 0.03}
    chat, trial = score_shots(shots, [talking, demo], sentences)
    assert 0 <= chat < 0.3 < 0.7 < trial <= 1
    same = score_shots(shots, [demo, demo], sentences)
    assert same[1] > same[0]  # the same picture, better words


def test_crop_centre_follows_the_attention():
    m = np.zeros((18, 32), np.float32)
    m[4:7, 24:28] = 1.0
    x, y = crop_centre(m)
    assert x == pytest.approx(26.5 / 32, abs=0.02) and y == pytest.approx(5.5 / 18, abs=0.02)
    assert crop_centre(np.zeros((18, 32))) == (0.5, 0.5)
