"""The packaged test media and the demo stream really are what their ground truth says."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evals.demo_stream import load_script
from evals.fixtures import librivox_clips, real_videos
from tools.core.media import audio, frames, probe
from tools.core.schema import ProductFacts, load_facts

TAGS = {"greeting_interaction", "product_intro", "pain_point", "appearance_design", "texture_ingredients_material",
        "product_trial", "effect_benefit", "quality_feature", "safety_certification", "authentication",
        "production_process", "target_audience", "size_spec", "price", "promotion", "call_to_action",
        "logistics_after_sales", "brand_story", "comparison", "social_proof", "chit_chat"}


def test_librivox_clips_have_transcripts():
    clips = librivox_clips()
    assert len(clips) == 5
    assert clips[1].transcript == "he was not an ill disposed young man"
    assert all(c.path.exists() for c in clips)


def test_real_videos_exist():
    vids = real_videos()
    assert {"bikes", "carphone", "megamind", "megamind_bugy", "tree", "vtest"} <= set(vids)  # the ones tests use
    assert all(p.is_file() and p.stat().st_size > 0 for p in vids.values())


def _frame_change(path, times):
    """Mean absolute change between the frames just before and after each time."""
    imgs = [(f.t, f.image.astype(np.int16)) for f in frames(path, fps=None, size=96)]
    ts = np.array([t for t, _ in imgs])
    out = []
    for t in times:
        i = int(np.searchsorted(ts, t))
        out.append(float(np.abs(imgs[min(i, len(imgs) - 1)][1] - imgs[max(i - 2, 0)][1]).mean()))
    return np.array(out)


def test_shot_set_cuts_are_where_the_truth_says(shot_set):
    info = probe(shot_set.video)
    assert abs(info.duration - shot_set.duration) < 0.1
    kinds = [b["kind"] for b in shot_set.boundaries]
    assert kinds.count("cut") >= 10 and kinds.count("dissolve") >= 3 and kinds.count("fade") >= 2
    cuts = [b["t"] for b in shot_set.boundaries if b["kind"] == "cut"]
    mids = [(a + b) / 2 for a, b in zip([0, *cuts], cuts, strict=False)][1:]  # inside shots
    at_cut, inside = _frame_change(shot_set.video, cuts), _frame_change(shot_set.video, mids)
    assert np.median(at_cut) > 3 * np.median(inside)


def test_demo_script_is_well_formed():
    script = load_script()
    products = {p["product"] for p in script["products"]}
    assert len(products) == 2
    for p in script["products"]:
        ProductFacts.model_validate(p)
    for line in script["lines"]:
        assert line["tag"] in TAGS, line
        assert line["product"] in products | {None}
    used = {ln["tag"] for ln in script["lines"]}
    assert len(used) >= 18 and {"price", "promotion", "call_to_action", "chit_chat", "product_trial"} <= used


@pytest.mark.slow
def test_demo_stream_matches_its_ground_truth(demo):
    info = probe(demo.video)
    assert 240 <= info.duration <= 360 and abs(info.duration - demo.truth["duration"]) < 0.2
    assert (info.video.width, info.video.height) == (1280, 720) and info.has_audio
    facts = [load_facts(p) for p in demo.facts]
    assert [f.product for f in facts] == [s["product"] for s in demo.segments]
    # speech where the truth says, silence in the gaps between lines
    pcm = audio(demo.video, sr=16000)
    rms = lambda a, b: float(np.sqrt(np.mean(pcm[int(a * 16000):int(b * 16000)] ** 2)))  # noqa: E731
    lines = demo.lines
    speech = np.median([rms(ln["start"] + 0.3, ln["end"] - 0.3) for ln in lines])
    gaps = np.median([rms(a["end"] + 0.08, b["start"] - 0.08) for a, b in zip(lines, lines[1:], strict=False)])
    assert speech > 10 * gaps
    # each product segment holds that product's lines and no other product's
    for seg in demo.segments:
        inside = [ln for ln in lines if seg["start"] <= ln["start"] < seg["end"]]
        assert {ln["product"] for ln in inside} <= {seg["product"], None}
        assert sum(ln["product"] == seg["product"] for ln in inside) >= 15


@pytest.mark.slow
def test_demo_speech_is_intelligible(demo, real_settings):
    from models.loaders import whisper_model

    line = next(ln for ln in demo.lines if ln["tag"] == "price")
    pcm = audio(demo.video, start=line["start"] - 0.1, end=line["end"] + 0.1)
    segments, _ = whisper_model(real_settings, "whisper-base").transcribe(pcm, language="en", beam_size=1)
    heard = " ".join(s.text for s in segments).lower()
    assert "price" in heard and ("24" in heard or "twenty" in heard)


def test_truth_files_are_json(demo):
    assert len(demo.facts) == 2  # one fact sheet per product
    for p in demo.facts:
        assert json.loads(p.read_text())["facts"]
