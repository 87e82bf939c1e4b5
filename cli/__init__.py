"""``reelwright``: the terminal shell (thin: every command calls agent/, tools/, models/).

This module holds the root app, its global options (``--home``, ``--llm-base-url``,
``--verbose``), the settings every command gets (:class:`Session`) and the one error
handler (:class:`ReelwrightGroup`); one module per command group holds the commands
(``cli.ask``, ``cli.models``, ``cli.llm``, ``cli.analyze``, ``cli.search``, ``cli.guard``, ``cli.make``, ``cli.eval``,
``cli.train``, ``cli.studio``, ``cli.mcp``). ``main(argv)`` takes a list, so tests call it directly;
``python -m cli`` and the ``reelwright`` script run it. Importing this package loads no
model library: the commands import what they use.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from cli import analyze, ask, guard, llm, make, mcp, models, search, studio, template, train
from cli import eval as eval_cmds
from tools.core.errors import ReelwrightError

if TYPE_CHECKING:
    from models.settings import Settings

__all__ = ["app", "main", "Session", "ReelwrightGroup"]

err = Console(stderr=True)


class ReelwrightGroup(TyperGroup):
    """The root command group; it is also the one error handler.

    A :class:`~tools.core.errors.ReelwrightError` raised by any command becomes one red line,
    ``error: <message>``, and exit code 1. Anything else is our own bug and still raises.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReelwrightError as exc:
            from rich.markup import escape

            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None


class Session:
    """What the global options set for one command; ``ctx.obj`` of every command.

    :meth:`settings` builds the :class:`~models.settings.Settings` (the options override the
    ``REELWRIGHT_*`` environment) once, and makes them the settings of the planner tools
    (:func:`tools.api.using_settings`) until the command ends.
    """

    def __init__(self, ctx: click.Context, overrides: dict[str, Any]) -> None:
        self._ctx = ctx
        self.overrides = overrides
        self._settings: Settings | None = None

    def settings(self) -> Settings:
        """The command's settings (built on first use)."""
        if self._settings is None:
            from models.settings import Settings
            from tools.api import using_settings

            self._settings = Settings(**self.overrides)
            self._ctx.with_resource(using_settings(self._settings))
        return self._settings


app = typer.Typer(cls=ReelwrightGroup, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="reelwright: turn live streams, briefs and reference videos into grounded short ads.")


@app.callback()
def _root(ctx: typer.Context,
          home: Annotated[Path | None, typer.Option(help="Where models, catalog and caches live "
                                                         "(env REELWRIGHT_HOME).")] = None,
          llm_base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible LLM endpoint "
                                                                "(env REELWRIGHT_LLM_BASE_URL).")] = None,
          verbose: Annotated[bool, typer.Option("--verbose", envvar="REELWRIGHT_VERBOSE", show_envvar=False,
                                                help="Also show the model libraries' own log output "
                                                     "(env REELWRIGHT_VERBOSE=1).")] = False) -> None:
    from tools.core.quiet import cli_quiet

    ctx.with_resource(cli_quiet(verbose))
    ctx.obj = Session(ctx, {k: v for k, v in {"home": home, "llm_base_url": llm_base_url}.items() if v is not None})


# the order of `reelwright --help`: commands, then groups
app.command("ask")(ask.ask_cmd)
app.command("analyze")(analyze.analyze_cmd)
app.command("make")(make.make_cmd)
app.command("search")(search.search_cmd)
app.command("guard")(guard.guard_cmd)
app.command("app")(studio.app_cmd)
app.command("mcp")(mcp.mcp_cmd)
app.add_typer(template.group, name="template")
app.add_typer(models.group, name="models")
app.add_typer(llm.group, name="llm")
app.add_typer(eval_cmds.group, name="eval")
app.add_typer(train.group, name="train")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    try:
        app(args=argv if argv is not None else sys.argv[1:], prog_name="reelwright")
    except SystemExit as exc:  # typer/click always end this way in standalone mode
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
