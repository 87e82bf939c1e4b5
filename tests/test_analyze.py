"""`reelwright analyze` end to end on the demo stream with the real models, and on bad inputs."""

from __future__ import annotations

import json
import re

import pytest

from cli import main
from evals.shots import score_boundaries
from tools.analysis.asr import wer

pytestmark = pytest.mark.slow


def _digits(text: str) -> str:
    """Numbers as values ("fourteen" and "14", "forty dollars" and "$40" read alike)."""
    from tools.core.text import find_numbers

    text = re.sub(r"\$\s?(\d[\d.,]*)", r"\1 dollars", text).replace("%", " percent")
    out, last = "", 0
    for n in find_numbers(text):
        out += f"{text[last:n.start]} {n.value:g} "
        last = n.end
    return out + text[last:]


@pytest.fixture(scope="module")
def analysed(demo, tmp_path_factory, real_settings):
    """The demo stream analysed once into a fresh catalog (real whisper-base, e5-small)."""
    from indexes.catalog import Catalog
    from tools.analysis.pipeline import analyze
    from tools.core.schema import load_facts

    home = tmp_path_factory.mktemp("home")
    (home / "models").symlink_to(real_settings.models_dir)
    settings = real_settings.model_copy(update={"home": home})
    facts = [load_facts(f) for f in demo.facts]
    with Catalog.open(settings) as cat:
        first = analyze(demo.video, settings, cat, facts=facts)
        again = analyze(demo.video, settings, cat, facts=facts)
    return first, again, settings


def test_sentences_have_the_scripted_words_at_the_scripted_times(analysed, demo, capsys):
    a = analysed[0].analysis
    assert a.language == "en"
    lines = demo.lines
    hits = 0
    words = [w for s in a.sentences for w in s.words]
    for line in lines:  # the words recognised during this line's time are its words (numbers by value)
        said = " ".join(w.text.strip() for w in words if line["start"] <= (w.start + w.end) / 2 < line["end"])
        hits += wer(_digits(line["text"]), _digits(said)) <= 0.25
    heard = " ".join(s.text for s in a.sentences)
    overall = wer(_digits(" ".join(ln["text"] for ln in lines)), _digits(heard))
    with capsys.disabled():
        print(f"\ndemo: {hits}/{len(lines)} lines recognised (WER <= 0.25 each, numbers compared by value); "
              f"overall WER {overall:.3f} ({wer(' '.join(ln['text'] for ln in lines), heard):.3f} with "
              "'fourteen' vs '14' counted as an error)")
    assert hits >= 0.85 * len(lines)
    assert overall <= 0.12
    texts = " ".join(s.text for s in a.sentences)
    assert "Aurora Espresso Blend" in texts and "Deep Field Space Poster Set" in texts  # names spelled right
    assert all(s.words and s.start <= s.words[0].start + 1e-6 for s in a.sentences)


def test_shots_scenes_and_product_segments_match_the_truth(analysed, demo):
    a = analysed[0].analysis
    shot_score = score_boundaries([s.start for s in a.shots[1:]], demo.truth["shot_boundaries"])
    assert shot_score.f1 >= 0.9
    assert a.scenes and a.scenes[0].start == 0 and a.scenes[-1].end == pytest.approx(a.video.duration, abs=0.1)
    for sc in a.scenes[1:]:  # a scene boundary never cuts a sentence in half
        assert not any(s.start + 0.25 < sc.start < s.end - 0.25 for s in a.sentences), sc
    assert len(a.scenes) < len(a.shots)
    for truth in demo.truth["segments"]:
        mine = [s for s in a.segments if s.product == truth["product"]]
        assert len(mine) == 1, f"{truth['product']}: {a.segments}"
        assert abs(mine[0].start - truth["start"]) <= 20 and abs(mine[0].end - truth["end"]) <= 20


def test_every_sentence_gets_speech_tags(analysed, demo):
    from tools.analysis.tags import group_of

    a = analysed[0].analysis
    assert a.sentences and all(s.tags for s in a.sentences)
    assert all(0 < v <= 1 for s in a.sentences for v in s.tags.values())
    right = 0
    for line in demo.lines:  # the sentence spoken in the middle of the line: its top tag's benchmark label
        mid = (line["start"] + line["end"]) / 2
        s = next((s for s in a.sentences if s.start <= mid <= s.end + 0.3), None)
        right += s is not None and group_of(max(s.tags, key=s.tags.get)) == group_of(line["tag"])
    assert right >= 0.5 * len(demo.lines)


