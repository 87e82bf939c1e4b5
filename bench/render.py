"""Render speed: our one-pass ffmpeg renderer vs a straightforward moviepy 2 composite, in one run.

    .venv/bin/python bench/render.py [--duration 15] [--aspect 9:16]

Both render the SAME timeline of the demo stream (the plan `reelwright make` chooses with
the presenter's original speech, so no LLM or TTS time is in it): per item a cut from the
source, cropped to the output aspect around its attention centre and scaled to 1080x1920,
crossfades where the timeline has them, burned subtitles, the original audio, H.264 +
AAC (x264 preset superfast, CRF 21, 2 threads, for both). Printed: wall
seconds, x real time, and the ratio moviepy / ours. Goals: ours <= 0.7x real time and
>= 3x faster than the moviepy composite.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def timeline(duration: float, aspect: str):
    from evals.demo_stream import build_demo_stream
    from indexes.catalog import Catalog
    from models.settings import Settings
    from tools.analysis.pipeline import analyze
    from tools.core.schema import load_facts
    from tools.production.adspec import spec_from_brief
    from tools.production.arrange import arrange
    from tools.production.make import _speech_cues, build_timeline

    settings = Settings()
    demo = build_demo_stream()
    facts = [load_facts(f) for f in demo.facts]
    with Catalog.open(settings) as cat:
        report = analyze(demo.video, settings, cat, facts=facts)
    spec = spec_from_brief("energetic food ad", products=[f.product for f in facts], duration=duration,
                           aspect=aspect, audio="original", music=False)
    plan = arrange(report.analysis, report.highlights, spec, facts[0], kind="speech")[0]
    tl = build_timeline(plan, report.analysis, report.highlights, spec, "en", "original", title=facts[0].product,
                        screen=report.screen)
    for k, it in enumerate(tl.items[:-1]):  # a crossfade between every other pair: both renderers do the same
        if k % 2 == 0:
            it.transition_out, it.transition_seconds = "crossfade", 0.4
    tl.cues = _speech_cues(tl, report.analysis)
    return tl


def ours(tl, out: Path, preset: str = "superfast") -> float:
    from tools.production.render import render
    from tools.production.timeline import write_ass

    ass = write_ass(tl.cues, out.parent / "ours.ass", tl.width, tl.height)
    t0 = time.perf_counter()
    render(tl, out, ass, preset=preset)
    return time.perf_counter() - t0


def moviepy_composite(tl, out: Path) -> float:
    from moviepy import CompositeVideoClip, TextClip, VideoFileClip, concatenate_videoclips, vfx

    from tools.production.render import _crop_expr
    from tools.production.timeline import FONT_FILE

    t0 = time.perf_counter()
    sources = {}
    parts = []
    for it in tl.items:
        src = sources.setdefault(it.source, VideoFileClip(it.source))
        length = it.duration + (it.transition_seconds if it.transition_out != "cut" else 0.0)
        x, y, cw, ch = _crop_expr(tl, it)
        x0 = int(x) if x.lstrip("-").isdigit() else int(x.rsplit(",", 1)[-1].rstrip(")"))  # first crop centre
        y0 = int(y) if y.lstrip("-").isdigit() else int(y.rsplit(",", 1)[-1].rstrip(")"))
        clip = (src.subclipped(it.src_in, min(src.duration, it.src_in + length))
                .cropped(x1=x0, y1=y0, width=cw, height=ch).resized(new_size=(tl.width, tl.height)))
        parts.append(clip)
    # crossfades: the next clip fades in over the previous one's tail
    seq = [parts[0]]
    for k in range(1, len(parts)):
        prev = tl.items[k - 1]
        if prev.transition_out != "cut":
            seq.append(parts[k].with_effects([vfx.CrossFadeIn(prev.transition_seconds)]))
        else:
            seq.append(parts[k])
    padding = [-(tl.items[k - 1].transition_seconds if tl.items[k - 1].transition_out != "cut" else 0.0)
               for k in range(1, len(parts))]
    video = concatenate_videoclips(seq, method="compose", padding=min(padding) if padding else 0)
    subs = [TextClip(font=FONT_FILE, text=c.text, font_size=80, color="white", stroke_color="black", stroke_width=3,
                     method="caption", size=(tl.width - 120, None)).with_start(c.start).with_duration(c.end - c.start)
            .with_position(("center", int(tl.height * 0.7))) for c in tl.cues]
    final = CompositeVideoClip([video, *subs], size=(tl.width, tl.height)).with_duration(tl.duration)
    final.write_videofile(str(out), fps=tl.fps, codec="libx264", audio_codec="aac", preset="superfast", threads=2,
                          ffmpeg_params=["-crf", "21"], logger=None)
    for s in sources.values():
        s.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--aspect", default="9:16")
    args = ap.parse_args()
    tl = timeline(args.duration, args.aspect)
    with tempfile.TemporaryDirectory(prefix="reelwright-bench-render-") as tmp:
        a = ours(tl, Path(tmp) / "ours.mp4")
        draft = ours(tl, Path(tmp) / "draft.mp4", preset="ultrafast")
        sizes = [(Path(tmp) / f).stat().st_size / 1e6 for f in ("ours.mp4", "draft.mp4")]
        b = moviepy_composite(tl, Path(tmp) / "moviepy.mp4")
    print(f"render of the same {tl.duration:g} s {tl.width}x{tl.height} ad ({len(tl.items)} items, "
          f"{len(tl.cues)} subtitles), 2 cores:")
    print(f"  ours (one ffmpeg pass)   {a:6.1f} s   {a / tl.duration:.2f}x real time   (goal <= 0.7x)  "
          f"{sizes[0]:.1f} MB")
    print(f"  ours, --draft (ultrafast){draft:6.1f} s   {draft / tl.duration:.2f}x real time                 "
          f"{sizes[1]:.1f} MB")
    print(f"  moviepy 2 composite      {b:6.1f} s   {b / tl.duration:.2f}x real time")
    print(f"  ours is {b / a:.1f}x faster   (goal >= 3x)")


if __name__ == "__main__":
    main()
