"""One contract over every registered tool, and the production tools' plumbing.

Every tool: a name, a description, each parameter typed and described in its Args section, a
schema LangChain builds, a JSON-ready result, and bad input answered as a one-line
``{"error": ...}``. The production tools run here over a fake engine (the stages of
tools/production/stages.py replaced: no model, no media), so what is tested is the plumbing:
plan.json as the state, prerequisites run first and noted, files listed, paths refused.
"""

from __future__ import annotations

import inspect
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool

from tools import TOOLS

FACTS = {"product": "Aurora Espresso Blend",
         "facts": {"price": ["$24.90 per 500 g bag"], "roast": ["medium-dark roast", "notes of dark chocolate"]}}
TAGS = ["product_intro", "texture_ingredients_material", "product_trial", "call_to_action"]


# ------------------------------------------------------------------ a fake engine behind the stages


class Engine:
    """The stages' heavy steps, faked: which streams were analysed, what was rendered."""

    def __init__(self):
        self.analysed: set[str] = set()
        self.rendered: list[tuple[str, float, tuple[int, int]]] = []

    def prepare(self, stream, facts, spec, settings, catalog, say):
        from tools.analysis.pipeline import StepReport
        from tools.core.schema import Analysis, Segment, Shot, Video
        from tools.production.make import Planned

        status = "cached" if str(stream) in self.analysed else "done"
        self.analysed.add(str(stream))
        video = Video(id="v", path=str(stream), size_bytes=1, duration=60.0, width=1280, height=720)
        a = Analysis(video=video, shots=[Shot(index=i, start=5.0 * i, end=5.0 * i + 5) for i in range(12)])
        report = SimpleNamespace(analysis=a, screen=[], steps=[StepReport(s, status, 3.0) for s in ("asr", "shots")],
                                 highlights=[{"shot": i, "score": 0.1, "crop_x": 0.5, "crop_y": 0.5} for i in range(12)])
        seg = Segment(index=0, start=0.0, end=60.0, product=facts[0].product)
        return Planned(Path(stream), spec, list(facts), report, seg, facts[0], spec.language or "en",
                       spec.audio or "voiceover")

    def arrange(self, p, settings, catalog, llm=None, say=None):
        from tools.production.arrange import Moment, Plan, PlanSlot

        d = p.spec.duration / 4
        p.plans = [Plan(name, [PlanSlot(i + 1, [t], d, Moment(10.0 * i + off, 10.0 * i + off + d + 1, p.kind))
                               for i, t in enumerate(TAGS)], total=score)
                   for name, off, score in (("pattern:food", 0.0, 0.5), ("hook-first", 2.0, 0.4))]
        p.seconds["arrange"] = 0.0
        return p.plans

    def narrate(self, p, variant, settings, llm=None, say=None):
        from tools.narration.narrate import Narration, SlotNarration

        return Narration(product=p.product.product, language="en",
                         slots=[SlotNarration(index=s.index, labels=["x"], text=f"line {s.index}", budget=(5, 9),
                                              unit="word") for s in variant.slots])

    def timeline(self, p, variant, lines, out_dir, suffix, settings, say):
        from tools.production.timeline import Item, Timeline

        items, t = [], 0.0
        for s, line in zip(variant.slots, lines or [""] * len(variant.slots), strict=True):
            items.append(Item(s.index, str(p.stream), s.moment.start, t, s.duration, [], s.tags, narration=line))
            t += s.duration
        return Timeline(*p.spec.size, 30, p.spec.duration, items)

    def render(self, p, variant, tl, out_dir, suffix, *, cover_suffix=None, draft=False, say=None):
        names = {"ad": f"ad{suffix}.mp4", "srt": f"ad{suffix}.srt", "ass": f"ad{suffix}.ass", "otio": f"ad{suffix}.otio"}
        if cover_suffix is not None:
            names.update(strip=f"strip{cover_suffix}.png", cover=f"cover{cover_suffix}.jpg")
        files = {}
        for key, name in names.items():
            files[key] = out_dir / name
            files[key].write_bytes(b"x")
        self.rendered.append((files["ad"].name, tl.duration, (tl.width, tl.height)))
        return files


