"""``reelwright eval narration|guard|highlights|tags|coherence|agent``: the evaluation harnesses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tools.core.errors import DataError, UsageError

__all__ = ["group", "default_dev"]

group = typer.Typer(help="Evaluation harnesses: narration, the fact guard, tags, coherence, highlights, the agent.",
                    no_args_is_help=True)
out = Console()
err = Console(stderr=True)

# options the text-model evaluations share
AdsFile = Annotated[Path, typer.Option(help="JSONL of ads shaped like E-SyncVidStory dev.jsonl.")]
FoldsOption = Annotated[int | None, typer.Option(min=2, max=10, help="Retrain per fold, products held out (default: "
                                                                    "5 on the training file, else the shipped model).")]
LimitOption = Annotated[int | None, typer.Option(min=1, help="Only the first N ads.")]


def default_dev() -> Path:
    """The shared E-SyncVidStory dev split: the default data of the text evaluations and trainers."""
    from evals.datasets import esync_dir

    return esync_dir() / "dev.jsonl"


def _eval_records(data: Path | None, limit: int | None, cv: int | None) -> tuple[Path, list[dict], int | None]:
    """The ads to evaluate on, and the folds: 5 by default on the dev file the shipped models were
    trained on (only products held out are a fair test there), the shipped model elsewhere."""
    from evals.datasets import read_records

    data = data or default_dev()
    records = read_records(data, limit)
    if cv is None and data.resolve() == default_dev().resolve():
        cv = 5
    return data, records, cv


@group.command("narration")
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
                                                                       "of (d) against (a) and (b); 0: none.")] = 200,
                   narrator: Annotated[str, typer.Option(help="sentences (lines a presenter would say) | facts-v1 "
                                                              "(the previous narrator)")] = "sentences",
                   baseline: Annotated[Path | None, typer.Option(help="Folder of another narrator's cached lines of "
                                                                      "these ads (an earlier --out): row (d0).")] = None,
                   reuse: Annotated[str | None, typer.Option(help="Cache of this narrator id (a cache folder's "
                                                                  "name) instead of the code's fingerprint.")] = None,
                   ) -> None:
    """Narrate every ad of a file and score it against its references and the baselines."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from evals.datasets import read_records
    from evals.narration import run_narration_eval
    from models.llm import get_chat_model
    from models.loaders import text_embedder

    if storyline not in ("given", "generated"):
        raise UsageError(f"--storyline must be 'given' or 'generated', not {storyline!r}")
    if narrator not in ("sentences", "facts-v1"):
        raise UsageError(f"--narrator must be 'sentences' or 'facts-v1', not {narrator!r}")
    if baseline is not None and not baseline.is_dir():
        raise UsageError(f"--baseline {baseline}: not a folder")
    if facts_by not in ("plan", "label"):
        raise UsageError(f"--facts-by must be 'plan' or 'label', not {facts_by!r}")
    data = data or default_dev()
    read_records(data, limit)  # a bad file fails here, in one line, before any model loads
    base = ctx.obj.settings()
    settings = base.model_copy(update={"llm_parallel": max(parallel, base.llm_parallel)})
    llm = get_chat_model(settings, model=model, temperature=0.2, max_tokens=120)
    with Progress(TextColumn("narrating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err) as bar:
        task = bar.add_task("ads", total=None)
        report = run_narration_eval(data, out, llm=llm, guard_embedder=text_embedder(settings), limit=limit,
                                    storyline=storyline, examples=examples, parallel=parallel,
                                    fact_model=fact_model, facts_by=facts_by, grammar=grammar,
                                    candidates=candidates, bootstrap=bootstrap, narrator=narrator,
                                    baseline=baseline, reuse=reuse,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total))
    print((out / "report.md").read_text(encoding="utf-8").split("## Examples")[0])
    err.print(f"report: {out / 'report.md'} and {out / 'report.json'} ({report['ads']} ads)")


@group.command("highlights")
def eval_highlights(ctx: typer.Context,
                    data: Annotated[Path, typer.Option(help="Labelled spans (JSONL: source, start, end, label, "
                                                            "reason).")] = None,
                    demo: Annotated[bool, typer.Option(help="Include the demo stream's labelled shots.")] = True,
                    learned: Annotated[bool, typer.Option(help="Cross-validate the learned PLD model too "
                                                               "(about a minute).")] = True,
                    json_out: Annotated[Path, typer.Option("--json", help="Also write the figures here.")] = None,
                    ) -> None:
    """Highlight AP, mAP and top-5 precision on labelled real footage: scorer, learned model, baselines."""
    from evals.highlights import DEFAULT_DATA, compare, cross_validated_pld, labelled_shots
    from indexes.catalog import Catalog

    settings = ctx.obj.settings()
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


@group.command("tags")
def eval_tags(ctx: typer.Context,
              data: AdsFile = None, cv: FoldsOption = None, limit: LimitOption = None,
              lines: Annotated[Path | None, typer.Option(
                  help="Score the shipped model on labelled lines instead (JSONL of {text, label, product}, "
                       "e.g. evals/data/tag_lines_en_test.jsonl).")] = None,
              out_dir: Annotated[Path | None, typer.Option("--out", help="Also write report.json here.")] = None
              ) -> None:
    """Speech-tag accuracy: top-1, micro/macro F1, per label, sentences per second."""
    from evals.tags import evaluate, lines_as_records, read_lines
    from models.loaders import text_embedder

    if lines is not None:
        if not lines.is_file():
            raise DataError(f"{lines}: no such file of labelled lines")
        data, records, cv = lines, lines_as_records(read_lines(lines)[:limit]), None
        if not records:
            raise DataError(f"{lines}: no labelled lines")
    else:
        data, records, cv = _eval_records(data, limit, cv)
    report = evaluate(records, text_embedder(ctx.obj.settings()).passage, cv=cv)
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


@group.command("coherence")
def eval_coherence(ctx: typer.Context,
                   data: AdsFile = None, cv: FoldsOption = None, limit: LimitOption = None) -> None:
    """Pairwise AUC: each clip's true next clip against the other clips of the same ad."""
    from evals.coherence import evaluate
    from models.loaders import text_embedder

    data, records, cv = _eval_records(data, limit, cv)
    report = evaluate(records, text_embedder(ctx.obj.settings()).passage, cv=cv)
    print(f"coherence on {data.name}: {report['ads']} ads, {report['pairs']} (next, other) pairs, "
          f"{report['mode']}: AUC {report['auc']:.3f}")


@group.command("guard")
def eval_guard(
        cases: Annotated[Path | None, typer.Option(help="Labelled lines (JSONL: id, sheet, text, label, rule, "
                                                        "reason, split; default: evals/data/guard_cases.jsonl).")] = None,
        split: Annotated[str | None, typer.Option(help="dev | heldout (default: both).")] = None,
        errors: Annotated[bool, typer.Option("--errors", help="Also list every miss and false alarm.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False) -> None:
    """The fact guard on the red-team set: recall on unsupported lines, precision and the false-alarm rate
    on supported ones, overall and per rule."""
    from evals.guard import CASES, evaluate, format_report

    if split not in (None, "dev", "heldout"):
        raise UsageError(f"--split takes dev or heldout, not {split!r}")
    result = evaluate(cases or CASES, split)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    out.print(format_report(result), highlight=False, markup=False)
    if errors:
        for e in result["errors"]:
            kind = "MISS" if e["label"] == "unsupported" else "FALSE ALARM"
            out.print(f"{kind:11} {e['id']} [{e['rule']}] {e['text']}  {' | '.join(e['reasons'])}",
                      highlight=False, markup=False)


@group.command("agent")
def eval_agent(
        ctx: typer.Context,
        model: Annotated[str | None, typer.Option(help="LLM name (default: REELWRIGHT_LLM_MODEL).")] = None,
        cases: Annotated[Path | None, typer.Option(help="Conversations (JSONL: id, lang, category, turns, expect; "
                                                        "default: evals/data/agent_cases.jsonl).")] = None,
        limit: Annotated[int | None, typer.Option(min=1, help="Only the first N cases.")] = None,
        ids: Annotated[str | None, typer.Option(help="Only these cases (comma-separated ids).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON.")] = False,
        out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for report.json, the transcripts and the "
                                                                    "cases' working folders (default: "
                                                                    "out/eval-agent-<model>).")] = None) -> None:
    """The planner agent on whole conversations (make, narrate, revise, questions, fact checks, impossible
    requests, injections, paths outside the workspace): task success, first-try tool-call validity,
    repairs, fallback rate and latency, per language and category."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from evals.agent import CASES, evaluate, format_report, load_cases, select, write_report

    settings = ctx.obj.settings()
    chosen = select(load_cases(cases or CASES), [i.strip() for i in (ids or "").split(",") if i.strip()], limit)
    name = model or settings.llm_model
    folder = out_dir or Path("out") / f"eval-agent-{name.replace('/', '_')}"  # a served id may hold '/'
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err,
                  transient=as_json) as bar:
        task = bar.add_task("agent cases", total=len(chosen))

        def tell(done: int, total: int, row: dict | None) -> None:
            bar.update(task, completed=done, total=total,
                       description=f"{row['id']}: {'ok' if row['ok'] else 'FAILED'}" if row else "agent cases")

        report = evaluate(settings, chosen, model=model, workroot=folder / "work", progress=tell,
                          log=lambda line: bar.console.print(f"  {line}", highlight=False, markup=False))
    path = write_report(report, folder)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        return
    print(format_report(report))  # plain: the table is wider than a pipe's 80 columns
    err.print(f"report: {path} (transcripts: {folder / 'transcripts'})", highlight=False, soft_wrap=True)
