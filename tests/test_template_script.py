"""`reelwright template script`: a shooting script and a storyboard for a product without footage."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image

from tests.test_template_compare import make_template, overlay
from tools.core.schema import ProductFacts

FACTS = ProductFacts(product="Aurora Espresso Blend", aliases=["Aurora"],
                     facts={"texture": ["medium-dark roast", "rich crema"], "price": ["$24.90 per 1 kg bag"],
                            "promotion": ["buy two bags, get a free ceramic cup"]})


def _template():
    t = make_template([2.0, 3.0, 2.5, 2.5], scales=["close-up", "medium", "wide", "close-up"],
                      transitions=["cut", "dissolve", "slide", "cut"],
                      labels=["pain_point", "recommend", "material", "purchase"],
                      overlays=[overlay("title", 0.2, 0.1, 0.6, 0.05), overlay("price", 0.3, 0.6, 0.4, 0.05)])
    t.overlays[0].text = "LUMEN LAMP"
    t.overlays[1].start, t.overlays[1].end = 7.5, 10.0
    for s in t.slots:
        s.narration_share, s.line = 0.25, "A line."
    return t


def test_the_script_has_every_slots_shot_duration_text_and_line(tmp_path, tmp_settings):
    from tools.template.script import write_script

    res = write_script(_template(), FACTS, tmp_path, tmp_settings, seconds=20.0, narrate=False)
    md = (tmp_path / "script.md").read_text()
    sections = re.findall(r"^## Shot (\d+): (\S+)-(\S+) \(([\d.]+) s\)", md, re.M)
    assert [int(s[0]) for s in sections] == [1, 2, 3, 4]
    assert [float(s[3]) for s in sections] == pytest.approx([4.0, 6.0, 5.0, 5.0], abs=0.05)  # scaled to 20 s
    assert "close-up" in md and "dissolve" in md and "slide" in md and "slow" not in md.split("## Shot 2")[0]
    assert '"AURORA"' in md  # the title box, the reference's capitals
    assert "$24.90" in md.split("## Shot 4")[1]  # the price box, in the last slot
    assert len(re.findall(r"\*\*Narration\*\*: \"", md)) == 4
    for s in res.slots:  # drafted from the facts: nothing the sheet does not say
        for num in re.findall(r"\d+(?:\.\d+)?", s.line):
            assert num in json.dumps(FACTS.facts), s.line
    board = Image.open(res.files["storyboard"])
    assert board.format == "PNG" and board.width > 4 * 200 and board.height > 300


def test_a_reference_without_voice_gets_a_script_without_narration(tmp_path, tmp_settings):
    from tools.template.script import write_script

    t = _template()
    t.audio.voice = "none"
    for s in t.slots:
        s.narration_share, s.line = 0.0, None
    res = write_script(t, FACTS, tmp_path, tmp_settings, narrate=False)
    md = (tmp_path / "script.md").read_text()
    assert md.count("**Narration**: none") == 4 and all(not s.line for s in res.slots)
    assert any("no voice" in n for n in res.notes)


def test_the_command_writes_both_files_and_a_bad_template_is_one_line(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    tpl = tmp_path / "t.json"
    tpl.write_text(_template().model_dump_json())
    facts = tmp_path / "facts.json"
    facts.write_text(FACTS.model_dump_json())
    env = {"REELWRIGHT_HOME": str(tmp_path / "home")}
    ok = CliRunner().invoke(app, ["template", "script", str(tpl), "--facts", str(facts), "-o", str(tmp_path / "out"),
                                  "--no-llm"], env=env)
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "out" / "script.md").is_file() and (tmp_path / "out" / "storyboard.png").is_file()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    res = CliRunner().invoke(app, ["template", "script", str(bad), "--facts", str(facts), "-o", str(tmp_path / "o2"),
                                   "--no-llm"], env=env)
    assert res.exit_code == 1 and "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
    assert not (tmp_path / "o2").exists()


@pytest.mark.slow
def test_the_narrator_writes_guarded_lines_in_the_templates_storyline(tmp_path, real_settings):
    from tests.conftest import SMALL_LLM
    from tools.template.script import write_script

    settings = real_settings.model_copy(update={"llm_model": SMALL_LLM})
    res = write_script(_template(), FACTS, tmp_path, settings, narrate=True)
    facts = json.dumps(FACTS.facts)
    assert all(s.line.strip() for s in res.slots)
    for s in res.slots:
        for num in re.findall(r"\d+(?:\.\d+)?", s.line):
            assert num in facts, s.line
