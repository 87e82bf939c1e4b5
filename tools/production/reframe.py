"""Reframing that follows the subject: a smooth crop-centre track for one span of the source.

The span is sampled at ``fps`` (one seek, small frames). In each sampled frame the subject
is the largest face (mediapipe; a face sits a little above the crop's centre so the
upper body shows), else the shot's attention centre from the analysis. Within a shot the
track is smoothed (median of three, then an exponential filter) and its speed limited,
so the crop glides instead of jittering; at a source cut it jumps with the picture.
Then :func:`avoid_text` nudges each shot's crop sideways, as little as it can, so the
source's own captions and badges (OCR boxes) are kept whole or left out, never cut in half
at the crop's edge (a lower third read as "...lend"); a caption too wide to dodge, low or
high in the picture, is left out by a crop up to 1.25x smaller.

    >>> crops = follow("live.mp4", 120.0, 4.5, shots, centres)     # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from tools.production.timeline import Crop

__all__ = ["follow", "avoid_text", "overlay_boxes", "MAX_SPEED"]

MAX_SPEED = 0.12  # the crop centre moves at most this share of the frame width per second


def _subject(image: np.ndarray) -> tuple[float, float] | None:
    from tools.analysis.body import look

    body = look(image, hands=False, pose=False, mask=False)
    if not body.faces:
        return None
    x0, y0, x1, y1 = max(body.faces, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    return (x0 + x1) / 2, min(1.0, (y0 + y1) / 2 + 0.12)


def _smooth(values: np.ndarray, times: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    if len(values) >= 3:
        padded = np.concatenate([values[:1], values, values[-1:]])
        values = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
    out = values.astype(float).copy()
    for i in range(1, len(out)):
        target = alpha * values[i] + (1 - alpha) * out[i - 1]
        step = MAX_SPEED * max(times[i] - times[i - 1], 1e-3)
        out[i] = out[i - 1] + float(np.clip(target - out[i - 1], -step, step))
    return out


def follow(source: str | os.PathLike, src_in: float, length: float, shots: Sequence, centres: Sequence[tuple[float, float]],
           fps: float = 3.0, rows: int = 270) -> list[Crop]:
    """Crop points (source time, centre x, y; ``cut`` where a new shot starts) for ``src_in .. +length``.

    ``shots``: the source's shots (start / end); ``centres``: each shot's attention centre (x, y)
    used where no face is seen.
    """
    from tools.core.media import frames

    starts = np.array([s.start for s in shots], float)

    def shot_at(t: float) -> int:
        return max(0, int(np.searchsorted(starts, t + 1e-6, side="right")) - 1)

    samples: list[tuple[float, int, float, float]] = []
    for f in frames(source, fps=fps, size=rows, start=src_in, end=src_in + length):
        k = shot_at(f.t)
        found = _subject(f.image)
        cx, cy = found if found is not None else centres[min(k, len(centres) - 1)]
        samples.append((f.t, k, cx, cy))
    if not samples:
        k = shot_at(src_in)
        cx, cy = centres[min(k, len(centres) - 1)] if centres else (0.5, 0.5)
        return [Crop(src_in, cx, cy, cut=True)]
    crops: list[Crop] = []
    for k in dict.fromkeys(s[1] for s in samples):  # shot by shot, in order
        mine = [s for s in samples if s[1] == k]
        t = np.array([s[0] for s in mine])
        xs, ys = _smooth(np.array([s[2] for s in mine]), t), _smooth(np.array([s[3] for s in mine]), t)
        first = max(src_in, shots[k].start) if k < len(shots) else src_in
        crops.append(Crop(round(first, 3), round(float(xs[0]), 4), round(float(ys[0]), 4), cut=True))
        crops += [Crop(round(float(a), 3), round(float(x), 4), round(float(y), 4), cut=False)
                  for a, x, y in zip(t[1:], xs[1:], ys[1:], strict=True)]
    return crops


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the source frame
PAD = (0.6, 0.35)  # a text box grows by these shares of its height, sideways and up / down


def overlay_boxes(screen: Sequence[dict], shots: Sequence, source_size: tuple[int, int], rows: int = 540,
                  min_shots: int = 3) -> Callable[[float], list[Box]]:
    """``boxes(t)``: the on-screen text boxes to respect at source time ``t``.

    ``screen``: OCR lines (``t``, ``shot``, ``box`` in the pixels of a frame ``rows`` high).
    Each box is padded (``PAD``) to cover the caption's backing. OCR reads a few keyframes,
    so a box read in ``min_shots`` or more shots at the same place (a stream's badge or lower
    third) counts everywhere between its first and last sighting; any other box counts in its
    own shot.
    """
    sw, sh = source_size
    fw = rows * sw / max(sh, 1)
    starts = np.array([s.start for s in shots], float) if shots else np.zeros(1)

    def norm(b) -> Box:  # padded: a caption's backing box or sticker reaches past its letters
        px, py = PAD[0] * (b[3] - b[1]), PAD[1] * (b[3] - b[1])
        return (max(0.0, (b[0] - px) / fw), max(0.0, (b[1] - py) / rows), min(1.0, (b[2] + px) / fw),
                min(1.0, (b[3] + py) / rows))

    own: dict[int, list[Box]] = {}
    places: list[tuple[Box, set[int], float, float]] = []
    for line in screen:
        box = norm(line["box"])
        own.setdefault(int(line["shot"]), []).append(box)
        for i, (b, seen, t0, t1) in enumerate(places):
            if max(abs(u - v) for u, v in zip(b, box, strict=True)) < 0.03:
                places[i] = (b, seen | {int(line["shot"])}, min(t0, line["t"]), max(t1, line["t"]))
                break
        else:
            places.append((box, {int(line["shot"])}, line["t"], line["t"]))
    lasting = [(b, t0, t1) for b, seen, t0, t1 in places if len(seen) >= min_shots]

    def boxes(t: float) -> list[Box]:
        k = max(0, int(np.searchsorted(starts, t + 1e-6, side="right")) - 1)
        return own.get(k, []) + [b for b, t0, t1 in lasting if t0 - 1 <= t <= t1 + 1 and b not in own.get(k, [])]

    return boxes


def _cut_boxes(a: float, b: float, boxes: Sequence[Box], margin: float, v0: float = 0.0, v1: float = 1.0) -> int:
    """How many boxes the window ``a..b`` x ``v0..v1`` cuts: a box reaching into it without lying
    wholly inside (boxes wholly above or below it do not count)."""
    cut = 0
    for x0, y0, x1, y1 in boxes:
        if y1 <= v0 + margin or y0 >= v1 - margin:
            continue  # left out above or below
        if y0 < v0 or y1 > v1:
            cut += 1  # cut by the top or bottom edge
        else:
            cut += not (x1 <= a + margin or x0 >= b - margin or (x0 >= a and x1 <= b))
    return cut


def _nudge(run: list[Crop], seen: list[Box], width: float, max_shift: float, margin: float,
           v0: float, v1: float) -> tuple[float, int]:
    """(shift, boxes still cut) for one shot's run of the crop track."""
    cx = float(np.mean([c.x for c in run]))
    centre = min(max(cx, width / 2), 1 - width / 2)  # where the renderer would put it
    a, b = centre - width / 2, centre + width / 2
    before = _cut_boxes(a, b, seen, margin / 2, v0, v1)
    if not before:
        return 0.0, 0
    shifts = [0.0]
    for x0, _, x1, _ in seen:
        shifts += [x1 + margin - a, x0 - margin - b, x0 - margin - a, x1 + margin - b]
    limit = max_shift * width
    ok = [d for d in shifts if abs(d) <= limit + 1e-9 and a + d >= -1e-9 and b + d <= 1 + 1e-9]
    d = min(ok, key=lambda d: (_cut_boxes(a + d, b + d, seen, margin / 2, v0, v1), abs(d)))
    after = _cut_boxes(a + d, b + d, seen, margin / 2, v0, v1)
    return (d, after) if after < before else (0.0, before)  # no better: leave it


