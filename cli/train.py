"""``reelwright train tags|coherence|highlight|storyline|factplan|guard``: rebuild the small learned files.

Every trainer writes under ``out/train/`` (the shipped file's name), or to ``--out``, and
prints where. The files shipped in ``tools/data/`` (what analysis and narration load) are
replaced only with ``--install``, which says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from cli.eval import default_dev
from tools.core.errors import UsageError

__all__ = ["group", "TRAIN_DIR"]

group = typer.Typer(help="Rebuild the small learned files shipped in tools/data/ (into out/train/; --install "
                         "replaces them).", no_args_is_help=True)
err = Console(stderr=True)

TRAIN_DIR = Path("out") / "train"

DataOption = Annotated[Path, typer.Option(help="JSONL of ads (dev.jsonl shape).")]
InstallOption = Annotated[bool, typer.Option("--install", help="Also replace the shipped file in tools/data/ "
                                                               "(what analysis and narration load).")]


def _out_option(what: str) -> Any:
    """The ``--out`` option of a trainer."""
    return typer.Option("--out", help=f"Where to write the {what} (default: out/train/<the shipped file's name>).")


def _shipped(name: str) -> Path:
    """A file shipped in ``tools/data/`` (where the loaders read it)."""
    from importlib import resources

    return Path(str(resources.files("tools") / "data" / name))


def _target(out: Path | None, shipped: Path) -> Path:
    """Where a trainer writes: ``out``, else ``out/train/<the shipped file's name>`` (folder made)."""
    path = out if out is not None else TRAIN_DIR / shipped.name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _install(written: Path, shipped: Path, install: bool) -> None:
    """With ``--install``: copy what was written over the shipped file (whole or not at all), and say so."""
    if not install:
        return
    from tools.core.files import write_atomic

    if written.resolve() != shipped.resolve():
        write_atomic(shipped, written.read_bytes(), mode=0o644)
    print(f"installed: {shipped} (replaces the shipped file)")


@group.command("highlight")
def train_highlight(ctx: typer.Context,
                    data: Annotated[Path, typer.Option(help="Labelled spans (JSONL: source, start, end, label, "
                                                            "reason).")] = None,
                    demo: Annotated[bool, typer.Option(help="Include the demo stream's labelled shots.")] = True,
                    epochs: Annotated[int, typer.Option(min=1, help="Training passes.")] = 100,
                    out_path: Annotated[Path | None, _out_option("model")] = None,
                    install: InstallOption = False) -> None:
    """Fit the learned PLD highlight model on every labelled shot (see 'eval highlights' for how it ranks)."""
    import numpy as np

    from evals.highlights import DEFAULT_DATA, labelled_shots
    from indexes.catalog import Catalog
    from tools.analysis.pld import DEFAULT_PATH, PLDModel

    settings = ctx.obj.settings()
    with Catalog.open(settings) as cat:
        shots = labelled_shots(settings, cat, data or DEFAULT_DATA, demo=demo)
    model = PLDModel.fit(np.stack([s.window for s in shots]), np.array([s.label for s in shots]), epochs=epochs)
    path = model.save(_target(out_path, DEFAULT_PATH))
    print(f"PLD highlight model from {model.meta['shots']} shots ({model.meta['highlights']} highlights), "
          f"loss {model.meta['final_loss']} -> {path}")
    _install(path, DEFAULT_PATH, install)


@group.command("storyline")
def train_storyline(data: DataOption = None,
                    out: Annotated[Path | None, _out_option("model")] = None,
                    install: InstallOption = False) -> None:
    """Fit the label-sequence model used by generated storylines."""
    from evals.datasets import read_records
    from tools.narration.storyline import StorylineModel

    model = StorylineModel.fit(read_records(data or default_dev()))
    shipped = _shipped("storyline_stats.json")
    path = _target(out, shipped)
    model.save(path)
    print(f"storyline model from {model.ads} ads -> {path}")
    _install(path, shipped, install)


