"""The ML models reelwright runs and how it gets them (specs in ``models/specs/*.json``).

Importing this package loads nothing: ``models.llm``, ``models.provision`` and the
loaders are imported by whoever needs them.
"""

from .registry import ModelSpec, UnknownModel, get_spec, list_models
from .settings import Settings

__all__ = ["ModelSpec", "Settings", "UnknownModel", "get_spec", "list_models"]
