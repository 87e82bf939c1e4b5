"""Prompt files (data, reviewed like text), loaded with importlib.resources.

    >>> "tool" in render("tools_json.j2", tools=[], required=False)
    True
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

__all__ = ["load_prompt", "render"]


@lru_cache(maxsize=64)
def load_prompt(name: str) -> str:
    """The raw text of ``prompts/<name>``."""
    return (resources.files("prompts") / name).read_text(encoding="utf-8")


@lru_cache(maxsize=64)
def _template(name: str):
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                             trim_blocks=True, lstrip_blocks=True, autoescape=False)
    return env.from_string(load_prompt(name))


def render(name: str, **variables) -> str:
    """Render the Jinja template ``prompts/<name>`` with ``variables`` (missing ones are errors)."""
    return _template(name).render(**variables).strip()
