"""``reelwright template ...``: templates from reference videos.

``extract`` / ``list`` / ``show`` read a reference's structure and keep it in the library;
``script`` writes a shooting script for a product without footage; ``compare`` measures
how alike two ads are. ``reelwright make --template`` (cli/make.py) fills a template.
"""

from __future__ import annotations

import typer

__all__ = ["group"]

group = typer.Typer(no_args_is_help=True, help="Templates from reference videos: extract, list, show, script, compare.")

# --- extract / list / show -------------------------------------------------------------
from pathlib import Path as _Path  # noqa: E402  (this section's own imports: the sections are edited apart)
from typing import Annotated as _Ann  # noqa: E402

from rich.console import Console as _Console  # noqa: E402

_xout = _Console()
_xerr = _Console(stderr=True)


def _print_template(t) -> None:
    """A template as tables: source, slots, text on screen, sound, notes."""
    from rich.table import Table

    s, a = t.source, t.audio
    _xout.print(f"[bold]{t.name}[/bold]  {s.duration:.1f} s  {s.aspect} ({s.width}x{s.height}, {s.fps:g} fps)  "
                f"language: {s.language or '-'}", highlight=False)
    slots = Table("#", "start", "dur", "scale", "motion", "into", "labels", "line", box=None, padding=(0, 1))
    for x in t.slots:
        into = x.transition_in + (f" {x.transition_seconds:.2f}s" if x.transition_seconds else "")
        slots.add_row(str(x.index), f"{x.start:.2f}", f"{x.duration:.2f}", x.scale, x.motion, into,
                      ",".join(x.labels), (x.line or "")[:48])
    _xout.print(slots)
    if t.overlays:
        ov = Table("text", "role", "box x,y,w,h", "size", "colour", "from", "to", box=None, padding=(0, 1))
        for o in t.overlays:
            ov.add_row(o.text, o.role, f"{o.box.x:.2f},{o.box.y:.2f},{o.box.w:.2f},{o.box.h:.2f}", f"{o.size:.3f}",
                       o.color + (f" on {o.background}" if o.background else ""), f"{o.start:.2f}", f"{o.end:.2f}")
        _xout.print(ov)
    sub = t.subtitles
    style = f"at {sub.position:.2f}, size {sub.size:.3f}, {sub.color}" + (f", outline {sub.outline}" if sub.outline
                                                                          else "")
    _xout.print(f"subtitles: {style if sub.present else 'none'}", highlight=False)
    beat = f"{a.tempo:g} bpm, cuts on beat {a.cuts_on_beat:.0%}" if a.music and a.tempo and a.cuts_on_beat is not None \
        else f"{a.tempo:g} bpm" if a.music and a.tempo else "no music"
    rate = f", {a.speaking_rate:.2f}/s" if a.speaking_rate else ""
    _xout.print(f"sound: {beat}; voice: {a.voice}{rate}", highlight=False)
    _xout.print(f"storyline: {' > '.join(t.storyline) or '-'}", highlight=False)
    for note in t.notes:
        _xerr.print(f"note: {note}", style="dim", highlight=False, markup=False)


@group.command("extract")
def extract_cmd(ctx: typer.Context,
                ref: _Ann[_Path, typer.Argument(help="The reference ad (a video file).")],
                name: _Ann[str | None, typer.Option(help="The template's name in the library (default: from "
                                                         "the file name).")] = None,
                output: _Ann[_Path | None, typer.Option("-o", "--output", help="Also write the template to this "
                                                                              "JSON file.")] = None,
                as_json: _Ann[bool, typer.Option("--json", help="Print the template as JSON.")] = False) -> None:
    """Read a reference ad's structure (slots, scales, transitions, text, music, storyline) into a template."""
    from indexes.catalog import Catalog
    from tools.core.files import write_atomic
    from tools.template.extract import extract_template
    from tools.template.library import check_name, save_template

    if name is not None:
        check_name(name)
    settings = ctx.obj.settings()
    say = (lambda msg: None) if as_json else (lambda msg: _xerr.print(f"{msg} ...", style="dim", highlight=False,
                                                                      markup=False))
    with Catalog.open(settings) as cat:
        t = extract_template(ref, settings, cat, name=name, progress=say)
    saved = save_template(t, settings)
    if output is not None:
        write_atomic(output, t.model_dump_json(indent=1).encode(), mode=0o644)
    if as_json:
        print(t.model_dump_json(indent=1))
        return
    _print_template(t)
    _xout.print(f"saved: {saved}" + (f"\nwritten: {output}" if output is not None else ""), highlight=False)


