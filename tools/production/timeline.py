"""The ad's timeline and the files an editor opens: SRT, ASS (styled subtitles), OpenTimelineIO.

A :class:`Timeline` is plain data: each item is a span of the SOURCE video (in / out
points), where it sits in the ad, how it is framed (crop centre per source shot), how
its audio is used (the presenter's words up to ``speech_end``, or a voice-over file)
and the transition into the next item. The renderer (:mod:`tools.production.render`) and the
exports read the same object, so the OTIO file re-cuts exactly what was rendered.

    >>> write_srt(timeline.cues, "out/ad.srt")                 # doctest: +SKIP
    >>> write_otio(timeline, "out/ad.otio")                    # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tools.core.files import write_atomic

__all__ = ["Cue", "Crop", "Item", "TextBox", "SubtitleLook", "Timeline", "write_srt", "write_ass", "write_otio", "split_cues", "plain_text",
           "ass_escape", "FONT_FILE", "FONT_NAME"]

FONT_FILE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"  # Debian fonts-noto-cjk
FONT_NAME = "Noto Sans CJK SC"


@dataclass
class Cue:
    start: float  # ad time, seconds
    end: float
    text: str


@dataclass
class Crop:
    """A point of the crop-centre track: from the previous point the centre glides here linearly,
    unless this point is a ``cut`` (a new source shot), where it jumps."""

    at: float  # source time
    x: float  # centre as fractions of the source frame
    y: float
    cut: bool = True


@dataclass
class Item:
    index: int
    source: str  # the source video (absolute path)
    src_in: float
    start: float  # where the item starts in the ad
    duration: float  # its share of the ad (the transition into the next item runs on top of its tail)
    crops: list[Crop]
    tags: list[str] = field(default_factory=list)
    speech_end: float | None = None  # original speech: the presenter is heard up to this source time
    voice: str | None = None  # voice-over file (inside the output dir)
    voice_duration: float = 0.0
    narration: str = ""
    voice_heard: str = ""  # the voice-over transcribed back (ASR), to check it says the narration
    voice_wer: float | None = None  # its word error rate against the narration
    transition_out: str = "cut"  # into the next item: cut | crossfade | slide
    transition_seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)
    zoom: float = 1.0  # the crop is this much smaller than the largest of the aspect (a caption left out)
    speed: float = 1.0  # playback speed: 0.8 plays the source at 80 % (a 4 s source stretch fills 5 s)

    @property
    def src_out(self) -> float:
        return self.src_in + self.duration * self.speed

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass
class TextBox:
    """Text drawn on the picture (a price or promotion box, a title...) outside the subtitles:
    its box as fractions of the frame (left, top, width, height; the text is centred in it), the font
    size as a fraction of the frame height, colours ``#rrggbb`` (``background`` None: no box behind), and when (ad time)."""

    text: str
    x: float
    y: float
    w: float
    h: float
    size: float
    color: str = "#ffffff"
    background: str | None = None
    start: float = 0.0
    end: float = 0.0
    role: str = "other"


@dataclass
class SubtitleLook:
    """How the subtitles look: vertical centre and text height as fractions of the frame height,
    colours ``#rrggbb`` (``outline`` None: none) and the outline width as a fraction of the height."""

    position: float = 0.85
    size: float = 0.05
    color: str = "#ffffff"
    outline: str | None = "#000000"
    outline_width: float = 0.004


@dataclass
class Timeline:
    width: int
    height: int
    fps: int
    duration: float
    items: list[Item]
    cues: list[Cue] = field(default_factory=list)
    source_size: tuple[int, int] = (0, 0)
    source_duration: float = 0.0
    audio: str = "original"  # original | voiceover | both
    music: str | None = None
    sticker: str = ""  # price / promo text from the fact sheet
    sticker_from: float = 0.0
    title: str = ""
    language: str = "en"
    overlays: list[TextBox] = field(default_factory=list)  # text boxes drawn on the picture (a template's layout)
    subtitle_look: SubtitleLook | None = None  # None: the default look (white, black outline, lower third)
    burn_subtitles: bool = True  # False: subtitles written as files only, not drawn on the picture
    music_gain: float = 0.35  # the music bed's volume
    music_duck: bool = True  # the music ducked under speech (sidechain compression)
    frame_exact: bool = False  # each item exactly its whole frames after the frame-rate change (cuts on beats)

    def as_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------ subtitles


