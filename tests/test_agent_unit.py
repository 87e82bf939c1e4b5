"""The agent with a scripted model: tool steps, streaming, repair, fallback, versions, refusals."""

from __future__ import annotations

import json

import pytest

from agent import Agent
from agent.events import PlanChanged, StepFinished, StepStarted, Token, TurnDone
from agent.history import PlanHistory, changes
from agent.intents import Intent, hints, recipe
from models.llm import get_chat_model
from tests.scripted import ScriptedTransport

SHEET = {"product": "Aurora Espresso Blend", "facts": {"price": ["$24.90 per 1 kg bag"],
                                                       "texture": ["medium-dark roast"]}}


def _call(name: str, **arguments) -> str:
    return json.dumps({"tool_calls": [{"name": name, "arguments": arguments}]})


def _answer(text: str) -> str:
    return json.dumps({"answer": text}, ensure_ascii=False)


@pytest.fixture
def scripted(tmp_settings, tmp_path):
    def make(replies: list[str]) -> tuple[Agent, ScriptedTransport]:
        transport = ScriptedTransport(replies)
        llm = get_chat_model(tmp_settings, transport=transport, streaming=True)
        agent = Agent(tmp_settings, tmp_path / "work", chat_model=llm)
        (agent.workdir / "facts.json").write_text(json.dumps(SHEET), encoding="utf-8")
        return agent, transport

    return make


def _events(agent: Agent, request: str, attachments=()) -> list:
    return list(agent.stream(request, attachments))


def test_a_tool_step_then_a_streamed_answer(scripted):
    agent, transport = scripted([_call("list_library"), _answer("Nothing is analysed yet: attach a stream.")])
    events = _events(agent, "what do I have?")
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "StepStarted" and kinds[1] == "StepFinished" and kinds[-1] == "TurnDone"
    finished = next(e for e in events if isinstance(e, StepFinished))
    assert finished.tool == "list_library" and finished.ok and finished.result["videos"] == []
    tokens = [e.text for e in events if isinstance(e, Token)]
    assert len(tokens) > 3  # streamed in pieces, not one block
    done = events[-1]
    assert isinstance(done, TurnDone)
    assert "".join(tokens) == done.reply == "Nothing is analysed yet: attach a stream."
    assert [s.tool for s in done.steps] == ["list_library"] and done.steps[0].ok
    assert done.first_call_valid is True and done.repairs == 0 and not done.fallback
    ask = done.as_dict()  # `reelwright ask --json`: exactly these keys
    assert set(ask) == {"reply", "steps", "files", "fallback"} and set(ask["steps"][0]) == {"tool", "args", "ok",
                                                                                            "seconds"}
    # the tool result reached the model as data, and the session notes went with the request
    sent = transport.requests[1]["messages"]
    assert any("Result of tool `list_library`" in m["content"] for m in sent if m["role"] == "user")
    assert "Session notes" in transport.requests[0]["messages"][1]["content"]


def test_a_fact_check_is_answered_from_the_guard_not_by_the_model(scripted):
    agent, transport = scripted([_call("check_facts", text="Only $19.90 per 1 kg bag!", facts="facts.json"),
                                 _answer("not used")])
    done = agent.run("is 'Only $19.90 per 1 kg bag!' ok?")
    assert len(transport.requests) == 1
    assert done.reply.startswith("No:") and "$24.90 per 1 kg bag" in done.reply


def test_a_fact_question_answered_from_nothing_runs_the_check(scripted):
    agent, _ = scripted([_answer("Sure, that's fine!"), json.dumps({"kind": "question"})])
    agent.attach([agent.workdir / "facts.json"])
    done = agent.run("Can I say 'only $19.90 per 1 kg bag' in the ad?")
    assert done.fallback and [s.tool for s in done.steps] == ["check_facts"]
    assert "No:" in done.reply


def test_an_invalid_call_gets_one_repair_round_with_the_error(scripted):
    agent, transport = scripted([_call("make_video", stream="x.mp4"),
                                 _call("list_library"),
                                 _answer("Nothing analysed yet.")])
    done = agent.run("what videos do I have?")
    assert done.repairs == 1 and done.first_call_valid is False and not done.fallback
    assert [s.tool for s in done.steps] == ["list_library"]
    repair = transport.requests[1]["messages"][-1]["content"]
    assert "there is no tool 'make_video'" in repair and "list_library" in repair


def test_a_call_with_bad_arguments_is_named_in_the_repair(scripted):
    agent, transport = scripted([_call("check_facts", text="hi"),  # facts missing
                                 _call("check_facts", text="hi", facts="facts.json"),
                                 _answer("ok")])
    done = agent.run("check 'hi'")
    assert done.repairs == 1 and [s.tool for s in done.steps] == ["check_facts"]
    assert "facts" in transport.requests[1]["messages"][-1]["content"]