@pytest.fixture
def env(tmp_path, monkeypatch, synthetic):
    """A session: its working folder with a stream and a fact sheet, a home with a library, the fake engine."""
    from models.settings import Settings
    from tools import using_settings
    from tools.production import revise, stages

    engine = Engine()
    for name, fake in (("prepare", engine.prepare), ("arrange_variants", engine.arrange),
                       ("narrate_variant", engine.narrate), ("timeline_for", engine.timeline),
                       ("render_timeline", engine.render)):
        monkeypatch.setattr(stages, name, fake)
    monkeypatch.setattr(revise, "arrange_variants", engine.arrange)
    monkeypatch.setattr(revise, "_embedder", lambda settings: None)
    monkeypatch.setattr("tools.api.library._embedder", lambda: (None, []))
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    (work / "live.mp4").write_bytes(b"\0" * 64)
    (work / "facts.json").write_text(json.dumps(FACTS))
    (home / "library" / "templates").mkdir(parents=True)
    builtin = json.loads((Path(__file__).resolve().parent.parent / "tools" / "data" / "templates" /
                          "hook_first_15.json").read_text())
    (home / "library" / "templates" / "hook-first-15s.json").write_text(json.dumps({**builtin,
                                                                                  "name": "hook-first-15s"}))
    (home / "library" / "templates" / "broken.json").write_text("{}")  # not a template: not listed
    with using_settings(Settings(home=home), workdir=work):
        yield SimpleNamespace(work=work, home=home, engine=engine, stream=str(work / "live.mp4"),
                              facts=[str(work / "facts.json")], media=synthetic["colour_cuts"])


def _make(env, **kw) -> dict:
    return TOOLS["make_ad"](env.stream, env.facts, "15s food ad, energetic", **kw)


def _catalogued(path) -> str:
    from indexes.catalog import Catalog
    from tools.api.context import current_settings

    with Catalog.open(current_settings()) as cat:
        cat.add_video(path)
    return str(path)


def _fake_analysis(monkeypatch):
    from tools.analysis import pipeline
    from tools.core.schema import Analysis, Video

    a = Analysis(video=Video(id="v", path="/x.mp4", size_bytes=1, duration=60.0))
    monkeypatch.setattr(pipeline, "analyze", lambda *a_, **k: SimpleNamespace(analysis=a, highlights=[], screen=[]))
    monkeypatch.setattr(pipeline, "load_analysis", lambda cat, video: a)


# what each tool is called with, well and badly: every registered tool has both (a new tool without
# them fails test_every_tool_has_a_call_and_a_bad_call)
GOOD = {
    "analyze_video": lambda env: TOOLS["analyze_video"](env.stream, facts=env.facts),
    "describe_video": lambda env: TOOLS["describe_video"](_catalogued(env.media)),
    "extract_template": lambda env: TOOLS["extract_template"](shutil.copy(env.media, env.work / "ref.mp4"),
                                                              name="ref"),
    "search_clips": lambda env: TOOLS["search_clips"]("a cup of coffee being poured", k=3),
    "check_facts": lambda env: TOOLS["check_facts"]("Medium-dark roast.\nOnly $19.99!", env.facts[0]),
    "list_library": lambda env: TOOLS["list_library"](),
    "plan_ad": lambda env: TOOLS["plan_ad"](env.stream, env.facts, "15s food ad"),
    "write_narration": lambda env: (TOOLS["plan_ad"](env.stream, env.facts), TOOLS["write_narration"]())[1],
    "render_ad": lambda env: (TOOLS["plan_ad"](env.stream, env.facts), TOOLS["render_ad"]())[1],
    "make_ad": lambda env: _make(env),
    "revise_ad": lambda env: (_make(env), TOOLS["revise_ad"]("aspect", aspect="1:1"))[1],
}
BAD = {
    "analyze_video": lambda env: TOOLS["analyze_video"]("/etc/passwd"),
    "describe_video": lambda env: TOOLS["describe_video"]("../../etc/passwd"),
    "extract_template": lambda env: TOOLS["extract_template"](env.stream, name="../x"),  # not a name
    "search_clips": lambda env: TOOLS["search_clips"]("   "),
    "check_facts": lambda env: TOOLS["check_facts"]("Only $19.99!", env.stream),  # not a fact sheet
    "list_library": lambda env: ((env.home / "catalog.sqlite").write_text("garbage"), TOOLS["list_library"]())[1],
    "plan_ad": lambda env: TOOLS["plan_ad"](env.stream, env.facts, duration=2),
    "write_narration": lambda env: TOOLS["write_narration"]("nowhere"),
    "render_ad": lambda env: TOOLS["render_ad"]("/etc"),
    "make_ad": lambda env: TOOLS["make_ad"](env.stream, env.facts, product="Moon Lamp"),
    "revise_ad": lambda env: (_make(env), TOOLS["revise_ad"]("duration"))[1],  # no seconds
}


def test_every_tool_has_a_call_and_a_bad_call():
    assert set(GOOD) == set(TOOLS) == set(BAD)


