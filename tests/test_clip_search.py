"""open_clip path: a user-supplied checkpoint adds picture vectors and text-to-image search; without
one, analysis and search fall back cleanly. A tiny randomly initialised open_clip config stands in
for real CLIP weights (none ship offline)."""

from __future__ import annotations

import json

import pytest

TINY = {"embed_dim": 32,
        "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16},
        "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}}


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    import open_clip
    import torch

    folder = tmp_path_factory.mktemp("clip")
    config = folder / "reelwright-tiny-clip.json"
    config.write_text(json.dumps(TINY))
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    ckpt = folder / "tiny.pt"
    torch.save(open_clip.create_model("reelwright-tiny-clip").state_dict(), ckpt)
    return config, ckpt


def test_clip_model_loads_a_user_checkpoint(tiny_clip, tmp_settings):
    import numpy as np

    from models.loaders import clip_key, clip_model

    config, ckpt = tiny_clip
    assert clip_key(tmp_settings) is None
    settings = tmp_settings.model_copy(update={"clip_arch": str(config), "clip_checkpoint": ckpt})
    model = clip_model(settings)
    img = model.images([np.zeros((90, 160, 3), np.uint8), np.full((90, 160, 3), 200, np.uint8)])
    txt = model.texts(["a cup of coffee"])
    assert img.shape == (2, 32) and txt.shape == (1, 32)
    assert np.allclose(np.linalg.norm(img, axis=1), 1, atol=1e-4)
    assert clip_key(settings).startswith("reelwright-tiny-clip:tiny.pt:")


def test_a_missing_checkpoint_is_a_named_error_before_any_work(tmp_settings, tmp_path):
    from evals.fixtures import real_videos
    from indexes.catalog import Catalog
    from models.provision import ModelMissing
    from tools.analysis.pipeline import analyze

    settings = tmp_settings.model_copy(update={"clip_checkpoint": tmp_path / "none.pt"})
    with Catalog.open(settings) as cat:
        with pytest.raises(ModelMissing, match="none.pt"):
            analyze(real_videos()["carphone"], settings, cat)
        video = cat.find_video(real_videos()["carphone"])
        assert video is None or not cat.parts(video.id)  # nothing was analysed


@pytest.mark.slow
def test_analysis_stores_clip_vectors_and_search_uses_them(tiny_clip, real_settings, tmp_path):
    from evals.fixtures import real_videos
    from indexes.catalog import Catalog
    from tools.analysis.pipeline import analyze
    from tools.analysis.search import clip_index, search_clips

    config, ckpt = tiny_clip
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(real_settings.models_dir)
    plain = real_settings.model_copy(update={"home": home})
    with_clip = plain.model_copy(update={"clip_arch": str(config), "clip_checkpoint": ckpt})
    video = real_videos()["bikes"]
    with Catalog.open(plain) as cat:
        before = analyze(video, plain, cat)
        assert "clip" not in before.analysis.versions["concepts"]
        assert not (home / "vectors" / "clip.npz").exists()
        after = analyze(video, with_clip, cat)
        v = after.analysis.versions["concepts"]
        assert "+clip:reelwright-tiny-clip" in v
        vectors = cat.get_array(after.analysis.video.id, "concepts", v, "clip")
        assert vectors.shape == (len(after.analysis.shots), 32)
        assert len(clip_index(with_clip, 32)) == len([c for c in after.analysis.clips if c.shots])
        hits = search_clips("a cyclist riding through the street", with_clip, cat, k=3)
        assert hits and all(any("CLIP cosine" in r for r in h.reasons) for h in hits)
        assert hits[0].score >= hits[-1].score
