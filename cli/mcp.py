"""``reelwright mcp``: serve the planner tools (``tools.TOOLS``) to any MCP client.

Without ``--port`` the server speaks the Model Context Protocol over stdio (what a desktop
client or an editor starts); with ``--port`` it serves streamable HTTP at
``http://HOST:PORT/mcp``. It is built on the official SDK's low-level server (``mcp``, imported
only when the command runs), so each tool is listed with exactly the schema the in-app planner
sees: LangChain's, from the signature and the docstring's Args section.

Every call runs inside :func:`tools.api.using_settings` with this command's settings and one
working folder (``--workdir``, default ``home/work``): paths outside it, the library, the
catalog's videos and ``--allow`` are refused. The tools are sync and may take minutes, so a
call runs in a worker thread (the server keeps answering pings and listings); calls run one at
a time (the models behind them are loaded once and shared). A tool's ``{"error": ...}`` result
comes back with ``isError`` set; its progress lines go to stderr and, when the client asked
(a progress token), as ``notifications/progress``.

The server has no authentication: over HTTP anyone who reaches the port can call the tools, so
a host other than loopback is refused unless ``--allow-remote`` (then a warning is printed).
See docs/mcp.md.
"""

from __future__ import annotations

import ipaddress
import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from tools.core.errors import UsageError

if TYPE_CHECKING:
    from models.settings import Settings

__all__ = ["mcp_cmd", "ToolSpec", "tool_specs", "build_server"]

err = Console(stderr=True)

# tools that change nothing (hints for the client: e.g. it may call them without asking the user)
READ_ONLY = frozenset({"describe_video", "search_clips", "list_library", "check_facts"})
_LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]


def mcp_cmd(ctx: typer.Context,
            port: Annotated[int | None, typer.Option(min=1, max=65535, help="Serve streamable HTTP on this port "
                                                     "(at /mcp); without it: stdio.")] = None,
            host: Annotated[str | None, typer.Option(help="Address to serve HTTP on (default 127.0.0.1; another "
                                                          "needs --allow-remote).")] = None,
            workdir: Annotated[Path | None, typer.Option(help="The tools' working folder: outputs go here, inputs "
                                                              "are read from here (default: home/work).")] = None,
            allow: Annotated[list[Path] | None, typer.Option(help="Another file or folder the tools may read "
                                                                  "(repeatable), e.g. your videos.")] = None,
            allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Serve HTTP on a non-loopback "
                                                       "address: the tools (no auth) are then reachable by anyone "
                                                       "on the network.")] = False) -> None:
    """Serve the planner tools to an MCP client: over stdio, or streamable HTTP at http://HOST:PORT/mcp."""
    if port is None and (host is not None or allow_remote):
        raise UsageError("--host and --allow-remote are for HTTP: give --port too (without it the server speaks stdio)")
    host = host or "127.0.0.1"
    if port is not None and not _is_loopback(host):
        if not allow_remote:
            raise UsageError(f"--host {host}: the MCP server has no authentication, so anyone on the network could "
                             f"run the tools; pass --allow-remote to serve there anyway")
        err.print(f"[yellow]warning:[/yellow] serving on {host}: the tools (no authentication) are reachable by "
                  f"anyone who can reach port {port}", highlight=False, soft_wrap=True)
    settings = ctx.obj.settings()
    folder = (workdir if workdir is not None else settings.home / "work").expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    server = build_server(settings, folder, allow=tuple(allow or ()))
    try:
        if port is None:
            _serve_stdio(server)
        else:
            _serve_http(server, host, port, folder)
    except KeyboardInterrupt:
        pass


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ------------------------------------------------------------------ the tools, as MCP sees them


@dataclass(frozen=True)
class ToolSpec:
    """One tool: the function, the model its arguments are validated with, its MCP listing."""

    fn: Callable[..., Any]
    args: type  # a pydantic model
    tool: Any  # mcp.types.Tool


def tool_specs() -> dict[str, ToolSpec]:
    """Every tool of ``tools.TOOLS`` with its MCP listing: the description (the docstring before its
    Args section) and the input schema, both as LangChain parses them for the planner."""
    from langchain_core.tools import StructuredTool
    from mcp import types

    from tools import TOOLS

    specs = {}
    for name in TOOLS:
        fn = TOOLS[name]
        lc = StructuredTool.from_function(fn, name=name, parse_docstring=True)
        model = lc.args_schema
        schema = model.model_json_schema()
        for key in ("title", "description"):  # the tool's own name and description say these
            schema.pop(key, None)
        schema.setdefault("properties", {})
        annotations = types.ToolAnnotations(read_only_hint=name in READ_ONLY,
                                            destructive_hint=False if name in READ_ONLY else None)
        specs[name] = ToolSpec(fn, model, types.Tool(name=name, description=" ".join(lc.description.split()),
                                                     input_schema=schema, annotations=annotations))
    return specs


