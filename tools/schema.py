"""The analysis data model: what reelwright knows about a video, as pydantic models.

Times are seconds from the start of the source video. Every model round-trips
through JSON (``model_dump_json`` / ``model_validate_json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = [
    "Video",
    "Word",
    "Sentence",
    "Shot",
    "Scene",
    "Segment",
    "Clip",
    "ProductFacts",
    "FactsError",
    "Analysis",
    "load_facts",
]


class _Span(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: float = Field(ge=0)
    end: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    @property
    def duration(self) -> float:
        return self.end - self.start

    def overlaps(self, start: float, end: float) -> bool:
        return self.start < end and start < self.end


class Video(BaseModel):
    """One source file, identified by the SHA-256 of its content (``id``)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="SHA-256 of the file's bytes")
    path: str
    size_bytes: int
    duration: float
    width: int = 0
    height: int = 0
    fps: float = 0.0
    vfr: bool = False
    rotation: int = 0
    has_video: bool = True
    has_audio: bool = True
    format: str = ""


class Word(_Span):
    text: str
    probability: float = 1.0


class Sentence(_Span):
    index: int
    text: str
    words: list[Word] = Field(default_factory=list)
    language: str = ""
    tags: dict[str, float] = Field(default_factory=dict, description="speech tag -> confidence (multi-label)")


class Shot(_Span):
    index: int
    transition_in: Literal["cut", "dissolve", "fade", "start"] = "cut"


class Scene(_Span):
    index: int
    shots: list[int] = Field(default_factory=list, description="indices of the shots it merges")


class Segment(_Span):
    """A 3-10 minute product segment of a live stream."""

    index: int
    product: str | None = None
    title: str = ""
    confidence: float = 0.0


class Clip(_Span):
    """A usable span of footage: its sentences, shots, tags, scores and vector ids."""

    id: str
    video_id: str
    product: str | None = None
    text: str = ""
    screen_text: str = Field("", description="on-screen text read in the clip (OCR)")
    sentences: list[int] = Field(default_factory=list)
    shots: list[int] = Field(default_factory=list)
    tags: dict[str, float] = Field(default_factory=dict)
    scores: dict[str, float] = Field(default_factory=dict, description="highlight, coherence_in, ...")
    concepts: dict[str, float] = Field(default_factory=dict)
    vectors: dict[str, str] = Field(default_factory=dict, description="index name -> vector id")


class FactsError(ValueError):
    """A fact sheet that cannot be used (missing, not JSON, wrong shape)."""


class ProductFacts(BaseModel):
    """The fact sheet of one product: ``{"product": str, "facts": {field: [phrase, ...]}}``.

    The same shape as the records of E-SyncVidStory (``facts`` fields such as 功效,
    成分/材质, 活动优惠 or English ones such as price, ingredients, promotion).
    """

    model_config = ConfigDict(extra="ignore")

    product: str = Field(min_length=1)
    facts: dict[str, list[str]] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list, description="other names the seller uses")

    @field_validator("facts")
    @classmethod
    def _clean(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        return {str(k).strip(): [str(p).strip() for p in phrases if str(p).strip()] for k, phrases in v.items()}

    def phrases(self) -> list[str]:
        """Every fact phrase, in field order, without duplicates."""
        seen: dict[str, None] = {}
        for items in self.facts.values():
            for p in items:
                seen.setdefault(p, None)
        return list(seen)

    @property
    def names(self) -> list[str]:
        return [self.product, *self.aliases]


def load_facts(path: str | Path) -> ProductFacts | list[ProductFacts]:
    """Read a fact sheet file: one object, a list of them, or JSON lines.

    Raises:
        FactsError: with the file name and what is wrong.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise FactsError(f"{p}: cannot read the fact sheet ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise FactsError(f"{p}: the fact sheet is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise FactsError(f"{p}: not JSON ({exc})") from None
    try:
        if isinstance(data, list):
            return [ProductFacts.model_validate(d) for d in data]
        return ProductFacts.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "top level"
        raise FactsError(f'{p}: not a fact sheet ({where}: {first["msg"]}); expected '
                         '{"product": "...", "facts": {"field": ["phrase", ...]}}') from None


class Analysis(BaseModel):
    """Everything known about one video, with the versions of the analyzers that produced each part."""

    video: Video
    versions: dict[str, str] = Field(default_factory=dict, description="part -> 'analyzer@version (model)'")
    language: str = ""
    sentences: list[Sentence] = Field(default_factory=list)
    shots: list[Shot] = Field(default_factory=list)
    scenes: list[Scene] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)
    clips: list[Clip] = Field(default_factory=list)

    def sentences_in(self, start: float, end: float) -> list[Sentence]:
        return [s for s in self.sentences if s.overlaps(start, end)]