def avoid_text(crops: list[Crop], boxes: Callable[[float], list[Box]], width: float, max_shift: float = 0.3,
               max_zoom: float = 1.25, margin: float = 0.01) -> tuple[list[Crop], float]:
    """``crops`` kept clear of the source's text boxes, and the zoom that needs (1.0: none).

    Each shot's run of the track (from a cut to the next) is shifted sideways as little as
    keeps every box wholly inside or wholly outside the window, at most ``max_shift`` of the
    crop ``width`` (fractions of the source width) so the subject stays in frame. Where no
    shift clears a caption in the bottom (or top) part of the picture, a lower third wider
    than the crop, the crop is made up to ``max_zoom`` times smaller, its edge just above
    (below) the caption. The fewest cut boxes win, then the smaller zoom.
    """
    if width >= 1.0 or not crops:
        return crops, 1.0
    runs: list[list[Crop]] = []
    for c in crops:
        if c.cut or not runs:
            runs.append([])
        runs[-1].append(c)
    seen = [list(dict.fromkeys(bx for c in run for bx in boxes(c.at))) for run in runs]
    if not any(seen):
        return crops, 1.0
    options = [(1.0, 0.0, 1.0)]  # zoom, window top, window bottom (fractions of the source height)
    for _, y0, _, y1 in {b for bs in seen for b in bs}:
        if y0 >= 0.6 and 1 / (y0 - margin) <= max_zoom:  # a caption low in the picture: stop above it
            options.append((1 / (y0 - margin), 0.0, y0 - margin))
        if y1 <= 0.4 and 1 / (1 - y1 - margin) <= max_zoom:  # high: start below it
            options.append((1 / (1 - y1 - margin), y1 + margin, 1.0))
    best = None
    for zoom, v0, v1 in options:
        placed = [_nudge(run, bs, width / zoom, max_shift, margin, v0, v1) if bs else (0.0, 0)
                  for run, bs in zip(runs, seen, strict=True)]
        key = (sum(p[1] for p in placed), zoom)
        if best is None or key < best[0]:
            best = (key, zoom, v0, v1, placed)
    _, zoom, v0, v1, placed = best
    w = width / zoom
    out: list[Crop] = []
    for run, (d, _) in zip(runs, placed, strict=True):
        for c in run:
            x = round(min(max(c.x, w / 2), 1 - w / 2) + d, 4) if d else c.x
            y = round((v0 + v1) / 2, 4) if zoom > 1 else c.y
            out.append(c if (x, y) == (c.x, c.y) else Crop(c.at, x, y, c.cut))
    return out, round(zoom, 4)
