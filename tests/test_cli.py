"""The terminal shell: output shapes, exit codes, one-line errors, --verbose and where training writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cli.train
from cli import main
from tools.core.errors import ReelwrightError, RenderError, VoiceError


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


# ------------------------------------------------------------------ the package and its one error handler


def test_importing_cli_loads_no_model_library():
    code = ("import sys, cli; heavy = {'torch', 'numpy', 'cv2', 'mediapipe', 'gradio', 'langchain_core', "
            "'models.settings', 'indexes', 'tools.analysis'}; print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_python_dash_m_cli_runs_the_same_app():
    done = subprocess.run([sys.executable, "-m", "cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for name in ("analyze", "make", "search", "app", "models", "llm", "eval", "train", "--verbose", "--home"):
        assert name in done.stdout, name


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


def test_missing_video_is_one_line_and_exit_1(tmp_path, capsys):
    assert main(["--home", str(tmp_path / "home"), "analyze", str(tmp_path / "missing.mp4")]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "missing.mp4" in line and "no such file" in line


def test_bad_fact_sheet_is_one_line_and_exit_1(tmp_path, capsys):
    facts = tmp_path / "facts.json"
    facts.write_text("{not json")
    assert main(["--home", str(tmp_path / "home"), "analyze", str(tmp_path / "v.mp4"), "--facts", str(facts)]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "facts.json" in line and "not JSON" in line


def _chat_raising(monkeypatch, exc: BaseException, seen: dict | None = None) -> None:
    """Make `llm chat` fail inside the command with ``exc`` (recording what the command saw)."""
    import models.llm

    def boom(settings, **kwargs):
        from tools.api import current_settings
        from tools.core.quiet import is_verbose

        if seen is not None:
            seen.update(home=settings.home, tools_home=current_settings().home, verbose=is_verbose())
        raise exc

    monkeypatch.setattr(models.llm, "get_chat_model", boom)


@pytest.mark.parametrize("exc", [RenderError("ffmpeg said: no space left on device"), VoiceError("no voice [zh]"),
                                 ReelwrightError("any subclass, even one the CLI never heard of")])
def test_any_reelwright_error_becomes_one_red_line(monkeypatch, capsys, exc):
    _chat_raising(monkeypatch, exc)
    assert main(["llm", "chat", "--no-stream", "hi"]) == 1
    assert _one_error_line(capsys.readouterr().err) == f"error: {exc}"


def test_the_cli_and_the_tools_get_the_home_of_the_flag(monkeypatch, tmp_path, capsys):
    seen: dict = {}
    _chat_raising(monkeypatch, ReelwrightError("stop"), seen)
    assert main(["--home", str(tmp_path / "h"), "llm", "chat", "--no-stream", "hi"]) == 1
    assert seen["home"] == seen["tools_home"] == tmp_path / "h"


def test_our_own_bugs_still_raise(monkeypatch):
    _chat_raising(monkeypatch, ZeroDivisionError("a bug"))
    with pytest.raises(ZeroDivisionError):
        main(["llm", "chat", "--no-stream", "hi"])


@pytest.mark.parametrize("argv, env, verbose", [([], None, False), (["--verbose"], None, True),
                                                ([], "1", True), ([], "0", False)])
def test_verbose_flag_and_env(monkeypatch, capsys, argv, env, verbose):
    from tools.core import quiet

    if env is None:
        monkeypatch.delenv("REELWRIGHT_VERBOSE", raising=False)
    else:
        monkeypatch.setenv("REELWRIGHT_VERBOSE", env)
    seen: dict = {}
    _chat_raising(monkeypatch, ReelwrightError("stop"), seen)
    assert main([*argv, "llm", "chat", "--no-stream", "hi"]) == 1
    assert seen["verbose"] is verbose
    assert quiet._verbose is None  # the command's setting ends with the command


# ------------------------------------------------------------------ train writes outside the package


def _tiny_ads(path: Path) -> Path:
    ads = [{"product": "口红", "facts": {}, "clips": [{"labels": ["产品推荐"], "chars": [8, 12], "narration": "这支口红我真的爱了。"},
                                                     {"labels": ["引导购买"], "chars": [6, 10], "narration": "点击下方购买。"}]},
           {"product": "面霜", "facts": {}, "clips": [{"labels": ["产品推荐"], "chars": [8, 12], "narration": "这款面霜很好用。"}]}]
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ads), encoding="utf-8")
    return path


def _shipped_bytes() -> dict[str, bytes]:
    from importlib import resources

    data = Path(str(resources.files("tools") / "data"))
    return {p.name: p.read_bytes() for p in sorted(data.iterdir()) if p.is_file()}


def test_train_writes_under_out_by_default_and_leaves_the_package_alone(tmp_path, monkeypatch, capsys):
    data = _tiny_ads(tmp_path / "ads.jsonl")
    monkeypatch.chdir(tmp_path)
    before = _shipped_bytes()
    assert main(["train", "storyline", "--data", str(data)]) == 0
    written = tmp_path / "out" / "train" / "storyline_stats.json"
    assert json.loads(written.read_text(encoding="utf-8"))["ads"] == 2
    out = capsys.readouterr().out
    assert "out/train/storyline_stats.json" in out and "installed" not in out
    assert _shipped_bytes() == before


def test_train_out_flag_and_install(tmp_path, monkeypatch, capsys):
    data = _tiny_ads(tmp_path / "ads.jsonl")
    shipped = tmp_path / "pkg" / "data" / "storyline_stats.json"
    shipped.parent.mkdir(parents=True)
    shipped.write_text("old")
    monkeypatch.setattr(cli.train, "_shipped", lambda name: shipped.with_name(name))
    monkeypatch.chdir(tmp_path)
    assert main(["train", "storyline", "--data", str(data), "--out", str(tmp_path / "mine.json")]) == 0
    assert (tmp_path / "mine.json").is_file() and shipped.read_text() == "old"
    assert not (tmp_path / "out").exists()
    capsys.readouterr()
    assert main(["train", "storyline", "--data", str(data), "--install"]) == 0
    out = capsys.readouterr().out
    assert shipped.read_bytes() == (tmp_path / "out" / "train" / "storyline_stats.json").read_bytes()
    assert f"installed: {shipped}" in out


def test_no_train_command_defaults_into_the_package():
    import typer.main

    train = typer.main.get_command(cli.train.group)
    assert set(train.commands) == {"tags", "coherence", "highlight", "storyline", "factplan", "guard"}
    for name, command in train.commands.items():
        params = {p.name: p for p in command.params}
        out = next(p for p in command.params if "--out" in p.opts)
        assert out.default is None, name  # None: out/train/<name>
        assert params["install"].default is False, name
