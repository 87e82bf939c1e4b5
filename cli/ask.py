"""``reelwright ask``: one request through the planner agent, without the browser."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["ask_cmd"]

err = Console(stderr=True, highlight=False)


def ask_cmd(ctx: typer.Context,
            request: Annotated[str, typer.Argument(help='What to do, e.g. "make a 15s ad for the espresso".')],
            attach: Annotated[list[Path] | None, typer.Option(
                "--attach", "-a", help="A file the request is about: the stream video, a fact sheet (repeatable).")] = None,
            out: Annotated[Path | None, typer.Option(
                "-o", "--out", help="Working folder: every file is written here (default out/ask/<time>). "
                                    "Give an earlier one to continue its ad (\"make it 10 seconds\").")] = None,
            as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as one JSON object.")] = False,
            model: Annotated[str | None, typer.Option(help="The planner LLM (default: the settings' model).")] = None,
            ) -> None:
    """Run one request through the agent: it calls the tools (analyse, plan, narrate, render, revise) and
    answers. --json prints {"reply", "steps": [{"tool", "args", "ok", "seconds"}], "files", "fallback"}."""
    from agent import Agent
    from agent.events import StepFinished, StepStarted, Token, TurnDone

    folder = out if out is not None else Path("out/ask") / time.strftime("%Y%m%d-%H%M%S")
    agent = Agent(ctx.obj.settings(), folder, model=model)
    if attach:
        for line in agent.attach(attach):
            err.print(f"[dim]attached {escape(line)}[/dim]")
    done = None
    for event in agent.stream(request):
        if isinstance(event, StepStarted):
            err.print(f"[cyan]> {event.tool}[/cyan] [dim]{escape(json.dumps(event.args, ensure_ascii=False))[:200]}[/dim]")
        elif isinstance(event, StepFinished):
            status = "[green]ok[/green]" if event.ok else f"[red]error[/red] {escape(event.error or '')}"
            err.print(f"  {event.tool} {status} ({event.seconds:.1f} s)")
        elif isinstance(event, Token) and not as_json:
            sys.stdout.write(event.text)
            sys.stdout.flush()
        elif isinstance(event, TurnDone):
            done = event
    assert done is not None
    if as_json:
        sys.stdout.write(json.dumps(done.as_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write("\n")
        for f in done.files:
            err.print(f"[dim]wrote {escape(f)}[/dim]")
