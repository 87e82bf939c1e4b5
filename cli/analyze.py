"""``reelwright analyze VIDEO``: a stream's structure, computed once and stored in the catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tools.core.errors import UsageError

__all__ = ["analyze_cmd", "fmt_time"]

out = Console()
err = Console(stderr=True)


class _RichProgress:
    """tools.analysis.pipeline.Progress drawn as one rich bar per step (media seconds, ETA)."""

    LABELS = {"asr": "speech (ASR)", "shots": "shots", "ocr": "on-screen text", "concepts": "concepts",
              "scenes": "scenes",
              "segments": "product segments",
              "tags": "speech tags", "highlights": "highlights", "clips": "clips + vector index"}

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.tasks: dict[str, Any] = {}

    def start(self, step: str, total: float | None) -> None:
        self.tasks[step] = self.bar.add_task(self.LABELS.get(step, step), total=total)

    def advance(self, step: str, done: float) -> None:
        if step in self.tasks:
            self.bar.update(self.tasks[step], completed=done)

    def finish(self, step: str, status: str, seconds: float) -> None:
        label = self.LABELS.get(step, step)
        if step in self.tasks:
            task = self.tasks[step]
            total = self.bar.tasks[task].total or 1.0
            self.bar.update(task, total=total, completed=total, description=f"{label} [green]done[/green]")
        else:
            note = "[dim]in catalog[/dim]" if status == "cached" else "[yellow]skipped[/yellow]"
            self.bar.add_task(f"{label} {note}", total=1.0, completed=1.0)


def _load_fact_sheets(paths: list[Path]) -> list:
    """Every fact sheet of ``paths`` (a file may hold a list of them)."""
    from tools.core.schema import load_facts

    sheets = []
    for p in paths:
        got = load_facts(p)
        sheets += got if isinstance(got, list) else [got]
    return sheets


def fmt_time(t: float) -> str:
    """Seconds as ``m:ss`` or ``h:mm:ss``."""
    m, s = divmod(int(round(t)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _print_summary(report: Any) -> None:
    from rich.markup import escape

    a = report.analysis
    kinds: dict[str, int] = {}
    for s in a.shots[1:]:
        kinds[s.transition_in] = kinds.get(s.transition_in, 0) + 1
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("video", escape(Path(a.video.path).name))
    table.add_row("duration", f"{fmt_time(a.video.duration)} ({a.video.duration:.1f} s)")
    table.add_row("language", a.language or ("no speech heard" if a.video.has_audio else "no audio"))
    table.add_row("sentences", str(len(a.sentences)) + (f" ({sum(len(s.words) for s in a.sentences)} words)"
                                                        if a.sentences else ""))
    table.add_row("shots", f"{len(a.shots)}" + (" (" + ", ".join(f"{n} {k}s" for k, n in sorted(kinds.items()))
                                                 + ")" if kinds else "") if a.video.has_video else "no video")
    table.add_row("scenes", str(len(a.scenes)) if a.video.has_video else "no video")
    table.add_row("segments", str(len(a.segments)))
    if a.clips:
        table.add_row("clips", f"{len(a.clips)} (searchable: reelwright search \"...\")")
    tagged = [max(s.tags, key=s.tags.get) for s in a.sentences if s.tags]
    if tagged:
        counts: dict[str, int] = {}
        for t in tagged:
            counts[t] = counts.get(t, 0) + 1
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:6]
        table.add_row("speech tags", f"{len(tagged)} sentences; top tags: " + ", ".join(f"{t} {n}" for t, n in top))
    out.print(table)
    seg = Table("#", "from", "to", "product", "confidence", box=None, padding=(0, 2))
    for s in a.segments:
        seg.add_row(str(s.index + 1), fmt_time(s.start), fmt_time(s.end),
                    escape(s.product) if s.product else f"[dim]{escape(s.title[:50] or '-')}[/dim]",
                    f"{s.confidence:.2f}" if s.product else "")
    out.print(seg)
    done = [s for s in report.steps if s.status == "done"]
    if not done:
        out.print("nothing to do: every step was already in the catalog")
    else:
        out.print("computed now: " + ", ".join(f"{s.step} {s.seconds:.1f} s" for s in done)
                  + (f"; from the catalog: {', '.join(s.step for s in report.steps if s.status == 'cached')}"
                     if any(s.status == "cached" for s in report.steps) else ""))
    for s in report.steps:
        if s.status == "skipped":
            out.print(f"[yellow]{s.step} skipped:[/yellow] {escape(s.note)}")


def analyze_cmd(ctx: typer.Context,
                video: Annotated[Path, typer.Argument(help="The live stream (any video or audio file).")],
                facts: Annotated[list[Path] | None, typer.Option(
                    "--facts", help="Fact sheet(s) of the products sold (labels segments, fixes names).")] = None,
                language: Annotated[str | None, typer.Option(help="Force the speech language (zh, en ...).")] = None,
                asr_model: Annotated[str, typer.Option(help="whisper-base (multilingual) or whisper-tiny-en.")] = (
                    "whisper-base"),
                beam: Annotated[int, typer.Option(min=1, max=10, help="ASR beam size.")] = 1,
                plot: Annotated[Path | None, typer.Option(help="Also draw the structure timeline to this PNG.")] = None,
                as_json: Annotated[bool, typer.Option("--json", help="Print the analysis as JSON.")] = False,
                force: Annotated[list[str] | None, typer.Option(
                    help="Recompute this step even if stored (asr, shots, ocr, concepts, scenes, segments, tags, "
                         "highlights, clips).")] = None) -> None:
    """Analyse a stream's structure: speech, shots, scenes, product segments (stored; reruns are free)."""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from indexes.catalog import Catalog
    from models.registry import get_spec
    from tools.analysis.asr import AsrOptions
    from tools.analysis.pipeline import STEPS, analyze

    bad = [f for f in force or [] if f not in STEPS]
    if bad:
        raise UsageError(f"--force takes {', '.join(STEPS)}; not {', '.join(bad)}")
    if get_spec(asr_model).task != "asr":  # an unknown model name fails here too, in one line
        raise UsageError(f"--asr-model {asr_model} is not a speech recognition model "
                         "(reelwright models list shows them)")
    sheets = _load_fact_sheets(facts or [])
    settings = ctx.obj.settings()
    opts = AsrOptions(model=asr_model, language=language, beam_size=beam)
    with Catalog.open(settings) as cat, Progress(TextColumn("{task.description:<28}"), BarColumn(),
                                                 TaskProgressColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                                                 console=err, transient=as_json) as bar:
        report = analyze(video, settings, cat, facts=sheets, asr_options=opts, progress=_RichProgress(bar),
                         force=force or [])
    if plot is not None:
        from tools.analysis.plot import plot_structure

        plot_structure(report.analysis, plot, highlights=[h["score"] for h in report.highlights])
    if as_json:
        payload = report.analysis.model_dump(mode="json")
        payload["steps"] = [s.__dict__ for s in report.steps]
        print(json.dumps(payload, ensure_ascii=False))
        return
    _print_summary(report)
    if plot is not None:
        out.print(f"plot: {plot}")
