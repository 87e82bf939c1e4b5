"""Text on screen for a template: overlays (box, size, colours, timing, role) and the subtitle style.

OCR (rapidocr, the models of :mod:`tools.analysis.ocr`, without scaling frames up) reads a frame in the middle of every
slot and, in slots longer than ``max_gap`` (4.5 s), that many more; text that comes and goes
between two samples is not seen. Each line's pixels give its colours: the
box's pixels fall in three colour clusters; the one that stays off the box's border is the
text (its parts touching the border are the picture), the one holding the border is the
background (solid when it is uniform); dark pixels hugging light text, ring after ring, are
an outline and its width. The text pixels' bounding box is the ink box (tighter than the
OCR box). Lines with the same text in about the same place in consecutive samples
are one overlay; its first and last frames are found by decoding the frames between samples
and matching the text's pixel mask.

Subtitles are the lines in the bottom band, centred, that say what is being said (their
words are in the transcript of the time) with at least two different texts, or, without
speech, that change at least three times; the rest are overlays. OCR lines taller than a
fifth of the frame, single letters read without confidence and boxes whose text pixels are
not strokes (under 8 % or over 75 % of the box) are pictures, not text. Roles come from the text: a price, a call to action (order,
buy, tap, 下单, 点击 ...), a promotion (%, off, sale, 折, 限时, 倒计时 ...), a title (large text
in the first quarter), else other.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

__all__ = ["Line", "TextGroup", "sample_times", "grab", "measure", "read_lines", "group_lines", "refine_edges", "role_of",
           "split_subtitles", "VERSION"]

VERSION = "2"
_CTA = re.compile(r"(\b(order|buy now|shop now|tap|click|link|get yours|grab|add to cart|swipe)\b|下单|点击|购买|抢购|立即|"
                  r"马上|链接|加购|拍下)", re.I)
_PROMO = re.compile(r"(%|\b(off|sale|deal|free|gift|limited|only today)\b|倒计时|限时|折|优惠|特价|秒杀|包邮|送|券|减)", re.I)
_PRICE = re.compile(r"([$€£¥￥]\s?\d|\d\s?(元|块)|到手价|\d+[.,]\d{2}\b)", re.I)


@dataclass
class Line:
    """One OCR line at one time, with its measured ink box and colours (pixels of the sampled frame)."""

    t: float
    text: str
    box: tuple[float, float, float, float]  # ink x0, y0, x1, y1 as fractions
    color: tuple[int, int, int]
    background: tuple[int, int, int] | None
    outline: tuple[int, int, int] | None = None
    outline_px: float = 0.0
    mask: np.ndarray | None = field(default=None, repr=False)  # text pixels in the ink box (for matching)
    frame_h: int = 0


@dataclass
class TextGroup:
    """The same text in the same place over consecutive samples."""

    lines: list[Line]
    start: float
    end: float

    @property
    def text(self) -> str:
        return max((x.text for x in self.lines), key=lambda s: sum(y.text == s for y in self.lines))

    @property
    def box(self) -> tuple[float, float, float, float]:
        return tuple(float(np.median([x.box[i] for x in self.lines])) for i in range(4))  # type: ignore[return-value]


def sample_times(bounds: Sequence[tuple[float, float]], max_gap: float = 4.5) -> list[float]:
    """Times to read: each slot's middle, and every ``max_gap`` seconds inside long slots."""
    out = []
    for a, b in bounds:
        n = max(1, int(np.ceil((b - a) / max_gap - 1e-6)))
        out += [a + (b - a) * (k + 0.5) / n for k in range(n)]
    return out


