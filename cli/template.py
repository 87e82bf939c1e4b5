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

# --- script / compare ------------------------------------------------------------------
