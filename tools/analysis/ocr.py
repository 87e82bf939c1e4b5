"""On-screen text: PP-OCR (rapidocr, models bundled in its wheel) at shot keyframes.

About half a second per frame at 540 lines on 2 cores, so frames are chosen, not
streamed: the middle of each shot, longest shots first, at most ``per_minute`` frames
per minute of video; a keyframe that looks like one already read (same colour
histogram and layout, from the shot detector's features) reuses its text. Each line
is stored with its box, confidence, time and a kind: price, promo, product (a name
from the fact sheets) or text.

    >>> lines = read_screen("live.mp4", shots, feats, names=["Aurora Espresso Blend"])   # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from tools.analysis.shots import ShotFeatures, pair_distance
from tools.core.schema import Shot
from tools.core.text import letters

__all__ = ["ScreenText", "read_screen", "read_frame", "keyframes", "kind_of", "VERSION"]

VERSION = "1"
_PRICE = re.compile(r"([$€£¥￥]\s?\d|\d\s?(元|块|dollars?|usd|eur)\b|\d+[.,]\d{2}\b|到手价|价格|price)", re.I)
_PROMO = re.compile(r"(free|off\b|%|sale|deal|gift|bonus|coupon|limited|today only|buy \d|送|折|减|券|包邮|秒杀|限时|赠)",
                    re.I)


@dataclass(frozen=True)
class ScreenText:
    t: float
    shot: int
    text: str
    score: float
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the decoded frame's pixels
    kind: str  # price | promo | product | text

    def as_dict(self) -> dict:
        return asdict(self)


def kind_of(text: str, names: Sequence[str] = ()) -> str:
    low = letters(text)
    if any(len(n) >= 3 and letters(n) in low for n in names):
        return "product"
    if _PRICE.search(text):
        return "price"
    if _PROMO.search(text):
        return "promo"
    return "text"


@lru_cache(maxsize=1)
def _engine(threads: int):
    from tools.core.quiet import native_quiet, quiet_onnxruntime

    with native_quiet():  # onnxruntime sessions may log natively while they are created
        quiet_onnxruntime()
        from rapidocr import RapidOCR

        return RapidOCR(params={"Global.log_level": "error",
                                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                                "EngineConfig.onnxruntime.inter_op_num_threads": 1})


def keyframes(shots: Sequence[Shot], duration: float, per_minute: float) -> list[int]:
    """The shots whose middle frame is read: the longest ones, ``per_minute`` per minute of video."""
    budget = max(1, int(np.ceil(per_minute * max(duration, 1.0) / 60.0)))
    order = sorted(range(len(shots)), key=lambda i: -shots[i].duration)
    return sorted(order[:budget])


def read_frame(image: np.ndarray, t: float, shot_index: int, names: Sequence[str] = (), min_score: float = 0.6,
               threads: int = 2) -> list[ScreenText]:
    """The text lines on one RGB frame (boxes in the frame's pixels)."""
    result = _engine(threads)(np.ascontiguousarray(image[:, :, ::-1]))
    lines = []
    for box, text, score in zip(result.boxes if result.boxes is not None else [], result.txts or (),
                                result.scores or (), strict=False):
        if score < min_score or not text.strip():
            continue
        pts = np.asarray(box)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        lines.append(ScreenText(round(t, 3), shot_index, text.strip(), round(float(score), 3),
                                (int(x0), int(y0), int(x1), int(y1)), kind_of(text, names)))
    return lines


def read_screen(path: str | os.PathLike, shots: Sequence[Shot], feats: ShotFeatures | None = None,
                names: Sequence[str] = (), per_minute: float = 6.0, rows: int = 540, min_score: float = 0.6,
                threads: int = 2, progress: Callable[[float], None] | None = None) -> list[ScreenText]:
    """Read the text on screen at the keyframes of ``shots`` (see the module doc for the sampling).

    ``reelwright analyze`` reads the same keyframes inside the concepts pass (one decode per
    shot, :func:`tools.analysis.concepts.shot_concepts`); this is the standalone way.
    """
    from tools.core.media import frames

    duration = shots[-1].end if shots else 0.0
    out: list[ScreenText] = []
    read: list[tuple[int, list[ScreenText]]] = []  # feature row of each frame read, its lines
    for shot_index in keyframes(shots, duration, per_minute):
        shot = shots[shot_index]
        t = (shot.start + shot.end) / 2
        twin = reuse(read, feats, t)
        if twin is not None:
            out += [ScreenText(t, shot_index, x.text, x.score, x.box, x.kind) for x in twin]
            continue
        frame = next(frames(path, fps=None, size=rows, start=t, end=t + 0.5), None)
        if frame is None:
            continue
        lines = read_frame(frame.image, frame.t, shot_index, names, min_score, threads)
        read.append((row_at(feats, t), lines))
        out += lines
        if progress is not None:
            progress(t)
    return out


def row_at(feats: ShotFeatures | None, t: float) -> int:
    """The shot-feature row nearest ``t`` (-1 without features)."""
    return int(np.argmin(np.abs(feats.t - t))) if feats is not None and len(feats) else -1


def reuse(done: Sequence[tuple[int, object]], feats: ShotFeatures | None, t: float, limit: float = 0.04):
    """What was computed for a frame that looks like the one at ``t`` (shot features closer than
    ``limit``), or None."""
    row = row_at(feats, t)
    if row < 0:
        return None
    return next((value for r, value in done if r >= 0 and pair_distance(feats, r, row) < limit), None)
