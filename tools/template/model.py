"""The template of a reference ad: what `reelwright template extract` writes and
`reelwright make --template` fills.

A template is plain data (pydantic, JSON on disk, JSON Schema from :func:`template_schema`):
where the reference came from, its slots in order (duration, script labels, shot scale,
camera motion, the transition into the slot, playback speed, the slot's share of the
narration and the line spoken there), the text on screen (box, size, colours, timing,
role), the subtitle style, the audio (music, tempo, beats, whether cuts fall on beats,
voice-over or the presenter's own speech, speaking rate) and the storyline.

Times are seconds from the start of the reference; boxes are fractions of the frame
(``x, y, w, h`` with the origin top left), so a template fits any resolution.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["SCHEMA_VERSION", "Scale", "Motion", "Transition", "Role", "Box", "Source", "Slot", "Overlay",
           "SubtitleStyle", "Audio", "ExampleLine", "Template", "template_schema"]

SCHEMA_VERSION = 1

Scale = Literal["close-up", "medium", "wide"]
Motion = Literal["static", "pan", "tilt", "zoom"]
Transition = Literal["cut", "dissolve", "fade", "slide"]
Role = Literal["title", "subtitle", "price", "promotion", "call_to_action", "other"]
Voice = Literal["voiceover", "original", "none"]


class Box(BaseModel):
    """A rectangle as fractions of the frame: left, top, width, height (0..1)."""

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    w: float = Field(ge=0, le=1)
    h: float = Field(ge=0, le=1)

    def iou(self, other: Box) -> float:
        """Intersection over union with another box."""
        ix = max(0.0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0.0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0


class Source(BaseModel):
    """The reference video the template was extracted from."""

    path: str = Field(description="The reference video as given to `template extract`.")
    sha256: str | None = Field(None, description="Content hash of the reference (the catalog's video id).")
    duration: float = Field(ge=0, description="Seconds.")
    width: int = Field(ge=0)
    height: int = Field(ge=0)
    aspect: str = Field(description='Reduced or nearest common aspect ratio, e.g. "9:16", "16:9", "1:1".')
    fps: float = Field(ge=0)
    language: str | None = Field(None, description='"zh", "en" or null when nothing is said or written.')


class Slot(BaseModel):
    """One shot of the reference, in order."""

    index: int = Field(ge=0)
    start: float = Field(ge=0, description="Seconds from the reference's start.")
    duration: float = Field(gt=0, description="Seconds.")
    labels: list[str] = Field(default_factory=list,
                              description="Script label ids (tools/core/labels.py: recommend, pain_point, "
                                          "purchase, ...) of what is said or shown in the slot.")
    scale: Scale = Field(description="Shot scale, from face or person size and the attention map.")
    motion: Motion = Field(description="Camera motion, from optical flow.")
    transition_in: Transition = Field(description='How the slot begins: "cut" for the first slot.')
    transition_seconds: float = Field(0.0, ge=0, description="Length of a dissolve, fade or slide; 0 for a cut.")
    speed: float = Field(1.0, gt=0, description="Playback speed if the reference changed it (1 = real time).")
    narration_share: float = Field(0.0, ge=0, le=1,
                                   description="Share of the ad's narration (by characters or words) in the slot.")
    line: str | None = Field(None, description="What is said in the slot (voice-over or speech), if anything.")

    @property
    def end(self) -> float:
        return self.start + self.duration


class Overlay(BaseModel):
    """Text on screen (not the subtitles), from the stored OCR."""

    text: str
    role: Role
    box: Box
    size: float = Field(gt=0, description="Text height as a fraction of the frame height.")
    color: str = Field(description='Text colour, "#rrggbb".')
    background: str | None = Field(None, description='Box colour behind the text, "#rrggbb", or null.')
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    slot: int | None = Field(None, description="The slot it appears in (the one holding most of its time).")


class SubtitleStyle(BaseModel):
    """How the reference shows its subtitles (the text that follows the speech)."""

    present: bool = False
    position: float = Field(0.85, ge=0, le=1, description="Vertical centre as a fraction of the frame height.")
    size: float = Field(0.05, gt=0, description="Text height as a fraction of the frame height.")
    color: str = "#ffffff"
    outline: str | None = Field("#000000", description="Outline colour or null.")
    outline_width: float = Field(0.0, ge=0, description="Outline width as a fraction of the frame height.")


class Audio(BaseModel):
    """The reference's sound."""

    music: bool = Field(description="Whether a music bed plays.")
    tempo: float | None = Field(None, gt=0, description="Beats per minute of the music.")
    beats: list[float] = Field(default_factory=list, description="Beat times in seconds.")
    cuts_on_beat: float | None = Field(None, ge=0, le=1,
                                       description="Share of the cuts within a tolerance of a beat; null without music.")
    on_beat: bool = Field(False, description="Whether the cuts follow the beats (the filler snaps its cuts to beats).")
    voice: Voice = Field(description="A voice-over, the presenter's own speech, or no voice.")
    speaking_rate: float | None = Field(None, gt=0, description="Characters (zh) or words (en) per second of speech.")


class ExampleLine(BaseModel):
    """A line of the reference's narration, an example for the narrator."""

    slot: int
    labels: list[str] = Field(default_factory=list)
    text: str


class Template(BaseModel):
    """The structure of a reference ad, ready to be filled with other footage."""

    schema_version: int = SCHEMA_VERSION
    name: str
    description: str = ""
    source: Source
    slots: list[Slot] = Field(min_length=1)
    overlays: list[Overlay] = Field(default_factory=list)
    subtitles: SubtitleStyle = Field(default_factory=SubtitleStyle)
    audio: Audio
    storyline: list[str] = Field(default_factory=list, description="Script label ids in the order of the slots.")
    lines: list[ExampleLine] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list,
                             description='What the extractor could not read, e.g. "no cuts: one slot".')

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.slots)


def template_schema() -> dict:
    """The JSON Schema of a template file (docs/templates.md documents it)."""
    return Template.model_json_schema()