def _args_section(doc: str) -> dict[str, str]:
    section = doc.split("Args:", 1)[1] if "Args:" in doc else ""
    return dict(re.findall(r"^\s{4}(\w+): (.+)$", section, re.M))


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_every_tool_has_a_schema_the_planner_can_read(name):
    fn = TOOLS[name]
    spec = convert_to_openai_tool(fn)["function"]
    assert spec["name"] == name == fn.__name__
    assert spec["description"] and "Args:" not in spec["description"] and len(spec["description"]) <= 300
    params = inspect.signature(fn).parameters
    assert set(spec["parameters"].get("properties", {})) == set(params)
    described = _args_section(inspect.getdoc(fn))
    assert set(described) == set(params), f"{name}: Args must describe exactly {sorted(params)}"
    for p, prop in spec["parameters"].get("properties", {}).items():
        assert params[p].annotation is not inspect.Parameter.empty, (name, p)
        assert prop.get("description") and ("type" in prop or "anyOf" in prop or "enum" in prop), (name, p, prop)


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_every_tool_answers_json_and_bad_input_as_one_error_line(name, env, monkeypatch):
    _fake_analysis(monkeypatch)
    monkeypatch.setattr("tools.analysis.search.search_clips", lambda *a, **k: [])
    got = GOOD[name](env)
    json.dumps(got)  # JSON-ready
    assert not (isinstance(got, dict) and "error" in got), got
    if isinstance(got, dict):
        assert {"files", "notes"} <= set(got)
        assert all(Path(f).is_absolute() and Path(f).exists() for f in got["files"])
    bad = BAD[name](env)
    assert set(bad) == {"error"} and bad["error"] and "\n" not in bad["error"], bad


def test_a_tool_runs_what_it_needs_first_and_says_so(env):
    first = _make(env)
    assert any("not analysed yet: analysed it first" in n for n in first["notes"])
    assert first["video"].endswith("ad1/ad.mp4") and [n["text"] for n in first["narration"]][0] == "line 1"
    again = _make(env)
    assert not any("analys" in n for n in again["notes"]) and again["video"].endswith("ad2/ad.mp4")
    planned = TOOLS["plan_ad"](env.stream, env.facts, "15s food ad", name="mine")
    assert planned["video"] is None and planned["narration"] == [] and len(planned["variants"]) == 2
    assert planned["files"] == [str(env.work / "mine" / "plan.json")]
    done = TOOLS["render_ad"]("mine")  # no narration yet: written first
    assert any("wrote it first" in n for n in done["notes"]) and len(done["narration"]) == 4
    assert done["video"] == str(env.work / "mine" / "ad.mp4")
    assert str(env.work / "mine" / "cover.jpg") in done["files"]
    stored = json.loads((env.work / "mine" / "plan.json").read_text())
    assert stored["facts"] == [str(Path(env.facts[0]).resolve())] and stored["narration"][0]["text"] == "line 1"
    assert stored["rendered"][0]["narration"] == stored["narration"]
    speech = TOOLS["plan_ad"](env.stream, env.facts, audio="original")
    assert "no narration to write" in TOOLS["write_narration"](speech["plan"])["notes"][-1]


def test_revise_ad_renders_the_next_revision_beside_the_last(env):
    made = _make(env)
    got = TOOLS["revise_ad"]("duration", seconds=10)
    assert got["duration"] == 10 and got["revision"] == 1 and got["video"].endswith("ad1/ad_r1.mp4")
    assert env.engine.rendered[-1][:2] == ("ad_r1.mp4", 10) and Path(made["video"]).exists()
    assert sum(s["seconds"] for s in got["slots"]) == pytest.approx(10.0)
    got = TOOLS["revise_ad"]("aspect", plan_path=got["plan"], aspect="16:9")
    assert env.engine.rendered[-1] == ("ad_r2.mp4", 10, (1920, 1080)) and got["revision"] == 2
    assert [n["text"] for n in got["narration"]][0] == "line 1"  # kept: an aspect is a re-render only
    same = TOOLS["revise_ad"]("aspect", aspect="16:9")
    assert same["files"] == [] and "nothing to do" in same["notes"][0]
    line = TOOLS["revise_ad"]("line", slot=2, text="Only $19.99 today, with notes of dark chocolate.")
    assert "19.99" not in line["narration"][1]["text"] and any("fact guard" in n for n in line["notes"])
    refused = TOOLS["revise_ad"]("line", slot=2, text="Only $19.99 today.")
    assert "line refused" in refused["error"]
    plan = json.loads(Path(got["plan"]).read_text())
    assert [e["kind"] for e in plan["edits"]] == ["duration", "aspect", "line"] and plan["revision"] == 3
    assert "no plan there" in TOOLS["revise_ad"]("duration", plan_path="nowhere", seconds=9)["error"]


