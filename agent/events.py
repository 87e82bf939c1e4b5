"""What a conversation turn reports while it runs, in order: the studio, ``reelwright ask`` and
the agent evaluation all read the same events.

    >>> for event in agent.stream("make a 15s ad", attachments=["live.mp4", "facts.json"]):  # doctest: +SKIP
    ...     if isinstance(event, Token): print(event.text, end="")

A turn yields any number of :class:`StepStarted` / :class:`StepProgress` / :class:`StepFinished`
(one tool call each, ``step`` numbers them within the turn), :class:`Token` (a piece of the reply
as the model writes it), :class:`PlanChanged` (a new version of the current ad's plan), and ends
with exactly one :class:`TurnDone`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["StepStarted", "StepProgress", "StepFinished", "Token", "PlanChanged", "TurnDone", "Step", "Event"]


@dataclass(frozen=True)
class StepStarted:
    """A tool call begins: ``tool`` with ``args`` (as validated)."""

    step: int
    tool: str
    args: dict[str, Any]


@dataclass(frozen=True)
class StepProgress:
    """One line of progress from a running tool (e.g. "asr 40 %")."""

    step: int
    tool: str
    message: str


@dataclass(frozen=True)
class StepFinished:
    """A tool call ended: ``ok`` is False when it returned ``{"error": ...}`` (``error`` says why)."""

    step: int
    tool: str
    args: dict[str, Any]
    ok: bool
    seconds: float
    result: dict[str, Any]
    error: str | None = None


@dataclass(frozen=True)
class Token:
    """A piece of the reply text, streamed as it is generated."""

    text: str


@dataclass(frozen=True)
class PlanChanged:
    """The conversation's current plan has a new version (``number`` counts from 1)."""

    number: int
    plan: str
    digest: str
    summary: str
    changes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """One tool call of a finished turn, as ``reelwright ask --json`` prints it."""

    tool: str
    args: dict[str, Any]
    ok: bool
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "args": self.args, "ok": self.ok, "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class TurnDone:
    """The turn's outcome: the whole reply, its tool steps, every file written (absolute paths),
    whether the deterministic fallback ran instead of the model's own tool calls, how many
    invalid tool calls were repaired, and whether the first tool call was valid as written."""

    reply: str
    steps: list[Step]
    files: list[str]
    fallback: bool
    repairs: int = 0
    first_call_valid: bool | None = None
    intent: str | None = None
    language: str = "en"

    def as_dict(self) -> dict[str, Any]:
        """The ``reelwright ask --json`` object: exactly reply, steps, files, fallback (the contract)."""
        return {"reply": self.reply, "steps": [s.as_dict() for s in self.steps], "files": self.files,
                "fallback": self.fallback}


Event = StepStarted | StepProgress | StepFinished | Token | PlanChanged | TurnDone
