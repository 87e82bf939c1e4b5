"""Reference ads with a known structure, for testing template extraction (truth for every field).

Each style is a short ad composed frame by frame from real packaged media (scikit-image
photos with a camera path done here, so zoom / pan / tilt are exact; the opencv-doc street
camera for a static wide shot), joined by known transitions (cut, dissolve, fade through
black, push slide), with text overlays drawn at known boxes (Noto CJK), subtitles that
follow the voice-over, a music bed of known tempo (:func:`evals.music.music_bed`) whose
beats the cuts fall on, and an English voice-over (piper) whose lines carry known script
labels. The exact structure is written beside the video as a :class:`Template` (``truth``).

There is no offline Mandarin voice, so the Chinese style (``promo_countdown_15``) has
Chinese overlays and music but no speech.

    >>> ref = build_reference("hook_first_15")          # doctest: +SKIP
    >>> ref.video, ref.truth.slots[0].scale               # doctest: +SKIP

    python -m evals.template_refs          # build all styles, print where they are
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from evals.fixtures import FONT, cached_build, fixtures_dir, photo, real_videos
from tools.template.model import Audio, Box, ExampleLine, Overlay, Slot, Source, SubtitleStyle, Template

__all__ = ["STYLES", "Reference", "build_reference", "score", "edit_distance", "VERSION"]

VERSION = 2
FPS = 25
SR = 22050
STYLES = ("hook_first_15", "closeup_30", "promo_countdown_15")


@dataclass(frozen=True)
class Shot:
    """One slot of a style: picture source, camera path, known scale, the transition into it, its line."""

    source: str  # a key of _SOURCES
    seconds: float
    scale: str
    motion: str = "static"
    transition: str = "cut"  # into this shot
    transition_seconds: float = 0.0
    label: str | None = None
    line: str | None = None


@dataclass(frozen=True)
class Text:
    text: str
    role: str
    x: float  # left of the ink, fraction of width (centred when None-like: use centre=True)
    y: float  # top of the ink, fraction of height
    size: float  # ink height target (font size = size * H / 0.72)
    color: tuple[int, int, int]
    start: float
    end: float
    background: tuple[int, int, int] | None = None
    centre: bool = False


@dataclass(frozen=True)
class Style:
    name: str
    width: int
    height: int
    shots: tuple[Shot, ...]
    texts: tuple[Text, ...] = ()
    bpm: float | None = None
    subtitles: bool = False
    language: str = "en"
    description: str = ""


@dataclass(frozen=True)
class Reference:
    style: str
    video: Path
    truth: Template
    extras: dict = field(default_factory=dict)


# The face in skimage's astronaut photo (mediapipe's box, rows in pixels of the 512-pixel photo): the
# scale of a shot of it follows from the crop (face height / frame height >= 0.28 close-up, >= 0.09
# medium); other shots' scales are set by hand (an object filling the frame is a close-up).
_FACE_ROWS = {"astronaut": (68, 172)}

# photo sources: (photo, centre x, centre y, crop height as a fraction of the photo height)
_SOURCES = {
    "face_close": ("astronaut", 0.47, 0.30, 0.42),
    "astronaut_mid": ("astronaut", 0.50, 0.55, 0.92),
    "astronaut_top": ("astronaut", 0.50, 0.33, 0.92),
    "coffee_macro": ("coffee", 0.47, 0.50, 0.45),
    "coffee_table": ("coffee", 0.50, 0.50, 0.95),
    "cat_close": ("chelsea", 0.40, 0.40, 0.55),
    "rocket_wide": ("rocket", 0.50, 0.55, 0.95),
    "galaxy_wide": ("hubble_deep_field", 0.50, 0.50, 0.90),
    "street": ("video:vtest", 0.0, 0.0, 1.0),
}

_Y, _W_, _R, _B, _K = (255, 214, 0), (255, 255, 255), (228, 32, 40), (20, 20, 20), (0, 0, 0)

_STYLES = {
    "hook_first_15": Style(
        "hook_first_15", 360, 640, bpm=120.0, description="15 s vertical hook-first ad: fast cuts on the beats of a "
        "120 bpm music bed, English voice-over, title, price and call-to-action overlays.",
        shots=(Shot("face_close", 2.0, "close-up", "zoom", label="pain_point", line="Tired eyes after reading?"),
               Shot("coffee_macro", 2.0, "close-up", "pan", label="trial", line="Just tap to dim it."),
               Shot("astronaut_mid", 2.5, "medium", "static", label="efficacy",
                    line="Your eyes feel fresh after hours of work."),
               Shot("street", 2.0, "wide", "static", label="recommend", line="Loved by readers everywhere."),
               Shot("coffee_table", 2.5, "close-up", "tilt", "slide", 0.4, label="appearance",
                    line="Its sleek design looks great on any desk."),
               Shot("cat_close", 2.0, "close-up", "zoom", label="safety", line="Safety certified and tested."),
               Shot("rocket_wide", 2.0, "wide", "static", label="purchase", line="Only 39 dollars, order now.")),
        texts=(Text("LUMEN LAMP", "title", 0.0, 0.10, 0.055, _Y, 0.0, 4.0, centre=True),
               Text("$39", "price", 0.62, 0.60, 0.05, _W_, 12.0, 15.0, background=_R),
               Text("ORDER NOW", "call_to_action", 0.0, 0.80, 0.04, _B, 13.0, 15.0, background=_Y, centre=True))),
    "closeup_30": Style(
        "closeup_30", 640, 360, description="30 s landscape product close-up ad: slow shots, dissolves, English "
        "voice-over with subtitles, no music.",
        shots=(Shot("face_close", 5.5, "close-up", "static", label="pain_point",
                    line="Tired eyes after an hour of reading? Your lamp may be the problem."),
               Shot("coffee_macro", 4.5, "close-up", "zoom", "dissolve", 0.8, label="efficacy",
                    line="Your eyes feel fresh after hours of work."),
               Shot("cat_close", 5.0, "close-up", "pan", "dissolve", 0.8, label="material",
                    line="Made with solid aluminium and soft fabric."),
               Shot("astronaut_top", 6.0, "close-up", "static", "cut", 0.0, label="trial",
                    line="Just tap the touch dimmer and pick one of three brightness levels."),
               Shot("coffee_table", 4.0, "medium", "pan", "dissolve", 1.0, label="appearance",
                    line="Its sleek design looks great on any desk."),
               Shot("face_close", 5.0, "close-up", "zoom", "dissolve", 0.8, label="purchase",
                    line="Grab yours for 39 dollars, with a free cable today.")),
        texts=(Text("$39 + free cable", "price", 0.05, 0.08, 0.06, _W_, 26.0, 30.0, background=_R),),
        subtitles=True),
    "promo_countdown_15": Style(
        "promo_countdown_15", 480, 480, bpm=128.0, language="zh", description="15 s square Chinese promotion ad: "
        "countdown and discount overlays, fades and slides, cuts on the beats of a 128 bpm music bed, no speech.",
        shots=(Shot("coffee_table", 6 * 0.46875, "close-up", "zoom"),
               Shot("coffee_macro", 6 * 0.46875, "close-up", "static", "fade", 0.6),
               Shot("galaxy_wide", 4 * 0.46875, "wide", "pan", "slide", 0.4),
               Shot("cat_close", 6 * 0.46875, "close-up", "static", "cut"),
               Shot("rocket_wide", 5 * 0.46875, "wide", "tilt", "slide", 0.4),
               Shot("face_close", 5 * 0.46875, "close-up", "static", "fade", 0.6)),
        texts=(Text("年终大促", "title", 0.0, 0.08, 0.10, _Y, 0.0, 2.8125, centre=True),
               Text("全场5折", "promotion", 0.0, 0.40, 0.08, _W_, 2.8125, 7.5, background=_R, centre=True),
               Text("倒计时3天", "promotion", 0.06, 0.82, 0.06, _Y, 7.5, 12.65625, background=_B),
               Text("到手价¥99", "price", 0.0, 0.12, 0.07, _R, 10.3125, 15.0, background=_W_, centre=True),
               Text("立即下单", "call_to_action", 0.0, 0.78, 0.06, _W_, 12.65625, 15.0, background=_R,
                    centre=True))),
}


# ------------------------------------------------------------------- pictures


@lru_cache(maxsize=8)
def _photo(name: str) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(photo(name)).convert("RGB"))


def _camera(shot: Shot, u: float, img_w: int, img_h: int, aspect: float) -> tuple[float, float, float]:
    """The crop (centre x, centre y in pixels, crop height in pixels) at progress ``u`` in 0..1.

    The crop leaves room (a quarter of itself) to pan, tilt or zoom inside the photo."""
    _, cx, cy, ch = _SOURCES[shot.source]
    room = 1.0 if shot.motion == "static" else 1.3
    h = min(ch * img_h, img_h / room, img_w / room / aspect)
    if shot.motion == "zoom":
        h = h / (1.0 + 0.25 * u)
    w = h * aspect
    x, y = cx * img_w, cy * img_h
    if shot.motion == "pan":
        x += (u - 0.5) * 0.25 * w
    elif shot.motion == "tilt":
        y += (u - 0.5) * 0.25 * h
    x = min(max(x, w / 2), img_w - w / 2)
    y = min(max(y, h / 2), img_h - h / 2)
    return x, y, h


def _photo_frames(shot: Shot, n: int, lo: int, width: int, height: int) -> Iterator[np.ndarray]:
    """Frames ``lo .. lo+n`` of the shot's camera path (``lo`` may be negative: before the shot)."""
    import cv2

    img = _photo(_SOURCES[shot.source][0])
    ih, iw = img.shape[:2]
    aspect = width / height
    total = max(1, int(round(shot.seconds * FPS)))
    for k in range(lo, lo + n):
        u = min(max(k / total, 0.0), 1.0)
        x, y, h = _camera(shot, u, iw, ih, aspect)
        w = h * aspect
        m = np.float32([[width / w, 0, -(x - w / 2) * width / w], [0, height / h, -(y - h / 2) * height / h]])
        yield cv2.warpAffine(img, m, (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)


def _video_frames(name: str, n: int, lo: int, width: int, height: int) -> list[np.ndarray]:
    import cv2

    from tools.core.media import frames

    start = 20.0 + max(lo, -FPS) / FPS
    out = []
    for f in frames(real_videos()[name], fps=FPS, size=None, start=start):
        img = f.image
        ih, iw = img.shape[:2]
        scale = max(width / iw, height / ih)
        img = cv2.resize(img, (int(np.ceil(iw * scale)), int(np.ceil(ih * scale))), interpolation=cv2.INTER_AREA)
        y0, x0 = (img.shape[0] - height) // 2, (img.shape[1] - width) // 2
        out.append(img[y0:y0 + height, x0:x0 + width])
        if len(out) == n:
            break
    return out


def _shot_frames(shot: Shot, n: int, lo: int, width: int, height: int) -> list[np.ndarray]:
    if _SOURCES[shot.source][0].startswith("video:"):
        return _video_frames(_SOURCES[shot.source][0][6:], n, lo, width, height)
    return list(_photo_frames(shot, n, lo, width, height))


def _blend(a: np.ndarray, b: np.ndarray, alpha: float, kind: str) -> np.ndarray:
    if kind == "slide":  # push: the new picture enters from the right, pushing the old one out
        d = int(round(alpha * a.shape[1]))
        return np.concatenate([a[:, d:], b[:, :d]], axis=1) if d else a
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    out = (1 - alpha) * fa + alpha * fb if kind == "dissolve" else \
        fa * max(0.0, 1 - 2 * alpha) + fb * max(0.0, 2 * alpha - 1)
    return out.clip(0, 255).astype(np.uint8)


def _pictures(style: Style) -> Iterator[np.ndarray]:
    """Every frame of the ad without text, transitions centred on the slot boundaries."""
    starts = np.cumsum([0.0] + [s.seconds for s in style.shots])
    bounds = [int(round(t * FPS)) for t in starts]
    for i, shot in enumerate(style.shots):
        a, b = bounds[i], bounds[i + 1]
        nxt = style.shots[i + 1] if i + 1 < len(style.shots) else None
        half_in = int(round(shot.transition_seconds * FPS / 2)) if i else 0
        half_out = int(round(nxt.transition_seconds * FPS / 2)) if nxt else 0
        own = _shot_frames(shot, (b - a) - half_in - half_out, half_in, style.width, style.height)
        if i:  # the transition into this shot: frames a-half_in .. a+half_in
            prev = style.shots[i - 1]
            n = 2 * half_in
            if n:
                before = _shot_frames(prev, n, bounds[i] - bounds[i - 1] - half_in, style.width, style.height)
                after = _shot_frames(shot, n, -half_in, style.width, style.height)
                for k in range(n):
                    yield _blend(before[k], after[k], (k + 0.5) / n, shot.transition)
        yield from own


# ------------------------------------------------------------------- text


@lru_cache(maxsize=32)
def _font(px: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), px)


