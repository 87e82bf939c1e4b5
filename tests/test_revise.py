"""Revising a plan: each edit on a small hand-made plan changes it as tools/production/revise.py documents
(no model, no media)."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import pytest

from tools.core.errors import UsageError
from tools.core.schema import ProductFacts
from tools.production.adspec import AdSpec
from tools.production.revise import Edit, apply_edit, edit_from, replace_clip

FACTS = ProductFacts(product="Aurora Espresso Blend",
                     facts={"price": ["$24.90 per 500 g bag"], "roast": ["medium-dark roast", "notes of dark chocolate"]})
TAGS = ["product_intro", "texture_ingredients_material", "product_trial", "call_to_action"]


def _slots(kind: str, starts=(0.0, 10.0, 20.0, 30.0)) -> list[dict]:
    return [{"index": i + 1, "tags": [tag], "seconds": 3.75, "score": 1.0 - i / 10, "parts": {}, "reasons": [],
             "clip": {"start": s, "end": s + 5.0, "kind": kind, "text": f"said {i}", "shots": [int(s // 5)],
                      "sentences": [i] if kind == "speech" else []}}
            for i, (tag, s) in enumerate(zip(TAGS, starts, strict=True))]


def plan(audio: str = "voiceover", language: str = "en") -> dict:
    kind = "speech" if audio == "original" else "pictures"
    voiced = audio != "original"
    return {"spec": AdSpec(duration=15, brief="15s food ad", tone="energetic").model_dump(), "audio": audio,
            "language": language, "source": "/data/live.mp4",
            "segment": {"product": FACTS.product, "start": 0.0, "end": 60.0},
            "variants": [{"storyline": "pattern:food", "score": 0.5, "scores": {}, "slots": _slots(kind)},
                         {"storyline": "hook-first", "score": 0.4, "scores": {},
                          "slots": _slots(kind, (40.0, 0.0, 20.0, 50.0))}],
            "chosen": 0, "rendered": [], "seconds": {}, "facts": ["/data/facts.json"],
            "narration": [{"slot": i + 1, "labels": [t], "text": f"line {i + 1}", "raw": f"line {i + 1}",
                           "budget": [5, 9], "unit": "word", "facts": [], "flags": []}
                          for i, t in enumerate(TAGS)] if voiced else None,
            "revision": 0, "edits": []}


def _clips(p: dict) -> list[float]:
    return [s["clip"]["start"] for s in p["variants"][p["chosen"]]["slots"]]


def test_an_edit_is_checked_by_kind_in_one_line():
    assert edit_from(kind="duration", seconds=10, slot=None).seconds == 10
    for bad, words in [({"kind": "duration"}, "needs seconds"), ({"kind": "move_clip", "slot": 2}, "needs position"),
                       ({"kind": "louder"}, "kind"), ({"kind": "aspect", "aspect": "4:3"}, "aspect")]:
        with pytest.raises(UsageError, match=words) as err:
            edit_from(**bad)
        assert "\n" not in str(err.value)


def test_choosing_another_variant_drops_the_narration_to_rewrite_it():
    before = plan()
    rev = apply_edit(before, Edit(kind="variant", variant=2))
    assert rev.plan["chosen"] == 1 and rev.plan["narration"] is None and rev.redo == {"narrate", "render"}
    assert "hook-first" in rev.notes[0] and before["chosen"] == 0  # the caller's plan is not touched
    assert rev.plan["edits"][-1]["kind"] == "variant"
    assert apply_edit(plan(), Edit(kind="variant", variant=1)).redo == set()  # already chosen: nothing to do
    with pytest.raises(UsageError, match="variants 1 to 2"):
        apply_edit(plan(), Edit(kind="variant", variant=3))
    assert apply_edit(plan("original"), Edit(kind="variant", variant=2)).redo == {"render"}  # no lines to write


def test_dropping_a_clip_gives_its_time_to_the_others_and_keeps_their_lines():
    rev = apply_edit(plan(), Edit(kind="drop_clip", slot=2))
    slots = rev.plan["variants"][0]["slots"]
    assert _clips(rev.plan) == [0.0, 20.0, 30.0] and [s["index"] for s in slots] == [1, 2, 3]
    assert sum(s["seconds"] for s in slots) == pytest.approx(15.0, abs=2e-3)
    assert [(n["slot"], n["text"]) for n in rev.plan["narration"]] == [(1, "line 1"), (2, "line 3"), (3, "line 4")]
    assert rev.redo == {"render"} and "0:10.0-0:15.0" in rev.notes[0]
    speech = apply_edit(plan("original"), Edit(kind="drop_clip", slot=1))  # whole sentences stay whole
    assert all(s["seconds"] >= 5.0 for s in speech.plan["variants"][0]["slots"])
    with pytest.raises(UsageError, match="slots 1 to 4"):
        apply_edit(plan(), Edit(kind="drop_clip", slot=5))


def test_moving_a_clip_moves_its_line_with_it():
    rev = apply_edit(plan(), Edit(kind="move_clip", slot=4, position=1))
    assert _clips(rev.plan) == [30.0, 0.0, 10.0, 20.0]
    assert [s["index"] for s in rev.plan["variants"][0]["slots"]] == [1, 2, 3, 4]
    assert [n["text"] for n in rev.plan["narration"]] == ["line 4", "line 1", "line 2", "line 3"]
    assert [n["slot"] for n in rev.plan["narration"]] == [1, 2, 3, 4] and rev.redo == {"render"}


def test_a_new_line_passes_the_fact_guard_first():
    ok = apply_edit(plan(), Edit(kind="line", slot=2, text="Medium-dark roast for $24.90."), FACTS)
    assert ok.plan["narration"][1]["text"] == "Medium-dark roast for $24.90." and ok.redo == {"render"}
    assert ok.plan["narration"][0]["text"] == "line 1"  # the other lines stay
    # a number the facts lack is cut out of the line; what is supported stays
    fixed = apply_edit(plan(), Edit(kind="line", slot=2, text="Only $19.99 today, with notes of dark chocolate."),
                       FACTS)
    line = fixed.plan["narration"][1]
    assert "19.99" not in line["text"] and "dark chocolate" in line["text"]
    assert line["raw"].startswith("Only $19.99") and any("19.99" in f for f in line["flags"])
    assert any("fact guard changed" in n for n in fixed.notes)
    with pytest.raises(UsageError, match="line refused"):  # nothing supported left
        apply_edit(plan(), Edit(kind="line", slot=2, text="Only $19.99 today."), FACTS)
    with pytest.raises(UsageError, match="no narration"):  # the presenter's own words: no line to change
        apply_edit(plan("original"), Edit(kind="line", slot=1, text="Medium-dark roast."), FACTS)


def test_length_tone_aspect_music_and_voice():
    rev = apply_edit(plan(), Edit(kind="duration", seconds=10))
    assert rev.plan["spec"]["duration"] == 10 and rev.redo == {"arrange", "narrate", "render"}
    with pytest.raises(UsageError, match="6 s to 5 min"):
        apply_edit(plan(), Edit(kind="duration", seconds=500))
    rev = apply_edit(plan(), Edit(kind="tone", text="calm"))
    assert rev.plan["spec"]["tone"] == "calm" and rev.plan["narration"] is None and rev.redo == {"narrate", "render"}
    rev = apply_edit(plan(), Edit(kind="aspect", aspect="1:1"))
    assert rev.plan["spec"]["aspect"] == "1:1" and rev.redo == {"render"} and rev.plan["narration"]  # lines kept
    assert "1080x1080" in rev.notes[0]
    rev = apply_edit(plan(), Edit(kind="music", on=False))
    assert rev.plan["spec"]["music"] is False and rev.redo == {"render"}
    off = copy.deepcopy(rev.plan)
    assert apply_edit(off, Edit(kind="music", on=True)).redo == set()  # no music file given: nothing to play
    rev = apply_edit(plan(), Edit(kind="voice", on=False))
    assert (rev.plan["audio"], rev.plan["spec"]["audio"]) == ("original", "original")
    assert rev.redo == {"arrange", "narrate", "render"} and rev.plan["narration"] is None
    with pytest.raises(UsageError, match="Mandarin"):
        apply_edit(plan("original", "zh"), Edit(kind="voice", on=True))
    assert json.loads(json.dumps(rev.plan)) == rev.plan  # still plain JSON


def _live(p: dict):
    """A planned ad over a made-up minute of pictures: twelve 5 s shots, the best one at 45-50 s."""
    from tools.core.schema import Analysis, Segment, Shot, Video
    from tools.production.make import Planned

    video = Video(id="v", path="/data/live.mp4", size_bytes=1, duration=60.0, width=1280, height=720)
    a = Analysis(video=video, shots=[Shot(index=i, start=5.0 * i, end=5.0 * i + 5) for i in range(12)])
    highlights = [{"shot": i, "score": 0.9 if i == 9 else 0.1, "crop_x": 0.5, "crop_y": 0.5} for i in range(12)]
    report = SimpleNamespace(analysis=a, highlights=highlights, screen=[], steps=[])
    seg = Segment(index=0, start=0.0, end=60.0, product=FACTS.product)
    return Planned(a.video.path, AdSpec.model_validate(p["spec"]), [FACTS], report, seg, FACTS, "en", p["audio"])


def test_replacing_a_clip_shows_other_free_footage():
    p = plan()
    rev = replace_clip(p, Edit(kind="replace_clip", slot=2), _live(p))
    new = rev.plan["variants"][0]["slots"][1]["clip"]
    assert new["start"] <= 45.0 and new["end"] >= 50.0  # the best footage no other slot shows
    assert _clips(rev.plan)[0::2] == [0.0, 20.0] and rev.redo == {"render"}
    assert "slot 2: 0:10.0-0:15.0 ->" in rev.notes[0] and rev.plan["narration"][1]["text"] == "line 2"
    at = replace_clip(p, Edit(kind="replace_clip", slot=2, start=41.0), _live(p))
    assert at.plan["variants"][0]["slots"][1]["clip"]["start"] == 40.0  # the footage nearest 0:41
    assert sum(s["seconds"] for s in at.plan["variants"][0]["slots"]) == pytest.approx(15.0, abs=2e-3)
    with pytest.raises(UsageError, match="no clip 'nope'"):
        replace_clip(p, Edit(kind="replace_clip", slot=2, clip_id="nope"), _live(p))


def test_a_plan_of_reelwright_make_is_adopted_and_a_damaged_one_refused(tmp_path):
    from tools.core.errors import MakeError
    from tools.production.make import variant_dict
    from tools.production.stages import read_plan, variant_from_dict

    legacy = {k: v for k, v in plan().items() if k not in ("facts", "narration", "revision", "edits")}
    legacy["rendered"] = [{"storyline": "pattern:food", "files": {"ad": "ad.mp4"}, "timeline": {},
                           "narration": [{"slot": 1, "text": "Meet Aurora."}]}]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(legacy))
    got = read_plan(path)
    assert got["narration"] == [{"slot": 1, "text": "Meet Aurora."}]  # make's narration is the current one
    assert (got["facts"], got["revision"], got["edits"]) == ([], 0, [])
    for bad, words in (("{nope", "not JSON"), (json.dumps({**legacy, "spec": {"duration": 1}}), "bad spec"),
                       (json.dumps({**legacy, "chosen": 5}), "no variant"), (json.dumps([1]), "missing")):
        path.write_text(bad)
        with pytest.raises(MakeError, match=words) as err:
            read_plan(path)
        assert "\n" not in str(err.value)
    v = plan()["variants"][0]
    assert variant_dict(variant_from_dict(v)) == v  # a stored variant comes back as it was


@pytest.mark.slow
def test_make_then_revise_to_ten_seconds_through_the_tools(demo, real_settings, tmp_path_factory):
    """The real recipe through the planner's tools: make a 15 s ad, then "make it 10 seconds"."""
    import subprocess
    from pathlib import Path

    from tests.conftest import SMALL_LLM
    from tools import TOOLS, using_settings

    def frames(path: str) -> int:
        out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
                              "stream=nb_read_packets", "-of", "csv=p=0", path], capture_output=True, text=True,
                             check=True).stdout
        return int(out.strip())

    home = tmp_path_factory.mktemp("home")
    (home / "models").symlink_to(real_settings.models_dir)
    settings = real_settings.model_copy(update={"home": home, "llm_model": SMALL_LLM})
    work = tmp_path_factory.mktemp("work")
    steps: list[str] = []
    with using_settings(settings, workdir=work, allow=[demo.video.parent], progress=steps.append):
        made = TOOLS["make_ad"](str(demo.video), [str(f) for f in demo.facts],
                                "15s food ad for the Aurora espresso, energetic, voice-over")
        assert "error" not in made, made
        assert any("not analysed yet" in n for n in made["notes"]) and steps  # analysed first, said so
        assert abs(frames(made["video"]) - 15 * 30) <= 1 and len(made["narration"]) == len(made["slots"])
        got = TOOLS["revise_ad"]("duration", seconds=10)
        assert "error" not in got, got
    assert got["video"] == str(work / "ad1" / "ad_r1.mp4") and got["revision"] == 1
    assert abs(frames(got["video"]) - 10 * 30) <= 1 and Path(made["video"]).exists()  # the first version stays
    assert all(Path(f).is_relative_to(work) and Path(f).exists() for f in made["files"] + got["files"])
    plan = json.loads((work / "ad1" / "plan.json").read_text())
    assert plan["spec"]["duration"] == 10 and plan["rendered"][0]["narration"] == plan["narration"]
    assert sum(s["seconds"] for s in plan["variants"][plan["chosen"]]["slots"]) == pytest.approx(10.0, abs=0.01)
