"""The structure timeline of an analysed video as a PNG: shots, scenes, segments, speech density.

One lane per part, time on the x axis; later analysis parts (tags, highlights) add lanes.

    >>> plot_structure(analysis, "structure.png")                          # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from tools.core.schema import Analysis

__all__ = ["plot_structure"]

_TRANSITION_COLOURS = {"cut": "#333333", "dissolve": "#1f77b4", "fade": "#9467bd", "start": "#333333"}


def plot_structure(analysis: Analysis, out: str | os.PathLike, title: str | None = None,
                   highlights: list[float] | None = None,
                   marks: Sequence[tuple[float, float, str]] | None = None) -> Path:
    """Draw the timeline and write it to ``out`` (PNG, written atomically).

    ``marks``: spans of the stream to show across every lane, each ``(start, end, label)`` (e.g.
    the clips an ad uses, labelled by their slot)."""
    import matplotlib
    import matplotlib.patches

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from tools.analysis.pipeline import speech_density

    for f in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",):
        if Path(f).exists():
            font_manager.fontManager.addfont(f)
            plt.rcParams["font.sans-serif"] = ["Noto Sans CJK JP", "DejaVu Sans"]
    duration = max(analysis.video.duration, 1e-3)
    fig, axes = plt.subplots(6, 1, figsize=(14, 6.6), sharex=True,
                             gridspec_kw={"height_ratios": [1, 1, 1.2, 1.2, 1.2, 1.4], "hspace": 0.15})
    ax_shots, ax_scenes, ax_segs, ax_tags, ax_hl, ax_speech = axes
    palette = plt.get_cmap("tab20")

    for i, s in enumerate(analysis.shots):
        ax_shots.barh(0, s.duration, left=s.start, height=0.8, color=palette(i % 20), edgecolor="none")
        if s.transition_in in ("dissolve", "fade"):
            ax_shots.plot([s.start, s.start], [-0.45, 0.45], color=_TRANSITION_COLOURS[s.transition_in], lw=1.5)
    ax_shots.set_ylabel(f"shots\n({len(analysis.shots)})", rotation=0, ha="right", va="center")

    for i, s in enumerate(analysis.scenes):
        ax_scenes.barh(0, s.duration, left=s.start, height=0.8, color=palette((2 * i) % 20), edgecolor="white")
    ax_scenes.set_ylabel(f"scenes\n({len(analysis.scenes)})", rotation=0, ha="right", va="center")

    products = sorted({s.product for s in analysis.segments if s.product})
    for s in analysis.segments:
        colour = palette(2 * products.index(s.product) % 20) if s.product else "#dddddd"
        ax_segs.barh(0, s.duration, left=s.start, height=0.8, color=colour, edgecolor="white")
        label = s.product or s.title or ""
        fits = int(s.duration / duration * 150)  # characters that fit in the bar at this size
        if label and fits >= 4:
            label = label if len(label) <= fits else label[: fits - 1] + "…"
            ax_segs.text(s.start + s.duration / 2, 0, label, ha="center", va="center", fontsize=8,
                         color="black" if s.product else "#555555")
    ax_segs.set_ylabel(f"segments\n({len(analysis.segments)})", rotation=0, ha="right", va="center")

    tagged = [(s, max(s.tags, key=s.tags.get)) for s in analysis.sentences if s.tags]
    if tagged:
        from tools.analysis.tags import tag_ids

        ids = tag_ids()
        tab = plt.get_cmap("tab20b")
        used: dict[str, object] = {}
        for s, tag in tagged:
            colour = tab(ids.index(tag) % 20)
            used.setdefault(tag, colour)
            ax_tags.barh(0, max(s.duration, 0.3), left=s.start, height=0.8, color=colour, edgecolor="none")
        handles = [matplotlib.patches.Patch(color=c, label=t) for t, c in used.items()]
        ax_tags.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.6), fontsize=6, frameon=False,
                       ncol=1 + len(handles) // 12)
    ax_tags.set_ylabel("speech tags", rotation=0, ha="right", va="center")

    if highlights:
        for s, score in zip(analysis.shots, highlights, strict=False):
            ax_hl.bar(s.start, score, width=s.duration, align="edge", color=plt.get_cmap("magma")(0.2 + 0.7 * score))
        ax_hl.set_ylim(0, 1)
    ax_hl.set_ylabel("highlight", rotation=0, ha="right", va="center")

    if analysis.sentences:
        t, density = speech_density(analysis.sentences, duration)
        ax_speech.fill_between(t, density, step="post", color="#2ca02c", alpha=0.6)
        ax_speech.set_ylim(0, max(3.5, float(density.max()) * 1.1))
    else:
        ax_speech.text(duration / 2, 0.5, "no speech", ha="center", va="center", color="#888888")
    ax_speech.set_ylabel("words/s", rotation=0, ha="right", va="center")

    for start, end, label in marks or ():
        for ax in axes:
            ax.axvspan(start, end, facecolor="#fff36b", alpha=0.45, lw=0, zorder=4)
            for x in (start, end):
                ax.axvline(x, color="#b8860b", lw=0.9, zorder=5)
        ax_shots.text((start + end) / 2, 0.62, label, ha="center", va="bottom", fontsize=8, fontweight="bold",
                      color="#7a5c00", clip_on=False)

    for ax in (ax_shots, ax_scenes, ax_segs, ax_tags):
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.5)
    for ax in axes:
        ax.set_xlim(0, duration)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
    ax_speech.set_xlabel("seconds")
    fig.suptitle(title or Path(analysis.video.path).name, fontsize=10)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, out)
    return out
