"""The planner agent: talk to reelwright (the studio, ``reelwright ask``, Python).

    >>> from agent import Agent                                                  # doctest: +SKIP
    >>> agent = Agent(Settings(), "out/chat")
    >>> done = agent.run("make a 15s ad", attachments=["live.mp4", "facts.json"])
    >>> done.reply, done.files

- :mod:`agent.planner`: :class:`Agent`, a LangChain ``create_agent`` over ``tools.TOOLS`` with
  validated tool calls, one repair round and a deterministic fallback;
- :mod:`agent.intents`: the fallback (an intent under a JSON schema -> a fixed recipe);
- :mod:`agent.history`: the versions of the conversation's ad (hash, changes, undo);
- :mod:`agent.events`: what a turn streams;
- :mod:`agent.attachments`: attached files checked by content.

Importing this package loads no model and no tool module.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Agent", "check_attachment"]


def __getattr__(name: str) -> Any:
    if name == "Agent":
        from agent.planner import Agent

        return Agent
    if name == "check_attachment":
        from agent.attachments import check_attachment

        return check_attachment
    raise AttributeError(f"module 'agent' has no attribute {name!r}")
