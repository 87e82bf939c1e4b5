"""``reelwright search QUERY``: clips of the analysed library found by meaning, with the reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.analyze import fmt_time

__all__ = ["search_cmd"]

out = Console()


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
    from tools.analysis.search import search_clips

    settings = ctx.obj.settings()
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
                      f"{fmt_time(c.start)}-{fmt_time(c.end)}", escape(c.text[:70]), escape("; ".join(h.reasons)))
    out.print(table)
