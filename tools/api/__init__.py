"""Every capability, as typed functions the planner can call.

Each function is typed and documented (LangChain builds the tool schema from the signature
and the Args section), opens the catalog named by the current settings, reaches only the
session's workspace (:mod:`tools.api.context`), and reports a problem the user can fix (any
:class:`~tools.core.errors.ReelwrightError`) as ``{"error": "..."}`` rather than raising: a
planner can read that and try something else. Our own bugs are not swallowed.

- :mod:`tools.api.context`: :func:`using_settings` (settings and workspace), the path checks;
- :mod:`tools.api.library`: ``analyze_video``, ``describe_video``, ``search_clips``,
  ``check_facts``, ``list_library``;
- :mod:`tools.api.production`: ``plan_ad``, ``write_narration``, ``render_ad``, ``make_ad``,
  ``revise_ad``.

    >>> with using_settings(Settings(home="/data/reelwright")):        # doctest: +SKIP
    ...     analyze_video("live.mp4", facts=["lipstick.json"])
"""

from __future__ import annotations

from tools.api.context import Workspace, current_settings, current_workspace, using_settings
from tools.api.library import analyze_video, check_facts, describe_video, list_library, search_clips
from tools.api.production import make_ad, plan_ad, render_ad, revise_ad, write_narration

__all__ = ["analyze_video", "describe_video", "search_clips", "check_facts", "list_library", "plan_ad",
           "write_narration", "render_ad", "make_ad", "revise_ad", "using_settings", "current_settings",
           "current_workspace", "Workspace"]