def test_two_bad_calls_hand_over_to_the_fallback(scripted):
    intent = json.dumps({"kind": "revise", "edit": "duration", "duration": 10})
    agent, _ = scripted([_call("nope"), _call("nope_again"), intent])
    done = agent.run("make it 10 seconds")
    assert done.fallback and done.intent == "revise"
    assert "no ad yet" in done.reply and not done.steps


def test_an_actionable_request_answered_without_a_tool_runs_the_recipe(scripted):
    agent, _ = scripted([_answer("Sure, making it now!"), json.dumps({"kind": "make", "duration": 15})])
    done = agent.run("make a 15s ad")
    assert done.fallback and done.intent == "make"
    assert "attach" in done.reply.lower()  # no video: the recipe asks for one instead of guessing


def test_a_question_answered_without_a_tool_keeps_the_answer(scripted):
    agent, _ = scripted([_answer("I cut ads from live streams."), json.dumps({"kind": "other"})])
    done = agent.run("what can you do?")
    assert not done.fallback and done.reply == "I cut ads from live streams."


def test_paths_outside_the_workspace_come_back_refused(scripted):
    agent, _ = scripted([_call("describe_video", path="/etc/passwd"), _answer("I cannot read that file.")])
    events = _events(agent, "describe /etc/passwd")
    finished = next(e for e in events if isinstance(e, StepFinished))
    assert not finished.ok and "refused" in finished.error
    assert events[-1].steps[0].ok is False and events[-1].files == []


def test_a_call_that_fails_twice_the_same_way_ends_the_turn(scripted):
    call = _call("describe_video", path="/etc/passwd")
    agent, transport = scripted([call, call, call, _answer("never reached")])
    done = agent.run("describe /etc/passwd")
    assert [s.ok for s in done.steps] == [False, False]  # not a third time
    assert len(transport.requests) == 2 and "refused" in done.reply


def test_chinese_requests_are_told_to_answer_in_chinese(scripted):
    agent, transport = scripted([_answer("你好，请上传直播视频。"), json.dumps({"kind": "other"})])
    done = agent.run("你能做什么？")
    assert done.language == "zh"
    assert "answer in Simplified Chinese" in transport.requests[0]["messages"][1]["content"]


def test_an_attachment_is_checked_by_content(scripted, tmp_path):
    from tools.core.errors import UploadError

    agent, _ = scripted([])
    fake = tmp_path / "clip.mp4"
    fake.write_text("not a video", encoding="utf-8")
    with pytest.raises(UploadError, match="clip.mp4"):
        agent.attach([fake])
    lines = agent.attach([agent.workdir / "facts.json"])
    assert "Aurora" in lines[0] and agent.fact_sheets


# ---------------------------------------------------------------- versions


def _plan(duration=15, chosen=0, clips=((10, 14), (42, 46)), lines=("A rich crema.", "Buy two, get a cup."),
          revision=0):
    slots = [{"index": i, "tags": [], "seconds": 4, "clip": {"start": a, "end": b}} for i, (a, b) in enumerate(clips)]
    return {"spec": {"duration": duration, "aspect": "9:16"}, "audio": "voiceover", "chosen": chosen,
            "segment": {"product": "Aurora"}, "variants": [{"storyline": "x", "slots": slots}] * 2,
            "narration": [{"text": t} for t in lines], "rendered": [{"files": {"ad": f"ad_r{revision}.mp4"}}],
            "revision": revision}


def test_changes_name_what_moved():
    old = _plan()
    new = _plan(duration=10, clips=((10, 14), (70, 74)), lines=("A rich crema.", "Two, get a cup."),
                revision=1)
    assert changes(old, new) == ["length: 15 -> 10", "slot 2: 0:42-0:46 -> 1:10-1:14", "line 2 shortened"]
    assert changes(None, new) == []


def test_history_versions_undo_and_revision_counter(tmp_path):
    folder = tmp_path / "ad1"
    folder.mkdir()
    plan = folder / "plan.json"
    h = PlanHistory(tmp_path)
    plan.write_text(json.dumps(_plan()), encoding="utf-8")
    assert h.record(plan).number == 1
    assert h.record(plan) is None  # same content: no new version
    plan.write_text(json.dumps(_plan(duration=10, revision=1)), encoding="utf-8")
    v2 = h.record(plan)
    assert v2.number == 2 and v2.changes == ["length: 15 -> 10"]
    back = h.undo()
    assert back.number == 1
    restored = json.loads(plan.read_text(encoding="utf-8"))
    assert restored["spec"]["duration"] == 15 and restored["revision"] == 1  # the next revision renders r2
    assert back.files()["ad"] == folder / "ad_r0.mp4"
    with pytest.raises(Exception, match="nothing to undo"):
        h.undo()
    with pytest.raises(Exception, match="versions 1 to 2"):
        h.go_to(5)