def _english_chunks(words: list[str], most: int = 30) -> list[str]:
    """Words in readable chunks of at most ``most`` characters: split where the line takes a
    breath (after a comma or full stop, before "and", "with"...), never after "a", "the",
    "and"..., into halves as even as those allow."""
    from tools.narration.lengthfit import BREAK_WORDS, DANGLING_WORDS

    line = " ".join(words)
    if len(line) <= most or len(words) < 2:
        return [line]
    bare = [w.strip(",.;:!?\"'").lower() for w in words]

    def cost(i: int) -> float:
        left, right = " ".join(words[:i]), " ".join(words[i:])
        c = abs(len(left) - len(right)) / 8
        if re.search(r"[.!?;,:]$", words[i - 1]):
            c -= 4
        elif bare[i] in BREAK_WORDS:
            c -= 2
        if bare[i - 1] in DANGLING_WORDS and not re.search(r"[.!?;,:]$", words[i - 1]):
            c += 6
        return c + (len(words[:i]) < 2 or len(words[i:]) < 2) * 3

    i = min(range(1, len(words)), key=cost)
    return _english_chunks(words[:i], most) + _english_chunks(words[i:], most)


def split_cues(text: str, start: float, end: float, language: str = "en") -> list[Cue]:
    """One line of narration as subtitle cues over ``start..end``, timed by length (short readable chunks)."""
    text = text.strip()
    if not text or end <= start:
        return []
    if language == "zh":
        parts = [p for p in re.split(r"(?<=[，。！？；、,!?;])", text) if p.strip()]
        chunks: list[str] = []
        for p in parts:
            while len(p) > 16:
                chunks.append(p[:16])
                p = p[16:]
            if chunks and len(chunks[-1]) + len(p) <= 12:
                chunks[-1] += p
            else:
                chunks.append(p)
    else:
        chunks = _english_chunks(text.split())
    weights = [max(len(c), 1) for c in chunks]
    total = sum(weights)
    out, t = [], start
    for c, w in zip(chunks, weights, strict=True):
        d = (end - start) * w / total
        out.append(Cue(round(t, 3), round(t + d, 3), c.strip()))
        t += d
    return out


def _ts(t: float, sep: str = ",") -> str:
    ms = int(round(max(t, 0.0) * 1000))
    h, ms = divmod(ms, 3600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain_text(text: str) -> str:
    """``text`` with its line breaks as ``\\n`` (``\\r\\n`` and ``\\r`` too) and without control
    characters (a NUL would cut the text short in ffmpeg and libass; the others draw as boxes)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def write_srt(cues: list[Cue], path: str | Path) -> Path:
    """SubRip subtitles, written whole (through a temporary file). A cue's text keeps its lines but
    never an empty one (a blank line ends an SRT block); a cue with no text is left out."""
    blocks = []
    for c in cues:
        lines = [ln for ln in plain_text(c.text).split("\n") if ln.strip()]
        if lines:
            blocks.append(f"{len(blocks) + 1}\n{_ts(c.start)} --> {_ts(c.end)}\n" + "\n".join(lines) + "\n\n")
    return write_atomic(Path(path), "".join(blocks).encode("utf-8"), mode=0o644)


def _ass_ts(t: float) -> str:
    cs = int(round(max(t, 0.0) * 100))
    h, cs = divmod(cs, 360000)
    m, cs = divmod(cs, 6000)
    s, cs = divmod(cs, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def _ass_colour(rgb: str | None, alpha: int = 0) -> str:
    """``#rrggbb`` as an ASS colour ``&HAABBGGRR``."""
    h = (rgb or "#000000").lstrip("#")
    h = h if re.fullmatch(r"[0-9a-fA-F]{6}", h) else "000000"
    return f"&H{alpha:02X}{h[4:6]}{h[2:4]}{h[0:2]}".upper()


def write_ass(cues: list[Cue], path: str | Path, width: int, height: int, title: str = "",
              title_until: float = 0.0, look: SubtitleLook | None = None) -> Path:
    """Styled subtitles (white, black outline, lower third; a title at the top while ``title_until``);
    ``look`` sets their position, size and colours instead (a template's)."""
    size = round(min(width, height) * 0.074)
    margin = round(height * (0.22 if height > width else 0.1))
    sub = (f"Style: Sub,{FONT_NAME},{size},&H00FFFFFF,&H000000FF,&H00000000,&H64000000,-1,0,0,0,100,100,0,0,1,"
           f"{max(2, size // 14)},2,2,60,60,{margin},1")
    if look is not None:
        text = max(8, round(look.size * height))
        bottom = max(0, round((1.0 - look.position) * height - text / 2))
        border = round(look.outline_width * height) if look.outline else 0
        sub = (f"Style: Sub,{FONT_NAME},{text},{_ass_colour(look.color)},&H000000FF,{_ass_colour(look.outline)},"
               f"&H64000000,-1,0,0,0,100,100,0,0,1,{border},0,2,60,60,{bottom},1")
    lines = ["[Script Info]", "ScriptType: v4.00+", f"PlayResX: {width}", f"PlayResY: {height}",
             "WrapStyle: 0", "ScaledBorderAndShadow: yes", "",
             "[V4+ Styles]",
             "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
             "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
             "MarginL, MarginR, MarginV, Encoding",
             sub,
             f"Style: Title,{FONT_NAME},{round(size * 1.3)},&H00FFFFFF,&H000000FF,&H00000000,&H96000000,-1,0,0,0,"
             f"100,100,0,0,3,{max(6, size // 5)},0,8,60,60,{round(height * 0.12)},1",
             "", "[Events]", "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"]
    if title and title_until > 0:
        lines.append(f"Dialogue: 0,{_ass_ts(0.15)},{_ass_ts(title_until)},Title,,0,0,0,,{{\\fad(200,300)}}"
                     f"{ass_escape(title)}")
    for c in cues:
        lines.append(f"Dialogue: 0,{_ass_ts(c.start)},{_ass_ts(c.end)},Sub,,0,0,0,,{ass_escape(c.text)}")
    return write_atomic(Path(path), ("\n".join(lines) + "\n").encode("utf-8"), mode=0o644)


_WORD_JOINER = "\u2060"  # zero width, drawn as nothing: parts a backslash from the letter after it


def ass_escape(text: str) -> str:
    """``text`` as an ASS event's Text field that libass draws exactly as written.

    libass reads ``{`` up to the next ``}`` as an override block, and ``\\N`` (line break), ``\\n``
    (a space under WrapStyle 0), ``\\h`` (hard space), ``\\{`` and ``\\}`` (literal braces) as
    escapes; any other backslash is drawn as itself (``\\\\`` is no escape: two backslashes). So
    braces become ``\\{`` / ``\\}``, a line break ``\\N``, a backslash before ``n``, ``N`` or ``h``
    is followed by a zero-width word joiner (the pair is then no escape), and control characters
    go (:func:`plain_text`).
    """
    text = plain_text(text)
    out = []
    for k, ch in enumerate(text):
        if ch == "\\":
            out.append("\\" + (_WORD_JOINER if text[k + 1:k + 2] in ("n", "N", "h") else ""))
        elif ch in "{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\N")
        else:
            out.append(ch)
    return "".join(out)


