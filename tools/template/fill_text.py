"""A template's text layout filled with the new product's own words.

Each overlay of the template keeps its role, box, size, colours and timing (mapped onto the
new ad's slots); its text becomes the product's:

- ``title``: the product's short name;
- ``price``: the product's price phrase (the shortest one with a digit, from a price field), the
  amount alone ("$24.90") when the reference's box is shorter than the phrase;
- ``promotion``: the product's promotion phrases, one per promotion box, in order;
- ``call_to_action``: the reference's own words when they state nothing (no digit) and are
  in the ad's script, else "Order now" / "立即下单";
- ``subtitle`` and ``other`` boxes, and a price or promotion box the facts have nothing for,
  are left out and named (``left_out``).

Only fact-sheet phrases and the short name are shown: a box never claims what the facts do
not say. The text keeps the reference's case (all capitals stays all capitals) and its box's
centre; a text longer than the reference's is set smaller by the square root of the ratio of
their widths (for a box of the same centre, the size that overlaps the reference's best), and
never wider than the frame.

    >>> boxes, left_out = fill_overlays(template, facts, slot_map, (1080, 1920), "en")   # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from tools.core.schema import ProductFacts
from tools.production.timeline import FONT_FILE, TextBox
from tools.template.model import Overlay, Template

__all__ = ["INK", "fill_overlays", "overlay_text", "time_map", "CTA"]

INK = 0.72  # capital letters' ink height as a share of the font size (Noto Sans CJK)
CTA = {"en": "Order now", "zh": "立即下单"}
_PRICE = ("price", "prices", "价格", "售价", "到手价")
_PROMO = ("promotion", "promotions", "promo", "活动优惠", "优惠", "活动")
_CJK = re.compile(r"[\u3400-\u9fff]")
_AMOUNT = re.compile(r"(?:[$€£¥￥]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?(?:元|块|dollars?|USD|EUR|RMB))")


def _phrases(facts: ProductFacts | None, names: tuple[str, ...]) -> list[str]:
    if facts is None:
        return []
    return [p for f, ps in facts.facts.items() if f.strip().lower() in names for p in ps if p.strip()]


def overlay_text(ov: Overlay, facts: ProductFacts | None, title: str, language: str, nth: int) -> str | None:
    """The new text of ``ov`` (the ``nth`` box of its role), or None when it is left out."""
    if ov.role == "title":
        text = title
    elif ov.role == "price":
        prices = sorted(_phrases(facts, _PRICE), key=lambda p: (not re.search(r"\d", p), len(p)))
        text = prices[0] if prices else None
        amount = _AMOUNT.search(text or "")
        if amount and len(ov.text) < len(text or ""):  # a short price box: the amount alone
            text = amount.group(0).strip()
    elif ov.role == "promotion":
        promos = sorted(_phrases(facts, _PROMO), key=len)
        text = promos[nth % len(promos)] if promos else None
    elif ov.role == "call_to_action":
        same_script = bool(_CJK.search(ov.text)) == (language == "zh")
        text = ov.text if same_script and not re.search(r"\d", ov.text) and ov.text.strip() else CTA.get(language,
                                                                                                        CTA["en"])
    else:
        return None
    if text and ov.text.isupper() and not _CJK.search(text):
        text = text.upper()
    return text or None


@lru_cache(maxsize=64)
def _font(px: int):
    from PIL import ImageFont

    return ImageFont.truetype(FONT_FILE, px)


def _text_width(text: str, px: int) -> float:
    left, _, right, _ = _font(px).getbbox(text)
    return float(right - left)


def time_map(template: Template, edges: list[float]) -> Callable[[float], float]:
    """Reference time -> ad time, slot by slot (``edges``: the ad's slot boundaries, 0 .. length)."""
    ref = [s.start for s in template.slots] + [template.slots[-1].end]

    def to_ad(t: float) -> float:
        for k in range(len(template.slots)):
            if t < ref[k + 1] or k == len(template.slots) - 1:
                f = (t - ref[k]) / max(ref[k + 1] - ref[k], 1e-6)
                return float(min(max(edges[k] + f * (edges[k + 1] - edges[k]), 0.0), edges[-1]))
        return edges[-1]

    return to_ad


def fill_overlays(template: Template, facts: ProductFacts | None, title: str, to_ad: Callable[[float], float],
                  size: tuple[int, int], language: str) -> tuple[list[TextBox], list[str]]:
    """The template's overlays with the product's words (see the module doc), and what was left out."""
    width, height = size
    boxes: list[TextBox] = []
    left_out: list[str] = []
    seen: dict[str, int] = {}
    for ov in template.overlays:
        nth = seen.get(ov.role, 0)
        seen[ov.role] = nth + 1
        text = overlay_text(ov, facts, title, language, nth)
        if not text:
            left_out.append(f"{ov.role} box {ov.text!r}: " + ("the facts have no " + ov.role
                                                              if ov.role in ("price", "promotion") else
                                                              "no text of the new product for it"))
            continue
        px = max(8, round(ov.size / INK * height))
        tw = _text_width(text, px)
        longer = tw / max(ov.box.w * width, 1.0)
        if longer > 1.0:  # longer than the reference's: smaller by the square root (the IoU's best compromise)
            px = max(8, round(px / longer ** 0.5))
            tw = _text_width(text, px)
        if tw > 0.92 * width:
            px = max(8, int(px * 0.92 * width / tw))
            tw = _text_width(text, px)
        cx, cy = (ov.box.x + ov.box.w / 2) * width, (ov.box.y + ov.box.h / 2) * height
        x0 = min(max(cx - tw / 2, 0.02 * width), 0.98 * width - tw)
        ink = px * INK
        boxes.append(TextBox(text=text, x=max(0.0, x0 / width), y=max(0.0, (cy - ink / 2) / height),
                             w=min(1.0, tw / width), h=ink / height, size=px / height, color=ov.color,
                             background=ov.background, start=round(to_ad(ov.start), 3),
                             end=round(to_ad(ov.end), 3), role=ov.role))
    return boxes, left_out