def test_undo_through_the_agent_emits_the_version(scripted):
    agent, transport = scripted([_call("undo_ad"), _answer("not used")])
    folder = agent.workdir / "ad1"
    folder.mkdir()
    (folder / "plan.json").write_text(json.dumps(_plan()), encoding="utf-8")
    agent.history.record(folder / "plan.json")
    (folder / "plan.json").write_text(json.dumps(_plan(duration=10, revision=1)), encoding="utf-8")
    agent.history.record(folder / "plan.json")
    events = _events(agent, "undo")
    assert len(transport.requests) == 1  # the reply is written from the result: no second model call
    assert events[-1].reply.startswith("Back to version 1: 15 s 9:16 ad")
    changed = [e for e in events if isinstance(e, PlanChanged)]
    assert [c.number for c in changed] == [1]
    assert json.loads((folder / "plan.json").read_text())["spec"]["duration"] == 15
    assert isinstance(events[0], StepStarted) and events[0].tool == "undo_ad"


# ---------------------------------------------------------------- the fallback's recipe


def test_hints_read_lengths_aspects_and_edits():
    assert hints("做一个二十秒的横屏广告") == {"duration": 20.0, "aspect": "16:9"}
    assert hints("go back to version 2") == {"edit": "version", "version": 2}
    assert hints("turn the music off") == {"on": False}
    assert hints("drop the 3rd clip")["slot"] == 3


def test_recipes_map_intents_to_tools():
    make = recipe(Intent(kind="make"), "make a 20s square ad", video="/v.mp4", facts=["/f.json"], has_plan=False)
    assert make[0].tool == "make_ad" and make[0].args["duration"] == 20 and make[0].args["aspect"] == "1:1"
    narrate = recipe(Intent(kind="narrate"), "just the lines", video="/v.mp4", facts=["/f.json"], has_plan=False)
    assert [c.tool for c in narrate] == ["plan_ad", "write_narration"]
    shorter = recipe(Intent(kind="revise"), "make it 10 seconds", video=None, facts=[], has_plan=True)
    assert shorter[0].args == {"kind": "duration", "seconds": 10.0}
    music = recipe(Intent(kind="revise"), "remove the music", video=None, facts=[], has_plan=True)
    assert music[0].args == {"kind": "music", "on": False}
    back = recipe(Intent(kind="revise"), "回到第1版", video=None, facts=[], has_plan=True)
    assert back[0].tool == "undo_ad" and back[0].args == {"version": 1}
    assert "attach" in recipe(Intent(kind="make"), "make an ad", video=None, facts=[], has_plan=False)


def test_what_the_user_said_outranks_what_the_model_filled_in(scripted, tmp_path):
    agent, _ = scripted([])
    agent.attach([agent.workdir / "facts.json"])
    args, notes = agent._intercept("make_ad", {"stream": "/nowhere/live.mp4", "facts": ["Aurora (21 phrases)"],
                                               "aspect": "9:16", "brief": "15s beauty ad, energetic",
                                               "product": "best covered one", "audio": "original", "name": "ad1"},
                                   "make a 6s square ad")
    assert not {"audio", "name"} & set(args)  # filled in from the docs, not asked for
    assert args["product"] == "Aurora Espresso Blend"  # not "best covered one": the one attached product
    assert args["brief"] == "make a 6s square ad" and args["aspect"] == "1:1" and args["duration"] == 6
    assert args["facts"] == [str(agent.workdir / "facts.json")] and notes == ["used the attached fact sheets"]
    assert args["stream"] == "/nowhere/live.mp4"  # no video attached: nothing to put in its place
    # a path the user named is passed on as named (for the tool to refuse), not swapped for an attachment
    agent.videos.append(tmp_path / "attached.mp4")
    args, _ = agent._intercept("make_ad", {"stream": "../../secret.mp4", "facts": []}, "cut ../../secret.mp4")
    assert args["stream"] == "../../secret.mp4"
    args, _ = agent._intercept("make_ad", {"stream": "live.mp4", "facts": []}, "make an ad")
    assert args["stream"] == str(tmp_path / "attached.mp4")
    args, _ = agent._intercept("make_ad", {"stream": "x", "facts": [], "product": "Nimbus Earbuds"},
                               "an ad for the nimbus earbuds")
    assert args["product"] == "Nimbus Earbuds"  # asked for: kept (the tool says it is not in the stream)
    args, _ = agent._intercept("make_ad", {"stream": "x", "facts": [], "product": "Aurora Espresso Blend"},
                               "给咖啡豆做广告")
    assert args["product"] == "Aurora Espresso Blend"  # an attached sheet's product
    args, _ = agent._intercept("make_ad", {"stream": "x", "facts": [], "product": "Aurora Espresso Blend"},
                               "用这个直播给蓝牙耳机做一个15秒的广告")
    assert args["product"] == "蓝牙耳机"  # named, sold by no sheet: passed on for the tool to refuse
    args, _ = agent._intercept("make_ad", {"stream": "x", "facts": [], "aspect": "16:9"}, "a 20s TikTok ad")
    assert args["aspect"] == "9:16"
    args, _ = agent._intercept("make_ad", {"stream": "x", "facts": [], "aspect": "16:9"}, "a 20s ad")
    assert "aspect" not in args  # nobody asked for landscape: the default
    args, _ = agent._intercept("search_clips", {"query": "price", "k": 1, "product": "demo_stream", "tags": [],
                                                "min_duration": 0.0}, "find the clip where the price is said")
    assert args == {"query": "price", "k": 3}
    args, _ = agent._intercept("revise_ad", {"kind": "duration", "seconds": 15, "plan_path": "ad's plan.json"},
                               "make it 10 seconds")
    assert args == {"kind": "duration", "seconds": 10.0}


