"""The narration harness: bad input, metrics, and a real run on 3 ads with the 0.5B model."""

from __future__ import annotations

import json

import pytest

from cli import main
from evals.datasets import esync_dev, read_records
from evals.metrics import caption_scores, coverage, fact_idf, repetition
from tools.guard.factguard import FactGuard
from tools.narration.narrate import Narration


def test_caption_metrics_reward_overlap():
    refs = {"a": "这款精华液质地轻薄，吸收很快。", "b": "姐妹们赶紧入手吧！"}
    good = caption_scores(refs, {"a": "这款精华液质地轻薄，吸收快。", "b": "姐妹们赶紧入手！"})
    bad = caption_scores(refs, {"a": "打印机复印很清楚。", "b": "哑铃可以调节重量。"})
    assert good["BLEU-1"] > bad["BLEU-1"] and good["CIDEr"] > bad["CIDEr"] and good["ROUGE-L"] > bad["ROUGE-L"]
    assert set(good) >= {"BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-L", "CIDEr"}


def test_coverage_and_repetition():
    facts = {"功效": ["抗初老", "提亮"], "活动优惠": ["双十一"]}
    idf = fact_idf([{"product": "x", "facts": facts}, {"product": "y", "facts": {"活动优惠": ["双十一"]}}])
    assert coverage(["抗初老，提亮！"], facts, idf) > coverage(["双十一快来！"], facts, idf) > 0
    assert repetition(["这款精华真的很好用", "这款精华真的很好用"]) == pytest.approx(0.5, abs=0.1)
    assert repetition(["这款精华真的很好用", "双十一赶紧下单"]) == 0


@pytest.mark.parametrize("content, message", [(None, "cannot read"), ("{oops\n", ":1: not JSON"),
                                              ('{"product": "x"}\n', 'needs "product"'),
                                              ('{"product": "x", "facts": {}, "clips": [{"labels": ["产品推荐"], '
                                               '"chars": [1]}]}\n', '"chars" must be [min, max]')])
