"""Speech tags: the taxonomy, the hand-rolled TF-IDF, training, the model file, the LLM second opinion."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from tools.analysis.tags import (
    DEFAULT_MODEL,
    TagError,
    TagModel,
    fit,
    group_of,
    groups,
    second_opinion,
    tag_ids,
    taxonomy,
    training_set,
)


def fake_embed(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in for e5 in unit tests: hashed character bigrams, unit length."""
    out = np.zeros((len(texts), 384), np.float32)
    for r, t in enumerate(texts):
        for i in range(len(t) - 1):
            out[r, int(hashlib.md5(t[i:i + 2].encode()).hexdigest(), 16) % 384] += 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)


def test_taxonomy_has_21_tags_each_mapped_onto_a_benchmark_label():
    assert len(tag_ids()) == 21 and len(set(tag_ids())) == 21
    assert {group_of(t) for t in tag_ids()} <= set(groups())
    assert {t for t in tag_ids() if group_of(t) == "引导购买"} >= {"price", "promotion", "call_to_action"}
    assert all(t.zh and t.en and t.definition and len(t.examples) >= 2 for t in taxonomy())


def test_tfidf_equals_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["买二送一，今晚下单再送小样", "Click  the CART now!", "质地清爽 不黏腻", "这款精华液真的很好用"] * 2
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=True).fit(texts)
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
    g = len(groups())
    m = TagModel(vocab, vec.idf_, groups(), np.zeros((g, 1)), np.zeros(g), np.zeros((21, 1)), np.zeros(21))
    assert np.allclose(m.tfidf(texts), vec.transform(texts).toarray(), atol=1e-6)


RECORDS = [
    {"product": f"p{k}", "facts": {"活动优惠": ["买一送一"], "成分/材质": ["玻尿酸"]},
     "clips": [{"index": 1, "total": 3, "chars": [5, 20], "labels": ["引导购买"], "narration": f"今天买一送一，赶紧下单{k}"},
               {"index": 2, "total": 3, "chars": [5, 20], "labels": ["质地/成分/材质"], "narration": f"添加玻尿酸，质地清爽{k}"},
               {"index": 3, "total": 3, "chars": [5, 20], "labels": ["产品功效"], "narration": f"用完皮肤水润透亮{k}"}]}
    for k in range(6)
]
TEACHER = [{"text": "Hello everyone, welcome to the stream", "tag": "greeting_interaction"},
           {"text": "The price tonight is only 29 dollars", "tag": "price"},
           {"text": "Buy one get one free tonight", "tag": "promotion"},
           {"text": "Click the link and order now", "tag": "call_to_action"}] * 3


def test_training_predicting_saving_and_loading(tmp_path):
    data = training_set(RECORDS, TEACHER, groups())
    assert len(data.texts) == 18 + sum(len(t.examples) for t in taxonomy()) + len(TEACHER)
    model = fit(data, fake_embed(data.texts), groups())
    path = model.save(tmp_path / "tags.npz")
    loaded = TagModel.load(path)
    texts = ["今天买一送一，赶紧下单", "添加玻尿酸，质地清爽", "The price tonight is only 19 dollars"]
    scores = loaded.predict(texts, fake_embed, [RECORDS[0]["facts"], RECORDS[0]["facts"], None])
    assert scores.shape == (3, 21) and np.all((scores >= 0) & (scores <= 1))
    ids = tag_ids()
    assert group_of(ids[int(scores[0].argmax())]) == "引导购买"
    assert ids[int(scores[1].argmax())] == "texture_ingredients_material"
    assert ids[int(scores[2].argmax())] == "price"
    assert np.allclose(scores, model.predict(texts, fake_embed, [RECORDS[0]["facts"]] * 2 + [None]), atol=2e-3)
    by_label = loaded.group_scores(texts, fake_embed, [RECORDS[0]["facts"], RECORDS[0]["facts"], None])
    # a label's score is the sum of its tags' scores (the taxonomy says which tags a label has)
    summed = np.stack([scores[:, [group_of(t) == g for t in ids]].sum(axis=1) for g in groups()], axis=1)
    assert by_label.shape == (3, len(groups())) and np.allclose(by_label, summed, atol=1e-5)
    assert groups()[int(by_label[0].argmax())] == "引导购买" and groups()[int(by_label[1].argmax())] == "质地/成分/材质"


