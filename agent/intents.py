"""The deterministic fallback: the request's intent, parsed under a JSON schema, mapped to a fixed recipe.

When the planner model cannot produce a valid tool call (after one repair round), or answers
an actionable request without calling any tool, the agent asks the model one narrow question
instead: what kind of request is this, and with which length, aspect, product, edit? That
answer is grammar-constrained to :class:`Intent`, so even a 0.5B model gives a usable one;
plain-text hints (``15s``, ``竖屏``, ``square``, ``第2条``) fill what it left out. Then a fixed
recipe calls the tools (:func:`recipe`): make -> ``make_ad``; narrate -> ``plan_ad`` +
``write_narration``; revise -> ``revise_ad`` (or ``undo_ad``); question -> ``describe_video`` /
``search_clips``; template -> ``make_ad`` with the template (a named one, or an attached
reference ad that ``make_ad`` reads into a template first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["Intent", "Call", "hints", "language_of", "recipe"]

Kind = Literal["make", "template", "narrate", "revise", "question", "other"]
Edit = Literal["duration", "variant", "drop_clip", "replace_clip", "move_clip", "line", "tone", "aspect", "music",
               "voice", "undo", "version"]


class Intent(BaseModel):
    """What a request asks for (``None``: the request does not say)."""

    kind: Kind
    duration: float | None = Field(None, description="the ad's length in seconds")
    aspect: Literal["9:16", "1:1", "16:9"] | None = None
    tone: str | None = Field(None, description="e.g. energetic, calm, luxurious")
    product: str | None = Field(None, description="the product named in the request")
    edit: Edit | None = Field(None, description="for revise: what to change")
    slot: int | None = Field(None, description="for revise: the clip or line number, from 1")
    variant: int | None = Field(None, description="for revise: the storyline variant, from 1")
    version: int | None = Field(None, description="for revise: the version to go back to")
    on: bool | None = Field(None, description="for music / voice: on (true) or off (false)")
    text: str | None = Field(None, description="for a new line: its text")


def language_of(text: str) -> str:
    """``"zh"`` when the text has Chinese characters, else ``"en"``."""
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    if word in _CN_DIGITS:
        return _CN_DIGITS[word]
    if len(word) == 2 and word[0] == "十" and word[1] in _CN_DIGITS:
        return 10 + _CN_DIGITS[word[1]]
    if len(word) == 2 and word[1] == "十" and word[0] in _CN_DIGITS:
        return _CN_DIGITS[word[0]] * 10
    return None


_SECONDS = re.compile(r"(\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3})\s*(?:-?\s*(?:s|sec|secs|second|seconds)\b|秒)", re.I)
_MINUTES = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-?\s*(?:min|mins|minute|minutes)\b|分钟)|(\d+(?:\.\d+)?)\s*(?:-?\s*(?:h|hour|hours)\b|小时)", re.I)
_ASPECTS = [(r"\b9\s*[:x/]\s*16\b|vertical|portrait|tiktok|reels?\b|shorts\b|douyin|竖屏|竖版|竖|抖音|快手", "9:16"), (r"\b1\s*[:x/]\s*1\b|square|方形|方屏|正方", "1:1"),
            (r"\b16\s*[:x/]\s*9\b|landscape|horizontal|widescreen|横屏|横版|横", "16:9")]
_ORDINAL = re.compile(r"(?:clip|slot|line|shot|scene|第)\s*(\d+|[一二两三四五六七八九十])|(\d+)(?:st|nd|rd|th)\s+(?:clip|slot|line|shot)"
                      r"|(first|second|third|fourth|fifth)\s+(?:clip|slot|line|shot|storyline|variant|version)", re.I)
_WORD_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}


def hints(request: str) -> dict:
    """What plain text says for sure: length, aspect, music/voice on or off, an undo, a number.

    >>> hints("make it 10 seconds, square")
    {'duration': 10.0, 'aspect': '1:1'}
    >>> hints("做一个15秒的竖屏广告")
    {'duration': 15.0, 'aspect': '9:16'}
    """
    out: dict = {}
    if m := _SECONDS.search(request):
        out["duration"] = float(m.group(1)) if m.group(1)[0].isdigit() else float(_number(m.group(1)) or 0) or None
    elif m := _MINUTES.search(request):
        out["duration"] = float(m.group(1)) * 60 if m.group(1) else float(m.group(2)) * 3600
    if out.get("duration") is None:
        out.pop("duration", None)
    for pattern, aspect in _ASPECTS:
        if re.search(pattern, request, re.I):
            out["aspect"] = aspect
            break
    low = request.lower()
    if re.search(r"\bundo\b|撤销|撤回|上一版", low):
        out["edit"] = "undo"
    elif m := re.search(r"(?:back to |revert to |restore )?version\s*(\d+)|第\s*(\d+|[一二三四五六七八九十])\s*版|版本\s*(\d+)", low):
        if "version" not in low or re.search(r"back|revert|restore|return|go to", low) or "版" in low:
            out["edit"], out["version"] = "version", _number(next(g for g in m.groups() if g))
    if re.search(r"\bmusic\b|音乐|配乐|背景乐", low):
        out["on"] = not re.search(r"\boff\b|\bno\b|without|remove|mute|关|去掉|不要|取消", low)
    elif re.search(r"voice|narration|配音|旁白|解说", low) and re.search(r"\b(off|on)\b|关|开|去掉|不要|加上", low):
        out["on"] = not re.search(r"\boff\b|without|remove|mute|关|去掉|不要", low)
    if m := _ORDINAL.search(request):
        word = next(g for g in m.groups() if g)
        out["slot"] = _WORD_ORD.get(word.lower()) or _number(word)
    return out


@dataclass(frozen=True)
class Call:
    """One tool call of a recipe."""

    tool: str
    args: dict


_EDIT_WORDS = [(r"\bmusic\b|音乐|配乐", "music"),
               (r"voice|narration|配音|解说", "voice"),
               (r"\bdrop\b|\bremove\b|\bdelete\b.*\b(clip|shot|slot)|删掉|删除|去掉.*(镜头|片段)", "drop_clip"),
               (r"\breplace\b|\bswap\b|换一个|替换", "replace_clip"),
               (r"\bmove\b|移到|挪到", "move_clip"),
               (r"storyline|variant|故事线|方案", "variant"),
               (r"\bline\b|台词|文案|旁白.*改", "line"),
               (r"\btone\b|calm|energetic|luxur|playful|语气|风格", "tone")]


def _edit(intent: Intent, found: dict, request: str) -> str | None:
    if found.get("edit") in ("undo", "version"):
        return found["edit"]
    if intent.edit:
        return intent.edit
    if "duration" in found or re.search(r"shorter|longer|缩短|加长|短一点|长一点", request, re.I):
        return "duration"
    if "aspect" in found:
        return "aspect"
    for pattern, edit in _EDIT_WORDS:
        if re.search(pattern, request, re.I):
            return edit
    return None


def recipe(intent: Intent, request: str, *, video: str | None, facts: list[str], has_plan: bool,
           plan_duration: float | None = None, template: str | None = None) -> list[Call] | str:
    """The tool calls that carry out ``intent``, or (a string) why there are none: what the user must add.

    ``video`` / ``facts``: the conversation's attached video and fact sheets; ``has_plan``: an ad exists;
    ``template``: the template the request asks for (a name, or a reference ad's path)."""
    zh = language_of(request) == "zh"
    found = hints(request)
    duration = found.get("duration", intent.duration)
    aspect = found.get("aspect", intent.aspect)
    kind = intent.kind
    if kind in ("make", "narrate", "template") and not video:
        return "请先上传或指定一个直播视频。" if zh else "Please attach (or name) the live-stream video to cut the ad from."
    if kind in ("make", "narrate", "template") and not facts:
        return "请先上传该商品的事实表（JSON）。" if zh else "Please attach the product's fact sheet (JSON) too."
    if kind == "template" and not template:
        return ("请上传参考广告视频，或说出模板名（如 hook_first_15）。" if zh else
                "Attach the reference ad (a short video) or name a template, e.g. hook_first_15.")
    common = {"stream": video, "facts": facts, "brief": request, "duration": duration, "aspect": aspect,
              "product": intent.product}
    common = {k: v for k, v in common.items() if v is not None}
    if kind in ("make", "template"):
        return [Call("make_ad", {**common, **({"template": template} if template else {})})]
    if kind == "narrate":
        return [Call("plan_ad", common), Call("write_narration", {})]
    if kind == "revise":
        if not has_plan:
            return "还没有做好的广告：先让我做一条。" if zh else "There is no ad yet to change: ask me to make one first."
        edit = _edit(intent, found, request)
        if edit == "undo":
            return [Call("undo_ad", {})]
        if edit == "version":
            return [Call("undo_ad", {"version": found.get("version") or intent.version})]
        if edit is None:
            return ("没看懂要怎么改：可以说“改成10秒”“换第二条故事线”“去掉第2个镜头”。" if zh else
                    'I could not tell what to change: say e.g. "make it 10 seconds", "use storyline 2", "drop clip 2".')
        args: dict = {"kind": edit}
        if edit == "duration":
            seconds = duration or (plan_duration and (plan_duration * (0.66 if re.search(r"shorter|缩短|短", request)
                                                                       else 1.5)))
            if not seconds:
                return "要改成多长？" if zh else "How long should it be?"
            args["seconds"] = float(seconds)
        elif edit == "aspect":
            args["aspect"] = aspect or "9:16"
        elif edit == "variant":
            args["variant"] = intent.variant or found.get("slot") or 2
        elif edit in ("drop_clip", "replace_clip", "move_clip", "line"):
            slot = found.get("slot") or intent.slot
            if not slot:
                return "是第几个镜头？" if zh else "Which clip (counted from 1)?"
            args["slot"] = slot
            if edit == "line":
                text = intent.text or _quoted(request)
                if not text:
                    return "新台词是什么？" if zh else "What should the new line say?"
                args["text"] = text
        elif edit == "tone":
            args["text"] = intent.tone or intent.text or request
        elif edit in ("music", "voice"):
            args["on"] = found.get("on", intent.on if intent.on is not None else False)
        return [Call("revise_ad", args)]
    if kind == "question":
        if facts and (quoted := _quoted(request)):
            return [Call("check_facts", {"text": quoted, "facts": facts[0]})]
        if re.search(r"\bfind\b|\bwhere\b|\bwhen\b|哪里|哪段|找", request, re.I):
            return [Call("search_clips", {"query": request, "k": 3})]
        if video:
            return [Call("describe_video", {"path": video})]
        return [Call("list_library", {})]
    return ""


def _quoted(text: str) -> str | None:
    m = re.search(r"[\"“「『']([^\"”」』']{2,120})[\"”」』']", text)
    return m.group(1).strip() if m else None
