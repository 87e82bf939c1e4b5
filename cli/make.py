"""``reelwright make``: a finished short ad cut from an analysed live stream."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tools.core.errors import UsageError

__all__ = ["make_cmd"]

out = Console()
err = Console(stderr=True)


def make_cmd(ctx: typer.Context,
             stream: Annotated[Path, typer.Option("--stream", help="The live stream to cut the ad from.")],
             facts: Annotated[list[Path], typer.Option("--facts", help="Fact sheet(s) of the products sold.")],
             out_dir: Annotated[Path, typer.Option("-o", "--out", help="Output folder (nothing is written elsewhere).")],
             brief: Annotated[str, typer.Option(help='What to make, e.g. "15s beauty ad, energetic".')] = "",
             duration: Annotated[float | None, typer.Option(help="Seconds (6 to 300; default 15 or the brief's).")] = None,
             aspect: Annotated[str | None, typer.Option(help="9:16 (default), 1:1 or 16:9.")] = None,
             product: Annotated[str | None, typer.Option(help="Which product of the stream (default: best covered).")] = None,
             audio: Annotated[str | None, typer.Option(help="original, voiceover or both (default: voice-over when an "
                                                            "offline voice speaks the language).")] = None,
             music: Annotated[Path | None, typer.Option(help="Music bed (audio file), ducked under speech.")] = None,
             no_music: Annotated[bool, typer.Option("--no-music", help="No music bed.")] = False,
             variants: Annotated[int | None, typer.Option(min=1, max=6, help="Storyline variants to rank and keep in "
                                                                             "plan.json (default 3).")] = None,
             render_all: Annotated[bool, typer.Option("--render-all", help="Render every ranked variant.")] = False,
             draft: Annotated[bool, typer.Option("--draft", help="Quicker render (x264 ultrafast, larger file) "
                                                              "to iterate.")] = False,
             language: Annotated[str | None, typer.Option(help="zh or en (default: the stream's).")] = None) -> None:
    """Make a finished short ad from an analysed live stream (analyses it first when needed)."""
    from indexes.catalog import Catalog
    from tools.production.make import make_ad

    if aspect is not None and aspect not in ("9:16", "1:1", "16:9"):
        raise UsageError(f"--aspect {aspect}: use 9:16, 1:1 or 16:9")
    if audio is not None and audio not in ("original", "voiceover", "both"):
        raise UsageError(f"--audio {audio}: use original, voiceover or both")
    if music is not None and not music.is_file():
        raise UsageError(f"--music {music}: no such file")
    settings = ctx.obj.settings()
    with Catalog.open(settings) as cat:
        res = make_ad(stream, facts, brief, out_dir, settings, cat, render_all=render_all, draft=draft,
                      progress=lambda msg: err.print(msg, style="dim", highlight=False, markup=False),
                      duration=duration, aspect=aspect, product=product, audio=audio,
                      music_path=str(music.resolve()) if music else None, music=False if no_music else None,
                      variants=variants, language=language)
    plan = res.plan
    table = Table("#", "storyline", "score", "facts", "footage", "highl.", "coher.", "divers.",
                  title=f"{plan['segment']['product']}: {plan['spec']['duration']:g} s {plan['spec']['aspect']} ad, "
                        f"{plan['audio']} audio")
    for i, v in enumerate(plan["variants"]):
        sc = v["scores"]
        table.add_row(("*" if i == 0 else "") + str(i + 1), v["storyline"].removeprefix("pattern:"),
                      f"{v['score']:.3f}",
                      *(f"{sc[k]:.2f}" for k in ("coverage", "availability", "highlight", "coherence", "diversity")))
    out.print(table)
    for name in ("ad", "cover", "srt", "ass", "otio", "plan"):
        if name in res.files:
            out.print(f"  {name:6} {res.files[name]}", highlight=False)
    out.print(f"done in {res.seconds['total']:.1f} s: {res.files['ad']}", highlight=False)