def test_missing_or_damaged_model_file_is_a_named_error(tmp_path):
    with pytest.raises(TagError, match="missing"):
        TagModel.load(tmp_path / "none.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(TagError, match="damaged"):
        TagModel.load(bad)


def test_llm_second_opinion_only_for_unsure_sentences():
    from models.llm import get_chat_model
    from models.settings import Settings
    from tests.scripted import ScriptedTransport

    t = ScriptedTransport([json.dumps({"tags": ["chit_chat"]})])
    llm = get_chat_model(Settings(), model="scripted", transport=t)
    scores = np.zeros((2, 21), np.float32)
    scores[0, tag_ids().index("price")] = 0.9  # sure: not asked
    scores[1, tag_ids().index("price")] = 0.2  # unsure: asked
    new, asked = second_opinion(["It costs 9.", "My dog is asleep."], scores, llm)
    assert asked == 1 and len(t.requests) == 1 and "My dog is asleep." in json.dumps(t.requests[0])
    assert new[1, tag_ids().index("chit_chat")] == pytest.approx(0.6) and new[0].argmax() == scores[0].argmax()


@pytest.mark.slow
def test_shipped_model_tags_the_demo_lines(real_settings, demo, capsys):
    from models.loaders import text_embedder

    model = TagModel.load(DEFAULT_MODEL)
    lines = demo.lines
    scores = model.predict([ln["text"] for ln in lines], text_embedder(real_settings).passage)
    ids = tag_ids()
    top = [ids[int(r.argmax())] for r in scores]
    tag_acc = np.mean([t == ln["tag"] for t, ln in zip(top, lines, strict=True)])
    group_acc = np.mean([group_of(t) == group_of(ln["tag"]) for t, ln in zip(top, lines, strict=True)])
    with capsys.disabled():
        print(f"\ndemo stream lines (English, 21-tag truth): tag top-1 {tag_acc:.2f}, benchmark-label top-1 {group_acc:.2f}")
    assert group_acc >= 0.5 and tag_acc >= 0.35


def test_lines_labelled_only_with_their_script_label_train_the_label_not_the_tag(tmp_path):
    from evals.tags import read_lines

    path = tmp_path / "lines.jsonl"
    path.write_text('{"text": "Made in our own factory in Porto", "label": "production", "product": "mug"}\n'
                    '{"text": "It feels like silk", "label": "质地/成分/材质", "product": "scarf"}\n', encoding="utf-8")
    rows = read_lines(path)
    data = training_set([], rows, groups())
    taught = data.texts.index("Made in our own factory in Porto")
    assert data.tags[taught] == -1  # no tag was given: only the label is learnt
    assert [g for g, on in zip(groups(), data.groups[taught], strict=True) if on] == ["生产过程"]
    assert [g for g, on in zip(groups(), data.groups[data.texts.index("It feels like silk")], strict=True)
            if on] == ["质地/成分/材质"]


def test_a_bad_labelled_line_is_named_by_its_line_number(tmp_path):
    from evals.tags import read_lines
    from tools.core.errors import DataError

    path = tmp_path / "lines.jsonl"
    path.write_text('{"text": "Fine", "label": "general"}\n{"text": "Odd", "label": "vibes"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"lines.jsonl:2: .*vibes"):
        read_lines(path)


@pytest.mark.slow
def test_shipped_model_reads_held_out_english_lines_as_their_label(real_settings, capsys):
    """English voice-over lines about products the training lines never name (evals/data/tag_lines_en_test.jsonl).

    The model learnt from Chinese ads only read 22 % of them right; the hand-written English lines fix that.
    """
    from evals.tags import evaluate, lines_as_records, read_lines
    from models.loaders import text_embedder

    test = read_lines(Path(__file__).resolve().parents[1] / "evals" / "data" / "tag_lines_en_test.jsonl")
    trained_on = {r["product"] for r in read_lines()}
    assert len(test) >= 120 and not trained_on & {r["product"] for r in test}
    report = evaluate(lines_as_records(test), text_embedder(real_settings).passage)
    with capsys.disabled():
        print(f"\nheld-out English lines: label top-1 {report['top1']:.2f}, macro F1 {report['macro_f1']:.2f}")
    assert report["top1"] >= 0.75
    assert min(row["f1"] for row in report["per_label"].values()) >= 0.5
