"""What a slot's clip shows, as a prompt block both narrators share (quoted, labelled data)."""

from __future__ import annotations

from tools.guard.injection import SPOKEN, WRITTEN, data_label, quote_inline, split_instructions

__all__ = ["context_block"]


def context_block(ctx, lang: str, speech_chars: int = 80, screen_chars: int = 40) -> str:
    """What the clip shows, for a prompt: its speech and on-screen text as quoted, labelled data
    (a line of them that addresses the model is left out), and the concepts seen."""
    if ctx is None:
        return ""
    parts = []
    for label, text in ((SPOKEN, ctx.transcript[:speech_chars]), (WRITTEN, ctx.on_screen_text[:screen_chars])):
        data, _ = split_instructions([text] if text.strip() else [])
        if data:
            parts.append(quote_inline(data_label(label, lang), data, lang))
    if ctx.concepts:
        parts.append(("画面内容：" if lang == "zh" else "Shown: ") + (", ".join(ctx.concepts[:5])))
    return "\n".join(parts)
