"""`reelwright guard` and `reelwright eval guard`: the contract people (and held-out checks) rely on."""

from __future__ import annotations

import json

from cli import main

AURORA = {"product": "Aurora Espresso Blend", "aliases": ["Aurora"],
          "facts": {"price": ["$24.90 per 1 kg bag"], "size/spec": ["about 50 double shots per bag"],
                    "quality/features": ["roasted within 7 days of shipping"],
                    "production process": ["slow drum roasting for 14 minutes"]}}


def _sheet(tmp_path, data=AURORA, name="facts.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_json_lines_in_input_order_with_verdicts_and_exit_1(tmp_path, capsys):
    lines = ["Now only 7 dollars!", "Just $24.90 for a one-kilogram bag.", "Roasted 14 days ago."]
    assert main(["guard", "--facts", _sheet(tmp_path), "--json", *lines]) == 1
    got = json.loads(capsys.readouterr().out)
    assert [r["text"] for r in got] == lines
    assert [r["ok"] for r in got] == [False, True, False]
    bad = next(c for c in got[0]["claims"] if not c["supported"])
    assert "7 dollars" in bad["reason"] and "days" in bad["reason"]  # names both roles
    assert "minutes" in next(c["reason"] for c in got[2]["claims"] if not c["supported"])


def test_all_ok_is_exit_0_and_lines_come_from_a_file(tmp_path, capsys):
    lines = tmp_path / "script.txt"
    lines.write_text("About fifty double shots in every bag.\n\nAurora is roasted within seven days of shipping.\n")
    assert main(["guard", "--facts", _sheet(tmp_path), "--lines", str(lines)]) == 0
    out = capsys.readouterr().out
    assert out.count("ok  ") == 2 and "not ok" not in out


def test_bad_input_is_exit_2_with_one_line(tmp_path, capsys):
    cases = [["--facts", str(tmp_path / "missing.json"), "x"],
             ["--facts", _sheet(tmp_path, {"product": "a", "fatcs": {}}, "bad.json"), "x"],
             ["--facts", _sheet(tmp_path), "--lines", str(tmp_path / "none.txt")],
             ["--facts", _sheet(tmp_path)],
             ["--facts", _sheet(tmp_path, [AURORA, {**AURORA, "product": "Other"}], "two.json"), "x"]]
    for args in cases:
        assert main(["guard", *args]) == 2, args
        err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
        assert len(err) == 1 and err[0].startswith("error:"), (args, err)
    assert main(["guard", "--facts", _sheet(tmp_path, [AURORA, {**AURORA, "product": "Other"}], "two.json"),
                 "--product", "Aurora", "Now only 7 dollars!"]) == 1


def test_eval_guard_reports_recall_precision_and_false_alarms_per_rule(capsys):
    assert main(["eval", "guard", "--split", "dev", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["split"] == "dev" and got["overall"]["n"] >= 200
    assert {"recall", "precision", "false_alarm_rate"} <= set(got["overall"])
    assert {"price_role", "offer", "injection", "contradiction"} <= set(got["rules"])
    assert main(["eval", "guard", "--split", "nope"]) == 1
