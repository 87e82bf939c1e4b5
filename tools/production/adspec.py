"""The ad spec: what to make, from flags and a free-text brief ("15s beauty ad, energetic").

Flags win over the brief; the brief wins over defaults. The brief is read by rules
(numbers with units, aspect words, tone and industry words, audio wishes, product
names from the fact sheets), in English and Chinese, so a spec never depends on the
LLM being up; anything it does not understand stays in ``tone`` as the narrator's brief.

    >>> spec = spec_from_brief("30s vertical food ad, calm, voice-over", products=["Aurora Espresso Blend"])
    >>> spec.duration, spec.aspect, spec.industry, spec.audio
    (30.0, '9:16', 'food', 'voiceover')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from tools.core.errors import SpecError
from tools.core.text import letters

__all__ = ["AdSpec", "SpecError", "spec_from_brief", "RESOLUTIONS", "INDUSTRIES"]

Aspect = Literal["9:16", "1:1", "16:9"]
RESOLUTIONS: dict[str, tuple[int, int]] = {"9:16": (1080, 1920), "1:1": (1080, 1080), "16:9": (1920, 1080)}
INDUSTRIES = ("beauty", "food", "electronics", "fashion", "home", "general")
_INDUSTRY_WORDS = {
    "beauty": r"beauty|makeup|make-up|skin ?care|cosmetic|serum|lipstick|cream|美妆|护肤|彩妆|精华|面霜|口红",
    "food": r"food|snack|coffee|tea|drink|espresso|beans|食品|零食|咖啡|饮料|茶",
    "electronics": r"electronic|gadget|phone|laptop|headphone|camera|digital|数码|手机|耳机|电脑",
    "fashion": r"fashion|clothes|clothing|dress|shoe|bag|apparel|服装|衣服|鞋|包|穿搭",
    "home": r"home|kitchen|furniture|decor|poster|cleaning|家居|厨房|家具|清洁|装饰",
}
_TONES = r"energetic|upbeat|lively|calm|relaxed|luxurious|premium|playful|fun|warm|professional|活力|轻松|高级|温馨|专业"


class AdSpec(BaseModel):
    duration: float = Field(15.0, ge=6.0, le=300.0, description="seconds (6 s to 5 min)")
    aspect: Aspect = "9:16"
    language: Literal["zh", "en"] | None = Field(None, description="None: the stream's language")
    tone: str = Field("", description="tone and audience words for the narrator")
    product: str | None = Field(None, description="which product (segment) of the stream; None: the best covered")
    audio: Literal["original", "voiceover", "both"] | None = Field(
        None, description="presenter's speech, a new voice-over, or voice-over over the quietened original; "
        "None: voice-over when an offline voice speaks the language, else original")
    music: bool = True
    music_path: str | None = None
    variants: int = Field(3, ge=1, le=6, description="storyline variants kept, ranked, in plan.json")
    industry: str = "general"
    brief: str = ""

    @property
    def size(self) -> tuple[int, int]:
        return RESOLUTIONS[self.aspect]


def _duration(text: str) -> float | None:
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:-?\s*)(minutes?|mins?|分钟|m\b)", text, re.I)
    if m:
        return float(m.group(1)) * 60
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:-?\s*)(seconds?|secs?|s\b|秒)", text, re.I)
    return float(m.group(1)) if m else None


def _aspect(text: str) -> str | None:
    low = text.lower()
    for pattern, aspect in ((r"9\s*:\s*16|vertical|portrait|竖屏|竖版|抖音|tiktok|reels?|shorts", "9:16"),
                            (r"1\s*:\s*1|square|方形", "1:1"), (r"16\s*:\s*9|horizontal|landscape|横屏|横版|youtube", "16:9")):
        if re.search(pattern, low):
            return aspect
    return None


def _named_product(text: str, products: Sequence[str]) -> str | None:
    """The product the text names: its whole name, or most of its words (3+ letters)."""
    low, words = letters(text), set(re.findall(r"\w{3,}", text.lower()))
    best, share = None, 0.0
    for p in products:
        if letters(p) and letters(p) in low:
            return p
        mine = set(re.findall(r"\w{3,}", p.lower()))
        s = len(mine & words) / len(mine) if mine else 0.0
        if s > share:
            best, share = p, s
    return best if share >= 0.6 else None


def spec_from_brief(brief: str = "", products: Sequence[str] = (), **flags) -> AdSpec:
    """The spec from a brief, with ``flags`` (AdSpec fields, None = not given) taking precedence.

    Raises:
        SpecError: a duration outside 6 s - 5 min, or a product that is not one of ``products``.
    """
    found: dict = {"brief": brief}
    text = brief or ""
    if (d := _duration(text)) is not None:
        found["duration"] = d
    if (a := _aspect(text)) is not None:
        found["aspect"] = a
    for industry, pattern in _INDUSTRY_WORDS.items():
        if re.search(pattern, text, re.I):
            found["industry"] = industry
            break
    tones = re.findall(_TONES, text, re.I)
    if tones:
        found["tone"] = ", ".join(dict.fromkeys(t.lower() for t in tones))
    if re.search(r"voice[- ]?over|narrat|配音|旁白", text, re.I):
        found["audio"] = "voiceover"
    if re.search(r"original (audio|speech|voice)|presenter'?s? (voice|speech)|原声", text, re.I):
        found["audio"] = "both" if found.get("audio") == "voiceover" else "original"
    if re.search(r"no music|without music|无音乐|不要音乐", text, re.I):
        found["music"] = False
    # the ad speaks the stream's language (its audience's) unless the brief asks for another: a
    # seller may write Chinese about an English stream
    if re.search(r"中文|汉语|普通话|国语|\bin (?:chinese|mandarin)\b|\bchinese (?:ad|voice|narration|lines)", text, re.I):
        found["language"] = "zh"
    elif re.search(r"英文|英语|\bin english\b|\benglish (?:ad|voice|narration|lines)", text, re.I):
        found["language"] = "en"
    if (p := _named_product(text, products)) is not None:
        found["product"] = p
    found.update({k: v for k, v in flags.items() if v is not None})
    if found.get("product") and products and found["product"] not in products:
        wanted = letters(found["product"])
        match = [p for p in products if wanted and (wanted in letters(p) or letters(p) in wanted)]
        if not match:
            raise SpecError(f"product {found['product']!r} is not in the stream's fact sheets "
                            f"(known: {', '.join(products)})")
        found["product"] = match[0]
    duration = found.get("duration", 15.0)
    if not 6.0 <= float(duration) <= 300.0:
        raise SpecError(f"duration {duration:g} s is outside 6 s - 5 min")
    try:
        return AdSpec(**found)
    except ValueError as exc:
        raise SpecError(f"bad ad spec: {exc}") from exc
