"""Speakable product names: an alias, a 【bracketed】 name, or brand + first noun of a long title."""

from __future__ import annotations

import re

from tools.core.text import tokens

__all__ = ["short_name", "untagged"]


# a leading 【...】 that is a shop or promotion tag, not the product's name ("【顺丰速达】娇韵诗...",
# "【预售】薇诺娜...", "【会员加赠】雪肌精..."), and shop words that open some titles
_TAG = re.compile(r"速达|正品|预售|预订|预定|付定|加赠|限时|限定|限量|专享|礼遇|抢购|购买|疯抢|推荐|升级|新品|狂暑|"
                  r"宠粉|会员|自营|旗舰|现货|包邮|秒杀|直播|活动|爆款|热卖|官方|同款|重磅|全新|抽检|发货|\d+折|[节周日季]$")
_SHOP_WORDS = re.compile(r"^(官方旗舰店|官方正品|旗舰店|官网|官方)+")
_BRACKET = re.compile(r"\s*[【\[]([^】\]]{2,12})[】\]]\s*")  # a leading 【...】 or [...]


def untagged(title: str) -> str:
    """``title`` less a leading 【shop or promotion tag】 ("【立即抢购】雅漾..." -> "雅漾...")."""
    bracket = _BRACKET.match(title)
    if bracket and _TAG.search(bracket.group(1)) and len(title) - bracket.end() >= 2:
        return title[bracket.end():]
    return title


def short_name(product: str, aliases: list[str] | None = None, language: str = "zh") -> str:
    """A speakable product name: an alias, a 【bracketed】 name, or brand + first noun of a long title.

    A bracket holding a shop or promotion tag ("【顺丰速达】", "【预售】") is skipped, not spoken
    as the name.
    """
    if aliases:
        return min(aliases, key=len) if language == "zh" else aliases[0]
    if language != "zh":
        return product
    bracket = _BRACKET.match(product)
    if bracket and not _TAG.search(bracket.group(1)):
        return bracket.group(1)
    title = untagged(product)
    title = _SHOP_WORDS.sub("", title) or title
    out = ""
    for t in tokens(title):
        if len(out) >= 5 or (out and (re.fullmatch(r"[\W\d_]+", t) or _SHOP_WORDS.match(t))):
            break
        if not re.fullmatch(r"[\W_]+", t):
            out += t
    return out[:12] or title[:8]