def _ink(text: str, px: int, stroke: int = 0) -> tuple[int, int, int, int]:
    """The ink box of ``text`` drawn at (0, 0) with font size ``px``: x0, y0, x1, y1."""
    from PIL import Image, ImageDraw

    font = _font(px)
    _, _, r, b = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font, stroke_width=stroke)
    img = Image.new("L", (r + 4, b + 4))
    ImageDraw.Draw(img).text((0, 0), text, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
    return img.getbbox()


def _place(t: Text, width: int, height: int) -> tuple[int, tuple[int, int], tuple[int, int, int, int]]:
    """Font size, draw origin and the ink box in frame pixels of an overlay."""
    px = max(8, int(round(t.size * height / 0.72)))
    x0, y0, x1, y1 = _ink(t.text, px)
    left = (width - (x1 - x0)) // 2 if t.centre else int(round(t.x * width))
    top = int(round(t.y * height))
    origin = (left - x0, top - y0)
    return px, origin, (left, top, left + x1 - x0, top + y1 - y0)


def _subtitle_chunks(line: str, limit: int = 34) -> list[str]:
    words, out, cur = line.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > limit:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return out + ([cur] if cur else [])


def _sub_size(style: Style) -> int:
    return max(10, int(round(0.055 * style.height / 0.72)))


def _subtitle_cues(style: Style, speech: list[tuple[float, float]]) -> list[tuple[str, float, float]]:
    """(text, start, end) of the subtitles: each line's chunks share its spoken time."""
    cues = []
    for shot, (a, b) in zip([s for s in style.shots if s.line], speech, strict=True):
        chunks = _subtitle_chunks(shot.line or "")
        step = (b - a) / len(chunks)
        cues += [(c, a + k * step, a + (k + 1) * step) for k, c in enumerate(chunks)]
    return cues


def _draw(img: np.ndarray, t: float, style: Style, cues: list[tuple[str, float, float]]) -> np.ndarray:
    from PIL import Image, ImageDraw

    live = [x for x in style.texts if x.start <= t < x.end]
    subs = [c for c in cues if c[1] <= t < c[2]]
    if not live and not subs:
        return img
    pil = Image.fromarray(img)
    d = ImageDraw.Draw(pil)
    for x in live:
        px, origin, box = _place(x, style.width, style.height)
        if x.background is not None:
            pad = int(round(0.35 * (box[3] - box[1])))
            d.rectangle((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad), fill=x.background)
        d.text(origin, x.text, font=_font(px), fill=x.color)
    for text, _, _ in subs:
        px = _sub_size(style)
        x0, y0, x1, y1 = _ink(text, px)
        left = (style.width - (x1 - x0)) // 2
        top = int(round(0.86 * style.height - (y1 - y0) / 2))
        d.text((left - x0, top - y0), text, font=_font(px), fill=_W_, stroke_width=2, stroke_fill=_K)
    return np.asarray(pil)


# ------------------------------------------------------------------- sound


def _speech(style: Style) -> tuple[np.ndarray, list[tuple[float, float]], float]:
    """The voice-over track, each line's (start, end) and the words per second of speech."""
    from tools.production.voice import synthesize

    starts = np.cumsum([0.0] + [s.seconds for s in style.shots])
    track = np.zeros(int(starts[-1] * SR) + SR, np.float32)
    spans, words, spoken = [], 0, 0.0
    for i, shot in enumerate(style.shots):
        if not shot.line:
            continue
        sp = synthesize(shot.line, "piper-joe", reproducible=True)
        x = sp.samples
        if sp.sample_rate != SR:
            grid = np.arange(int(len(x) * SR / sp.sample_rate)) * sp.sample_rate / SR
            x = np.interp(grid, np.arange(len(x)), x).astype(np.float32)
        loud = np.flatnonzero(np.abs(x) > 0.02)
        x = x[loud[0]:loud[-1] + 1] if len(loud) else x
        room = shot.seconds - 0.35
        if len(x) / SR > room:  # speak faster to fit the slot
            sp = synthesize(shot.line, "piper-joe", rate=len(x) / SR / room * 1.05, reproducible=True)
            x = sp.samples
            grid = np.arange(int(len(x) * SR / sp.sample_rate)) * sp.sample_rate / SR
            x = np.interp(grid, np.arange(len(x)), x).astype(np.float32)
            loud = np.flatnonzero(np.abs(x) > 0.02)
            x = x[loud[0]:loud[-1] + 1]
        a = int((starts[i] + 0.15) * SR)
        track[a:a + len(x)] += x[: len(track) - a]
        spans.append((starts[i] + 0.15, starts[i] + 0.15 + len(x) / SR))
        words += len(shot.line.split())
        spoken += len(x) / SR
    return track, spans, (words / spoken if spoken else 0.0)


def _write_wav(path: Path, mono: np.ndarray) -> None:
    import wave

    pcm = (np.clip(mono, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm.tobytes())


def _soundtrack(style: Style, tmp: Path, seconds: float) -> tuple[Path, list[tuple[float, float]], float]:
    from evals.music import music_bed

    voice, spans, rate = _speech(style) if any(s.line for s in style.shots) else (np.zeros(1), [], 0.0)
    n = int(seconds * SR)
    mix = np.zeros(n, np.float32)
    mix[: min(n, len(voice))] += voice[:n]
    if style.bpm:
        import wave

        bed = music_bed(tmp / "bed.wav", seconds=seconds + 1.0, bpm=style.bpm, sr=SR)
        with wave.open(str(bed), "rb") as w:
            m = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)[:, 0].astype(np.float32) / 32768
        mix += (0.45 if spans else 0.9) * m[:n]
        bed.unlink()
    path = tmp / "sound.wav"
    _write_wav(path, mix)
    return path, spans, rate


# ------------------------------------------------------------------- truth


def _aspect(w: int, h: int) -> str:
    from math import gcd

    g = gcd(w, h)
    return f"{w // g}:{h // g}"


def _truth(style: Style, spans: list[tuple[float, float]], rate: float, cues) -> Template:
    starts = np.cumsum([0.0] + [s.seconds for s in style.shots])
    total = float(starts[-1])
    words = sum(len((s.line or "").split()) for s in style.shots)
    slots = [Slot(index=i, start=round(float(starts[i]), 3), duration=round(s.seconds, 3),
                  labels=[s.label] if s.label else _text_labels(style, starts[i], starts[i + 1]),
                  scale=_scale(s, style), motion=s.motion, transition_in=s.transition if i else "cut",
                  transition_seconds=s.transition_seconds if i else 0.0,
                  narration_share=round(len((s.line or "").split()) / words, 3) if words else 0.0, line=s.line)
             for i, s in enumerate(style.shots)]
    overlays = []
    for t in style.texts:
        _, _, (x0, y0, x1, y1) = _place(t, style.width, style.height)
        mid = (t.start + t.end) / 2
        overlays.append(Overlay(text=t.text, role=t.role, box=Box(x=x0 / style.width, y=y0 / style.height,
                                                                  w=(x1 - x0) / style.width,
                                                                  h=(y1 - y0) / style.height),
                                size=round((y1 - y0) / style.height, 4), color=_hex(t.color),
                                background=_hex(t.background) if t.background else None, start=t.start, end=t.end,
                                slot=int(np.searchsorted(starts, mid, side="right") - 1)))
    subs = SubtitleStyle(present=False)
    if style.subtitles and cues:
        sizes = [(_ink(c[0], _sub_size(style))[3] - _ink(c[0], _sub_size(style))[1]) / style.height for c in cues]
        subs = SubtitleStyle(present=True, position=0.86, size=round(float(np.median(sizes)), 4), color="#ffffff",
                             outline="#000000", outline_width=round(2 / style.height, 4))
    beat = 60.0 / style.bpm if style.bpm else None
    audio = Audio(music=bool(style.bpm), tempo=style.bpm, voice="voiceover" if spans else "none",
                  beats=[round(k * beat, 4) for k in range(int(total / beat) + 1)] if beat else [],
                  cuts_on_beat=1.0 if beat else None, on_beat=bool(beat),
                  speaking_rate=round(rate, 3) if spans else None)
    lines = [ExampleLine(slot=i, labels=[s.label] if s.label else [], text=s.line)
             for i, s in enumerate(style.shots) if s.line]
    return Template(name=style.name, description=style.description,
                    source=Source(path="", duration=total, width=style.width, height=style.height,
                                  aspect=_aspect(style.width, style.height), fps=FPS, language=style.language),
                    slots=slots, overlays=overlays, subtitles=subs, audio=audio,
                    storyline=[s.labels[0] for s in slots if s.labels], lines=lines)


def _scale(shot: Shot, style: Style) -> str:
    """A shot's scale: from the face's size in the crop when the photo has a known face."""
    name = _SOURCES[shot.source][0]
    if name not in _FACE_ROWS:
        return shot.scale
    img = _photo(name)
    _, _, h = _camera(shot, 0.5, img.shape[1], img.shape[0], style.width / style.height)
    share = (_FACE_ROWS[name][1] - _FACE_ROWS[name][0]) / h
    return "close-up" if share >= 0.28 else "medium" if share >= 0.09 else "wide"


def _text_labels(style: Style, a: float, b: float) -> list[str]:
    """Slots without a line: the label their overlays serve (price, promotion, call to action: purchase)."""
    roles = [t.role for t in style.texts if t.start < b - 0.05 and t.end > a + 0.05]
    if any(r in ("price", "promotion", "call_to_action") for r in roles):
        return ["purchase"]
    return ["recommend"] if "title" in roles else []


def _hex(c: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*c)


# ------------------------------------------------------------------- build


def _build(style: Style, tmp: Path) -> None:
    seconds = sum(s.seconds for s in style.shots)
    sound, spans, rate = _soundtrack(style, tmp, seconds)
    cues = _subtitle_cues(style, spans) if style.subtitles else []
    out = tmp / f"{style.name}.mp4"
    enc = subprocess.Popen([shutil.which("ffmpeg") or "ffmpeg", "-v", "error", "-y", "-f", "rawvideo",
                            "-pix_fmt", "rgb24", "-s", f"{style.width}x{style.height}", "-r", str(FPS), "-i", "-",
                            "-i", str(sound), "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
                            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-shortest", str(out)],
                           stdin=subprocess.PIPE)
    for k, img in enumerate(_pictures(style)):
        enc.stdin.write(np.ascontiguousarray(_draw(img, k / FPS, style, cues)).tobytes())
    enc.stdin.close()
    if enc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed to encode the {style.name} reference")
    sound.unlink()
    truth = _truth(style, spans, rate, cues)
    truth.source.path = out.name
    (tmp / "truth.json").write_text(truth.model_dump_json(indent=1))
    (tmp / "extras.json").write_text(json.dumps({"speech": spans, "subtitles": cues}, indent=1))


def build_reference(style: str, root: Path | None = None) -> Reference:
    """The reference ad of ``style`` (one of :data:`STYLES`) and its exact structure (built once, cached)."""
    if style not in _STYLES:
        raise KeyError(f"unknown reference style {style!r}; known: {', '.join(STYLES)}")
    s = _STYLES[style]
    folder = cached_build(root or fixtures_dir(), f"template_{style}", VERSION, lambda tmp: _build(s, tmp))
    truth = Template.model_validate_json((folder / "truth.json").read_text())
    video = folder / f"{style}.mp4"
    truth.source.path = str(video)
    return Reference(style, video, truth, json.loads((folder / "extras.json").read_text()))


# ------------------------------------------------------------------- scoring


def edit_distance(a: list[str], b: list[str]) -> int:
    """Levenshtein distance between two label sequences."""
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[-1]


def _colour_distance(a: str | None, b: str | None) -> float:
    if a is None or b is None:
        return 0.0 if a == b else 999.0
    ca, cb = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in (a, b))
    return float(np.abs(ca - cb).max())


def score(got: Template, truth: Template) -> dict:
    """Every extracted field against the truth: errors, accuracies and per-overlay matches."""
    fps = truth.source.fps or FPS
    t_cuts = [s.start for s in truth.slots[1:]]
    g_cuts = [s.start for s in got.slots[1:]]
    errs = [min((abs(c - g) for g in g_cuts), default=99.0) for c in t_cuts]
    out: dict = {"slots": (len(got.slots), len(truth.slots)), "cut_errors_frames": [round(e * fps, 2) for e in errs],
                 "cuts_found": float(np.mean([e <= 2.0 / fps + 1e-6 for e in errs])) if errs else 1.0,
                 "cuts_extra": sum(min((abs(g - c) for c in t_cuts), default=99.0) > 2.0 / fps + 1e-6 for g in g_cuts)}
    pairs = [(s, min(got.slots, key=lambda g, s=s: abs(g.start - s.start) + abs(g.end - s.end))) for s in truth.slots]
    for field_ in ("scale", "motion", "transition_in"):
        out[field_] = float(np.mean([getattr(t, field_) == getattr(g, field_) for t, g in pairs]))
        out[f"{field_}_misses"] = [(t.index, getattr(t, field_), getattr(g, field_)) for t, g in pairs
                                   if getattr(t, field_) != getattr(g, field_)]
    grad = [(t, g) for t, g in pairs if t.transition_in != "cut"]
    out["transition_seconds_error"] = round(max((abs(t.transition_seconds - g.transition_seconds)
                                                 for t, g in grad), default=0.0), 3)
    out["labels"] = float(np.mean([t.labels[:1] == g.labels[:1] for t, g in pairs]))
    out["storyline_edit"] = edit_distance(truth.storyline, got.storyline)
    out["narration_share_error"] = round(max(abs(t.narration_share - g.narration_share) for t, g in pairs), 3)
    ovs = []
    for o in truth.overlays:
        best = max(got.overlays, key=lambda g, o=o: g.box.iou(o.box), default=None)
        ovs.append({"text": o.text, "iou": round(best.box.iou(o.box), 3) if best else 0.0,
                    "role": (best.role if best else None) == o.role, "read": best.text if best else None,
                    "color": _colour_distance(o.color, best.color) if best else 999.0,
                    "background": _colour_distance(o.background, best.background) if best else 999.0,
                    "start": round(abs(o.start - best.start), 3) if best else 99.0,
                    "end": round(abs(o.end - best.end), 3) if best else 99.0,
                    "size": round(best.size / o.size, 3) if best else 0.0})
    out["overlays"] = ovs
    out["overlays_extra"] = len(got.overlays) - len(truth.overlays)
    ts, gs = truth.subtitles, got.subtitles
    out["subtitles"] = {"present": ts.present == gs.present,
                        **({"position": round(abs(ts.position - gs.position), 3), "size": round(gs.size / ts.size, 3),
                            "color": _colour_distance(ts.color, gs.color),
                            "outline": _colour_distance(ts.outline, gs.outline)} if ts.present and gs.present else {})}
    ta, ga = truth.audio, got.audio
    out["audio"] = {"music": ta.music == ga.music, "voice": ta.voice == ga.voice,
                    "tempo_error": round(abs(ga.tempo - ta.tempo) / ta.tempo, 4) if ta.tempo and ga.tempo else None,
                    "cuts_on_beat": ga.cuts_on_beat, "on_beat": ta.on_beat == ga.on_beat,
                    "speaking_rate_error": round(abs(ga.speaking_rate - ta.speaking_rate) / ta.speaking_rate, 3)
                    if ta.speaking_rate and ga.speaking_rate else None}
    out["source"] = {"aspect": truth.source.aspect == got.source.aspect, "language": truth.source.language ==
                     got.source.language, "duration_error": round(abs(truth.source.duration - got.source.duration), 3)}
    return out


def _main() -> None:
    for style in STYLES:
        ref = build_reference(style)
        print(style, ref.video, f"{len(ref.truth.slots)} slots")


if __name__ == "__main__":
    _main()