def test_replies_written_from_results_say_what_the_tools_found(scripted):
    from agent.planner import _Turn

    agent, _ = scripted([])
    turn = _Turn(emit=lambda e: None)
    turn.results.append(("describe_video", {"segments": [{"product": None}, {"product": "Aurora Espresso Blend"},
                                                         {"product": "Aurora Espresso Blend"},
                                                         {"product": None, "introduced_as": "Deep Field posters"}]}))
    assert agent._summary(turn, "en") == "This video sells: Aurora Espresso Blend, Deep Field posters."
    turn.results.append(("search_clips", {"result": [{"start": 106.2, "end": 111.0, "text": "Only $24.90 a bag"},
                                                     {"start": 210.0, "end": 214.5, "text": "..."}]}))
    assert agent._summary(turn, "en") == 'The best match is at 1:46-1:51: "Only $24.90 a bag"; next: 3:30-3:34.'
    assert agent._summary(turn, "zh") == "最相关的片段在 1:46-1:51；其次是 3:30-3:34。"


def test_a_chinese_fact_check_reply_says_the_reason_in_chinese(scripted):
    agent, _ = scripted([_call("check_facts", text="only $19.90 per bag", facts="facts.json")])
    done = agent.run("这句文案可以用吗：'only $19.90 per bag'")
    assert done.reply.startswith("不建议用") and "价格 $19.90" in done.reply and "$24.90 per 1 kg bag" in done.reply
    assert "no price" not in done.reply  # the guard's English reason is not pasted into a Chinese reply


def test_a_style_request_follows_the_reference_or_the_named_template(scripted, tmp_path):
    from pathlib import Path

    agent, _ = scripted([])
    agent.attach([agent.workdir / "facts.json"])
    stream, ref = tmp_path / "live.mp4", tmp_path / "ref.mp4"
    agent.videos = [stream, ref]
    agent._seconds = {Path(stream): 240.0, Path(ref): 15.0}  # the stream is the longer one, whatever the order
    assert agent.stream_video == stream and agent.references == [ref]
    assert "reference ads" in agent._notes("make one like ref.mp4")
    args, _ = agent._intercept("make_ad", {"stream": str(ref), "facts": []}, "make an ad in the style of this one")
    assert args["stream"] == str(stream) and args["template"] == str(ref)
    args, _ = agent._intercept("make_ad", {"stream": "x", "facts": [], "template": "closeup_30"},
                               "make a 15s ad")
    assert "template" not in args  # nobody asked for a style
    args, _ = agent._intercept("make_ad", {"stream": "x", "facts": []}, "a 15s ad like the hook first 15 template")
    assert args["template"] == "hook_first_15"  # a built-in, by name
    calls = recipe(Intent(kind="template"), "照着这个风格做一条", video=str(stream), facts=["f.json"], has_plan=False,
                   template=str(ref))
    assert [(c.tool, c.args["template"]) for c in calls] == [("make_ad", str(ref))]
    assert "reference" in recipe(Intent(kind="template"), "make one like that", video="v.mp4", facts=["f.json"],
                                 has_plan=False)