def _result(out: Any) -> Any:
    """A tool's JSON-ready result as an MCP result: JSON text, structured content (an object: a list is
    wrapped as ``{"result": [...]}``), ``isError`` for an ``{"error": ...}``."""
    from mcp import types

    is_error = isinstance(out, dict) and isinstance(out.get("error"), str)
    return types.CallToolResult(content=[types.TextContent(type="text", text=json.dumps(out, ensure_ascii=False,
                                                                                         default=str))],
                                structured_content=out if isinstance(out, dict) else {"result": out},
                                is_error=is_error)


def _error(msg: str) -> Any:
    return _result({"error": msg})


def _bad_arguments(spec: ToolSpec, name: str, arguments: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The call's keyword arguments validated by the tool's schema, or the one-line problem."""
    from pydantic import ValidationError

    unknown = sorted(set(arguments) - set(spec.args.model_fields))
    if unknown:
        return None, (f"{name}: unknown argument(s) {', '.join(unknown)} "
                      f"(it takes: {', '.join(spec.args.model_fields) or 'none'})")
    try:
        model = spec.args.model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors())
        return None, f"{name}: bad arguments: {problems}"
    return {k: getattr(model, k) for k in model.model_fields_set}, None


def build_server(settings: Settings, workdir: Path, allow: tuple[Path, ...] = ()) -> Any:
    """The low-level MCP server (``mcp.server.Server``) whose tools run with ``settings`` in ``workdir``."""
    import anyio
    import anyio.from_thread
    import anyio.to_thread
    from mcp import types
    from mcp.server import Server

    from tools.api import using_settings

    specs = tool_specs()
    one_at_a_time = anyio.Lock()

    async def list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[s.tool for s in specs.values()])

    async def call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        name = params.name
        spec = specs.get(name)
        if spec is None:
            return _error(f"unknown tool {name!r} (the tools: {', '.join(specs)})")
        kwargs, problem = _bad_arguments(spec, name, params.arguments or {})
        if problem is not None:
            return _error(problem)
        steps = 0

        def progress(line: str) -> None:  # in the worker thread
            nonlocal steps
            steps += 1
            err.print(f"{name}: {line}", style="dim", highlight=False, markup=False)
            try:  # a no-op unless the client sent a progress token
                anyio.from_thread.run(ctx.session.report_progress, steps, None, line)
            except Exception:  # the client went away: the tool still finishes
                pass

        def run() -> Any:
            with using_settings(settings, workdir, allow=allow, progress=progress):
                return spec.fn(**kwargs)

        async with one_at_a_time:
            try:
                out = await anyio.to_thread.run_sync(run)
            except Exception as exc:  # our bug, not the caller's: keep serving, say it in one line
                err.print(traceback.format_exc(), highlight=False, markup=False)
                return _error(f"{name} failed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]} "
                              f"(a bug of reelwright: the server's log has the traceback)")
        return _result(out)

    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("reelwright")
    except PackageNotFoundError:
        ours = "0"
    return Server("reelwright", version=ours, title="reelwright",
                  instructions=(f"Video tools that make short e-commerce ads from live streams. Paths are read "
                                f"from and written to the working folder {workdir} (relative paths too); the "
                                f"library ({settings.home / 'library'}) and analysed videos are readable; other "
                                f"paths are refused. Start with list_library."),
                  get_tool_input_schema=lambda name: specs[name].tool.input_schema if name in specs else None,
                  on_list_tools=list_tools, on_call_tool=call_tool)


# ------------------------------------------------------------------ transports


def _serve_stdio(server: Any) -> None:
    import anyio
    from mcp.server.stdio import stdio_server

    async def serve() -> None:
        # stdio_server points fd 1 at stderr while it runs: a stray print of a library cannot break the wire
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(serve)


def _serve_http(server: Any, host: str, port: int, workdir: Path) -> None:
    import uvicorn
    from mcp.server.transport_security import TransportSecuritySettings

    security = None
    if _is_loopback(host):  # refuse DNS-rebinding: a web page in the user's browser must not reach the tools
        bracketed = f"[{host}]" if ":" in host else host
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=sorted({*_LOOPBACK_HOSTS, f"{bracketed}:*"}),
            allowed_origins=sorted({f"http://{h}" for h in _LOOPBACK_HOSTS} | {f"http://{bracketed}:*"}))
    app = server.streamable_http_app(host=host, transport_security=security)
    url_host = f"[{host}]" if ":" in host else host
    err.print(f"MCP server (streamable HTTP) at http://{url_host}:{port}/mcp, working folder {workdir} "
              f"(Ctrl-C to stop)", highlight=False, soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
