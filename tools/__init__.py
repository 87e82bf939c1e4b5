"""Every capability, as typed functions the planner can call.

``TOOLS`` is the one registry: an explicit dict, filled by listing the tools here
(later issues add them), never by import side effects.
"""

from __future__ import annotations

__all__ = ["TOOLS"]

TOOLS: dict = {}
