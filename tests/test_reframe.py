"""The crop follows the subject smoothly within a shot and jumps only at the source's cuts."""

from __future__ import annotations

import pytest

from tools.reframe import MAX_SPEED, follow
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
