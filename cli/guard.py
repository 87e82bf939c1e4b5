"""``reelwright guard``: check a script's lines against a product's fact sheet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from tools.core.errors import ReelwrightError, UsageError

__all__ = ["guard_cmd"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True)


def _lines(lines_file: Path | None, text: list[str] | None) -> list[str]:
    if lines_file is not None and text:
        raise UsageError("give the lines either with --lines FILE or as arguments, not both")
    if lines_file is None:
        if not text:
            raise UsageError("no lines to check: give --lines FILE or the lines as arguments")
        return list(text)
    try:
        raw = lines_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{lines_file}: cannot read the lines ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{lines_file}: not UTF-8 text") from None
    lines = [ln.strip() for ln in raw.splitlines() if ln.strip()]
    if not lines:
        raise UsageError(f"{lines_file}: no lines to check")
    return lines


def _sheet(path: Path, product: str | None):
    from tools.core.schema import load_facts

    got = load_facts(path)
    sheets = got if isinstance(got, list) else [got]
    if product is not None:
        chosen = [s for s in sheets if product.lower() in (s.product.lower(), *(a.lower() for a in s.aliases))]
        if not chosen:
            raise UsageError(f"{path}: no product {product!r} (it has: {', '.join(s.product for s in sheets)})")
        return chosen[0]
    if len(sheets) > 1:
        raise UsageError(f"{path} holds {len(sheets)} products: choose one with --product "
                         f"({', '.join(s.product for s in sheets)})")
    return sheets[0]


def _print(result: dict) -> None:
    mark = "[green]ok[/green]" if result["ok"] else "[red]not ok[/red]"
    out.print(f"{mark}  {escape(result['text'])}")
    for c in result["claims"]:
        if not c["supported"]:
            out.print(f"    [red]unsupported[/red] {c['kind']}: {escape(c['reason'] or c['text'])}")
        elif c["kind"] in ("number", "term") and c["evidence"]:
            out.print(f"    [dim]supported {c['kind']}: {escape(c['text'])} <- {escape('; '.join(c['evidence']))}[/dim]")


def guard_cmd(ctx: typer.Context,
              text: Annotated[list[str] | None, typer.Argument(help="Lines to check (or use --lines).")] = None,
              facts: Annotated[Path, typer.Option("--facts", help="The product's fact sheet (JSON).")] = ...,
              lines_file: Annotated[Path | None, typer.Option("--lines", help="A file of lines, one per line.")] = None,
              product: Annotated[str | None, typer.Option(help="Which product, when the sheet file holds several.")] = None,
              similarity: Annotated[bool, typer.Option("--similarity", help="Also score general claims by "
                                                       "similarity to the facts (loads the e5 model).")] = False,
              as_json: Annotated[bool, typer.Option("--json", help="One JSON array: per line text, ok, claims.")] = False,
              ) -> None:
    """Check each line against the fact sheet: its numbers in their role and unit, offers, terms,
    contradictions, ad-law words and instructions. Exit 0 when every line is ok, 1 when any is not,
    2 for bad input."""
    from tools.guard.factguard import check_lines

    try:
        sheet = _sheet(facts, product)
        lines = _lines(lines_file, text)
        embedder = None
        if similarity:
            from models.loaders import text_embedder

            embedder = text_embedder(ctx.obj.settings())
        results = check_lines(sheet, lines, embedder)
    except ReelwrightError as exc:  # bad input is exit 2, not the usual 1: 1 means "a line is not ok"
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        for r in results:
            _print(r)
    raise typer.Exit(0 if all(r["ok"] for r in results) else 1)
