"""The studio's helpers, without a browser or a model: serving rules, the fact-sheet form, the result
panel built from a plan.json, the chat transcript built from agent events, and sessions kept apart."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import app
from agent.events import PlanChanged, Step, StepFinished, StepProgress, StepStarted, Token, TurnDone
from agent.history import PlanHistory
from tools.core.errors import UsageError
from tools.core.schema import load_facts

# ------------------------------------------------------------------ serving


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "LOCALHOST"])
def test_this_machine_needs_no_login(host):
    assert app.check_bind(host, None) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "studio.example"])
def test_other_hosts_need_a_login(host):
    with pytest.raises(UsageError) as err:
        app.check_bind(host, None)
    assert "\n" not in str(err.value) and "--auth" in str(err.value)
    assert app.check_bind(host, "ana:s3cret:with-colon") == ("ana", "s3cret:with-colon")


@pytest.mark.parametrize("auth", ["", "ana", "ana:", ":pw"])
def test_a_malformed_login_is_refused(auth):
    with pytest.raises(UsageError, match="USER:PASSWORD"):
        app.check_bind("127.0.0.1", auth)


def test_the_cli_refuses_an_open_host_without_login(capsys):
    from cli import main

    assert main(["app", "--host", "0.0.0.0", "--port", "7999"]) == 1
    assert main(["app", "--max-upload", "lots"]) == 1
    err = capsys.readouterr().err
    assert "needs a login" in err and "not a size" in err


# ------------------------------------------------------------------ the fact-sheet form


def test_the_form_makes_a_fact_sheet(tmp_path):
    sheet = app.sheet_from_form("  Aurora   Espresso ", "price: $24.90 per 500 g bag\n- origin: Colombia; Ethiopia\n"
                                "\n产地：云南\nFairtrade certified\norigin: Colombia", "Aurora, the blend")
    assert sheet == {"product": "Aurora Espresso",
                     "facts": {"price": ["$24.90 per 500 g bag"], "origin": ["Colombia", "Ethiopia"], "产地": ["云南"],
                               "features": ["Fairtrade certified"]},
                     "aliases": ["Aurora", "the blend"]}
    p = tmp_path / "sheet.json"
    p.write_text(json.dumps(sheet, ensure_ascii=False), encoding="utf-8")
    assert load_facts(p).phrases()[:2] == ["$24.90 per 500 g bag", "Colombia"]


def test_a_time_is_not_a_field():
    assert app.sheet_from_form("Cup", "10:30 live only")["facts"] == {"features": ["10:30 live only"]}


@pytest.mark.parametrize(("product", "lines", "match"), [("", "price: 1", "name"), ("Cup", " \n ", "no facts")])
def test_the_form_needs_a_name_and_facts(product, lines, match):
    with pytest.raises(UsageError, match=match):
        app.sheet_from_form(product, lines)


# ------------------------------------------------------------------ the result panel


def _plan(folder: Path, *, revision: int = 0, flags=(), audio="voiceover") -> Path:
    suffix = f"_r{revision}" if revision else ""
    files = {"ad": f"ad{suffix}.mp4", "srt": f"ad{suffix}.srt", "ass": f"ad{suffix}.ass", "otio": f"ad{suffix}.otio",
             "cover": f"cover{suffix}.jpg", "strip": f"strip{suffix}.png"}
    folder.mkdir(parents=True, exist_ok=True)
    for name in files.values():
        if name != f"ad{suffix}.otio":  # one file missing: not offered
            (folder / name).write_bytes(b"x")
    slots = [{"index": 1, "tags": ["product_intro", "price"], "seconds": 2.5,
              "clip": {"start": 56.0, "end": 60.5, "kind": "speech", "shots": [], "sentences": []}},
             {"index": 2, "tags": ["call_to_action"], "seconds": 3.0,
              "clip": {"start": 96.2, "end": 100.0, "kind": "speech", "shots": [], "sentences": []}}]
    narration = [{"slot": 1, "text": "Only $24.90 a <b>bag</b>.", "facts": ["$24.90 per 500 g bag"], "flags": list(flags)},
                 {"slot": 2, "text": "Order now.", "facts": [], "flags": []}] if audio != "original" else None
    plan = {"spec": {"duration": 10.0, "aspect": "9:16"}, "audio": audio, "language": "en",
            "source": "/nowhere/stream.mp4", "segment": {"product": "Aurora"},
            "variants": [{"storyline": "other", "score": 1, "slots": slots[:1]},
                         {"storyline": "price first", "score": 0.9, "slots": slots}],
            "chosen": 1, "rendered": [{"storyline": "price first", "files": files}], "narration": narration,
            "revision": revision}
    (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    return folder / "plan.json"


def test_the_panel_of_a_plan(tmp_path):
    path = _plan(tmp_path / "ad1", revision=2, flags=["risk word: best"])
    seen = {}

    def plot(plan, marks):
        seen["marks"] = marks
        return tmp_path / "structure.png"

    v = app.result_view(path, number=3, summary="10 s 9:16 ad, Aurora", changes=["length: 15 -> 10"], plot=plot)
    folder = path.parent
    assert v.video == folder / "ad_r2.mp4" and v.cover == folder / "cover_r2.jpg"
    assert v.downloads == [folder / "ad_r2.mp4", folder / "ad_r2.srt", folder / "ad_r2.ass", folder / "plan.json"]
    assert v.plot == tmp_path / "structure.png"
    assert seen["marks"] == v.marks == [(56.0, 60.5, "1"), (96.2, 100.0, "2")]
    assert "Version 3" in v.summary and "length: 15 -&gt; 10" in v.summary and "price first" in v.summary
    n = v.narration
    assert "“$24.90 per 500 g bag”" in n and "⚠ guard: risk word: best" in n and "1 guard warning" in n
    assert "<b>" not in n and "&lt;b&gt;" in n  # the line is shown, not rendered
    assert "0:56.0-1:00.5" in n and "product\\_intro" in n
    assert "a line without a fact behind it" in n  # slot 2 has no fact phrase


def test_the_panel_of_a_snapshot_finds_the_files_of_its_ad(tmp_path):
    path = _plan(tmp_path / "ad1")
    snap = tmp_path / ".versions" / "v1.json"
    snap.parent.mkdir()
    snap.write_bytes(path.read_bytes())
    v = app.result_view(snap, path.parent, plan_file=path)
    assert v.video == path.parent / "ad.mp4" and v.downloads[-1] == path
    assert v.plot is None and "1 of 2 lines rest on a fact" in v.narration


def test_the_panel_of_an_ad_with_the_presenters_speech(tmp_path):
    v = app.result_view(_plan(tmp_path / "ad1", audio="original"))
    assert "presenter's own speech" in v.narration and "0:56.0-1:00.5" in v.narration


def test_the_panel_of_a_broken_plan(tmp_path):
    (tmp_path / "plan.json").write_text("{", encoding="utf-8")
    v = app.result_view(tmp_path / "plan.json")
    assert v.video is None and "cannot be read" in v.summary


def test_the_structure_plot_marks_the_clips(tmp_path):
    from tools.analysis.plot import plot_structure
    from tools.core.schema import Analysis, Segment, Shot, Video

    a = Analysis(video=Video(id="x", path="stream.mp4", size_bytes=1, duration=30.0),
                 shots=[Shot(start=0, end=10, index=0), Shot(start=10, end=30, index=1)],
                 segments=[Segment(start=0, end=30, index=0, product="Aurora")])
    out = plot_structure(a, tmp_path / "s.png", highlights=[0.2, 0.9], marks=[(2.0, 5.0, "1"), (12.0, 14.0, "2")])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ the transcript


def test_the_transcript_shows_steps_as_they_run():
    t = app.Transcript()
    t.user("make a 15s ad", ["live.mp4"])
    t.apply(StepStarted(1, "make_ad", {"stream": "/a/b/live.mp4", "facts": ["/a/f.json"], "name": None}))
    step = t.messages[-1]
    assert step["metadata"]["status"] == "pending" and "make_ad" in step["metadata"]["title"]
    assert "live.mp4" in step["content"] and "/a/b" not in step["content"] and "name" not in step["content"]
    t.apply(StepProgress(1, "make_ad", "asr 40 %"))
    assert step["metadata"]["log"] == "asr 40 %" and "asr 40 %" in step["content"]
    t.apply(StepFinished(1, "make_ad", {}, True, 12.345, {}))
    assert step["metadata"]["status"] == "done" and step["metadata"]["duration"] == 12.3
    t.apply(StepStarted(2, "revise_ad", {"kind": "aspect"}))
    t.apply(StepFinished(2, "revise_ad", {}, False, 0.2, {}, "aspect 4:3: not one of 9:16, 1:1, 16:9"))
    failed = t.messages[-1]
    assert "failed" in failed["metadata"]["title"] and "not one of 9:16" in failed["content"]
    t.apply(PlanChanged(1, "/w/ad1/plan.json", "d", "15 s 9:16 ad", ["rendered"]))
    t.apply(Token("Here is "))
    t.apply(Token("your ad."))
    t.apply(TurnDone("Here is your ad.", [Step("make_ad", {}, True, 12.3)], [], False))
    replies = [m["content"] for m in t.messages if m["role"] == "assistant" and "metadata" not in m]
    assert replies == ["Here is your ad."]  # streamed once, not repeated at the end
    assert t.messages[0] == {"role": "user", "content": "make a 15s ad\n\nattached: live.mp4"}


def test_tool_calls_made_at_once_are_shown_apart():
    t = app.Transcript()
    t.user("make a 15s ad")
    t.apply(StepStarted(1, "analyze_video", {}))
    t.apply(StepStarted(1, "make_ad", {}))  # the same number: both started before either finished
    t.apply(StepProgress(1, "make_ad", "rendering"))
    t.apply(StepFinished(1, "make_ad", {}, True, 9.0, {}))
    t.apply(StepFinished(1, "analyze_video", {}, True, 4.0, {}))
    analyze, make = t.messages[1], t.messages[2]
    assert (analyze["metadata"]["duration"], make["metadata"]["duration"]) == (4.0, 9.0)
    assert "rendering" in make["content"] and "rendering" not in analyze["content"]
    assert analyze["metadata"]["id"] != make["metadata"]["id"]


def test_the_models_answer_set_aside_by_the_fallback_is_dropped():
    t = app.Transcript()
    t.user("make it 10 seconds")
    t.apply(Token("Done: a 10 s ad."))  # the model answered without calling a tool
    t.apply(StepStarted(1, "revise_ad", {"kind": "duration", "seconds": 10}))
    t.apply(StepFinished(1, "revise_ad", {}, True, 40.0, {}))
    t.apply(Token("\n\nDone: a 10 s 9:16 ad."))  # the recipe's own summary
    t.apply(TurnDone("Done: a 10 s 9:16 ad.", [], [], True))
    assert [m.get("metadata", {}).get("title", m["content"]) for m in t.messages[1:]] == \
        ["⚙ step 1: revise_ad", "\n\nDone: a 10 s 9:16 ad."]


def test_a_reply_that_was_not_streamed_is_shown():
    t = app.Transcript()
    t.user("hello")
    t.apply(StepStarted(1, "list_library", {}))  # never finished
    t.apply(TurnDone("Nothing analysed yet.", [], [], True))
    assert t.messages[-1] == {"role": "assistant", "content": "Nothing analysed yet."}
    assert t.messages[1]["metadata"]["status"] == "done"


# ------------------------------------------------------------------ sessions


class FakeAgent:
    """Stands in for agent.Agent: one make_ad step that writes a plan, then a reply."""

    gate: threading.Event | None = None
    started: list[str] = []

    def __init__(self, settings, workdir):
        self.workdir = Path(workdir)
        self.history = PlanHistory(self.workdir)
        self.warmed = False
        self.calls: list[tuple[str, list]] = []

    def warm(self):
        self.warmed = True

    def stream(self, message, attachments=()):
        self.calls.append((message, [Path(a).name for a in attachments]))
        FakeAgent.started.append(self.workdir.name)
        yield StepStarted(1, "make_ad", {"brief": message})
        if FakeAgent.gate is not None:
            FakeAgent.gate.wait(10)
        path = _plan(self.workdir / "ad1", revision=len(self.history.versions))
        yield StepFinished(1, "make_ad", {}, True, 0.1, {"plan": str(path)})
        v = self.history.record(path)
        yield PlanChanged(v.number, str(v.source), v.digest, v.summary, v.changes)
        yield TurnDone("done", [], [], False)

    def go_to(self, number):
        v = self.history.go_to(number)
        return PlanChanged(v.number, str(v.source), v.digest, v.summary, v.changes)

    def undo(self):
        return None


def _wait(s: app.Session, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while s.running or s.lock.locked():
        assert time.monotonic() < deadline, "the turn did not end"
        time.sleep(0.02)


@pytest.fixture
def studio(tmp_path, real_settings):
    FakeAgent.gate, FakeAgent.started = None, []
    return app.Studio(real_settings, tmp_path / "studio", agent_factory=FakeAgent)


def test_sessions_stay_apart(studio, tmp_path):
    a, b = studio.open(), studio.open()
    assert a.workdir != b.workdir and a.workdir.parent == b.workdir.parent == studio.workroot
    assert a.agent is not b.agent and a.agent.warmed and b.agent.warmed
    src = tmp_path / "live.mp4"
    src.write_bytes(b"video")
    stored = a.store(src)
    assert stored == a.workdir / "uploads" / "live.mp4" and not (b.workdir / "uploads" / "live.mp4").exists()
    other = tmp_path / "x" / "live.mp4"
    other.parent.mkdir()
    other.write_bytes(b"other video")
    assert a.store(src) == stored and a.store(other).name == "live-2.mp4"  # same content: one copy
    assert a.lock.acquire(blocking=False)
    a.run("make a 15s ad")
    _wait(a)
    assert a.agent.calls and not b.agent.calls and a.agent.history.current and b.agent.history.current is None
    assert b.view().video is None and a.view().video == a.workdir / "ad1" / "ad.mp4"
    assert studio.get(a.id) is a
    studio.close(a.id)
    with pytest.raises(UsageError, match="reload"):
        studio.get(a.id)


def test_new_attachments_go_once_and_a_new_video_replaces_the_unsent_one(studio, tmp_path):
    from agent.attachments import Attachment

    s = studio.open()
    v1, v2, f = (tmp_path / n for n in ("a.mp4", "b.mp4", "f.json"))
    s.attach(Attachment(v1, "video", "video 1"))
    s.attach(Attachment(f, "facts", "sheet"))
    s.attach(Attachment(v2, "video", "video 2"))
    assert s.pending() == [f, v2]
    s.lock.acquire()
    s.run("make a 15s ad")
    _wait(s)
    s.lock.acquire()
    s.run("make it 10 seconds")
    _wait(s)
    assert s.agent.calls == [("make a 15s ad", ["f.json", "b.mp4"]), ("make it 10 seconds", [])]
    choices, current = s.versions()
    assert current == 2 and [n for _, n in choices] == [2, 1]
    assert "new: goes with" not in s.attached_markdown()


def test_the_heavy_slots_make_other_sessions_wait(studio):
    FakeAgent.gate = threading.Event()
    a, b = studio.open(), studio.open()
    for s in (a, b):
        s.lock.acquire()
        s.run("make a 15s ad")
    deadline = time.monotonic() + 5
    while not any("waiting for another session" in m["content"] for m in b.transcript.messages):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert FakeAgent.started == [a.workdir.name]  # one at a time (concurrency 1)
    FakeAgent.gate.set()
    _wait(a)
    _wait(b)
    assert FakeAgent.started == [a.workdir.name, b.workdir.name]
    assert not any("waiting" in m["content"] for m in b.transcript.messages)


def test_the_library_hides_other_sessions_uploads(tmp_path):
    root, mine = tmp_path / "studio", tmp_path / "studio" / "me"
    listing = {"videos": [{"path": str(root / "other" / "uploads" / "theirs.mp4"), "duration": 244.2, "analysed": True,
                           "products": ["Aurora"]},
                          {"path": str(mine / "uploads" / "mine.mp4"), "duration": 60, "analysed": True, "products": []},
                          {"path": "/data/live.mp4", "duration": 30, "analysed": True, "products": ["Cup"]},
                          {"path": "/data/raw.mp4", "duration": 30, "analysed": False, "products": []}],
               "fact_sheets": [{"path": str(root / "other" / "uploads" / "f.json"), "product": "Secret"},
                               {"path": "/home/library/facts/cup.json", "product": "Cup"}]}
    videos, sheets = app.library_choices_of(listing, root, mine)
    assert [p for _, p in videos] == [str(mine / "uploads" / "mine.mp4"), "/data/live.mp4"]
    assert videos[1][0] == "live.mp4 · 30 s · Cup" and "no product" in videos[0][0]
    assert sheets == [("Cup · cup.json", "/home/library/facts/cup.json")]
    assert app.library_choices_of({"error": "catalog damaged"}, root, mine) == ([], [])


def test_build_app_loads_no_agent_until_a_page_opens(tmp_path, real_settings, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    made = []
    demo = app.build_app(real_settings, workroot=tmp_path / "root", concurrency=2,
                         agent_factory=lambda s, w: made.append(w) or FakeAgent(s, w))
    studio = demo.reelwright_studio
    assert made == [] and studio.concurrency == 2 and studio.workroot == (tmp_path / "root").resolve()
    assert studio.max_upload_bytes == app.DEFAULT_MAX_UPLOAD
