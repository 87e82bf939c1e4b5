"""Footage for a template's slots: a window of the stream per slot, matched on label, shot scale,
camera motion and duration, never the same footage twice.

Candidates are windows inside the product's segment: for each slot, a window of the slot's
length (plus the transition into the next slot) placed in the middle of one source shot when
a shot is long enough; else one shot played slower (down to :data:`SLOWEST`, the whole shot
stretched over the slot) or a window across the fewest source cuts (each one would show as an
extra shot). A window is scored (weights :data:`WEIGHTS`):

- **label**: the speech tags said during it against the slot's script labels (the same tag
  fit as ``make``'s storylines);
- **scale**: the source shot's scale keyword (close-up / medium shot / wide shot, from the
  stored concepts) against the slot's: 1 the same, 0.4 one step apart, 0 two steps;
- **motion**: still footage for a static slot, moving footage (consecutive-frame change
  above :data:`MOVING`) for a pan, tilt or zoom;
- **cuts**: minus one for every source cut inside the window;
- **speed**: minus the share of the way to :data:`SLOWEST` a slowed window is played at (a
  slowed shot beats a window that crosses a cut, and loses to a shot long enough);
- **text**: minus one when the stream shows its own text (captions, badges: the stored OCR)
  in the window's shots: it would sit among the template's text boxes;
- **highlight**, **variety** (a picture unlike every window chosen before it), **contrast**
  (a picture unlike the previous slot's window), and **adjacent**: minus one when the window
  shows the previous slot's source shot or its neighbour (two neighbouring shots of one scene
  hide the boundary between them: a dissolve from one to the other reads as no boundary).

A slot whose best window says nothing of its labels, has another scale or crosses a source
cut is filled with that nearest match and says what it lacks (``missing``).

    >>> picks = choose_windows(wants, shots, looks, sentences, segment)     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tools.core.schema import Analysis, Segment

__all__ = ["WEIGHTS", "MOVING", "SLOWEST", "Want", "ShotInfo", "Pick", "shot_infos", "choose_windows", "label_tags",
           "SCALE_KEYWORDS", "framed_scales"]

WEIGHTS = {"label": 1.0, "scale": 0.6, "motion": 0.3, "cuts": 1.0, "highlight": 0.3, "variety": 0.4, "text": 1.0,
           "speed": 0.4,
           "contrast": 0.3, "adjacent": 1.0}
SLOWEST = 0.6  # the slowest playback a slot is filled at from one source shot (a 3 s shot fills 5 s)
# a slowed shot stays this far from its cuts: an analysed cut can sit a few frames off the real one
# (the end of a dissolve), and slowing shows that error 1 / speed times longer (a 0.35 s flash of
# the next shot at the end of a slot, read as an extra shot)
EDGE = 0.3
MOVING = 0.03  # mean consecutive-frame change above which footage counts as moving
SCALE_KEYWORDS = {"close-up": "close-up", "medium shot": "medium", "wide shot": "wide"}
_ORDER = ("close-up", "medium", "wide")


@dataclass
class Want:
    """What a slot asks for."""

    index: int
    seconds: float  # the slot's length in the ad
    extra: float  # picture read past the slot's end (the transition into the next slot)
    labels: list[str]
    tags: list[str]  # speech tags standing for the labels
    scale: str
    motion: str
    speed: float = 1.0  # the reference's playback speed for the slot


@dataclass
class ShotInfo:
    """What the analysis knows of one source shot."""

    index: int
    start: float
    end: float
    scale: str | None
    moving: float  # mean consecutive-frame change
    highlight: float = 0.0
    look: np.ndarray | None = None
    text: bool = False  # the stream shows its own text in it (OCR)


@dataclass
class Pick:
    """The window chosen for a slot and why."""

    start: float
    end: float
    shots: list[int]
    tags: dict[str, float]
    text: str
    scale: str | None
    motion: str
    highlight: float
    score: float
    parts: dict[str, float] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    look: np.ndarray | None = None
    speed: float = 1.0  # playback speed: the window's source is (slot + transition) x speed long


def label_tags(label: str) -> list[str]:
    """The speech tags standing for a script label id (call to buy: price, promotion, call to action)."""
    from tools.analysis.tags import taxonomy
    from tools.core.labels import get_label

    zh = get_label(label).zh
    tags = [t.id for t in taxonomy() if t.esync == zh]
    if label == "purchase":
        tags = sorted(tags, key=lambda t: ("call_to_action", "price", "promotion").index(t)
                      if t in ("call_to_action", "price", "promotion") else 9)
    return tags[:3] or ["product_intro"]


def shot_infos(analysis: Analysis, concepts: Sequence[dict], highlights: Sequence[dict],
               visual: np.ndarray | None = None, screen: Sequence[dict] = ()) -> list[ShotInfo]:
    """Scale, motion, highlight, picture vector and on-screen text of each source shot."""
    texted = {int(x["shot"]) for x in screen if x.get("shot") is not None and str(x.get("text", "")).strip()}
    out = []
    for i, sh in enumerate(analysis.shots):
        c = concepts[i] if i < len(concepts) else {}
        kw = {SCALE_KEYWORDS[k]: v for k, v in (c.get("keywords") or {}).items() if k in SCALE_KEYWORDS}
        look = None
        if visual is not None and i < len(visual):
            v = np.asarray(visual[i], np.float32)
            look = v / max(float(np.linalg.norm(v)), 1e-8)
        out.append(ShotInfo(i, sh.start, sh.end, max(kw, key=kw.get) if kw else None, float(c.get("motion", 0.0)),
                            float(highlights[i]["score"]) if i < len(highlights) else 0.0, look, i in texted))
    return out


def _framed(image: np.ndarray, centre_x: float, ratio: float) -> np.ndarray:
    """``image`` cropped to the width / height ``ratio`` around ``centre_x`` (as the ad frames it)."""
    h, w = image.shape[:2]
    cw = min(w, int(round(h * ratio)))
    x0 = int(min(max(centre_x * w - cw / 2, 0), w - cw))
    return image[:, x0:x0 + cw]


def framed_scales(video: str, infos: Sequence[ShotInfo], segment: Segment, highlights: Sequence[dict],
                  ratio: float) -> None:
    """Each shot of ``segment`` gets the scale ``template extract`` would read from it as the ad frames it
    (:func:`tools.template.visual.shot_scale` on two frames cropped to the ad's aspect around the shot's
    attention centre), in place of the analysis keyword."""
    from tools.core.media import frames
    from tools.template.visual import shot_scale

    for s in infos:
        if not (s.end > segment.start + 0.2 and s.start < segment.end - 0.2):
            continue
        cx = float(highlights[s.index]["crop_x"]) if s.index < len(highlights) else 0.5
        images = []
        for t in (s.start + 0.35 * (s.end - s.start), s.start + 0.65 * (s.end - s.start)):
            f = next(frames(video, fps=None, size=384, start=t, end=t + 0.5), None)
            if f is not None:
                images.append(np.ascontiguousarray(_framed(f.image, cx, ratio)))
        if images:
            s.scale = shot_scale(images)[0]


def _scale_fit(want: str, got: str | None) -> float:
    if got is None:
        return 0.5
    return {0: 1.0, 1: 0.4}.get(abs(_ORDER.index(want) - _ORDER.index(got)), 0.0)


def _windows(shots: Sequence[ShotInfo], segment: Segment, need: float,
             speed: float = 1.0) -> list[tuple[float, list[ShotInfo], float]]:
    """Candidate windows of ``need`` seconds of the ad played at ``speed``: centred in each shot long
    enough; a shorter shot of at least ``need`` x :data:`SLOWEST` played slower over the whole
    slot; else starting at a shot and running over the following ones (start, shots, speed)."""
    inside = [s for s in shots if s.end > segment.start + 0.2 and s.start < segment.end - 0.2]
    src = need * speed
    out = []
    for k, s in enumerate(inside):
        a, b = max(s.start, segment.start), min(s.end, segment.end)
        if b - a >= src + 0.3:
            out.append(((a + b - src) / 2, [s], speed))
            continue
        if b - a - 2 * EDGE >= need * min(speed, SLOWEST):  # the shot but its edges, slowed to fill the slot
            out.append((a + EDGE, [s], round(min(speed, (b - a - 2 * EDGE) / need), 4)))
        run, end = [s], b
        for nxt in inside[k + 1:]:
            if end - a >= src + 0.15:
                break
            run.append(nxt)
            end = min(nxt.end, segment.end)
        if end - a >= src + 0.15:
            out.append((a + 0.15, run, speed))
    return out


def _said(analysis: Analysis, a: float, b: float) -> tuple[dict[str, float], str]:
    tags: dict[str, float] = {}
    said = [s for s in analysis.sentences if s.start < b and s.end > a]
    for s in said:
        w = (min(s.end, b) - max(s.start, a)) / max(s.duration, 1e-3)
        for t, v in s.tags.items():
            tags[t] = max(tags.get(t, 0.0), v * min(1.0, w * 1.5))
    return tags, " ".join(s.text for s in said)


def _score(want: Want, start: float, run: list[ShotInfo], analysis: Analysis,
           used_looks: list[np.ndarray], speed: float = 1.0, previous: Pick | None = None) -> Pick:
    from tools.production.arrange import Moment, _tag_fit

    end = start + (want.seconds + want.extra) * speed
    tags, text = _said(analysis, start, end)
    main = max(run, key=lambda s: min(s.end, end) - max(s.start, start))
    moving = float(np.mean([s.moving for s in run]))
    motion = "moving" if moving > MOVING else "static"
    cuts = sum(1 for s in run[1:] if start < s.start < end)
    looks = [s.look for s in run if s.look is not None]
    look = None
    if looks:
        v = np.mean(looks, axis=0)
        look = v / max(float(np.linalg.norm(v)), 1e-8)
    parts = {"label": _tag_fit(want.tags, Moment(start, end, "pictures", tags=tags)),
             "scale": _scale_fit(want.scale, main.scale),
             "motion": 1.0 if (motion == "static") == (want.motion == "static") else 0.3,
             "cuts": -float(cuts), "highlight": max(s.highlight for s in run),
             "text": -1.0 if any(s.text for s in run) else 0.0,
             "variety": float(np.clip(1.0 - max(float(u @ look) for u in used_looks), 0.0, 1.0))
             if used_looks and look is not None else 0.5,
             "speed": -min(1.0, abs(1.0 - speed / want.speed) / (1.0 - SLOWEST)),
             "contrast": _contrast(previous, look), "adjacent": -1.0 if _adjacent(previous, run) else 0.0}
    score = sum(WEIGHTS[k] * v for k, v in parts.items())
    return Pick(start, end, [s.index for s in run], tags, text, main.scale, motion, parts["highlight"],
                round(score, 4), {k: round(v, 3) for k, v in parts.items()}, look=look, speed=speed)


def _contrast(previous: Pick | None, look: np.ndarray | None) -> float:
    """How unlike the previous slot's window this one looks: 1 - the cosine of their pictures (0.5 unknown)."""
    if previous is None or previous.look is None or look is None:
        return 0.5
    return float(np.clip(1.0 - float(previous.look @ look), 0.0, 1.0))