# ------------------------------------------------------------------ OpenTimelineIO


def write_otio(tl: Timeline, path: str | Path, name: str = "reelwright ad") -> Path:
    """An OpenTimelineIO timeline over the SOURCE media: one clip per item with its in / out points,
    markers for its speech tags, dissolves where the ad crossfades, and the voice-over on an audio
    track. Frame rate: the ad's."""
    import opentimelineio as otio

    fps = float(tl.fps)

    def rt(seconds: float) -> otio.opentime.RationalTime:
        return otio.opentime.RationalTime(round(seconds * fps), fps)

    def rng(start: float, dur: float) -> otio.opentime.TimeRange:
        return otio.opentime.TimeRange(rt(start), rt(dur))

    timeline = otio.schema.Timeline(name=name, global_start_time=rt(0))
    video = otio.schema.Track(name="video", kind=otio.schema.TrackKind.Video)
    for k, it in enumerate(tl.items):
        ref = otio.schema.ExternalReference(target_url=Path(it.source).resolve().as_uri(),
                                            available_range=rng(0, tl.source_duration or it.src_out))
        clip = otio.schema.Clip(name=f"slot {it.index}: {', '.join(it.tags[:2])}", media_reference=ref,
                                source_range=rng(it.src_in, it.duration * it.speed))
        if abs(it.speed - 1.0) > 1e-6:  # slow or fast motion: the editor's speed effect
            clip.effects.append(otio.schema.LinearTimeWarp(name="speed", time_scalar=it.speed))
        clip.metadata["reelwright"] = {"tags": it.tags, "reasons": it.reasons, "narration": it.narration,
                                       "crop_centres": [asdict(c) for c in it.crops]}
        for t in it.tags:
            clip.markers.append(otio.schema.Marker(name=t, marked_range=rng(it.src_in, 0)))
        video.append(clip)
        if it.transition_out != "cut" and it.transition_seconds > 0 and k + 1 < len(tl.items):
            half = it.transition_seconds / 2
            video.append(otio.schema.Transition(name=it.transition_out,
                                                transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                                in_offset=rt(half), out_offset=rt(half)))
    timeline.tracks.append(video)
    voices = [it for it in tl.items if it.voice]
    if voices:
        audio = otio.schema.Track(name="voice-over", kind=otio.schema.TrackKind.Audio)
        t = 0.0
        for it in voices:
            if it.start > t:
                audio.append(otio.schema.Gap(source_range=rng(0, it.start - t)))
            ref = otio.schema.ExternalReference(target_url=Path(it.voice).resolve().as_uri(),
                                                available_range=rng(0, it.voice_duration))
            audio.append(otio.schema.Clip(name=f"voice {it.index}", media_reference=ref,
                                          source_range=rng(0, min(it.voice_duration, it.duration))))
            t = it.start + min(it.voice_duration, it.duration)
        timeline.tracks.append(audio)
    return write_atomic(Path(path), otio.adapters.write_to_string(timeline, "otio_json").encode("utf-8"),
                        mode=0o644)