def _colours(crop: np.ndarray) -> tuple[np.ndarray, tuple, tuple | None]:
    """(text mask, text colour, solid background colour or None: the box's border is uniform)."""
    import cv2

    h, w = crop.shape[:2]
    px = crop.reshape(-1, 3).astype(np.float32)
    k = 3 if len(px) >= 30 else 2
    _, lab, centres = cv2.kmeans(px, k, None, (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0), 2,
                                 cv2.KMEANS_PP_CENTERS)
    lab = lab.reshape(h, w)
    ring = np.zeros((h, w), bool)
    ring[:2], ring[-2:], ring[:, :2], ring[:, -2:] = True, True, True, True
    counts = np.array([(lab == c).sum() for c in range(k)], float)
    on_ring = np.array([((lab == c) & ring).sum() for c in range(k)], float)
    ratio = on_ring / np.maximum(counts, 1)
    back = int(np.argmax(on_ring))
    cand = [c for c in range(k) if counts[c] >= 0.06 * h * w and c != back] or [c for c in range(k) if c != back]
    low = min(ratio[c] for c in cand)
    # of the clusters that stay off the border, the text is the one farthest from the background
    # (the other is the anti-aliased edge between them)
    text = max((c for c in cand if ratio[c] <= low + 0.05),
               key=lambda c: float(np.abs(centres[c] - centres[back]).sum()))
    mask = _inner(lab == text)
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    rest = crop[~grown].astype(np.float32)
    solid = len(rest) >= 20 and float(rest.std(axis=0).mean()) < 25
    colour = tuple(int(v) for v in np.median(px[mask.ravel()], axis=0)) if mask.any() else (255, 255, 255)
    return mask, colour, (tuple(int(v) for v in np.median(rest, axis=0)) if solid else None)


def _inner(mask: np.ndarray) -> np.ndarray:
    """The mask without the parts touching the box's edge (the picture, not the glyphs)."""
    import cv2

    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    h, w = mask.shape
    keep = np.zeros(n, bool)
    for c in range(1, n):
        x, y, cw, ch = stats[c, :4]
        keep[c] = x > 0 and y > 0 and x + cw < w and y + ch < h
    out = keep[lab]
    return out if out.sum() >= 0.3 * mask.sum() else mask


def _outline(crop: np.ndarray, mask: np.ndarray) -> tuple[tuple | None, float]:
    """(outline colour, width in pixels) when dark pixels hug light text, else (None, 0)."""
    import cv2

    if not mask.any():
        return None, 0.0
    luma = crop.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    if float(np.median(luma[mask])) < 150:
        return None, 0.0
    dark = luma < 70
    grown, width, colour = mask.astype(np.uint8), 0.0, None
    for r in range(1, 6):
        nxt = cv2.dilate(grown, np.ones((3, 3), np.uint8))
        ring = (nxt > 0) & (grown == 0)
        if not ring.any() or dark[ring].mean() < 0.5:
            break
        if colour is None:
            colour = tuple(int(v) for v in np.median(crop[ring & dark], axis=0))
        width, grown = float(r), nxt
    return colour, width


