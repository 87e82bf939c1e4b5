"""The versions of a conversation's current ad: every plan a tool wrote, with its hash and what changed.

Each time a tool leaves a plan.json whose content differs from the current version's, a new
version is recorded: a snapshot of the plan (``.versions/vN.json`` in the working folder), its
SHA-256 digest, a one-line summary and the changes from the version before it ("slot 3:
0:42-0:46 -> 1:10-1:14", "line 2 shortened"). :meth:`PlanHistory.go_to` makes an earlier
version current again by writing its snapshot back over the ad's plan.json (its files still
exist: every revision renders beside the earlier ones); the revision counter stays ahead of
every version made, so a later revision never overwrites the files of another.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.core.errors import UsageError
from tools.core.files import write_atomic

__all__ = ["PlanVersion", "PlanHistory", "summarize", "changes"]


@dataclass(frozen=True)
class PlanVersion:
    """One version: ``plan`` is its snapshot, ``source`` the ad's plan.json it came from."""

    number: int
    plan: Path
    source: Path
    digest: str
    summary: str
    changes: list[str] = field(default_factory=list)

    def load(self) -> dict[str, Any]:
        return json.loads(self.plan.read_text(encoding="utf-8"))

    def files(self) -> dict[str, Path]:
        """The rendered files of this version (absolute paths), by kind: ad, cover, srt, otio..."""
        rendered = self.load().get("rendered") or []
        names = rendered[0].get("files", {}) if rendered else {}
        return {k: self.source.parent / v for k, v in names.items()}


def _mmss(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def _slots(plan: dict) -> list[dict]:
    try:
        return plan["variants"][plan["chosen"]]["slots"]
    except (KeyError, IndexError, TypeError):
        return []


def _clip(slot: dict) -> str:
    c = slot.get("clip") or {}
    return f"{_mmss(c['start'])}-{_mmss(c['end'])}" if "start" in c and "end" in c else "no clip"


def _lines(plan: dict) -> list[str]:
    return [str(n.get("text") or "") for n in plan.get("narration") or []]


def summarize(plan: dict) -> str:
    """``"15 s 9:16 ad, Aurora Espresso Blend, storyline 1 of 3, 4 slots, rendered"``."""
    spec = plan.get("spec") or {}
    product = (plan.get("segment") or {}).get("product") or "the stream"
    n = len(plan.get("variants") or [])
    state = "rendered" if plan.get("rendered") else ("narrated" if plan.get("narration") else "planned")
    return (f"{spec.get('duration', '?'):g} s {spec.get('aspect', '?')} ad, {product}, storyline "
            f"{int(plan.get('chosen', 0)) + 1} of {n}, {len(_slots(plan))} slots, {state}"
            if isinstance(spec.get("duration"), int | float) else f"ad of {product}, {state}")


def changes(old: dict | None, new: dict) -> list[str]:
    """What changed from ``old`` to ``new``, one short phrase each (empty for a first version)."""
    if old is None:
        return []
    out: list[str] = []
    a, b = old.get("spec") or {}, new.get("spec") or {}
    for key, label in (("duration", "length"), ("aspect", "aspect"), ("tone", "tone")):
        if a.get(key) != b.get(key):
            out.append(f"{label}: {a.get(key)} -> {b.get(key)}")
    if old.get("audio") != new.get("audio"):
        out.append(f"audio: {old.get('audio')} -> {new.get('audio')}")
    if (old.get("music") or None) != (new.get("music") or None):
        out.append("music " + ("on" if new.get("music") else "off"))
    if old.get("chosen") != new.get("chosen"):
        out.append(f"storyline {int(old.get('chosen', 0)) + 1} -> {int(new.get('chosen', 0)) + 1}")
    sa, sb = _slots(old), _slots(new)
    if len(sa) != len(sb):
        out.append(f"slots: {len(sa)} -> {len(sb)}")
    else:
        out += [f"slot {k}: {_clip(x)} -> {_clip(y)}" for k, (x, y) in enumerate(zip(sa, sb, strict=True), 1)
                if _clip(x) != _clip(y)]
    la, lb = _lines(old), _lines(new)
    if la and lb and len(la) == len(lb):
        for k, (x, y) in enumerate(zip(la, lb, strict=True), 1):
            if x != y:
                verb = "shortened" if len(y) < len(x) else ("lengthened" if len(y) > len(x) else "reworded")
                out.append(f"line {k} {verb}")
    elif lb and not la:
        out.append("narration written")
    if bool(old.get("rendered")) != bool(new.get("rendered")) and new.get("rendered"):
        out.append("rendered")
    return out


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PlanHistory:
    """The plan versions of one conversation, snapshotted under ``workdir/.versions``."""

    def __init__(self, workdir: Path):
        self.folder = Path(workdir) / ".versions"
        self.versions: list[PlanVersion] = []
        self.current: PlanVersion | None = None
        self._max_revision = 0

    def record(self, plan_path: str | Path) -> PlanVersion | None:
        """Record ``plan_path`` as a new version if its content differs from the current version's
        (``None`` when it is the same, or not a readable plan)."""
        path = Path(plan_path)
        try:
            data = path.read_bytes()
            plan = json.loads(data)
        except (OSError, ValueError):
            return None
        if not isinstance(plan, dict):
            return None
        digest = _digest(data)
        if self.current is not None and self.current.digest == digest:
            return None
        previous = self.current.load() if self.current is not None and self.current.source == path.resolve() \
            else None
        number = len(self.versions) + 1
        self.folder.mkdir(parents=True, exist_ok=True)
        snap = self.folder / f"v{number}.json"
        write_atomic(snap, data)
        self._max_revision = max(self._max_revision, int(plan.get("revision") or 0))
        version = PlanVersion(number, snap, path.resolve(), digest, summarize(plan), changes(previous, plan))
        self.versions.append(version)
        self.current = version
        return version

    def get(self, number: int) -> PlanVersion:
        """Version ``number`` (counted from 1).

        Raises:
            UsageError: no such version."""
        if not self.versions:
            raise UsageError("there is no ad in this conversation yet, so no version to go back to")
        if not 1 <= number <= len(self.versions):
            raise UsageError(f"version {number}: there are versions 1 to {len(self.versions)}")
        return self.versions[number - 1]

    def go_to(self, number: int) -> PlanVersion:
        """Make version ``number`` current: its snapshot is written back over its ad's plan.json,
        with the revision counter kept ahead of every version made."""
        version = self.get(number)
        plan = version.load()
        plan["revision"] = max(int(plan.get("revision") or 0), self._max_revision)
        write_atomic(version.source, json.dumps(plan, ensure_ascii=False, indent=1).encode("utf-8"))
        self.current = PlanVersion(version.number, version.plan, version.source, _digest(version.source.read_bytes()),
                                   version.summary, version.changes)
        return self.current

    def undo(self) -> PlanVersion:
        """Go back to the version before the current one.

        Raises:
            UsageError: nothing to undo."""
        if self.current is None or self.current.number <= 1:
            raise UsageError("nothing to undo: this is the first version of the ad")
        return self.go_to(self.current.number - 1)