def test_a_session_without_an_ad_is_told_to_make_one(env):
    assert "no ad in this session yet" in TOOLS["write_narration"]()["error"]
    assert "no ad in this session yet" in TOOLS["revise_ad"]("voice", on=False)["error"]


def test_paths_outside_the_workspace_are_refused(env, tmp_path):
    from indexes.catalog import Catalog
    from tools.api.context import current_settings, readable

    (env.work / "passwd").symlink_to("/etc/passwd")
    (tmp_path / "outside.json").write_text(json.dumps(FACTS))
    (env.work / "sheet.json").symlink_to(tmp_path / "outside.json")
    for call in (lambda: TOOLS["make_ad"]("/etc/passwd", env.facts),
                 lambda: TOOLS["make_ad"]("../../../etc/passwd", env.facts),
                 lambda: TOOLS["plan_ad"](str(env.work / "passwd"), env.facts),  # a symlink pointing out
                 lambda: TOOLS["plan_ad"](env.stream, [str(tmp_path / "outside.json")]),
                 lambda: TOOLS["plan_ad"](env.stream, ["sheet.json"]),
                 lambda: TOOLS["analyze_video"](env.stream, facts=["/etc/passwd"]),
                 lambda: TOOLS["check_facts"]("hi", "/etc/passwd"),
                 lambda: TOOLS["render_ad"]("../"),
                 lambda: TOOLS["revise_ad"]("duration", plan_path="/etc", seconds=10)):
        got = call()
        assert set(got) == {"error"} and "refused" in got["error"], got
    assert "one folder name" in TOOLS["plan_ad"](env.stream, env.facts, name="../up")["error"]
    forged = TOOLS["plan_ad"](env.stream, env.facts, name="forged")["plan"]  # a plan.json naming a file outside
    for key, value in (("source", "/etc/passwd"), ("facts", ["/etc/passwd"])):
        plan = json.loads(Path(forged).read_text())
        Path(forged).write_text(json.dumps({**plan, key: value}))
        assert "refused" in TOOLS["render_ad"](forged)["error"]
        Path(forged).write_text(json.dumps(plan))
    assert not list(tmp_path.glob("*/plan.json")) and not (tmp_path / "up").exists()
    # inside: the working folder (relative paths too), the library and the catalog's videos
    assert "error" not in TOOLS["plan_ad"]("live.mp4", ["facts.json"])
    (env.home / "library" / "facts").mkdir()
    (env.home / "library" / "facts" / "aurora.json").write_text(json.dumps(FACTS))
    assert "error" not in TOOLS["plan_ad"](env.stream, [str(env.home / "library" / "facts" / "aurora.json")])
    video = env.media
    assert "refused" in TOOLS["describe_video"](str(video))["error"]
    with Catalog.open(current_settings()) as cat:
        cat.add_video(video)
        assert readable(str(video), cat) == Path(video).resolve()
    assert "not analysed yet" in TOOLS["describe_video"](str(video))["error"]


def test_the_library_lists_videos_sheets_templates_and_ads(env):
    made = _make(env)
    got = TOOLS["list_library"]()
    assert got["workdir"] == str(env.work)
    assert [s["product"] for s in got["fact_sheets"]] == ["Aurora Espresso Blend"]
    mine = [t["name"] for t in got["templates"] if not t["builtin"]]
    assert mine == ["hook-first-15s"]  # the user's, readable ones only
    assert {"hook_first_15", "closeup_30", "promo_countdown_15"} <= {t["name"] for t in got["templates"]}
    assert [a["video"] for a in got["ads"]] == [made["video"]]


def test_check_facts_checks_each_line(env):
    got = TOOLS["check_facts"]("Medium-dark roast for $24.90.\n\nOnly $19.99 today!", env.facts[0])
    assert [line["ok"] for line in got["lines"]] == [True, False] and got["ok"] is False
    assert "19.99" in json.dumps(got["lines"][1]["claims"])


def test_our_own_bugs_are_not_swallowed(env, monkeypatch):
    from tools.production import stages

    def broken(*a, **k):
        raise KeyError("a bug of ours")

    monkeypatch.setattr(stages, "arrange_variants", broken)
    with pytest.raises(KeyError):
        TOOLS["plan_ad"](env.stream, env.facts)


def test_the_tools_edit_kinds_are_the_revisions():
    from typing import get_args

    from tools.api.production import EditKind as tool_kinds
    from tools.production.revise import REQUIRED, EditKind

    assert get_args(tool_kinds) == get_args(EditKind) and set(get_args(EditKind)) == set(REQUIRED)
