"""What the planner (and the CLI, the studio, a Python user) calls.

``TOOLS`` is the one registry of the functions the planner LLM may call: an explicit
``name -> "module:function"`` table resolved on first use (``import tools`` loads
nothing), never filled by import side effects. Only these are tools; the subpackages
are the engine behind them:

- ``tools.core``: errors, the data model, media I/O, files, text;
- ``tools.analysis``: understanding a stream, run as cached steps (``pipeline``);
- ``tools.narration``: storylines and the narrator;
- ``tools.guard``: the fact guard;
- ``tools.production``: the spec, arranging, rendering, ``make``;
- ``tools.template``: templates read from reference ads, filled, compared.

The public Python API is the tool functions themselves, importable from here, plus
:func:`using_settings` to choose the home, models and LLM they use:

    >>> from tools import TOOLS
    >>> sorted(TOOLS)  # doctest: +NORMALIZE_WHITESPACE
    ['analyze_video', 'check_facts', 'describe_video', 'extract_template', 'list_library', 'make_ad', 'plan_ad',
     'render_ad', 'revise_ad', 'search_clips', 'write_narration']
    >>> from tools import make_ad, using_settings                       # doctest: +SKIP

Every path a tool is given must lie in the session's workspace (its working folder, the
library, the catalog's videos: see :mod:`tools.api.context`); outputs go only to the
working folder.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["TOOLS", "analyze_video", "describe_video", "extract_template", "search_clips", "check_facts", "list_library", "plan_ad",
           "write_narration", "render_ad", "make_ad", "revise_ad", "using_settings", "current_settings"]

_REGISTRY = {
    "analyze_video": "tools.api.library:analyze_video",
    "describe_video": "tools.api.library:describe_video",
    "extract_template": "tools.api.library:extract_template",
    "search_clips": "tools.api.library:search_clips",
    "list_library": "tools.api.library:list_library",
    "check_facts": "tools.api.library:check_facts",
    "plan_ad": "tools.api.production:plan_ad",
    "write_narration": "tools.api.production:write_narration",
    "render_ad": "tools.api.production:render_ad",
    "make_ad": "tools.api.production:make_ad",
    "revise_ad": "tools.api.production:revise_ad",
}
_API = {**_REGISTRY, "using_settings": "tools.api.context:using_settings",
        "current_settings": "tools.api.context:current_settings"}


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


class _Tools(Mapping[str, Callable[..., Any]]):
    def __getitem__(self, name: str) -> Callable[..., Any]:
        return _resolve(_REGISTRY[name])

    def __iter__(self) -> Iterator[str]:
        return iter(_REGISTRY)

    def __len__(self) -> int:
        return len(_REGISTRY)


TOOLS: Mapping[str, Callable[..., Any]] = _Tools()


def __getattr__(name: str) -> Any:  # the public API, imported on first use
    if name in _API:
        return _resolve(_API[name])
    raise AttributeError(f"module 'tools' has no attribute {name!r}")