@group.command("list")
def list_cmd(ctx: typer.Context,
             as_json: _Ann[bool, typer.Option("--json", help="Print the list as JSON.")] = False) -> None:
    """The templates in the library: the built-in ones and yours."""
    import json

    from rich.table import Table

    from tools.template.library import list_templates

    found = list_templates(ctx.obj.settings())
    if as_json:
        print(json.dumps([{**i.__dict__, "path": str(i.path)} for i in found], ensure_ascii=False))
        return
    table = Table("name", "kind", "seconds", "slots", "aspect", "description", box=None, padding=(0, 1))
    for i in found:
        table.add_row(i.name, "built-in" if i.builtin else "yours", f"{i.duration:g}", str(i.slots), i.aspect,
                      i.description[:70])
    _xout.print(table)


@group.command("show")
def show_cmd(ctx: typer.Context,
             name: _Ann[str, typer.Argument(help="A template name from `template list`, or a template file.")],
             as_json: _Ann[bool, typer.Option("--json", help="Print the template file's JSON.")] = False) -> None:
    """One template: its slots, text on screen, sound and storyline."""
    from tools.template.library import load_template

    t = load_template(name, ctx.obj.settings())
    if as_json:
        print(t.model_dump_json(indent=1))
        return
    _print_template(t)


# --- script / compare ------------------------------------------------------------------
from pathlib import Path  # noqa: E402  (this section's own imports: the sections are edited apart)
from typing import Annotated  # noqa: E402

from rich.console import Console  # noqa: E402

_out = Console()
_err = Console(stderr=True)


@group.command("script")
def script_cmd(ctx: typer.Context,
               template: Annotated[str, typer.Argument(help="The template: a JSON file or a library name.")],
               facts: Annotated[Path, typer.Option("--facts", help="The product's fact sheet.")],
               out_dir: Annotated[Path, typer.Option("-o", "--out", help="Output folder (script.md, storyboard.png).")],
               product: Annotated[str | None, typer.Option(help="Which product of the sheet (default: the first).")] = None,
               duration: Annotated[float | None, typer.Option(help="Seconds (default: the template's).")] = None,
               language: Annotated[str | None, typer.Option(help="zh or en (default: the facts').")] = None,
               no_llm: Annotated[bool, typer.Option("--no-llm", help="Draft the lines from the facts, without "
                                                                     "the narrator.")] = False) -> None:
    """Write a shooting script and a storyboard for a product that has no footage yet."""
    from tools.core.errors import UsageError
    from tools.production.make import load_sheets
    from tools.template.script import write_script

    if language is not None and language not in ("zh", "en"):
        raise UsageError(f"--language {language}: use zh or en")
    if duration is not None and not 1.0 <= duration <= 300.0:
        raise UsageError(f"--duration {duration:g}: use 1 to 300 seconds")
    settings = ctx.obj.settings()
    tpl = _template(template, settings)
    sheets = load_sheets([facts])
    sheet = next((f for f in sheets if product is None or f.product == product), None)
    if sheet is None:
        raise UsageError(f"--product {product}: not in {facts} (found: {', '.join(f.product for f in sheets)})")
    res = write_script(tpl, sheet, out_dir, settings, seconds=duration, language=language, narrate=not no_llm)
    for s in res.slots:
        _out.print(f"  {s.index:2} {s.seconds:5.1f} s  {s.scale:8} {s.motion:6} {s.line}", highlight=False,
                  markup=False)
    for note in res.notes:
        _err.print(note, style="dim", highlight=False, markup=False)
    _out.print(f"script: {res.files['script']}\nstoryboard: {res.files['storyboard']}", highlight=False)


@group.command("compare")
def compare_cmd(ctx: typer.Context,
                ref: Annotated[Path, typer.Argument(help="The reference video.")],
                made: Annotated[Path, typer.Argument(help="The ad to compare with it.")],
                as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON only.")] = False) -> None:
    """How alike two ads are: both extracted, their structure compared (rhythm, scales, transitions, text)."""
    import json

    from indexes.catalog import Catalog
    from tools.template.compare import compare_templates
    from tools.template.extract import extract_template

    settings = ctx.obj.settings()
    say = (lambda msg: None) if as_json else (lambda msg: _err.print(msg, style="dim", highlight=False, markup=False))
    with Catalog.open(settings) as cat:
        a = extract_template(ref, settings, cat, progress=say)
        b = extract_template(made, settings, cat, progress=say)
    got = compare_templates(a, b)
    if as_json:
        print(json.dumps(got))
        return
    from rich.table import Table

    table = Table("figure", "value", title=f"{ref.name} vs {made.name}")
    for k, v in got.items():
        table.add_row(k, "-" if v is None else f"{v:g}" if isinstance(v, float) else str(v))
    _out.print(table)


def _template(name: str, settings):
    """A template by library name or JSON path."""
    from cli.make import _load_template

    return _load_template(name, settings)
