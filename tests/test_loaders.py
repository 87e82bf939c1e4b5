"""Every default non-LLM model loads offline from its package and gives a real result."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from models.loaders import text_embedder, whisper_model

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["e5-small-multilingual", "minilm-l6-en"])
def test_text_embedders_rank_related_text_first(name, real_settings):
    emb = text_embedder(real_settings, name)
    docs = emb.passage(["lipstick swatch on the back of the hand", "a kitchen knife cutting onions",
                        "a phone charger plugged into a wall"])
    assert docs.shape == (3, emb.dim) == (3, 384)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-3)
    scores = docs @ emb.query("testing a lip colour")
    assert int(np.argmax(scores)) == 0


def test_e5_is_multilingual(real_settings):
    emb = text_embedder(real_settings)
    docs = emb.passage(["口红试色，显白不拔干", "菜刀切洋葱"])
    assert int(np.argmax(docs @ emb.query("lipstick colour test"))) == 0


@pytest.mark.skipif(not shutil.which("flite"), reason="flite (Debian) is installed by make")
@pytest.mark.parametrize("name", ["whisper-tiny.en", "whisper-base"])
def test_whisper_transcribes_speech(name, real_settings, tmp_path):
    wav = tmp_path / "speech.wav"
    subprocess.run(["flite", "-t", "Hello everyone. This coffee costs twenty dollars today.", "-o", str(wav)], check=True)
    model = whisper_model(real_settings, name)
    segments, info = model.transcribe(str(wav), language="en", beam_size=1)
    text = " ".join(s.text for s in segments).lower()
    assert "hello" in text and "coffee" in text and ("20" in text or "twenty" in text)


def test_memoized_embedder_embeds_each_distinct_text_once():
    import numpy as np

    from models.loaders import memoized

    calls = []

    def embed(texts):
        calls.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], np.float32)

    e = memoized(embed, dim=2)
    assert e(["a", "bb", "a"]).tolist() == [[1, 1], [2, 1], [1, 1]]
    assert e(["bb", "ccc"])[1].tolist() == [3, 1] and e([]).shape == (0, 2)
    assert calls == [["a", "bb"], ["ccc"]]
