"""Shot detection on real footage with known boundaries, and its decisions on made-up feature streams."""

from __future__ import annotations

import numpy as np
import pytest

from evals.shots import score_boundaries
from tools.analysis.shots import ShotFeatures, _features, detect_shots, find_boundaries, shots_from_boundaries


def _feats(thumbs: list[np.ndarray], fps: float = 12.5) -> ShotFeatures:
    """The features decoding computes (``_features``) for grey 12x16 thumbnails (chroma neutral)."""
    ys = [np.clip(np.rint(t), 0, 255).astype(np.uint8) for t in thumbs]
    hist, z, luma = zip(*(_features(y, np.full_like(y, 128), np.full_like(y, 128)) for y in ys), strict=True)
    n = len(ys)
    return ShotFeatures(np.arange(n, dtype=np.float32) / fps, np.stack(hist), np.stack(z).astype(np.float32),
                        np.asarray(luma, np.float32), n / fps)


def test_score_boundaries_matches_one_to_one_within_tolerance():
    s = score_boundaries([1.0, 1.2, 5.0, 9.0], [1.1, 5.4, 7.0])
    assert (s.tp, s.fp, s.fn) == (2, 2, 1)


def test_a_step_is_a_cut_and_steady_motion_is_not():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 255, (12, 16)), rng.uniform(0, 255, (12, 16))
    still = [a + rng.normal(0, 2, a.shape) for _ in range(40)] + [b + rng.normal(0, 2, b.shape) for _ in range(40)]
    cuts = find_boundaries(_feats(still))
    assert [round(c.t, 2) for c in cuts] == [3.2] and cuts[0].kind == "cut"
    x = np.linspace(0, 6 * np.pi, 200)
    scene = 128 + 60 * np.sin(x)[None, :] + 40 * np.cos(np.linspace(0, 3, 12))[:, None]  # smooth, wide
    pan = [scene[:, k // 2: k // 2 + 16] + rng.normal(0, 2, (12, 16)) for k in range(160)]  # a pan, no cut
    assert find_boundaries(_feats(pan)) == []


def test_a_dissolve_is_one_gradual_boundary_in_its_middle():
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0, 255, (12, 16)), rng.uniform(0, 255, (12, 16))
    mix = [a] * 40 + [(1 - k / 12) * a + k / 12 * b for k in range(1, 12)] + [b] * 40
    got = find_boundaries(_feats([m + rng.normal(0, 2, a.shape) for m in mix]))
    assert len(got) == 1 and got[0].kind == "dissolve"
    assert abs(got[0].t - (40 + 6) / 12.5) < 0.3


def test_shots_cover_the_video():
    from tools.analysis.shots import Boundary

    shots = shots_from_boundaries([Boundary(2.0, "cut", 9), Boundary(5.0, "fade", 9)], 8.0)
    assert [(s.start, s.end, s.transition_in) for s in shots] == [(0.0, 2.0, "start"), (2.0, 5.0, "cut"),
                                                                 (5.0, 8.0, "fade")]


@pytest.mark.slow
def test_shot_boundary_set_cuts_dissolves_and_fades(shot_set, capsys):
    res = detect_shots(shot_set.video)
    truth = shot_set.boundaries
    score = score_boundaries([b.t for b in res.boundaries], [b["t"] for b in truth])
    kinds_right = sum(1 for t in truth if any(abs(b.t - t["t"]) <= 0.5 and (b.kind == "cut") == (t["kind"] == "cut")
                                             for b in res.boundaries))
    with capsys.disabled():
        print(f"\nshot set: P {score.precision:.2f} R {score.recall:.2f} F1 {score.f1:.3f}; "
              f"cut-vs-gradual right for {kinds_right}/{len(truth)}")
    assert score.f1 >= 0.9
    assert kinds_right >= len(truth) - 2
    assert res.shots[0].start == 0 and res.shots[-1].end == pytest.approx(shot_set.duration, abs=0.1)


@pytest.mark.slow
def test_continuous_real_footage_has_no_boundaries():
    from evals.fixtures import real_videos

    for name in ("vtest", "tree"):  # single-shot opencv-doc videos (a static street camera; a tree in wind)
        assert detect_shots(real_videos()[name]).boundaries == [], name
