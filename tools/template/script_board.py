"""The storyboard of a shooting script: one panel per slot, drawn with PIL.

Each panel is the frame at the ad's aspect with a sketch of the framing (a close-up fills
the frame with the subject, a medium shot shows head and shoulders, a wide shot a small
figure and the horizon), the camera motion as arrows (pan: across, tilt: up, zoom: corners
inwards), the text boxes where the template places them, filled with the product's words,
and below: the shot number, its time and duration, scale, motion, transition, what to show
and the narration line.

    >>> draw_storyboard(script, "out/storyboard.png")      # doctest: +SKIP
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from pathlib import Path

from tools.production.timeline import FONT_FILE

__all__ = ["draw_storyboard", "PANEL_HEIGHT"]

PANEL_HEIGHT = 360  # frame height in pixels (the frame's width follows the aspect)
_INK, _PAPER, _GUIDE, _ACCENT = (30, 30, 30), (250, 250, 247), (150, 150, 150), (215, 60, 45)


@lru_cache(maxsize=16)
def _font(px: int):
    from PIL import ImageFont

    return ImageFont.truetype(FONT_FILE, px)


def _hex(c: str | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    try:
        h = (c or "").lstrip("#")
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    except ValueError:
        return default


def _sketch(d, x0: int, y0: int, w: int, h: int, scale: str) -> None:
    """A figure framed at ``scale`` inside the frame at (x0, y0, w, h)."""
    cx = x0 + w / 2
    if scale == "close-up":
        r = 0.36 * min(w, h)
        d.ellipse((cx - r, y0 + h * 0.52 - r, cx + r, y0 + h * 0.52 + r), outline=_INK, width=3)
    elif scale == "medium":
        r = 0.13 * min(w, h) * 1.4
        hy = y0 + h * 0.38
        d.ellipse((cx - r, hy - r, cx + r, hy + r), outline=_INK, width=3)
        d.arc((cx - 2.6 * r, hy + 1.2 * r, cx + 2.6 * r, hy + 5.5 * r), 180, 360, fill=_INK, width=3)
    else:
        d.line((x0, y0 + h * 0.7, x0 + w, y0 + h * 0.7), fill=_GUIDE, width=2)
        r = 0.035 * h
        hy = y0 + h * 0.55
        d.ellipse((cx - r, hy - r, cx + r, hy + r), outline=_INK, width=2)
        d.line((cx, hy + r, cx, hy + 4 * r), fill=_INK, width=2)


def _arrow(d, a: tuple[float, float], b: tuple[float, float]) -> None:
    import math

    d.line((*a, *b), fill=_ACCENT, width=4)
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    for s in (-1, 1):
        t = ang + math.pi + s * 0.5
        d.line((*b, b[0] + 14 * math.cos(t), b[1] + 14 * math.sin(t)), fill=_ACCENT, width=4)


def _motion(d, x0: int, y0: int, w: int, h: int, motion: str) -> None:
    if motion == "pan":
        _arrow(d, (x0 + w * 0.2, y0 + h * 0.88), (x0 + w * 0.8, y0 + h * 0.88))
    elif motion == "tilt":
        _arrow(d, (x0 + w * 0.9, y0 + h * 0.75), (x0 + w * 0.9, y0 + h * 0.25))
    elif motion == "zoom":
        for fx, fy in ((0.08, 0.08), (0.92, 0.08), (0.08, 0.92), (0.92, 0.92)):
            ax, ay = x0 + w * fx, y0 + h * fy
            _arrow(d, (ax, ay), (ax + (0.5 - fx) * w * 0.3, ay + (0.5 - fy) * h * 0.3))


def _texts(d, x0: int, y0: int, w: int, h: int, texts: list[dict]) -> None:
    for t in texts:
        bx, by, bw, bh = t["box"]
        box = (x0 + bx * w, y0 + by * h, x0 + (bx + bw) * w, y0 + (by + bh) * h)
        if t.get("background"):
            pad = 0.3 * (box[3] - box[1])
            d.rectangle((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad), fill=_hex(t["background"], _GUIDE))
        else:
            d.rectangle(box, outline=_GUIDE, width=1)
        px = max(9, int((box[3] - box[1]) / 0.72))
        font = _font(px)
        left, top, right, bottom = d.textbbox((0, 0), t["text"], font=font)
        if right - left > box[2] - box[0] + 4:
            px = max(8, int(px * (box[2] - box[0]) / (right - left)))
            font = _font(px)
            left, top, right, bottom = d.textbbox((0, 0), t["text"], font=font)
        d.text(((box[0] + box[2]) / 2 - (left + right) / 2, (box[1] + box[3]) / 2 - (top + bottom) / 2), t["text"],
               font=font, fill=_hex(t.get("color"), _INK))


def _caption(d, x0: int, y0: int, w: int, s, wrap: int) -> None:
    d.text((x0, y0), f"{s.index}  {s.start:.1f}-{s.start + s.seconds:.1f} s  ({s.seconds:.1f} s)", font=_font(20),
           fill=_INK)
    d.text((x0, y0 + 28), f"{s.scale}, {s.motion}, in: {s.transition}", font=_font(16), fill=_ACCENT)
    y = y0 + 52
    for text, size in ((s.show, 14), (f"\u201c{s.line}\u201d" if s.line else "(no narration)", 15)):
        for ln in textwrap.wrap(text, wrap)[:4]:
            d.text((x0, y), ln, font=_font(size), fill=_INK)
            y += size + 5
        y += 4


def draw_storyboard(script, path: str | Path, per_row: int = 4) -> Path:
    """Draw ``script`` (a :class:`tools.template.script.Script`) into ``path`` (PNG, written whole)."""
    from PIL import Image, ImageDraw

    from tools.core.files import write_atomic

    a, b = (float(x) for x in script.aspect.split(":"))
    fh = PANEL_HEIGHT
    fw = int(round(fh * a / b))
    pw, ph = max(fw, 260) + 30, fh + 250
    n = len(script.slots)
    cols = min(per_row, n)
    rows = (n + cols - 1) // cols
    img = Image.new("RGB", (cols * pw + 30, rows * ph + 70), _PAPER)
    d = ImageDraw.Draw(img)
    d.text((30, 18), f"{script.product}: storyboard ({script.template}, {script.seconds:.1f} s, {script.aspect})",
           font=_font(26), fill=_INK)
    wrap = max(18, int((pw - 30) / 8.2))
    for k, s in enumerate(script.slots):
        x0 = 30 + (k % cols) * pw
        y0 = 70 + (k // cols) * ph
        d.rectangle((x0, y0, x0 + fw, y0 + fh), fill=(255, 255, 255), outline=_INK, width=2)
        _sketch(d, x0, y0, fw, fh, s.scale)
        _motion(d, x0, y0, fw, fh, s.motion)
        _texts(d, x0, y0, fw, fh, s.texts)
        _caption(d, x0, y0 + fh + 10, pw - 30, s, wrap)
    import io

    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return write_atomic(Path(path), buf.getvalue(), mode=0o644)