def _adjacent(previous: Pick | None, run: list[ShotInfo]) -> bool:
    """Whether this window shows the previous slot's source shot or a neighbour of it (one scene: the
    boundary between the two slots would not show), as heavy as a crossed cut."""
    return previous is not None and (run[0].index - previous.shots[-1] in (0, 1)
                                     or previous.shots[0] - run[-1].index in (0, 1))


def _missing(want: Want, pick: Pick) -> list[str]:
    out = []
    if pick.parts["label"] <= 0.2:
        out.append(f"nothing said of {'/'.join(want.labels) or 'its label'}")
    if pick.scale is not None and pick.scale != want.scale:
        out.append(f"no {want.scale} footage ({pick.scale} instead)")
    if pick.parts["cuts"] < 0:
        out.append(f"no single shot of {want.seconds + want.extra:.1f} s (crosses {-int(pick.parts['cuts'])} "
                   "source cut(s))")
    return out


def choose_windows(wants: Sequence[Want], shots: Sequence[ShotInfo], analysis: Analysis,
                   segment: Segment) -> list[Pick]:
    """One window per slot, greedy in slot order, never overlapping an earlier choice."""
    picks: list[Pick] = []
    for want in wants:
        need = want.seconds + want.extra
        cands = [(a, run, sp) for a, run, sp in _windows(shots, segment, need, want.speed)
                 if not any(a < p.end - 0.05 and p.start < a + need * sp - 0.05 for p in picks)]
        if not cands:  # everything long enough is used: the longest free windows, shown in part
            cands = _windows(shots, segment, min(need, 1.0), want.speed)
        if not cands:
            raise ValueError(f"no footage of {need:.1f} s in the {segment.product} segment")
        looks = [p.look for p in picks if p.look is not None]
        previous = picks[-1] if picks else None
        best = max((_score(want, a, run, analysis, looks, sp, previous) for a, run, sp in cands),
                   key=lambda p: p.score)
        best.missing = _missing(want, best)
        picks.append(best)
    return picks
