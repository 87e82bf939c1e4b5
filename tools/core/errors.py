"""The one error type: :class:`ReelwrightError` and its named subclasses.

Every problem a user can fix (a missing file, a damaged catalog, a model not pulled, a
brief that asks for the impossible) raises a subclass of :class:`ReelwrightError` whose
``str()`` is one line that names the problem and, where there is one, the fix. The CLI,
the planner tools and the studio catch the base class only: it becomes one red line, an
``{"error": ...}`` result the planner can read, or a message in the chat. Anything else
is our own bug and is allowed to crash loudly.

The historical built-in bases (``ValueError``, ``RuntimeError``, ``KeyError``) are kept as
second bases, so code that caught those still does.

This module imports nothing of the project: every layer may use it (``models/`` included,
the one import of ``tools`` it is allowed; see the import-linter contracts in
``pyproject.toml``).
"""

from __future__ import annotations

__all__ = [
    "ReelwrightError", "UsageError", "AccessError", "MediaError", "VideoOpenError", "NoVideoStream", "NoAudioStream",
    "EmptyMedia", "FactsError", "CatalogError", "ModelError", "ModelMissing", "ModelCorrupt",
    "ModelNotConfigured", "UnknownModel", "LLMError", "LLMConnectionError", "LLMOutputError",
    "LearnedModelError", "TagError", "CoherenceError", "HighlightModelError", "FactPlanError",
    "SpecError", "ProductionError", "ArrangeError", "MakeError", "RenderError", "VoiceError", "DataError", "UploadError",
    "TemplateError",
]


class ReelwrightError(Exception):
    """A problem the user can fix; ``str(exc)`` is a one-line message naming it."""


class UsageError(ReelwrightError, ValueError):
    """A bad flag value, argument or input file."""


class AccessError(UsageError):
    """A path outside what a planner tool may reach (the session's working folder, the library and
    the catalog's videos): ``/etc/passwd``, ``../..``, a symlink pointing out."""


class UploadError(UsageError):
    """An attached or uploaded file that is too large, or neither a video nor a fact sheet."""


# ------------------------------------------------------------------ media


class MediaError(ReelwrightError):
    """A file that cannot be used as media (missing, unreadable, not audio/video)."""


class VideoOpenError(MediaError):
    """The file exists but cannot be opened or decoded as media."""


class NoVideoStream(MediaError):
    """The file has no video stream."""


class NoAudioStream(MediaError):
    """The file has no audio stream."""


class EmptyMedia(MediaError):
    """The file opens but holds no decodable frames or samples."""


# ------------------------------------------------------------------ data


class FactsError(ReelwrightError, ValueError):
    """A product fact sheet that is missing, not JSON or not of the documented shape."""


class CatalogError(ReelwrightError, RuntimeError):
    """The catalog cannot be opened or an entry is damaged; the message says which."""


class DataError(ReelwrightError, ValueError):
    """An evaluation or training data file that is missing or malformed."""


# ------------------------------------------------------------------ models


class ModelError(ReelwrightError, RuntimeError):
    """A model that is missing, damaged or not configured (``reelwright models pull`` fixes most)."""


class ModelMissing(ModelError):
    """The model's files are not in the cache."""


class ModelCorrupt(ModelError):
    """The model's files are in the cache but fail their checksum."""


class ModelNotConfigured(ModelError):
    """An optional model (e.g. CLIP) was asked for but no checkpoint is configured."""


class UnknownModel(ModelError, KeyError):
    """A model name that no spec in ``models/specs/`` has."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown model"


class LLMError(ReelwrightError, RuntimeError):
    """The LLM could not be reached or did not answer usably."""


class LLMConnectionError(LLMError):
    """The remote OpenAI-compatible server did not answer."""


class LLMOutputError(LLMError):
    """The LLM's answer did not fit the asked-for shape (JSON schema, tool call)."""


class LearnedModelError(ReelwrightError, RuntimeError):
    """A small learned file shipped in ``tools/data/`` (or trained with ``reelwright train``) is
    missing or damaged; the message names the ``reelwright train`` command that rebuilds it."""


class TagError(LearnedModelError):
    """The speech-tag model."""


class CoherenceError(LearnedModelError):
    """The sentence-pair coherence model."""


class HighlightModelError(LearnedModelError):
    """The learned highlight (PLD) model."""


class FactPlanError(LearnedModelError):
    """The learned fact plan."""


# ------------------------------------------------------------------ production


class SpecError(ReelwrightError, ValueError):
    """A brief or flags that ask for an ad that cannot be made (length, aspect, audio...)."""


class ProductionError(ReelwrightError, RuntimeError):
    """Making an ad failed for a reason the user can act on."""


class ArrangeError(ProductionError, ValueError):
    """No storyline can be filled from the stream (e.g. the product is not in it)."""


class MakeError(ProductionError, ValueError):
    """The make recipe cannot run with these inputs."""


class RenderError(ProductionError):
    """ffmpeg could not render the timeline; the message has its last error line."""


class VoiceError(ProductionError):
    """No voice can speak the narration (e.g. no Mandarin voice exists offline)."""


class TemplateError(UsageError):
    """A reference that cannot give a template (no picture), an unknown template name or a malformed
    template file; the message names it (and, for a name, the templates there are)."""