def test_bad_data_file_is_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "ads.jsonl"
    if content is not None:
        path.write_text(content)
    assert main(["eval", "narration", "--data", str(path), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.slow
def test_real_run_on_three_ads(tmp_path, capsys):
    records = read_records(esync_dev(), limit=40)[10:13]
    data = tmp_path / "three.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["eval", "narration", "--data", str(data), "--model", "qwen2.5-coder-0.5b-instruct",
                 "--out", str(out), "--parallel", "2"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["ads"] == 3 and report["slots"] == sum(len(r["clips"]) for r in records)
    assert set(report["systems"]) == {"template", "template+plan", "retrieval", "llm", "llm+guard"}
    assert report["fact_plan"]["evaluated_products_seen"] == 3  # the shipped plan learned from all of dev
    d = report["systems"]["llm+guard"]
    for key in ("BLEU-1", "BLEU-4", "ROUGE-L", "CIDEr", "length_compliance", "unsupported_claim_rate",
                "unsupported_number_rate", "ad_law_flags_per_100_slots", "coverage", "repetition", "slots_per_minute"):
        assert key in d, key
    assert d["unsupported_number_rate"] == 0 and d["unsupported_numbers"] == 0
    # the 0.5B model's lines run short and a short line gets one neutral ending at most (no chains of
    # stock endings, issue 25): 0.87 measured on these 3 ads; the 1.5B model's 7-ad run: 0.957
    assert d["length_compliance"] >= 0.8
    assert "| (d) LLM + fact guard |" in (out / "report.md").read_text()
    same = report["same_product_human"]  # the two McDavid ads have each other's lines as the yardstick
    assert same["slots"] >= 5 and set(same["scores"]) == {"human", *report["systems"]}
    assert "| human, another ad of the product |" in (out / "report.md").read_text()
    boot = report["paired_bootstrap"]
    assert boot["ads"] == 3 and set(boot["pairs"]) == {"llm+guard vs template", "llm+guard vs retrieval"}
    assert "Paired bootstrap over the 3 ads" in (out / "report.md").read_text()
    # issue 25: the list-line measures for every system and the references, the lines, a reading sample
    assert {"list_line_rate", "fact_repeat_rate", "clause_repeat_rate"} <= set(d)
    assert set(report["reference_lists"]) == {"list_line_rate", "fact_repeat_rate", "clause_repeat_rate"}
    rows = [json.loads(x) for x in (out / "lines.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5 * report["slots"] and {r["system"] for r in rows} == {"a", "a'", "b", "c", "d"}
    assert all({"id", "slot", "labels", "system", "text", "reference"} <= set(r) for r in rows)
    assert "## Reading sample" in (out / "report.md").read_text()
    assert report["grammar"] is True and "under the fact grammar" in (out / "report.md").read_text()
    assert report["candidates"] == 2
    # every final line: no number the facts do not have; the grammar kept the planned facts verbatim
    with_facts = said = 0
    for rec in records:
        cached = next((out / "cache").rglob(f"{rec['id']}-given.json"))
        narration = Narration.model_validate_json(cached.read_text())
        guard = FactGuard(rec["product"], rec["facts"])
        for slot in narration.slots:
            assert guard.check(slot.text).unsupported_numbers == [], slot.text
            with_facts += bool(slot.facts)
            said += any(f in slot.raw for f in slot.facts)
            # two samples per slot; the line said is one the guard passed (when one did)
            assert len(slot.candidates) >= 2  # two samples, and a redraw when neither was clean
            passed = [c for c in slot.candidates if c.guard_ok and not c.repeats_earlier]
            # the line said is built from the samples (tidied, lengthened): never nothing
            assert passed is not None and slot.text.strip(), slot
    assert with_facts and said >= 0.9 * with_facts
    # resumable: a second run narrates nothing new
    capsys.readouterr()
    assert main(["eval", "narration", "--data", str(data), "--model", "qwen2.5-coder-0.5b-instruct",
                 "--out", str(out)]) == 0
    assert "all from cache" in capsys.readouterr().out


def test_cache_key_changes_with_the_narrator(monkeypatch):
    """A cached line is reused only by the same narrator: another fact plan or example file
    (or edited prompts or code) writes to a fresh directory instead of resuming stale lines."""
    from evals.narration import narrator_fingerprint
    from tools.narration.factplan import FactPlanModel

    plan = FactPlanModel.load()
    same = narrator_fingerprint(plan, "dev")
    assert same == narrator_fingerprint(FactPlanModel.load(), "dev") and len(same) == 12
    assert narrator_fingerprint(plan.model_copy(update={"bias": plan.bias + 1}), "dev") != same
    assert narrator_fingerprint(plan, "/data/other_examples.jsonl") != same
    assert narrator_fingerprint(plan, "dev", candidates=3) != same  # best of 3 is another narrator
    monkeypatch.setattr("evals.narration._NARRATOR_MODULES", ("tools.narration.narrate",))  # less code hashed: another key
    assert narrator_fingerprint(plan, "dev") != same


def test_same_product_lines_come_from_other_ads_of_the_product():
    from evals.baselines import SameProductLines
    from tools.narration.storyline import storyline_from_record

    ad = {"id": "a1", "product": "A牌口红", "facts": {"质地": ["丝绒雾面"]},
          "clips": [{"labels": ["产品推荐"], "chars": [8, 12], "narration": "这支口红我真的爱了。"},
                    {"labels": ["引导购买"], "chars": [6, 10], "narration": "快去下单吧。"}]}
    other = {"id": "a2", "product": "A牌口红", "facts": {},
             "clips": [{"labels": ["产品推荐"], "chars": [20, 30], "narration": "姐妹们，今天给大家推荐一支超好看的口红。"},
                       {"labels": ["产品推荐"], "chars": [8, 12], "narration": "A牌口红真的绝了。"}]}
    stranger = {"id": "b1", "product": "B牌面霜", "facts": {},
                "clips": [{"labels": ["引导购买"], "chars": [6, 10], "narration": "点击下方购买。"}]}
    assert len("这支口红我真的爱了。") == 10  # the budget's middle: its own line would win if allowed
    lines = SameProductLines([ad, other, stranger])(ad, storyline_from_record(ad))
    # the same label and the closest length from the product's other ad; never its own line or another product's
    assert lines == ["A牌口红真的绝了。", None]


def test_paired_bootstrap_tells_a_real_gap_from_none():
    from evals.metrics import paired_bootstrap

    lines = ["这款精华液质地轻薄，吸收很快。", "姐妹们赶紧入手吧！", "双十一下单立减五十。", "敏感肌也能放心用。"]
    refs, good, bad, groups = {}, {}, {}, {}
    for ad in range(6):
        for j, ref in enumerate(lines):
            key = f"ad{ad}#{j}"
            refs[key], groups[key] = ref, f"ad{ad}"
            good[key] = ref[:-1] + "哦。" if (ad + j) % 2 else ref
            bad[key] = "打印机复印很清楚，哑铃可以调节重量。"
    out = paired_bootstrap(refs, {"good": good, "bad": bad}, groups, [("good", "bad"), ("bad", "bad")], n=30)
    gap, none = out["good vs bad"], out["bad vs bad"]
    for metric in ("BLEU-4", "CIDEr"):
        assert gap[metric]["difference"] > 0 and gap[metric]["interval_95"][0] > 0
        assert gap[metric]["share_above"] == 1.0
        assert none[metric]["difference"] == 0 and none[metric]["share_above"] == 0
