"""``reelwright mcp``, driven by the official MCP SDK's own client over both transports.

The server runs as a real subprocess (``python -m cli mcp``) with the test session's home (see
conftest.py: a temporary REELWRIGHT_HOME whose models are the shared cache's) and a temporary
working folder; what comes back is checked by content, not just by shape.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from tests.servers import free_port, stop
from tools import TOOLS

ROOT = Path(__file__).resolve().parent.parent
SHEET = {"product": "Aurora Espresso Blend",
         "facts": {"price": ["$24.90 per 1 kg bag"], "roast": ["medium-dark roast", "notes of dark chocolate"]}}
TIMEOUT = 180  # seconds for one whole client session (the first check_facts loads the text model)


def _home() -> str:
    return os.environ["REELWRIGHT_HOME"]  # set by conftest.py for the whole session


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("REELWRIGHT_LLM_BASE_URL", None)
    return env


@pytest.fixture
def workdir(tmp_path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "coffee.json").write_text(json.dumps(SHEET), encoding="utf-8")
    return work


def _payload(result) -> dict:
    """A call's JSON text content, parsed (and the structured content must say the same)."""
    assert len(result.content) == 1 and result.content[0].type == "text"
    got = json.loads(result.content[0].text)
    assert result.structured_content == (got if isinstance(got, dict) else {"result": got})
    return got


def _log(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""


def test_stdio_lists_the_tools_and_runs_them_in_the_workspace(workdir, tmp_path):
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, cwd=str(ROOT), env=_env(),
                                   args=["-m", "cli", "--home", _home(), "mcp", "--workdir", str(workdir)])
    log = tmp_path / "server.log"

    async def session() -> None:
        with anyio.fail_after(TIMEOUT), log.open("w", encoding="utf-8") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as s:
                init = await s.initialize()
                assert init.server_info.name == "reelwright"
                assert str(workdir) in (init.instructions or "")

                tools = {t.name: t for t in (await s.list_tools()).tools}
                assert set(tools) == set(TOOLS)
                make = tools["make_ad"].input_schema
                assert {"stream", "facts"} <= set(make["required"])
                assert "fact sheets" in make["properties"]["facts"]["description"]
                assert "live-stream video" in make["properties"]["stream"]["description"]
                for t in tools.values():  # every argument of every tool is described
                    assert t.description and "Args:" not in t.description
                    assert all(p.get("description") for p in t.input_schema["properties"].values()), t.name
                assert tools["check_facts"].annotations.read_only_hint is True
                assert tools["make_ad"].annotations.read_only_hint is False

                # a real fact check: the sheet's price is $24.90, the text says $19.90
                got = await s.call_tool("check_facts", {"text": "Medium-dark roast.\nOnly $19.90 per bag!",
                                                        "facts": "coffee.json"})
                assert not got.is_error, got.content
                checked = _payload(got)
                assert checked["product"] == "Aurora Espresso Blend" and checked["ok"] is False
                assert [line["ok"] for line in checked["lines"]] == [True, False]
                bad = [c for c in checked["lines"][1]["claims"] if not c["supported"]]
                assert bad and "19.9" in bad[0]["reason"] and "24.90" in bad[0]["reason"]

                # outside the workspace: a tool error (isError), not a crash of the server
                refused = await s.call_tool("describe_video", {"path": "/etc/passwd"})
                assert refused.is_error
                assert "refused" in _payload(refused)["error"] and "/etc/passwd" in _payload(refused)["error"]

                # arguments are checked against the schema before the tool runs
                wrong = await s.call_tool("check_facts", {"text": "hi", "facts": "coffee.json", "colour": "red"})
                assert wrong.is_error and "colour" in _payload(wrong)["error"]
                missing = await s.call_tool("check_facts", {"text": "hi"})
                assert missing.is_error and "facts" in _payload(missing)["error"]
                unknown = await s.call_tool("rm_rf", {})
                assert unknown.is_error and "unknown tool" in _payload(unknown)["error"]

                # the server is still alive after all of that
                assert len((await s.list_tools()).tools) == len(TOOLS)

    try:
        anyio.run(session)
    except BaseException:
        print(_log(log), file=sys.stderr)
        raise
    assert not (workdir / "ad1").exists()  # nothing was made by the checks


