"""The analysis data model: what reelwright knows about a video, as pydantic models.

Times are seconds from the start of the source video. Every model round-trips
through JSON (``model_dump_json`` / ``model_validate_json``).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tools.core.errors import FactsError

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
    "FACT_SHEET_KEYS",
    "MAX_FACTS_FILE_BYTES",
    "MAX_PHRASES",
    "MAX_PHRASE_CHARS",
    "MAX_FIELDS",
    "MAX_ALIASES",
]

# The bounds of a fact sheet (see ProductFacts and load_facts). The largest E-SyncVidStory dev
# record has 106 phrases of at most 29 characters in 14 fields, a 74-character product name;
# the demo's sheets 21 phrases of at most 78 characters.
MAX_FACTS_FILE_BYTES = 4 << 20  # a fact-sheet file (a list or JSON lines of sheets); dev.jsonl is 1 MB
MAX_PHRASES = 200  # phrases in one sheet, over all its fields
MAX_PHRASE_CHARS = 300  # characters in one phrase, field name, alias or product name
MAX_FIELDS = 100  # fields of one sheet
MAX_ALIASES = 20
FACT_SHEET_KEYS = ("product", "facts", "aliases")
_RECORD_KEYS = ("id", "clips")  # an E-SyncVidStory record is a fact sheet too: these are read past


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


class ProductFacts(BaseModel):
    """The fact sheet of one product: ``{"product": str, "facts": {field: [phrase, ...]}}``.

    The same shape as the records of E-SyncVidStory (``facts`` fields such as 功效,
    成分/材质, 活动优惠 or English ones such as price, ingredients, promotion).

    Bounded: at most ``MAX_PHRASES`` (200) phrases over at most ``MAX_FIELDS`` (100) fields,
    ``MAX_ALIASES`` (20) aliases, and ``MAX_PHRASE_CHARS`` (300) characters in any phrase, field
    name, alias or the product name; beyond them validation fails with a one-line message.
    Unknown top-level keys are checked by :func:`load_facts` (a record of another dataset may
    carry more keys when validated here).
    """

    model_config = ConfigDict(extra="ignore")

    product: str = Field(min_length=1)
    facts: dict[str, list[str]] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list, description="other names the seller uses")

    @field_validator("facts")
    @classmethod
    def _clean(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        facts = {str(k).strip(): [str(p).strip() for p in phrases if str(p).strip()] for k, phrases in v.items()}
        count = sum(len(phrases) for phrases in facts.values())
        if count > MAX_PHRASES:
            raise ValueError(f"{count} phrases; a sheet has at most {MAX_PHRASES} phrases")
        if len(facts) > MAX_FIELDS:
            raise ValueError(f"{len(facts)} fields; a sheet has at most {MAX_FIELDS} fields")
        for field, phrases in facts.items():
            for text in (field, *phrases):
                _check_length(text, f"field {_quote(field)}")
        return facts

    @field_validator("aliases")
    @classmethod
    def _few_aliases(cls, v: list[str]) -> list[str]:
        if len(v) > MAX_ALIASES:
            raise ValueError(f"{len(v)} aliases; a sheet has at most {MAX_ALIASES}")
        for alias in v:
            _check_length(alias, "alias")
        return v

    @field_validator("product")
    @classmethod
    def _short_name(cls, v: str) -> str:
        _check_length(v, "product name")
        return v

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


def _quote(text: str, most: int = 40) -> str:
    """``text`` quoted for a one-line message (shortened, its line breaks escaped)."""
    short = text if len(text) <= most else text[:most] + "..."
    return json.dumps(short, ensure_ascii=False)


def _check_length(text: str, what: str) -> None:
    if len(text) > MAX_PHRASE_CHARS:
        raise ValueError(f"{what}: {_quote(text)} has {len(text)} characters; at most {MAX_PHRASE_CHARS} characters "
                         "are allowed")


_SHAPE = '{"product": "...", "facts": {"field": ["phrase", ...]}, "aliases": [...] (optional)}'


def _unknown_keys(data: Any) -> str | None:
    """What is wrong with the top-level keys of one sheet (None: nothing)."""
    if not isinstance(data, dict):
        return None  # the model says what it expected
    unknown = [str(k) for k in data if k not in FACT_SHEET_KEYS and k not in _RECORD_KEYS]
    if not unknown:
        return None
    parts = []
    for key in unknown[:5]:
        close = difflib.get_close_matches(key, FACT_SHEET_KEYS, n=1, cutoff=0.6)
        parts.append(_quote(key) + (f" (did you mean {_quote(close[0])}?)" if close else ""))
    return (f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(parts)}"
            f"{f' and {len(unknown) - 5} more' if len(unknown) > 5 else ''}; a fact sheet has the keys "
            '"product", "facts" and optionally "aliases"')


def _read_bounded(p: Path) -> str:
    """The file's text, refused beyond ``MAX_FACTS_FILE_BYTES`` (read no further than that)."""
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_FACTS_FILE_BYTES + 1)
    except OSError as exc:
        raise FactsError(f"{p}: cannot read the fact sheet ({exc.strerror})") from None
    if len(raw) > MAX_FACTS_FILE_BYTES:
        raise FactsError(f"{p}: the fact-sheet file is larger than {MAX_FACTS_FILE_BYTES >> 20} MB; "
                         "a fact sheet is a short list of phrases (split the file or trim it)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FactsError(f"{p}: the fact sheet is not UTF-8 text") from None


def _parse(p: Path, text: str) -> Any:
    """One JSON document, else JSON lines."""
    try:
        try:
            return json.loads(text)
        except ValueError:
            try:
                return [json.loads(line) for line in text.splitlines() if line.strip()]
            except ValueError as exc:
                raise FactsError(f"{p}: not JSON ({exc})") from None
    except RecursionError:
        raise FactsError(f"{p}: not JSON (nested too deeply)") from None


def load_facts(path: str | Path) -> ProductFacts | list[ProductFacts]:
    """Read a fact sheet file: one object, a list of them, or JSON lines.

    A sheet's top-level keys are ``product``, ``facts`` and optionally ``aliases`` (the ``id`` and
    ``clips`` of an E-SyncVidStory record are read past); any other key is an error naming it.
    Bounds: the file at most ``MAX_FACTS_FILE_BYTES`` (4 MB), each sheet as
    :class:`ProductFacts` says (200 phrases, 300 characters a phrase...).

    Raises:
        FactsError: one line with the file name (and the sheet's number in a list) and what is wrong.
    """
    p = Path(path)
    data = _parse(p, _read_bounded(p))
    sheets = data if isinstance(data, list) else [data]
    if not sheets:
        raise FactsError(f"{p}: no fact sheet in the file; expected {_SHAPE}")
    out = []
    for n, sheet in enumerate(sheets, 1):
        where = f"{p}: sheet {n}: " if isinstance(data, list) else f"{p}: "
        problem = _unknown_keys(sheet)
        if problem:
            raise FactsError(where + problem)
        try:
            out.append(ProductFacts.model_validate(sheet))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(x) for x in first["loc"]) or "top level"
            if first["type"] == "value_error":  # our own bounds: the message says it all
                msg = str(first["msg"]).removeprefix("Value error, ")
                raise FactsError(f"{where}{field}: {msg}") from None
            raise FactsError(f'{where}not a fact sheet ({field}: {first["msg"]}); expected {_SHAPE}') from None
    return out if isinstance(data, list) else out[0]


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
