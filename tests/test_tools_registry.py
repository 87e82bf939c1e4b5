"""The planner's tool registry: explicit, lazy, schema-ready, and errors come back as results."""

from __future__ import annotations

import subprocess
import sys

from langchain_core.utils.function_calling import convert_to_openai_tool

from tools import TOOLS


def test_registry_lists_documented_typed_tools():
    assert set(TOOLS) == {"analyze_video", "describe_video", "search_clips", "check_facts", "list_library", "plan_ad",
                          "write_narration", "render_ad", "make_ad", "revise_ad", "extract_template"}
    for name, fn in TOOLS.items():
        spec = convert_to_openai_tool(fn)["function"]
        assert spec["name"] == name and spec["description"]
        assert all(p.get("description") for p in spec["parameters"]["properties"].values()), name
    assert convert_to_openai_tool(TOOLS["search_clips"])["function"]["parameters"]["required"] == ["query"]


def test_importing_tools_loads_no_tool_module():
    code = "import sys, tools; print(sorted(m for m in sys.modules if m.startswith('tools.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_bad_input_comes_back_as_an_error_result(tmp_path):
    from models.settings import Settings
    from tools import using_settings

    with using_settings(Settings(home=tmp_path / "home"), workdir=tmp_path):
        missing = tmp_path / "nope.mp4"
        got = TOOLS["analyze_video"](str(missing))
        assert set(got) == {"error"} and "nope.mp4" in got["error"]
        assert "not analysed yet" in TOOLS["describe_video"](str(missing))["error"]
        bad_facts = tmp_path / "facts.json"
        bad_facts.write_text("{not json")
        video = tmp_path / "v.mp4"
        video.write_bytes(b"\0" * 64)
        assert "error" in TOOLS["analyze_video"](str(video), facts=[str(bad_facts)])


def test_the_tools_use_the_settings_they_are_given_not_the_environment(tmp_path, monkeypatch, synthetic):
    from models.settings import Settings
    from tools import using_settings

    monkeypatch.setenv("REELWRIGHT_HOME", str(tmp_path / "env-home"))
    mine = tmp_path / "my-home"
    with using_settings(Settings(home=mine), allow=[synthetic["colour_cuts"]]):
        got = TOOLS["describe_video"](str(synthetic["colour_cuts"]))
    assert "not analysed yet" in got["error"]
    assert (mine / "catalog.sqlite").exists()  # the catalog opened is the given home's
    assert not (tmp_path / "env-home").exists()
    got = TOOLS["describe_video"](str(synthetic["colour_cuts"]))  # outside the block: the environment's again
    assert (tmp_path / "env-home" / "catalog.sqlite").exists()
    assert "refused" in got["error"]  # ... and its workspace, which does not reach the test media


def test_public_api_is_importable_from_tools_and_unknown_names_fail():
    import tools

    assert tools.analyze_video is TOOLS["analyze_video"]
    try:
        tools.not_a_tool  # noqa: B018
    except AttributeError as exc:
        assert "not_a_tool" in str(exc)
    else:
        raise AssertionError("tools.not_a_tool should not exist")