def _ink(mask: np.ndarray) -> tuple[int, int, int, int]:
    """The text's box in the mask: rows holding at least a twentieth of the fullest row's text pixels (stray
    picture pixels of the text's colour above or below do not count), then the columns in them."""
    counts = mask.sum(axis=1)
    rows = np.flatnonzero(counts >= max(1.0, 0.05 * float(counts.max()))) if mask.any() else np.array([], int)
    if not len(rows):
        return 0, 0, mask.shape[1], mask.shape[0]
    cols = np.flatnonzero(mask[rows[0]:rows[-1] + 1].sum(axis=0) >= 1)
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def measure(image: np.ndarray, t: float, text: str, box: tuple[int, int, int, int]) -> Line:
    """A line's ink box, colours and pixel mask from the OCR box on the frame."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, box[0] - 2), max(0, box[1] - 2), min(w, box[2] + 2), min(h, box[3] + 2)
    crop = image[y0:y1, x0:x1]
    mask, colour, back = _colours(crop)
    outline, width = _outline(crop, mask)
    a, b, c, d = _ink(mask)
    ink = ((x0 + a) / w, (y0 + b) / h, (x0 + c) / w, (y0 + d) / h)
    return Line(t, text, ink, colour, back, outline, width, mask[b:d, a:c], h)


def grab(path: str | os.PathLike, times: Sequence[float], rows: int = 540) -> dict[float, tuple[float, np.ndarray]]:
    """For each of ``times``: the first frame at or after it, as (its time, RGB image). One decoding
    pass over the stretch asked for (seeking once per time would decode from the keyframe each time)."""
    from tools.core.media import frames

    want = sorted(set(times))
    out: dict[float, tuple[float, np.ndarray]] = {}
    if not want:
        return out
    k = 0
    last = None
    for f in frames(path, fps=None, size=rows, start=max(0.0, want[0]), end=want[-1] + 0.5):
        last = f
        while k < len(want) and f.t + 1e-6 >= want[k]:
            out[want[k]] = (f.t, f.image)
            k += 1
        if k == len(want):
            break
    for t in want[k:]:  # past the last frame: the last frame
        if last is not None:
            out[t] = (last.t, last.image)
    return out


@lru_cache(maxsize=1)
def _engine():
    """rapidocr (the models of tools/analysis/ocr.py) reading frames at their own size: the default
    detector scales every frame up to 736 pixels on its short side, four times the work on a 9:16
    frame 360 wide, for text that is already large enough to read."""
    from tools.core.quiet import native_quiet, quiet_onnxruntime

    with native_quiet():
        quiet_onnxruntime()
        from rapidocr import RapidOCR

        return RapidOCR(params={"Global.log_level": "error", "Det.limit_type": "max", "Det.limit_side_len": 960,
                                "EngineConfig.onnxruntime.intra_op_num_threads": 2,
                                "EngineConfig.onnxruntime.inter_op_num_threads": 1})


def _ocr(image: np.ndarray, min_score: float = 0.75) -> list[tuple[str, float, tuple[int, int, int, int]]]:
    """(text, score, box x0 y0 x1 y1 in pixels) of each line read on an RGB frame."""
    result = _engine()(np.ascontiguousarray(image[:, :, ::-1]))
    out = []
    for box, text, score in zip(result.boxes if result.boxes is not None else [], result.txts or (),
                                result.scores or (), strict=False):
        if score >= min_score and text.strip():
            pts = np.asarray(box)
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            out.append((text.strip(), float(score), (int(x0), int(y0), int(x1), int(y1))))
    return out


def read_lines(frames_: Sequence[tuple[float, np.ndarray]]) -> list[Line]:
    """OCR the frames (time, RGB image) and measure every line read."""
    out: list[Line] = []
    for t, image in frames_:
        h = image.shape[0]
        for text, score, box in _ocr(image):
            tall = (box[3] - box[1]) / h
            if tall > 0.2 or (box[2] - box[0]) < 4 or (box[3] - box[1]) < 4:
                continue  # pictures read as giant letters, specks
            if len(text) == 1 and score < 0.9:
                continue
            line = measure(image, t, text, box)
            share = float(line.mask.mean()) if line.mask is not None and line.mask.size else 0.0
            if 0.08 <= share <= 0.75:  # text is strokes: neither a speck nor the whole box
                out.append(line)
    return out


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _same_text(a: str, b: str) -> bool:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a.lower(), b.lower()).ratio() >= 0.6


def group_lines(lines: Sequence[Line], times: Sequence[float]) -> list[TextGroup]:
    """Lines with the same text and box in consecutive samples, as groups (start/end: sample times)."""
    order = sorted(set(round(x.t, 3) for x in lines))
    groups: list[TextGroup] = []
    for t in order:
        for x in [x for x in lines if round(x.t, 3) == t]:
            prev = [g for g in groups if g.end in order and order.index(g.end) == order.index(t) - 1
                    and _same_text(g.lines[-1].text, x.text) and _iou(g.lines[-1].box, x.box) >= 0.5]
            if prev:
                prev[0].lines.append(x)
                prev[0].end = t
            else:
                groups.append(TextGroup([x], t, t))
    return groups


def _present(image: np.ndarray, line: Line) -> bool:
    """Whether ``line``'s text pixels are on ``image`` (same colour, same place)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (int(round(line.box[0] * w)), int(round(line.box[1] * h)), int(round(line.box[2] * w)),
                      int(round(line.box[3] * h)))
    crop = image[y0:y1, x0:x1].astype(np.int16)
    ref = line.mask
    if ref is None or crop.size == 0 or crop.shape[:2] != ref.shape:
        return False
    near = np.abs(crop - np.array(line.color, np.int16)).max(axis=2) <= 48
    inter, union = (near & ref).sum(), (near | ref).sum()
    return union > 0 and inter / union >= 0.45


