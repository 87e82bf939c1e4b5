"""The crop follows the subject smoothly within a shot and jumps only at the source's cuts."""

from __future__ import annotations

import numpy as np
import pytest

from tools.reframe import MAX_SPEED, PAD, _cut_boxes, avoid_text, follow, overlay_boxes
from tools.render import _crop_expr
from tools.schema import Shot
from tools.timeline import Crop, Item, Timeline


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
                                             Crop(13.0, 0.7, 0.5, cut=True)])
    x, y, cw, ch = _crop_expr(tl, item)
    assert (cw, ch) == (404, 720)

    left = int(0.3 * 1280 - 202)
    assert _eval(x, 0.0) == pytest.approx(left)
    assert _eval(x, 0.5) == pytest.approx((left + int(0.4 * 1280 - 202)) / 2, abs=1)  # gliding
    assert _eval(x, 2.5) == pytest.approx(int(0.4 * 1280 - 202))  # holds until the cut
    assert _eval(x, 3.5) == pytest.approx(min(int(0.7 * 1280 - 202), 1280 - 404))  # jumped


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
_LOWER_THIRD = {"text": "Aurora Espresso Blend", "box": [23, 465, 318, 503]}  # x 0.024..0.331
# padded by PAD (0.6 / 0.35 of its 38 px height) for the dark box behind the letters
_X0, _Y0, _X1 = (23 - PAD[0] * 38) / 960, (465 - PAD[1] * 38) / 540, (318 + PAD[0] * 38) / 960


def _shots(n: int) -> list[Shot]:
    return [Shot(index=i, start=4.0 * i, end=4.0 * (i + 1)) for i in range(n)]


def test_captions_seen_in_several_shots_count_everywhere_others_in_their_shot():
    screen = [_LIVE] + [{**_LOWER_THIRD, "t": 4.0 * k + 2, "shot": k} for k in (1, 3, 5)] + \
        [{"t": 18.0, "shot": 4, "text": "SALE", "box": [600, 100, 700, 140]}]
    boxes = overlay_boxes(screen, _shots(8), (1280, 720))
    lower = pytest.approx((_X0, _Y0, _X1, (503 + PAD[1] * 38) / 540))
    assert boxes(10.0) == [lower]  # shot 2 was not read: the lower third is there all the same
    assert len(boxes(18.0)) == 2  # shot 4: its own SALE sticker and the lower third
    assert boxes(31.0) == []  # after the last sighting (shot 5 ends at 24 s, +1 s) and only LIVE's shot is 6


def test_the_crop_moves_so_a_caption_is_whole_or_gone():
    boxes = overlay_boxes([{**_LOWER_THIRD, "t": 4.0 * k + 2, "shot": k} for k in range(3)], _shots(3), (1280, 720))
    width = 720 * 9 / 16 / 1280  # a 9:16 crop of the 16:9 source: 0.316 of its width
    run = [Crop(0.0, 0.45, 0.5), Crop(1.0, 0.46, 0.5, cut=False), Crop(2.0, 0.44, 0.5, cut=False)]
    a = 0.45 - width / 2  # 0.292: the left edge falls inside the caption (0.000..0.355 padded)
    assert _cut_boxes(a, a + width, boxes(0.5), 0.005) == 1
    moved, zoom = avoid_text(run, boxes, width)
    shift = moved[0].x - run[0].x
    assert zoom == 1.0 and 0 < shift <= 0.3 * width
    assert all(m.x - r.x == pytest.approx(shift) for m, r in zip(moved, run, strict=True))
    a = float(np.mean([m.x for m in moved])) - width / 2
    assert _cut_boxes(a, a + width, boxes(0.5), 0.005) == 0 and a >= _X1  # the caption is left out whole
    # a crop far from any caption is not touched
    far = [Crop(0.0, 0.8, 0.5)]
    assert avoid_text(far, boxes, width) == (far, 1.0)


def test_a_caption_too_wide_to_dodge_is_left_below_a_slightly_smaller_crop():
    boxes = overlay_boxes([{**_LOWER_THIRD, "t": 4.0 * k + 2, "shot": k} for k in range(3)], _shots(3), (1280, 720))
    width = 720 * 9 / 16 / 1280
    stuck = [Crop(0.0, 0.3, 0.4)]  # clear on the right needs a shift of 0.22: too far; inside: no room
    out, zoom = avoid_text(stuck, boxes, width)
    top = _Y0  # the (padded) caption's top edge
    assert zoom == pytest.approx(1 / (top - 0.01), abs=1e-4) and zoom <= 1.25
    assert out[0].x == 0.3 and out[0].y == pytest.approx((top - 0.01) / 2, abs=1e-4)  # the window ends above the caption
    assert _cut_boxes(0.3 - width / zoom / 2, 0.3 + width / zoom / 2, boxes(0.5), 0.005, 0.0, top - 0.01) == 0
    # the renderer crops that much less: 404x720 -> 334x596 of the 1280x720 source
    tl = Timeline(1080, 1920, 30, 4.0, [], source_size=(1280, 720))
    x, y, cw, ch = _crop_expr(tl, Item(1, "x.mp4", 0.0, 0.0, 4.0, out, zoom=zoom))
    assert (cw, ch) == (int(round(405 / zoom / 2) * 2), int(round(720 / zoom / 2) * 2)) and int(y) == 0
    # a caption higher up than the bottom part is not worth a zoom
    mid = overlay_boxes([{"t": 2.0, "shot": 0, "text": "x", "box": [23, 250, 318, 290]}], _shots(1), (1280, 720))
    assert avoid_text(stuck, mid, width)[1] == 1.0
