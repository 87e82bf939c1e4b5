"""Rebuild the built-in templates (``tools/data/templates/*.json``) by extracting the generated references.

Each built-in is exactly what ``reelwright template extract`` reads from one reference of
:mod:`evals.template_refs` (hook-first 15 s, product close-up 30 s, promotion countdown 15 s),
named after its style and described; the source path says it was generated, not where.

    python -m evals.build_templates            # writes tools/data/templates/
"""

from __future__ import annotations

from pathlib import Path

from evals.template_refs import STYLES, build_reference
from tools.template.library import BUILTIN_DIR
from tools.template.model import Template

__all__ = ["build_builtins"]


def build_builtins(out: Path = BUILTIN_DIR, settings=None) -> list[Path]:
    """Extract every style's reference and write it as a built-in template; returns the files."""
    from indexes.catalog import Catalog
    from models.settings import Settings
    from tools.core.files import write_atomic
    from tools.template.extract import extract_template

    settings = settings or Settings()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with Catalog.open(settings) as cat:
        for style in STYLES:
            ref = build_reference(style)
            t: Template = extract_template(ref.video, settings, cat, name=style)
            t = t.model_copy(update={"description": ref.truth.description,
                                     "source": t.source.model_copy(update={"path": f"generated:{style}"})})
            written.append(write_atomic(out / f"{style}.json", t.model_dump_json(indent=1).encode(), mode=0o644))
    return written


if __name__ == "__main__":
    for p in build_builtins():
        print(p)