def refine_edges(path: str | os.PathLike, groups: list[TextGroup], times: Sequence[float], duration: float,
                 fps: float, rows: int = 540) -> None:
    """Move each group's start and end from its sample times to its first and last frames (one
    decoding pass; each group is only checked between its neighbouring samples)."""
    from tools.core.media import frames

    ts = sorted(times)
    if not groups:
        return
    windows = []
    for g in groups:
        i = ts.index(min(ts, key=lambda x: abs(x - g.start)))
        j = ts.index(min(ts, key=lambda x: abs(x - g.end)))
        windows.append((ts[i - 1] if i > 0 else 0.0, g.start, g.end, ts[j + 1] if j + 1 < len(ts) else duration))
    first: list[float | None] = [None] * len(groups)
    last: list[float | None] = [None] * len(groups)
    lo, hi = min(w[0] for w in windows), max(w[3] for w in windows)
    for f in frames(path, fps=None, size=rows, start=lo, end=hi):
        for n, (g, (before, start, end, after)) in enumerate(zip(groups, windows, strict=True)):
            if before <= f.t <= start and first[n] is None and _present(f.image, g.lines[0]):
                first[n] = f.t
            if end <= f.t <= after and _present(f.image, g.lines[-1]):
                last[n] = f.t
    for n, g in enumerate(groups):
        g.start = first[n] if first[n] is not None else g.start
        g.end = min(duration, (last[n] if last[n] is not None else g.end) + 1.0 / fps)


def role_of(text: str, size: float, start: float, duration: float) -> str:
    """title / price / promotion / call_to_action / other from the text, its size and when it appears."""
    if _PRICE.search(text):
        return "price"
    if _CTA.search(text):
        return "call_to_action"
    if _PROMO.search(text):
        return "promotion"
    if size >= 0.04 and start <= max(3.0, 0.25 * duration):
        return "title"
    return "other"


def split_subtitles(groups: Sequence[TextGroup], said: Sequence[tuple[str, float, float]]
                    ) -> tuple[list[TextGroup], list[TextGroup]]:
    """(subtitles, overlays): bottom-band centred lines that say what is said at their time."""
    from tools.core.text import letters

    def spoken(g: TextGroup) -> bool:
        heard = " ".join(w for w, a, b in said if a < g.end + 2.5 and b > g.start - 2.5).lower()
        words = [w for w in re.findall(r"\w+", g.text.lower())]
        if not words or not heard:
            return False
        if any("\u4e00" <= c <= "\u9fff" for c in g.text):
            return sum(c in letters(heard) for c in letters(g.text)) >= 0.5 * len(letters(g.text))
        return sum(w in heard for w in words) >= 0.4 * len(words)

    band = [g for g in groups if (g.box[1] + g.box[3]) / 2 >= 0.7 and abs((g.box[0] + g.box[2]) / 2 - 0.5) < 0.12]
    subs = [g for g in band if spoken(g)] if said else band
    if len({g.text for g in subs}) < (2 if said else 3):
        subs = []  # one line that happens to be said (a call to action) is not a subtitle track
    return subs, [g for g in groups if g not in subs]