def test_clips_are_stored_and_found_by_meaning(analysed):
    from indexes.catalog import Catalog
    from tools.analysis.search import search_clips

    a = analysed[0].analysis
    settings = analysed[2]
    assert a.clips and all(c.end > c.start for c in a.clips) and a.clips[0].start == 0
    assert any("$24.90" in c.screen_text for c in a.clips)  # the price sticker, read on screen
    assert any("Deep Field Space Poster Set" in c.screen_text for c in a.clips)
    coffee = [c for c in a.clips if c.product == "Aurora Espresso Blend"]
    assert any(c.concepts.get("espresso", 0) >= 0.5 for c in coffee)  # ImageNet sees the coffee close-ups
    assert any("person" in c.concepts for c in a.clips) and any("product shot" in c.concepts for c in a.clips)
    assert all(a.clips[i].end <= a.clips[i + 1].start + 1e-6 for i in range(len(a.clips) - 1))
    queries = {"grinding coffee beans for a double espresso": "Aurora Espresso Blend",
               "close-up of the product being applied": "Aurora Espresso Blend",
               "chocolate and caramel taste with low bitterness": "Aurora Espresso Blend",
               "big prints of galaxies to hang on the wall": "Deep Field Space Poster Set"}
    with Catalog.open(settings) as cat:
        for query, product in queries.items():
            hits = search_clips(query, settings, cat, k=3)
            assert hits and hits[0].clip.product == product, (query, [(h.clip.text, h.reasons) for h in hits])
            assert hits[0].reasons and hits[0].score >= hits[-1].score
        only = search_clips("price", settings, cat, k=5, product="Deep Field Space Poster Set", tags=["price"])
        assert only and all(h.clip.product == "Deep Field Space Poster Set" for h in only)


def test_concepts_see_the_presenter_not_the_product_photos(analysed, demo):
    """People come from mediapipe: the presenter's shots have a person, the product photos do not;
    every shot keeps its three window frames for the learned highlight model."""
    from indexes.catalog import Catalog

    a = analysed[0].analysis
    with Catalog.open(analysed[2]) as cat:
        concepts = cat.get_part(a.video.id, "concepts", a.versions["concepts"]).data
        window = cat.get_array(a.video.id, "concepts", a.versions["concepts"], "window")
    assert window.shape == (len(a.shots), 3, 36, 64, 3) and window.std() > 10
    presenter = photo = 0
    for line in demo.lines:
        mid = (line["shot_start"] + line["end"]) / 2
        i = next(k for k, s in enumerate(a.shots) if s.start <= mid < s.end)
        if line["visual"].startswith("photo:") and "astronaut" not in line["visual"]:  # she is a person
            photo += 1
            assert "person" not in concepts[i]["keywords"], (line["visual"], concepts[i])
        elif line["visual"] == "presenter":
            presenter += "person" in concepts[i]["keywords"]
    assert photo and presenter >= 0.8 * sum(ln["visual"] == "presenter" for ln in demo.lines)


def test_highlights_rank_product_demos_above_chat(analysed, demo, capsys):
    from evals.highlights import evaluate

    report = analysed[0]
    a = report.analysis
    assert len(report.highlights) == len(a.shots)
    assert all(0 <= h["score"] <= 1 and 0 <= h["crop_x"] <= 1 and 0 <= h["crop_y"] <= 1 for h in report.highlights)
    result = evaluate(a.shots, demo.lines, [h["score"] for h in report.highlights], [0.0] * len(a.shots))
    with capsys.disabled():
        print(f"\nhighlights on the demo: AP {result['scorer']['ap']:.3f} (uniform {result['uniform']['ap']:.3f}), "
              f"top-5 precision {result['scorer']['p5']:.2f}")
    assert result["scorer"]["ap"] >= result["uniform"]["ap"] + 0.25
    assert all("highlight" in c.scores for c in a.clips if c.shots)


def test_a_second_run_does_no_work(analysed):
    first, again, _ = analysed
    assert first.did_work and not again.did_work
    assert {s.status for s in again.steps} == {"cached"}
    assert again.analysis.model_dump() == first.analysis.model_dump()


def test_cli_summary_json_plot_and_nothing_to_do(analysed, demo, tmp_path, capsys):
    settings = analysed[2]
    facts = [x for f in demo.facts for x in ("--facts", str(f))]
    png = tmp_path / "structure.png"
    assert main(["--home", str(settings.home), "analyze", str(demo.video), *facts, "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    assert "nothing to do" in text and "Aurora Espresso Blend" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["--home", str(settings.home), "analyze", str(demo.video), *facts, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {s["status"] for s in data["steps"]} == {"cached"}
    assert [s["product"] for s in data["segments"] if s["product"]] == ["Aurora Espresso Blend",
                                                                       "Deep Field Space Poster Set"]


def test_bad_inputs_give_one_line_errors_and_no_audio_still_gets_shots(bad_corpus, tmp_path, real_settings, capsys):
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(real_settings.models_dir)
    for name in ("zero_byte.mp4", "text_named.mp4", "truncated.mp4", "folder.mp4"):
        before = bad_corpus[name].stat().st_mtime_ns
        assert main(["--home", str(home), "analyze", str(bad_corpus[name])]) == 1
        lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:") and name in lines[0], lines
        assert bad_corpus[name].stat().st_mtime_ns == before
    assert main(["--home", str(home), "analyze", str(bad_corpus["megamind_bugy.avi"]), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sentences"] == [] and len(data["shots"]) >= 3 and data["scenes"]
    assert any(s["step"] == "asr" and s["status"] == "skipped" for s in data["steps"])
    assert main(["--home", str(home), "analyze", str(tmp_path / "missing.mp4")]) == 1
    assert re.search(r"missing\.mp4: no such file", capsys.readouterr().err)
