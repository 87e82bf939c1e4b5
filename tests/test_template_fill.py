"""`make --template` without models: slot durations, beats, footage choice with the nearest-match
fallback, the text layout, and a real render of a template's transitions and text boxes."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest

from tests.test_template_compare import make_template, overlay
from tools.core.schema import Analysis, ProductFacts, Segment, Sentence, Shot, Video
from tools.template.fill import boundaries, slot_labels
from tools.template.fill_footage import ShotInfo, Want, choose_windows
from tools.template.fill_music import (
    beat_grid,
    best_phase,
    music_beats,
    music_bed,
    scaled_durations,
    snap_cuts,
)

FPS = 30


def test_slot_durations_scale_together_to_the_new_length():
    t = make_template([2.0, 2.0, 2.5, 2.0, 2.5, 2.0, 2.0])
    got = scaled_durations(t, 30.0)
    assert got == pytest.approx([4.0, 4.0, 5.0, 4.0, 5.0, 4.0, 4.0])
    assert scaled_durations(t) == pytest.approx([2.0, 2.0, 2.5, 2.0, 2.5, 2.0, 2.0])


def test_cuts_snap_onto_beats_within_a_frame_and_keep_the_length():
    durations = scaled_durations(make_template([2.8125, 2.8125, 1.875, 2.8125, 2.34375, 2.34375]), 16.0)
    beats = beat_grid(128.0, 16.0, phase=0.13)
    got = snap_cuts(durations, beats, fps=FPS)
    assert sum(got) == pytest.approx(16.0, abs=1e-6)
    cuts = np.cumsum(got)[:-1]
    for c in cuts:
        assert min(abs(b - c) for b in beats) <= 1 / (2 * FPS) + 1e-6, c  # on a beat, to the nearest frame
        assert abs(c * FPS - round(c * FPS)) < 1e-6  # on a frame
    # no cut moved further than half a beat, none made a slot shorter than half its length
    before = np.cumsum(durations)[:-1]
    assert np.all(np.abs(cuts - before) <= 60 / 128 / 2 + 1 / FPS)
    assert all(g >= d / 2 - 1e-6 for g, d in zip(got, durations, strict=True))


def test_a_cut_that_would_crush_a_slot_stays_put():
    # one beat only, at 0.45 s: moving the 1.0 s cut there would leave the first slot 0.45 s of 1 s
    got = snap_cuts([1.0, 3.0], [0.45], fps=FPS)
    assert got == pytest.approx([1.0, 3.0])


def test_the_bed_is_made_on_a_grid_the_cuts_fit_and_its_beats_are_heard(tmp_path):
    assert best_phase([1.1, 2.1, 3.1], 120.0) == pytest.approx(0.1, abs=0.011)
    path = music_bed(tmp_path / "bed.wav", 10.0, 120.0, phase=0.2)
    beats, bpm = music_beats(path, 10.0)
    assert bpm == pytest.approx(120.0, rel=0.05)
    grid = beat_grid(120.0, 10.0, 0.2)
    inner = [b for b in beats if 1.0 < b < 9.0]
    assert len(inner) >= 12
    assert np.mean([min(abs(b - g) for g in grid) <= 0.07 for b in inner]) >= 0.9


def test_transitions_are_kept_and_never_longer_than_their_slots():
    t = make_template([2.0, 0.5, 3.0], transitions=["cut", "dissolve", "fade"])
    edges, trans = boundaries(t, [2.0, 0.5, 3.0])
    assert edges == pytest.approx([0.0, 2.0, 2.5, 5.5])
    assert trans[0] == ("cut", 0.0) and trans[1] == ("crossfade", 0.4) and trans[2][0] == "fade"
    assert trans[2][1] == pytest.approx(0.4)  # 0.8 of the 0.5 s slot
    t.slots[1].transition_seconds = 1.0
    assert boundaries(t, [2.0, 0.5, 3.0])[1][1][1] == pytest.approx(0.4)


def test_a_slot_without_labels_takes_the_previous_ones_and_the_ad_still_asks_to_buy():
    t = make_template([2.0, 2.0, 2.0], labels=["pain_point", "recommend", "recommend"])
    t.slots[1].labels, t.slots[2].labels = [], []
    assert slot_labels(t) == ["pain_point", "pain_point", "purchase"]


def _analysis() -> Analysis:
    shots = [Shot(index=0, start=0.0, end=6.0), Shot(index=1, start=6.0, end=12.0), Shot(index=2, start=12.0, end=15.0),
             Shot(index=3, start=15.0, end=21.0)]
    sents = [Sentence(index=0, start=0.5, end=5.0, text="Tired of bitter coffee?", tags={"pain_point": 0.9}),
             Sentence(index=1, start=6.5, end=11.0, text="Meet Aurora.", tags={"product_intro": 0.9}),
             Sentence(index=2, start=15.5, end=20.0, text="Order now.", tags={"call_to_action": 0.9})]
    return Analysis(video=Video(id="v", path="/x.mp4", size_bytes=1, duration=21.0), shots=shots, sentences=sents,
                    segments=[Segment(index=0, start=0.0, end=21.0, product="Aurora")])


def _infos() -> list[ShotInfo]:
    return [ShotInfo(0, 0.0, 6.0, "close-up", 0.01), ShotInfo(1, 6.0, 12.0, "medium", 0.01),
            ShotInfo(2, 12.0, 15.0, "wide", 0.01), ShotInfo(3, 15.0, 21.0, "wide", 0.01)]


def test_each_slot_gets_the_footage_that_says_its_label_at_its_scale_never_twice():
    a = _analysis()
    wants = [Want(0, 2.5, 0.0, ["pain_point"], ["pain_point"], "close-up", "static"),
             Want(1, 2.5, 0.0, ["recommend"], ["product_intro"], "medium", "static"),
             Want(2, 2.5, 0.0, ["purchase"], ["call_to_action", "price", "promotion"], "wide", "static")]
    picks = choose_windows(wants, _infos(), a, a.segments[0])
    assert [p.shots for p in picks] == [[0], [1], [3]]
    assert all(not p.missing for p in picks)
    for p, w in zip(picks, wants, strict=True):
        assert p.end - p.start == pytest.approx(w.seconds)
    # a window sits inside its shot, clear of both cuts
    assert all(_infos()[p.shots[0]].start < p.start and p.end < _infos()[p.shots[0]].end for p in picks)


def test_a_slot_the_stream_has_no_footage_for_gets_the_nearest_match_and_says_what_it_lacks():
    a = _analysis()
    wants = [Want(0, 2.5, 0.0, ["pain_point"], ["pain_point"], "close-up", "static"),
             Want(1, 5.0, 0.0, ["efficacy"], ["effect_benefit"], "close-up", "pan")]
    picks = choose_windows(wants, _infos(), a, a.segments[0])
    assert picks[0].shots == [0] and not picks[0].missing
    second = picks[1]
    assert second.shots != [0] and second.missing
    said = " ".join(second.missing)
    assert "nothing said of efficacy" in said and "no close-up footage" in said


def test_plan_json_names_the_nearest_matches():
    from tools.template.fill import _template_json

    a = _analysis()
    t = make_template([2.5, 5.0], labels=["pain_point", "efficacy"], scales=["close-up", "close-up"])
    wants = [Want(0, 2.5, 0.0, ["pain_point"], ["pain_point"], "close-up", "static"),
             Want(1, 5.0, 0.0, ["efficacy"], ["effect_benefit"], "close-up", "static")]
    picks = choose_windows(wants, _infos(), a, a.segments[0])
    got = json.loads(json.dumps(_template_json(t, wants, picks, [0.0, 2.5, 7.5], [("cut", 0.0)] * 2,
                                               {"on_beat": False}, [])))
    assert [s["nearest_match"] for s in got["slots"]] == [False, True]
    assert got["slots"][1]["missing"] and got["slots"][1]["want"]["labels"] == ["efficacy"]


def test_the_text_boxes_carry_the_products_own_words_at_the_references_places():
    from tools.template.fill_text import fill_overlays, time_map

    t = make_template([4.0, 4.0], overlays=[overlay("title", 0.3, 0.1, 0.4, 0.05),
                                            overlay("price", 0.6, 0.6, 0.15, 0.05),
                                            overlay("promotion", 0.1, 0.8, 0.5, 0.04)])
    t.overlays[0].text, t.overlays[1].text = "LUMEN LAMP", "$39"
    t.overlays[1].start, t.overlays[1].end = 5.0, 8.0
    facts = ProductFacts(product="Aurora Espresso Blend", facts={"price": ["$24.90 per 1 kg bag"],
                                                                 "texture": ["rich crema"]})
    boxes, left_out = fill_overlays(t, facts, "Aurora", time_map(t, [0.0, 8.0, 16.0]), (1080, 1920), "en")
    by_role = {b.role: b for b in boxes}
    assert by_role["title"].text == "AURORA"  # the reference's capitals
    assert by_role["price"].text == "$24.90"  # a short box: the amount of the price phrase
    assert (by_role["price"].start, by_role["price"].end) == pytest.approx((10.0, 16.0))  # slot 2, scaled
    centre = by_role["price"].x + by_role["price"].w / 2
    assert centre == pytest.approx(0.675, abs=0.01)  # centred where the reference's box was
    assert "promotion" not in by_role and any("promotion" in x for x in left_out)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("src") / "src.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=8",
                    "-f", "lavfi", "-i", "sine=frequency=300:duration=8", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


def _frame(path, t: float, size=(360, 640)) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1", "-f",
                          "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(size[1], size[0], 3)


def test_a_fade_through_black_and_a_text_box_are_rendered_where_and_when_asked(source, tmp_path):
    from tools.production.render import render
    from tools.production.timeline import Crop, Item, TextBox, Timeline

    src = str(source)
    items = [Item(1, src, 0.5, 0.0, 2.0, [Crop(0.5, 0.5, 0.5)], transition_out="fade", transition_seconds=0.6),
             Item(2, src, 4.0, 2.0, 2.0, [Crop(4.0, 0.5, 0.5)])]
    box = TextBox("$24.90", 0.3, 0.7, 0.4, 0.05, 0.06, "#ffffff", "#e42028", start=1.0, end=4.0, role="price")
    tl = Timeline(360, 640, FPS, 4.0, items, source_size=(640, 360), source_duration=8.0, overlays=[box])
    out = render(tl, tmp_path / "ad.mp4")
    mid = _frame(out, 2.3)  # the middle of the 0.6 s fade through black (it starts at 2.0)
    assert mid.mean() < 0.5 * min(_frame(out, 1.5).mean(), _frame(out, 3.2).mean())
    red = _frame(out, 3.0)[int(0.7 * 640) - 4, int(0.3 * 360) + 4]  # the box's background, its top left
    assert red[0] > 150 and red[1] < 90 and red[2] < 90
    early = _frame(out, 0.3)[int(0.7 * 640) - 4, int(0.3 * 360) + 4]  # not shown yet
    assert not (early[0] > 150 and early[1] < 90 and early[2] < 90)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # its text file is gone


def test_a_still_shot_gets_its_pan_from_the_crop_and_a_wide_one_is_framed_closer():
    from tools.production.timeline import Crop, Item, Timeline
    from tools.template.fill import _camera
    from tools.template.fill_footage import Pick

    items = [Item(1, "s.mp4", 10.0, 0.0, 2.0, [Crop(10.0, 0.5, 0.5)]), Item(2, "s.mp4", 20.0, 2.0, 2.0,
                                                                            [Crop(20.0, 0.5, 0.5)])]
    tl = Timeline(1080, 1920, FPS, 4.0, items, source_size=(1280, 720))
    wants = [Want(0, 2.0, 0.0, ["recommend"], ["product_intro"], "close-up", "pan"),
             Want(1, 2.0, 0.0, ["recommend"], ["product_intro"], "close-up", "static")]
    picks = [Pick(10.0, 12.0, [0], {}, "", "close-up", "static", 0.0, 0.0),
             Pick(20.0, 22.0, [1], {}, "", "wide", "static", 0.0, 0.0)]
    _camera(tl, wants, picks)
    a, b = tl.items[0].crops
    assert b.x > a.x and not b.cut and b.at - a.at == pytest.approx(2.0)  # a glide across the slot
    assert (b.x - a.x) * 1280 / (720 * 9 / 16) == pytest.approx(0.2, abs=0.01)  # a fifth of the ad's width
    assert tl.items[1].zoom > 1.0 and len(tl.items[1].crops) == 1


def test_make_with_a_template_that_is_not_there_is_one_clear_line(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"product": "Aurora", "facts": {"price": ["$24.90"]}}))
    res = CliRunner().invoke(app, ["make", "--template", str(tmp_path / "nope.json"), "--stream", str(tmp_path / "x.mp4"),
                                   "--facts", str(facts), "-o", str(tmp_path / "out")],
                             env={"REELWRIGHT_HOME": str(tmp_path / "home")})
    assert res.exit_code == 1 and "Traceback" not in res.output and "nope" in res.output
    assert len(res.output.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


# ------------------------------------------------------------------ end to end (real models, slow)


@pytest.fixture(scope="module")
def e2e_home(tmp_path_factory, real_settings):
    from tests.conftest import SMALL_LLM

    h = tmp_path_factory.mktemp("home")
    (h / "models").symlink_to(real_settings.models_dir)
    return real_settings.model_copy(update={"home": h, "llm_model": SMALL_LLM})


def _extract(settings, video):
    from indexes.catalog import Catalog
    from tools.template.extract import extract_template

    with Catalog.open(settings) as cat:
        return extract_template(video, settings, cat)


def _fill(settings, template, demo, out, **flags):
    from indexes.catalog import Catalog
    from tools.template.fill import make_from_template

    with Catalog.open(settings) as cat:
        return make_from_template(template, demo.video, demo.facts, out, settings, cat, **flags)


def _probe(path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-show_entries",
                          "stream=codec_type,width,height,nb_read_packets", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return {s["codec_type"]: s for s in json.loads(out)["streams"]}


@pytest.mark.slow
# hook_first_15 keeps its rhythm, transitions and beats too, but its short voiced slots come back
# "general" to the speech-tag model (label distance 4 of 7): measured in docs/templates.md, not
# asserted here; closeup_30 needs playback speed, which the filler does not change yet
@pytest.mark.parametrize("style", ["promo_countdown_15"])
def test_a_reference_extracted_filled_with_the_demo_and_compared_keeps_its_structure(e2e_home, demo, tmp_path,
                                                                                     style):
    from evals.template_refs import build_reference
    from tools.template.compare import compare_templates

    ref = build_reference(style)
    before = {p.name: p.stat().st_mtime for p in demo.video.parent.iterdir()}
    tpl = _extract(e2e_home, ref.video)
    res = _fill(e2e_home, tpl, demo, tmp_path)
    got = compare_templates(tpl, _extract(e2e_home, res.files["ad"]))
    print(f"\n{style}: {json.dumps(got)}")
    assert got["rhythm_spearman"] >= 0.9 and got["transition_agreement"] >= 0.8
    assert got["label_edit_distance"] <= max(1, round(len(tpl.slots) / 6)) + 1
    if tpl.audio.on_beat:
        assert got["cuts_on_beat_out"] is not None and got["cuts_on_beat_out"] >= 0.8
    # the same checks as any `make` output
    v = _probe(res.files["ad"])["video"]
    w, h = {"9:16": (1080, 1920), "1:1": (1080, 1080), "16:9": (1920, 1080)}[res.plan["spec"]["aspect"]]
    assert (v["width"], v["height"]) == (w, h)
    assert abs(int(v["nb_read_packets"]) - round(tpl.duration * 30)) <= 1  # within a frame of the reference's length
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert {p.name: p.stat().st_mtime for p in demo.video.parent.iterdir()} == before
    plan = json.loads((tmp_path / "plan.json").read_text())
    facts = " ".join(p for f in demo.facts for ps in json.loads(f.read_text())["facts"].values() for p in ps)
    for slot in plan["rendered"][0].get("narration") or []:
        for num in re.findall(r"\d+(?:[.,]\d+)?", slot["text"]):
            assert num in facts, (num, slot["text"])
    for box in plan["rendered"][0]["timeline"]["overlays"]:  # the text boxes say only what the facts say
        for num in re.findall(r"\d+(?:[.,]\d+)?", box["text"]):
            assert num in facts, box
    tl = plan["rendered"][0]["timeline"]
    voiced = [it for it in tl["items"] if it["voice"]]
    if voiced:  # the voice-over heard back, every subtitle shown while its voice plays
        assert all(it["voice_wer"] is not None for it in voiced)
        assert sum(it["voice_wer"] for it in voiced) / len(voiced) <= 0.35
        spoken = [(it["start"] + 0.12, it["start"] + 0.12 + it["voice_duration"]) for it in voiced]
        assert all(any(c["start"] < b and c["end"] > a for a, b in spoken) for c in tl["cues"])
    assert len(plan["template"]["slots"]) == len(tpl.slots)
    named = [s for s in plan["template"]["slots"] if s["nearest_match"]]
    assert all(s["missing"] for s in named)


def test_a_slot_longer_than_every_shot_plays_one_shot_slower_rather_than_cross_a_cut():
    from tools.production.render import ffmpeg_command
    from tools.production.timeline import Crop, Item, Timeline

    a = _analysis()
    a.shots = [Shot(index=k, start=3.8 * k, end=3.8 * (k + 1)) for k in range(6)]
    infos = [ShotInfo(k, 3.8 * k, 3.8 * (k + 1), "close-up", 0.01) for k in range(6)]
    wants = [Want(0, 5.0, 0.0, ["pain_point"], ["pain_point"], "close-up", "static")]
    pick = choose_windows(wants, infos, a, a.segments[0])[0]
    # one shot, stretched: 3.2 s of it (0.3 s clear of each cut) over the 5 s slot, nothing missing
    assert len(pick.shots) == 1 and not pick.missing
    assert pick.speed == pytest.approx(3.2 / 5.0, abs=0.01)
    assert pick.end - pick.start == pytest.approx(5.0 * pick.speed, abs=0.01)
    shot = infos[pick.shots[0]]
    assert shot.start + 0.29 <= pick.start and pick.end <= shot.end - 0.29
    # a shot long enough plays at its own speed, and a slowdown below SLOWEST is never used
    long = [ShotInfo(0, 0.0, 7.0, "close-up", 0.01)] + infos[2:]
    assert choose_windows(wants, long, a, a.segments[0])[0].speed == 1.0
    short = [ShotInfo(k, 2.0 * k, 2.0 * (k + 1), "close-up", 0.01) for k in range(6)]
    assert all(p.speed >= 0.6 for p in choose_windows(wants, short, a, a.segments[0]))
    # the renderer reads speed x length of the source and stretches its timestamps; no slowed sound
    it = Item(index=1, source="/x.mp4", src_in=1.0, start=0.0, duration=5.0, crops=[Crop(1.0, 0.5, 0.5)],
              speed=0.64, speech_end=6.0)
    assert it.src_out == pytest.approx(1.0 + 3.2)
    tl = Timeline(360, 640, 25, 5.0, [it], source_size=(640, 360), source_duration=21.0)
    cmd = ffmpeg_command(tl, "/tmp/out.mp4")
    graph = cmd[cmd.index("-filter_complex") + 1]
    assert cmd[cmd.index("-t") + 1] == f"{5.0 * 0.64 + 0.1:.3f}" and "setpts=(PTS-STARTPTS)/0.640000" in graph
    assert "[0:a]" not in graph


def test_the_next_slot_never_takes_the_source_shot_right_after_the_previous_one():
    a = _analysis()
    a.shots = [Shot(index=k, start=3.0 * k, end=3.0 * (k + 1)) for k in range(7)]
    a.sentences = []
    infos = [ShotInfo(k, 3.0 * k, 3.0 * (k + 1), "close-up", 0.01) for k in range(7)]
    wants = [Want(k, 2.0, 0.0, ["recommend"], ["product_intro"], "close-up", "static") for k in range(3)]
    picks = choose_windows(wants, infos, a, a.segments[0])
    # neighbouring source shots of one scene would hide the boundary between their slots
    for prev, nxt in zip(picks, picks[1:], strict=False):
        assert abs(nxt.shots[0] - prev.shots[-1]) > 1 and nxt.parts["adjacent"] == 0
