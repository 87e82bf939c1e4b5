"""Script labels (剧本类型) of an ad storyline, and which fact fields feed each one.

The 12 labels are E-SyncVidStory's (``label_definition.txt``); each has a Chinese
name (the benchmark's), an English name and the fact categories it draws on. Fact
field names (Chinese or English) map to categories in ``tools/data/script_labels.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["ScriptLabel", "labels", "get_label", "label_names", "field_category", "facts_for_label"]


@dataclass(frozen=True)
class ScriptLabel:
    id: str
    zh: str
    en: str
    definition: str
    definition_en: str
    categories: tuple[str, ...]

    def name(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads((resources.files("tools") / "data" / "script_labels.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def labels() -> tuple[ScriptLabel, ...]:
    return tuple(ScriptLabel(d["id"], d["zh"], d["en"], d["definition"], d["definition_en"], tuple(d["categories"]))
                 for d in _data()["labels"])


def label_names() -> list[str]:
    """The benchmark's Chinese label names, in definition order."""
    return [lab.zh for lab in labels()]


def get_label(name: str) -> ScriptLabel:
    """A label by id, Chinese or English name ("其他" is the benchmark's short form of 其他/通用卖点)."""
    key = name.strip()
    for lab in labels():
        if key in (lab.id, lab.zh, lab.en) or (key == "其他" and lab.id == "general"):
            return lab
    raise KeyError(f"unknown script label {name!r}; known: {', '.join(label_names())}")


def field_category(field: str) -> str:
    """The category of a fact field name ("功效" and "effect" are both "efficacy"); unknown: "general"."""
    return _data()["fields"].get(field.strip().lower(), _data()["fields"].get(field.strip(), "general"))


def facts_for_label(facts: dict[str, list[str]], label: str) -> list[str]:
    """Fact phrases relevant to ``label``, most relevant category first, without duplicates."""
    lab = get_label(label)
    ranked: list[str] = []
    for cat in lab.categories:
        for field, phrases in facts.items():
            if field_category(field) == cat:
                ranked += [p for p in phrases if p not in ranked]
    return ranked
