"""The terminal shell: output shapes, exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest

from cli import main


def test_models_list_json_reports_every_model(capsys, real_settings):
    assert main(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["clip"]["state"] == "not-configured"
    assert rows["qwen2.5-coder-1.5b-instruct"]["license"] == "Apache-2.0"
    assert rows["qwen2.5-coder-1.5b-instruct"]["size"] == 1117320768
    assert all(r["state"] in ("present", "packaged", "not-configured") for r in rows.values())


def test_models_list_table_names_licence_and_status(capsys):
    assert main(["models", "list"]) == 0
    text = capsys.readouterr().out
    assert "whisper-base" in text and "Apache-2.0" in text and "not-configured" in text


def test_verify_unknown_model_is_one_clear_line(capsys):
    assert main(["models", "verify", "gpt-17"]) == 1
    err = capsys.readouterr().err
    assert "unknown model 'gpt-17'" in err and "Traceback" not in err


def test_verify_with_empty_home_says_what_to_do(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REELWRIGHT_HOME", str(tmp_path))
    # the split models are not assembled in an empty home: verify must fail and say how to fix it
    assert main(["models", "verify", "qwen2.5-coder-0.5b-instruct"]) == 1
    captured = capsys.readouterr()
    assert "packaged" in captured.out and "reelwright models pull" in captured.err


@pytest.mark.parametrize("content, message", [
    (None, "cannot read JSON schema"),
    ("{not json", "is not valid JSON"),
    ('{"type": "bogus"}', "is not a valid JSON schema"),
])
def test_bad_schema_file_is_reported(tmp_path, capsys, content, message):
    path = tmp_path / "schema.json"
    if content is not None:
        path.write_text(content)
    assert main(["llm", "chat", "--json-schema", str(path), "hi"]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_unreachable_remote_server_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("REELWRIGHT_LLM_TIMEOUT", "3")
    code = main(["--llm-base-url", "http://127.0.0.1:9/v1", "llm", "chat", "--no-stream", "hi"])
    assert code == 1
    err = capsys.readouterr().err
    assert "cannot reach the LLM server at http://127.0.0.1:9/v1" in err


def test_usage_error_exit_code(capsys):
    assert main(["llm", "chat", "--max-tokens", "0", "hi"]) == 2
