"""Every capability, as typed functions the planner can call.

``TOOLS`` is the one registry: an explicit list of ``name -> "module:function"``
resolved on first use (importing ``tools`` loads nothing), never filled by import side
effects. The functions take plain arguments and return JSON-ready results
(:mod:`tools.planner_tools`).

    >>> from tools import TOOLS
    >>> sorted(TOOLS)
    ['analyze_video', 'describe_video', 'search_clips']
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["TOOLS"]

_REGISTRY = {
    "analyze_video": "tools.planner_tools:analyze_video",
    "describe_video": "tools.planner_tools:describe_video",
    "search_clips": "tools.planner_tools:search_clips",
}


class _Tools(Mapping[str, Callable[..., Any]]):
    def __getitem__(self, name: str) -> Callable[..., Any]:
        module, _, attr = _REGISTRY[name].partition(":")
        return getattr(importlib.import_module(module), attr)

    def __iter__(self) -> Iterator[str]:
        return iter(_REGISTRY)

    def __len__(self) -> int:
        return len(_REGISTRY)


TOOLS: Mapping[str, Callable[..., Any]] = _Tools()