@group.command("factplan")
def train_factplan(data: DataOption = None,
                   holdout: Annotated[Path | None, typer.Option(help="Leave out every product of this JSONL "
                                                                     "(to evaluate on it honestly).")] = None,
                   holdout_limit: Annotated[int | None, typer.Option(min=1, help="Only the first N ads of "
                                                                                 "--holdout.")] = None,
                   folds: Annotated[int, typer.Option(min=0, max=10, help="Cross-validation folds by product "
                                                                           "(0: none).")] = 5,
                   out_path: Annotated[Path | None, _out_option("model")] = None,
                   install: InstallOption = False) -> None:
    """Learn which fact phrases a slot's narration says (label x field, title, reuse, label wording)."""
    from evals.datasets import read_records
    from tools.narration.factplan import DEFAULT_PATH, FactPlanModel, product_key

    records = read_records(data or default_dev())
    if holdout is not None:
        held = {product_key(r["product"]) for r in read_records(holdout, holdout_limit)}
        records = [r for r in records if product_key(r["product"]) not in held]
        if not records:
            raise UsageError("every ad of --data is a product of --holdout: nothing left to learn from")
    model = FactPlanModel.fit(records, folds=folds)
    path = model.save(_target(out_path, DEFAULT_PATH))
    cv = f", AUC {model.cv['auc']:.3f} ({model.cv['folds']}-fold by product)" if model.cv else ""
    print(f"fact plan from {model.ads} ads{cv} -> {path}")
    _install(path, DEFAULT_PATH, install)


@group.command("guard")
def train_guard(data: DataOption = None,
                out: Annotated[Path | None, _out_option("lexicon")] = None,
                install: InstallOption = False) -> None:
    """Learn the fact guard's word lists (generic ad words, checkable terms, background phrases)."""
    from evals.datasets import read_records
    from tools.core.files import write_atomic
    from tools.guard.factguard import build_lexicon

    lex = build_lexicon(read_records(data or default_dev()))
    shipped = _shipped("guard_lexicon.json")
    path = write_atomic(_target(out, shipped), json.dumps(lex, ensure_ascii=False).encode("utf-8"), mode=0o644)
    print(f"{len(lex['terms'])} terms, {len(lex['generic'])} generic words -> {path}")
    _install(path, shipped, install)


@group.command("tags")
def train_tags(ctx: typer.Context,
               data: DataOption = None,
               teacher: Annotated[bool, typer.Option(help="First have the LLM write new tag sentences "
                                                          "(about 10 minutes with the 1.5B model), "
                                                          "beside the model.")] = False,
               per_tag: Annotated[int, typer.Option(min=2, max=40, help="Teacher sentences per tag and "
                                                                          "language.")] = 10,
               out: Annotated[Path | None, _out_option("model")] = None,
               install: InstallOption = False) -> None:
    """Train the speech-tag model (real ad clips, LLM teacher sentences, the taxonomy's examples and the
    hand-written English lines of tools/data/tag_lines_en.jsonl)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from evals.datasets import read_records
    from evals.tags import TEACHER, training_rows
    from models.loaders import text_embedder
    from tools.analysis.tags import DEFAULT_MODEL, fit, groups, teacher_sentences, training_set
    from tools.core.files import write_atomic

    settings = ctx.obj.settings()
    records = read_records(data or default_dev())
    target = _target(out, DEFAULT_MODEL)
    teacher_path = TEACHER
    if teacher:
        from models.llm import get_chat_model

        llm = get_chat_model(settings, temperature=0.8, max_tokens=500, seed=7)
        with Progress(TextColumn("teacher sentences"), BarColumn(), MofNCompleteColumn(), console=err) as bar:
            task = bar.add_task("", total=None)
            rows = teacher_sentences(llm, per_tag=per_tag,
                                     progress=lambda k, n: bar.update(task, completed=k, total=n))
        teacher_path = target.parent / TEACHER.name
        write_atomic(teacher_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8"),
                     mode=0o644)
        err.print(f"{len(rows)} teacher sentences -> {teacher_path}")
    rows = training_rows(teacher_path)
    train = training_set(records, rows, groups())
    vectors = text_embedder(settings).passage(train.texts)
    model = fit(train, vectors, groups())
    path = model.save(target)
    print(f"tag model from {model.meta['real']} ad clips + {model.meta['teacher']} teacher/taxonomy sentences -> "
          f"{path} ({path.stat().st_size // 1024} KB)")
    _install(path, DEFAULT_MODEL, install)
    if teacher:
        _install(teacher_path, TEACHER, install)


@group.command("coherence")
def train_coherence(ctx: typer.Context,
                    data: DataOption = None,
                    out: Annotated[Path | None, _out_option("model")] = None,
                    install: InstallOption = False) -> None:
    """Train the clip-pair coherence scorer on adjacent vs other clip pairs of real ads."""
    from evals.datasets import read_records
    from models.loaders import text_embedder
    from tools.analysis.coherence import DEFAULT_MODEL, CoherenceModel

    records = read_records(data or default_dev())
    embed = text_embedder(ctx.obj.settings()).passage
    ads = [[c.get("narration") or "" for c in r["clips"]] for r in records]
    model = CoherenceModel.fit(ads, [embed(t) for t in ads])
    path = model.save(_target(out, DEFAULT_MODEL))
    print(f"coherence model from {len(ads)} ads -> {path}")
    _install(path, DEFAULT_MODEL, install)
