"""The crop follows the subject smoothly within a shot and jumps only at the source's cuts."""

from __future__ import annotations

import numpy as np
import pytest

from tools.core.schema import Shot
from tools.production.reframe import MAX_SPEED, avoid_text, follow, overlay_boxes
from tools.production.render import _crop_expr
from tools.production.timeline import Crop, Item, Timeline


def test_the_crop_track_follows_a_real_face_without_jitter():
    from evals.fixtures import real_videos

    video = real_videos()["carphone"]  # a man talking and moving in a car, one shot, 4 s
    shots = [Shot(index=0, start=0.0, end=4.0)]
    crops = follow(video, 0.0, 4.0, shots, [(0.5, 0.5)], fps=6)
    assert len(crops) >= 10 and crops[0].cut and not any(c.cut for c in crops[1:])
    for a, b in zip(crops, crops[1:], strict=False):
        assert abs(b.x - a.x) <= MAX_SPEED * (b.at - a.at) + 2e-4  # speed-limited: glides (times rounded to ms)
    assert all(0.25 < c.x < 0.75 for c in crops)  # his face is near the middle of the frame


def test_cuts_jump_and_glides_interpolate_in_the_filter_expression():
    tl = Timeline(1080, 1920, 30, 10.0, [], source_size=(1280, 720))
    item = Item(1, "x.mp4", 10.0, 0.0, 6.0, [Crop(10.0, 0.3, 0.5), Crop(11.0, 0.4, 0.5, cut=False),
                                             Crop(13.0, 0.95, 0.5, cut=True)])
    x, y, cw, ch = _crop_expr(tl, item)
    assert (cw, ch) == (404, 720)  # 9:16 of the 720 rows (405), even for the encoder
    # the window's left edge, in source pixels: the centre (x * 1280) less half the width (202)
    assert _eval(x, 0.0) == pytest.approx(182)  # 0.3 -> 384 - 202
    assert _eval(x, 0.5) == pytest.approx((182 + 310) / 2, abs=1)  # gliding towards 0.4 -> 512 - 202
    assert _eval(x, 2.5) == pytest.approx(310)  # holds until the cut
    assert _eval(x, 3.5) == pytest.approx(1280 - 404)  # jumped; 0.95 would put the window past the edge
    assert _eval(y, 1.0) == pytest.approx(0)  # a full-height window has nowhere to move


def _eval(expr: str, t: float) -> float:
    """Evaluate our ffmpeg expressions (nested if(lt(t,A),B,C) over arithmetic) in Python."""
    expr = expr.strip()
    if not expr.startswith("if(lt(t,"):
        return float(eval(expr, {"t": t}))  # noqa: S307 - our own generated arithmetic
    rest = expr[len("if(lt(t,"):-1]
    limit, rest = rest.split("),", 1)
    depth = 0
    for i, ch in enumerate(rest):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            return _eval(rest[:i], t) if t < float(limit) else _eval(rest[i + 1:], t)
    raise ValueError(expr)


# the demo stream's OCR, as analysis stores it (boxes in a 960x540 frame of the 1280x720 source)
_LIVE = {"t": 29.84, "shot": 6, "text": "LIVE", "box": [10, 8, 83, 52]}
_LOWER_THIRD = {"text": "Aurora Espresso Blend", "box": [23, 465, 318, 503]}
_LETTERS = (23 / 960, 465 / 540, 318 / 960, 503 / 540)  # x 0.024..0.331, y 0.861..0.931: 38 px high


def _covers_the_letters(box) -> bool:
    """The box reaches past the lower third's letters on every side (the dark backing behind them)
    by at most the letters' height (38 px)."""
    lx0, ly0, lx1, ly1 = _LETTERS
    x0, y0, x1, y1 = box
    dx, dy = 38 / 960, 38 / 540
    return lx0 - dx <= x0 < lx0 and ly0 - dy <= y0 < ly0 and lx1 < x1 <= lx1 + dx and ly1 < y1 <= ly1 + dy


def _cuts(a: float, b: float, box, top: float = 0.0, bottom: float = 1.0) -> bool:
    """Whether the crop window a..b (x) by top..bottom (y), fractions of the source, cuts ``box``:
    reaches into it without holding it whole (a box wholly above or below the window is out)."""
    x0, y0, x1, y1 = box
    if y1 <= top or y0 >= bottom:
        return False
    if y0 < top or y1 > bottom:
        return True
    return x0 < b and x1 > a and not (a <= x0 and x1 <= b)


def _shots(n: int) -> list[Shot]:
    return [Shot(index=i, start=4.0 * i, end=4.0 * (i + 1)) for i in range(n)]


