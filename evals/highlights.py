"""Highlight evaluation on footage with known highlight spans: the demo stream's product-demo moments.

Labels come from the demo generator's script (``evals/data/demo_stream.json``): a line
spoken over a product picture (close-up, macro, pan, wide of the product photo) whose
speech tag shows the product (trial, effect, texture/ingredients, appearance) is a
highlight; greetings and chit-chat over the presenter are not; other lines are left out.
Each shot takes the label of the line spoken at its middle. Reported: average precision
(AP) and precision of the top 5 shots, for the scorer and two baselines: uniform (every
shot alike: AP = the share of highlights) and motion only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["DEMO_TAGS", "CHAT_TAGS", "shot_labels", "evaluate"]

DEMO_TAGS = {"product_trial", "effect_benefit", "texture_ingredients_material", "appearance_design"}
CHAT_TAGS = {"chit_chat", "greeting_interaction"}


def shot_labels(shots: Sequence, lines: Sequence[dict]) -> list[int | None]:
    """1 = highlight, 0 = not, None = not labelled; for each shot, from the line at its middle."""
    out: list[int | None] = []
    for s in shots:
        mid = (s.start + s.end) / 2
        line = next((ln for ln in lines if ln["shot_start"] <= mid < ln["end"] + 0.4), None)
        if line is None:
            out.append(None)
        elif line["visual"].startswith("photo:") and line["tag"] in DEMO_TAGS:
            out.append(1)
        elif line["tag"] in CHAT_TAGS:
            out.append(0)
        else:
            out.append(None)
    return out


def _ap_p5(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import average_precision_score

    top = np.argsort(-scores, kind="stable")[:5]
    return float(average_precision_score(labels, scores)), float(labels[top].mean())


def evaluate(shots: Sequence, lines: Sequence[dict], highlight: Sequence[float], motion: Sequence[float],
             pictures_only: Sequence[float] | None = None) -> dict:
    """AP and top-5 precision of the scorer, the baselines, and the scorer without speech tags."""
    labels = shot_labels(shots, lines)
    keep = [i for i, lab in enumerate(labels) if lab is not None]
    y = np.array([labels[i] for i in keep])
    if not len(y) or y.min() == y.max():
        raise ValueError("the labelled shots need both highlights and non-highlights")
    ours = _ap_p5(y, np.array([highlight[i] for i in keep]))
    mot = _ap_p5(y, np.array([motion[i] for i in keep]))
    base = float(y.mean())
    out = {"shots": len(keep), "highlights": int(y.sum()),
           "scorer": {"ap": ours[0], "p5": ours[1]},
           "uniform": {"ap": base, "p5": base},
           "motion only": {"ap": mot[0], "p5": mot[1]}}
    if pictures_only is not None:
        pic = _ap_p5(y, np.array([pictures_only[i] for i in keep]))
        out["scorer, pictures only (no speech tags)"] = {"ap": pic[0], "p5": pic[1]}
    return out