@pytest.fixture
def http_server(workdir, tmp_path):
    """``reelwright mcp --port N`` as a subprocess; yields (url, log file); always stopped after."""
    port = free_port()
    log = tmp_path / "http.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cli", "--home", _home(), "mcp", "--port", str(port),
                                 "--workdir", str(workdir)], cwd=ROOT, env=_env(), stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"reelwright mcp exited early ({proc.returncode}): {_log(log)}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"reelwright mcp did not listen in 60 s: {_log(log)}") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/mcp", log
    finally:
        stop(proc)


def test_streamable_http_serves_the_same_tools(http_server, workdir):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    url, log = http_server

    async def session() -> None:
        with anyio.fail_after(TIMEOUT):
            async with streamable_http_client(url) as (read, write), ClientSession(read, write) as s:
                await s.initialize()
                names = {t.name for t in (await s.list_tools()).tools}
                assert names == set(TOOLS)
                got = await s.call_tool("list_library", {})
                assert not got.is_error, got.content
                library = _payload(got)
                assert library["workdir"] == str(workdir.resolve())
                assert [sheet["product"] for sheet in library["fact_sheets"]] == ["Aurora Espresso Blend"]
                assert library["ads"] == []

    try:
        anyio.run(session)
    except BaseException:
        print(_log(log), file=sys.stderr)
        raise


def test_http_on_the_network_needs_allow_remote(capsys):
    from cli import main

    assert main(["mcp", "--port", "8765", "--host", "0.0.0.0"]) == 1
    assert "--allow-remote" in capsys.readouterr().err
    assert main(["mcp", "--host", "127.0.0.1"]) == 1  # --host without --port: stdio has no host
    assert "--port" in capsys.readouterr().err


def test_calls_run_in_a_worker_thread_with_progress_and_survive_our_bugs(monkeypatch, tmp_path):
    """In-process (the SDK's in-memory client): progress lines reach the client as progress
    notifications, the tool runs off the event loop in the session's workspace, and a bug of ours
    is one error result, not a dead server."""
    import threading

    from mcp import Client

    from cli.mcp import build_server
    from models.settings import Settings
    from tools.api import context

    def list_library() -> dict:
        """What there is to work with."""
        context.say("reading the catalog")
        context.say("listing the sheets")
        return {"thread": threading.current_thread().name, "workdir": str(context.current_workspace().workdir)}

    def describe_video(path: str) -> dict:
        """What the catalog knows about a video.

        Args:
            path: the video file.
        """
        raise KeyError("a bug of ours")

    monkeypatch.setattr("tools.api.library.list_library", list_library)
    monkeypatch.setattr("tools.api.library.describe_video", describe_video)
    server = build_server(Settings(), tmp_path)
    heard: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append((progress, message))

    async def session() -> None:
        with anyio.fail_after(60):
            async with Client(server) as c:
                got = await c.call_tool("list_library", {}, progress_callback=on_progress)
                assert not got.is_error
                out = _payload(got)
                assert out["thread"] != threading.current_thread().name and out["workdir"] == str(tmp_path)
                broken = await c.call_tool("describe_video", {"path": "x.mp4"})
                assert broken.is_error and "KeyError" in _payload(broken)["error"]
                assert len((await c.list_tools()).tools) == len(TOOLS)

    anyio.run(session)
    assert heard == [(1, "reading the catalog"), (2, "listing the sheets")]


def test_the_cli_loads_the_sdk_only_when_the_command_runs():
    code = ("import sys, cli; print(sorted(m for m in ('mcp', 'mcp_types', 'uvicorn', 'starlette', 'langchain_core') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