def test_captions_seen_in_several_shots_count_everywhere_others_in_their_shot():
    screen = [_LIVE] + [{**_LOWER_THIRD, "t": 4.0 * k + 2, "shot": k} for k in (1, 3, 5)] + \
        [{"t": 18.0, "shot": 4, "text": "SALE", "box": [600, 100, 700, 140]}]
    boxes = overlay_boxes(screen, _shots(8), (1280, 720))
    (lower,) = boxes(6.0)  # shot 1, where it was read
    assert boxes(10.0) == [lower]  # shot 2 was not read: the lower third is there all the same
    assert boxes(2.0) == []  # shot 0: before its first sighting
    assert _covers_the_letters(lower)
    assert len(boxes(18.0)) == 2 and lower in boxes(18.0)  # shot 4: its own SALE sticker and the lower third
    assert boxes(26.0) == [pytest.approx((0.0, 0.0, 0.11, 0.11), abs=0.03)]  # LIVE, top left, in its own shot 6
    assert boxes(31.0) == []  # after the last sighting (shot 5 ends at 24 s, +1 s) and only LIVE's shot is 6


def test_the_crop_moves_so_a_caption_is_whole_or_gone():
    boxes = overlay_boxes([{**_LOWER_THIRD, "t": 4.0 * k + 2, "shot": k} for k in range(3)], _shots(3), (1280, 720))
    width = 720 * 9 / 16 / 1280  # a 9:16 crop of the 16:9 source: 0.316 of its width
    run = [Crop(0.0, 0.45, 0.5), Crop(1.0, 0.46, 0.5, cut=False), Crop(2.0, 0.44, 0.5, cut=False)]
    (caption,) = boxes(0.5)
    a = 0.45 - width / 2  # 0.292: the left edge falls inside the caption (letters to 0.331)
    assert _cuts(a, a + width, caption)
    moved, zoom = avoid_text(run, boxes, width)
    shift = moved[0].x - run[0].x
    assert zoom == 1.0 and 0 < shift <= 0.3 * width  # a nudge right, at most the allowed share of the crop
    assert all(m.x - r.x == pytest.approx(shift) for m, r in zip(moved, run, strict=True))  # the run moves as one
    assert all(m.y == r.y and m.cut == r.cut for m, r in zip(moved, run, strict=True))
    a = float(np.mean([m.x for m in moved])) - width / 2
    assert not _cuts(a, a + width, caption) and a >= caption[2]  # the caption is left out whole
    assert a - caption[2] < 0.03  # and the crop moved no further than that
    # a crop far from any caption is not touched
    far = [Crop(0.0, 0.8, 0.5)]
    assert avoid_text(far, boxes, width) == (far, 1.0)


def test_a_caption_too_wide_to_dodge_is_left_below_a_slightly_smaller_crop():
    boxes = overlay_boxes([{**_LOWER_THIRD, "t": 4.0 * k + 2, "shot": k} for k in range(3)], _shots(3), (1280, 720))
    width = 720 * 9 / 16 / 1280
    stuck = [Crop(0.0, 0.3, 0.4)]  # clear on the right needs a shift of 0.22: too far; inside: no room
    (caption,) = boxes(0.5)
    out, zoom = avoid_text(stuck, boxes, width)
    assert 1.0 < zoom <= 1.25 and out[0].x == 0.3
    top, bottom = out[0].y - 1 / zoom / 2, out[0].y + 1 / zoom / 2  # the smaller window, fractions of the height
    assert top >= -1e-4 and not _cuts(0.3 - width / zoom / 2, 0.3 + width / zoom / 2, caption, top, bottom)
    assert caption[1] - 0.03 < bottom <= caption[1]  # it ends just above the caption: no smaller than it must be
    # the renderer crops that much less of the 1280x720 source, still 9:16, and stops above the letters
    tl = Timeline(1080, 1920, 30, 4.0, [], source_size=(1280, 720))
    x, y, cw, ch = _crop_expr(tl, Item(1, "x.mp4", 0.0, 0.0, 4.0, out, zoom=zoom))
    assert ch == pytest.approx(720 / zoom, abs=2) and cw / ch == pytest.approx(9 / 16, abs=0.01)
    assert cw % 2 == ch % 2 == 0 and int(y) == 0 and int(y) + ch <= _LETTERS[1] * 720
    # a caption higher up than the bottom part is not worth a zoom
    mid = overlay_boxes([{"t": 2.0, "shot": 0, "text": "x", "box": [23, 250, 318, 290]}], _shots(1), (1280, 720))
    assert avoid_text(stuck, mid, width)[1] == 1.0
