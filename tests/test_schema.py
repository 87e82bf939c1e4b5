"""The analysis data model: JSON round trips and fact-sheet loading."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from evals.datasets import esync_dev
from tools.core.schema import (
    Analysis,
    Clip,
    FactsError,
    ProductFacts,
    Scene,
    Segment,
    Sentence,
    Shot,
    Video,
    Word,
    load_facts,
)


def sample_analysis() -> Analysis:
    video = Video(id="ab" * 32, path="/media/live.mp4", size_bytes=10, duration=300.0, width=1280, height=720,
                  fps=30.0, has_audio=True)
    words = [Word(start=1.0, end=1.4, text="这款"), Word(start=1.4, end=2.0, text="精华", probability=0.8)]
    return Analysis(
        video=video, versions={"asr": "asr@1 (whisper-base)"}, language="zh",
        sentences=[Sentence(index=0, start=1.0, end=2.0, text="这款精华", words=words, language="zh",
                            tags={"product_intro": 0.9})],
        shots=[Shot(index=0, start=0, end=5, transition_in="start"), Shot(index=1, start=5, end=9, transition_in="dissolve")],
        scenes=[Scene(index=0, start=0, end=9, shots=[0, 1])],
        segments=[Segment(index=0, start=0, end=300, product="精华", confidence=0.7)],
        clips=[Clip(id="c1", video_id=video.id, start=0, end=5, text="这款精华", sentences=[0], shots=[0],
                    tags={"product_intro": 0.9}, scores={"highlight": 0.4}, vectors={"text": "7"})],
    )


def test_analysis_json_round_trip():
    a = sample_analysis()
    text = a.model_dump_json()
    b = Analysis.model_validate_json(text)
    assert b == a
    assert json.loads(text)["sentences"][0]["words"][1]["text"] == "精华"
    assert b.sentences_in(1.5, 3.0)[0].text == "这款精华"
    assert b.shots[1].duration == 4


def test_spans_reject_reversed_times():
    with pytest.raises(ValidationError, match="before start"):
        Shot(index=0, start=5, end=4)
    with pytest.raises(ValidationError):
        Word(start=-1, end=1, text="x")


def test_fact_sheet_matches_benchmark_records():
    record = json.loads(esync_dev().read_text(encoding="utf-8").splitlines()[0])
    facts = ProductFacts.model_validate(record)
    assert facts.product == record["product"]
    assert facts.facts == record["facts"]
    assert "289元到手四件套" in facts.phrases()
    assert len(facts.phrases()) == len(set(facts.phrases()))


def test_load_facts_accepts_object_list_and_jsonl(tmp_path):
    one = {"product": "Aurora Espresso", "facts": {"price": ["$24.90 per 1 kg bag"]}, "aliases": ["Aurora"]}
    (tmp_path / "a.json").write_text(json.dumps(one))
    (tmp_path / "b.json").write_text(json.dumps([one, {**one, "product": "Poster"}]))
    (tmp_path / "c.jsonl").write_text(json.dumps(one) + "\n" + json.dumps(one) + "\n")
    assert load_facts(tmp_path / "a.json").names == ["Aurora Espresso", "Aurora"]
    assert [f.product for f in load_facts(tmp_path / "b.json")] == ["Aurora Espresso", "Poster"]
    assert len(load_facts(tmp_path / "c.jsonl")) == 2


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    ("{oops", "not JSON"),
    ('{"facts": {}}', "product"),
    ('{"product": "x", "facts": ["a"]}', "facts"),
])
def test_bad_fact_sheets_are_named(tmp_path, content, message):
    path = tmp_path / "facts.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(FactsError, match=message) as info:
        load_facts(path)
    assert "facts.json" in str(info.value)
