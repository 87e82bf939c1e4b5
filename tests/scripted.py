"""A scripted transport: canned OpenAI-shaped replies, and a record of every request.

Unit tests drive the whole ``ReelChatModel`` (tool calls, JSON output, streaming)
through it without loading a model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

__all__ = ["ScriptedTransport", "reply"]


def reply(content: str = "", *, tool_calls: list[dict] | None = None, finish: str = "stop") -> dict[str, Any]:
    """One chat-completions response with ``content`` (or native ``tool_calls``)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [{"id": f"call_{i}", "type": "function",
                                  "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
                                 for i, c in enumerate(tool_calls)]
    return {"model": "scripted", "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


class ScriptedTransport:
    description = "scripted"

    def __init__(self, replies: list[dict[str, Any] | str]):
        self.replies = [reply(r) if isinstance(r, str) else r for r in replies]
        self.requests: list[dict[str, Any]] = []

    def complete(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(payload)
        if not self.replies:
            raise AssertionError("the scripted transport ran out of replies")
        return self.replies.pop(0)

    def stream(self, payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
        text = self.complete(payload)["choices"][0]["message"]["content"]
        for i in range(0, len(text), 3):
            yield {"choices": [{"index": 0, "delta": {"content": text[i:i + 3]}, "finish_reason": None}]}
        yield {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
