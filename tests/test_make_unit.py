"""The ad spec, storyline fitting, slot balancing, subtitles and the editor's exports (no models)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tools.production.adspec import SpecError, spec_from_brief
from tools.production.arrange import (
    PAD,
    Moment,
    PlanSlot,
    _balance,
    _fit_pattern,
    _patterns,
    slot_count,
    storylines,
)
from tools.production.timeline import Crop, Cue, Item, Timeline, split_cues, write_ass, write_otio, write_srt

PRODUCTS = ["Aurora Espresso Blend", "Deep Field Space Poster Set"]


def test_brief_and_flags_make_the_spec():
    s = spec_from_brief("make a 15s beauty ad from this stream, energetic")
    assert (s.duration, s.aspect, s.industry, s.tone) == (15.0, "9:16", "beauty", "energetic")
    s = spec_from_brief("2 minute square ad for the Deep Field poster set, calm, voice-over", products=PRODUCTS)
    assert (s.duration, s.aspect, s.product, s.audio, s.tone) == (120.0, "1:1", PRODUCTS[1], "voiceover", "calm")
    s = spec_from_brief("做一个30秒的美妆广告，横屏，不要音乐")
    assert (s.duration, s.aspect, s.industry, s.language, s.music) == (30.0, "16:9", "beauty", None, False)
    assert spec_from_brief("用中文配音做一个15秒广告").language == "zh"  # asked for; else the stream's language
    assert spec_from_brief("make an English ad").language == "en"
    s = spec_from_brief("15s ad", products=PRODUCTS, duration=45, aspect="1:1", product="aurora espresso")
    assert (s.duration, s.aspect, s.product, s.size) == (45, "1:1", PRODUCTS[0], (1080, 1080))
    with pytest.raises(SpecError, match="outside 6 s - 5 min"):
        spec_from_brief("a 10 minute ad")
    with pytest.raises(SpecError, match="not in the stream's fact sheets"):
        spec_from_brief("", products=PRODUCTS, product="Moon Lamp")


# slots per ad: 4 at 15 s (a voice says 8-9 words in each), 6 at 30 s, 11 at 2 min, 25 at 5 min (12 s
# each at most); never fewer than 3
@pytest.mark.parametrize(("duration", "n"), [(6, 3), (15, 4), (30, 6), (120, 11), (300, 25)])
def test_storylines_fit_the_length_and_end_with_a_call_to_buy(duration, n):
    spec = spec_from_brief("food ad", duration=duration)
    got = storylines(spec, None)
    assert len(got) == 8 and got[0][0] == "pattern:food"
    assert slot_count(duration) == n
    for name, slots in got:
        assert len(slots) == n, name
        assert sum(s["seconds"] for s in slots) == pytest.approx(duration)
        assert slots[-1]["tags"][0] in ("call_to_action", "price", "promotion"), name


def test_short_ads_keep_the_slots_that_must_stay():
    beauty = _patterns()["beauty"]
    three = _fit_pattern(beauty, 3)
    assert all(s.get("keep") for s in three) and three[-1]["tags"][0] == "call_to_action"
    assert [s["tags"][0] for s in _fit_pattern(beauty, 4)] == ["product_intro", "texture_ingredients_material",
                                                               "product_trial", "call_to_action"]
    nine = _fit_pattern(beauty, 9)
    assert len(nine) == 9 and nine[-1]["tags"][0] == "call_to_action" and nine[0] == beauty[0]


def _slot(i, start, end, seconds, kind="speech", score=1.0):
    return PlanSlot(i, ["product_intro"], seconds, Moment(start, end, kind, speech_end=end if kind == "speech" else None),
                    score=score)


def test_speech_slots_add_up_exactly_and_never_end_before_the_last_word():
    slots = [_slot(1, 0, 3.2, 3.0), _slot(2, 10, 12.9, 3.0), _slot(3, 20, 22.0, 3.0, score=0.1),
             _slot(4, 30, 33.5, 6.0)]
    out = _balance(slots, 15.0, "speech")
    assert sum(s.duration for s in out) == pytest.approx(15.0, abs=1e-9)
    assert all(s.duration >= s.moment.duration + PAD - 1e-9 for s in out)
    tight = _balance([_slot(1, 0, 5, 5), _slot(2, 10, 15, 5), _slot(3, 20, 25, 5, score=0.1), _slot(4, 30, 34, 5)],
                     15.0, "speech")
    assert [s.moment.start for s in tight] == [0, 10, 30]  # the weakest middle slot went
    assert [s.index for s in tight] == [1, 2, 3] and sum(s.duration for s in tight) == pytest.approx(15.0)


def test_picture_slots_stay_inside_their_footage_when_they_can():
    slots = [_slot(1, 0, 2.0, 5.0, "pictures"), _slot(2, 10, 30, 5.0, "pictures"), _slot(3, 40, 50, 5.0, "pictures")]
    out = _balance(slots, 15.0, "pictures")
    assert out[0].duration == pytest.approx(2.0) and sum(s.duration for s in out) == pytest.approx(15.0)


def test_narration_cues_are_short_and_cover_the_line():
    cues = split_cues("Fresh beans, roasted in small batches, with a rich crema and a smooth finish.", 2.0, 6.0)
    assert cues[0].start == 2.0 and cues[-1].end == pytest.approx(6.0)
    assert all(len(c.text) <= 40 for c in cues) and " ".join(c.text for c in cues).startswith("Fresh beans,")
    # a cue ends where the line breathes, never on "and", "a", "with"
    cues = split_cues("Medium-dark roast, smooth and creamy, rich crema.", 0.0, 3.0)
    assert [c.text for c in cues] == ["Medium-dark roast,", "smooth and creamy, rich crema."]
    words = "Great to see so many of you here tonight with a cup of the best coffee in town".split()
    for c in split_cues(" ".join(words), 0.0, 5.0):
        assert len(c.text) <= 30 and c.text.split()[-1] not in ("a", "the", "with", "of", "in", "to")
    zh = split_cues("这款精华质地清爽，上脸很快吸收，而且一点都不黏腻，敏感肌也能放心用。", 0, 4, "zh")
    assert len(zh) >= 2 and all(len(c.text) <= 16 for c in zh)


def _timeline(tmp_path) -> Timeline:
    src = str(tmp_path / "live.mp4")
    items = [Item(1, src, 10.0, 0.0, 4.0, [Crop(10.0, 0.4, 0.5)], ["product_intro"], transition_out="crossfade",
                  transition_seconds=0.4, narration="Meet Aurora."),
             Item(2, src, 52.5, 4.0, 5.0, [Crop(52.5, 0.6, 0.5), Crop(55.0, 0.5, 0.5)], ["product_trial", "price"]),
             Item(3, src, 80.0, 9.0, 6.0, [Crop(80.0, 0.5, 0.5)], ["call_to_action"])]
    return Timeline(1080, 1920, 30, 15.0, items, [Cue(0.1, 1.5, "Meet Aurora."), Cue(4.2, 6.0, "Watch this")],
                    source_size=(1280, 720), source_duration=240.0)


def test_srt_and_ass_files(tmp_path):
    tl = _timeline(tmp_path)
    srt = write_srt(tl.cues, tmp_path / "ad.srt").read_text()
    assert srt.startswith("1\n00:00:00,100 --> 00:00:01,500\nMeet Aurora.\n\n2\n00:00:04,200")
    ass = write_ass(tl.cues, tmp_path / "ad.ass", 1080, 1920, title="Aurora {Espresso}", title_until=2.0).read_text()
    assert "PlayResX: 1080" in ass and "Noto Sans CJK SC" in ass
    assert "Dialogue: 0,0:00:00.10,0:00:01.50,Sub,,0,0,0,,Meet Aurora." in ass
    assert r"Aurora \{Espresso\}" in ass  # escaped: braces would start an ASS override block


def test_otio_export_loads_and_matches_the_timeline(tmp_path):
    import opentimelineio as otio

    tl = _timeline(tmp_path)
    path = write_otio(tl, tmp_path / "ad.otio")
    back = otio.adapters.read_from_file(str(path))
    clips = list(back.find_clips())
    assert len(clips) == 3
    for clip, it in zip(clips, tl.items, strict=True):
        r = clip.source_range
        assert r.start_time.to_seconds() == pytest.approx(it.src_in, abs=1 / 30)
        assert r.duration.to_seconds() == pytest.approx(it.duration, abs=1 / 30)
        assert clip.media_reference.target_url.endswith("live.mp4")
        assert {m.name for m in clip.markers} == set(it.tags)
    assert any(isinstance(x, otio.schema.Transition) for x in back.tracks[0])
    json.loads(path.read_text())  # plain JSON an editor's tool can read


def test_balancing_survives_a_sum_a_hair_over_the_target():
    slots = [_slot(1, 0, 3.0 - PAD, 3.0), _slot(2, 10, 10 + 12.0 - PAD + 5e-7, 12.0)]
    out = _balance(slots, 15.0, "speech")
    assert len(out) == 2 and sum(s.duration for s in out) == pytest.approx(15.0)


def test_the_llm_storyline_joins_the_variants_as_tag_slots():
    from models.llm import get_chat_model
    from models.settings import Settings
    from tests.scripted import ScriptedTransport
    from tools.core.schema import ProductFacts
    from tools.production.arrange import llm_storyline

    t = ScriptedTransport([json.dumps({"labels": ["痛点铺垫", "产品推荐", "产品试用", "产品功效"]})])
    llm = get_chat_model(Settings(), transport=t, model="scripted")
    facts = ProductFacts(product="Aurora Espresso Blend", facts={"effect": ["smooth finish"], "price": ["$24.90"]})
    slots = llm_storyline(llm, facts, 4, "en")
    assert [s["tags"][0] for s in slots] == ["pain_point", "product_intro", "product_trial", "call_to_action"]
    assert "json_schema" in json.dumps(t.requests[0]["response_format"])  # constrained to the label set
    got = storylines(spec_from_brief("food ad", duration=15), facts, extra=[("LLM storyline", slots)])
    mine = [sl for n, sl in got if n == "LLM storyline"]
    assert len(mine) == 1 and [x["tags"] for x in mine[0]] == [s["tags"] for s in slots]
    assert sum(x["seconds"] for x in mine[0]) == pytest.approx(15.0)


def test_both_audio_keeps_the_streams_sound_under_the_voice(tmp_path, monkeypatch):
    """--audio both: every picture item also plays the source sound (quietened by the renderer)."""
    from tools.core.schema import Analysis, Shot, Video
    from tools.production.arrange import Plan
    from tools.production.make import build_timeline
    from tools.production.render import ffmpeg_command

    video = Video(id="x", path=str(tmp_path / "live.mp4"), size_bytes=1, duration=60.0, width=1280, height=720)
    a = Analysis(video=video, shots=[Shot(index=0, start=0, end=30), Shot(index=1, start=30, end=60)])
    hl = [{"shot": 0, "score": 0.5, "crop_x": 0.5, "crop_y": 0.5}, {"shot": 1, "score": 0.5, "crop_x": 0.4, "crop_y": 0.5}]
    plan = Plan("p", [PlanSlot(1, ["product_intro"], 7.5, Moment(5, 20, "pictures")),
                      PlanSlot(2, ["call_to_action"], 7.5, Moment(35, 50, "pictures"))])
    monkeypatch.setattr("tools.production.reframe.follow", lambda src, t0, n, shots, centres: [Crop(t0, 0.5, 0.5)])  # no media
    tl = build_timeline(plan, a, hl, spec_from_brief("", duration=15), "en", "both")
    assert all(it.speech_end == pytest.approx(it.src_in + it.duration) for it in tl.items)
    cmd = ffmpeg_command(tl, tmp_path / "ad.mp4")
    graph = cmd[cmd.index("-filter_complex") + 1]
    assert graph.count("volume=0.25") == 2  # the original, quietened, in both items


def test_a_rotated_phone_clip_is_cropped_where_it_shows(tmp_path):
    """Crop centres are in the upright picture (as analysis decodes it); ffmpeg rotates the same way."""
    import subprocess

    from tools.core.media import frames, probe
    from tools.production.render import render

    land = tmp_path / "land.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "color=red:s=160x180:d=2[a];color=blue:s=160x180:d=2[b];[a][b]hstack,format=yuv420p",
                    "-c:v", "libx264", str(land)], check=True)
    rotated = tmp_path / "phone.mp4"  # stored landscape, shown portrait (rotation metadata)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(land), "-c", "copy",
                    "-metadata:s:v:0", "rotate=90", str(rotated)], check=True)
    v = probe(rotated).video
    assert (v.width, v.height, v.rotation) == (180, 320, 90)
    upright = next(iter(frames(str(rotated), fps=1))).image
    for y in (0.15, 0.85):
        tl = Timeline(360, 360, 25, 1.5, [Item(1, str(rotated), 0.0, 0.0, 1.5, [Crop(0.0, 0.5, y)], ["product_intro"])],
                      source_size=(v.width, v.height), source_duration=2.0)
        out = next(iter(frames(str(render(tl, tmp_path / f"ad{y}.mp4")), fps=1))).image
        expect = upright[int(y * upright.shape[0]), upright.shape[1] // 2].astype(int)
        assert out.shape[:2] == (360, 360)
        assert np.abs(out[180, 180].astype(int) - expect).max() < 40, (y, out[180, 180], expect)


def test_reproducible_speech_is_the_same_every_time():
    from tools.production.voice import available_voices, synthesize

    if "piper-joe" not in available_voices():
        pytest.skip("piper-tts is not installed")
    text = "Hi everyone, welcome back to the stream!"
    a, b = (synthesize(text, "piper-joe", reproducible=True).samples for _ in range(2))
    assert a.shape == b.shape and np.allclose(a, b)  # test media built from it do not change between builds
