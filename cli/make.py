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
             language: Annotated[str | None, typer.Option(help="zh or en (default: the stream's).")] = None,
             template: Annotated[str | None, typer.Option(
                 "--template", help="A template (JSON file or library name) to fill: its rhythm, transitions, "
                                    "text layout and storyline.")] = None) -> None:
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
    if template is not None:
        if variants is not None or render_all:
            err.print("--variants and --render-all are ignored with --template (one storyline: the template's)",
                      style="dim", highlight=False, markup=False)
        _make_from_template(template, stream, facts, out_dir, settings, brief=brief, duration=duration, aspect=aspect,
                            product=product, audio=audio, music=music, no_music=no_music, draft=draft,
                            language=language)
        return
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


def _make_from_template(name: str, stream: Path, facts: list[Path], out_dir: Path, settings, *, brief: str,
                        music: Path | None, no_music: bool, draft: bool, **flags) -> None:
    """``make --template``: the template filled; a table of what each slot wanted and got."""
    from indexes.catalog import Catalog
    from tools.template.fill import make_from_template

    tpl = _load_template(name, settings)
    with Catalog.open(settings) as cat:
        res = make_from_template(tpl, stream, facts, out_dir, settings, cat, brief=brief, draft=draft,
                                 progress=lambda msg: err.print(msg, style="dim", highlight=False, markup=False),
                                 music_path=str(music.resolve()) if music else None,
                                 music=False if no_music else None, **flags)
    plan = res.plan
    table = Table("#", "wants", "got", "s", "transition", "nearest match",
                  title=f"{plan['segment']['product']}: template {tpl.name}, {plan['spec']['duration']:g} s "
                        f"{plan['spec']['aspect']} ad, {plan['audio']} audio")
    for s in plan["template"]["slots"]:
        w, g = s["want"], s["got"]
        table.add_row(str(s["index"]), f"{'/'.join(w['labels'])}, {w['scale']}, {w['motion']}",
                      f"{g['start']:.1f}-{g['end']:.1f} s, {g['scale'] or '?'}, {g['motion']}", f"{s['seconds']:.2f}",
                      s["transition"]["kind"], "; ".join(s["missing"]) or "-")
    out.print(table)
    for name_, path in res.files.items():
        out.print(f"  {name_:6} {path}", highlight=False)
    out.print(f"done in {res.seconds['total']:.1f} s: {res.files['ad']}", highlight=False)


def _load_template(name: str, settings):
    """A template by library name or JSON path (the library's loader names what is wrong)."""
    try:
        from tools.template.library import load_template
    except ModuleNotFoundError:  # the library arrives with `template extract`: a JSON file meanwhile
        from tools.template.model import Template

        path = Path(name)
        if not path.is_file():
            raise UsageError(f"--template {name}: no such template file") from None
        try:
            return Template.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UsageError(f"--template {name}: not a template ({' '.join(str(exc).split())[:200]})") from None
    return load_template(name, settings)
