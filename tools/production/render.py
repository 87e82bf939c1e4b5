"""Render a :class:`~tools.production.timeline.Timeline` to ``ad.mp4`` in ONE ffmpeg pass, and the cover image.

One filtergraph does everything: each item is read straight from the source at its in
point (input seeking), framed by a crop that follows the subject (:mod:`tools.production.reframe`: a smoothed, speed-limited
track within each source shot, a jump at the source's own cuts), scaled to the output size,
joined by cuts, crossfades, fades through black or slides (``xfade``); subtitles and the
title are burned from the ASS file (libass, Noto Sans CJK); a price / promo sticker is drawn
during the call to buy, and a template's text boxes (``Timeline.overlays``) where and when
it places them. Audio: the presenter's words (up to the last chosen word, then silence),
or the voice-over files placed at their slots, or both (the original quietened under
the voice); a music bed, ducked under speech (sidechain compression); loudness
normalised to EBU R128 -14 LUFS (social video; measured after the pass and corrected when
loudnorm's single pass falls short). H.264 (x264 preset superfast, CRF 21;
``bench/render.py`` times it) + AAC, faststart.

    >>> render(timeline, "out/ad.mp4", ass="out/ad.ass")    # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

from tools.core.errors import RenderError
from tools.production.timeline import FONT_FILE, Timeline, plain_text

__all__ = ["RenderError", "render", "cover", "frame_strip", "ffmpeg_command", "loudness", "LOUDNESS"]

LOUDNESS = -14.0  # LUFS, integrated


def _crop_expr(tl: Timeline, item) -> tuple[str, str, int, int]:
    """Crop size and x / y expressions (in the item's own time ``t``) for the output aspect."""
    sw, sh = tl.source_size
    out_ratio = tl.width / tl.height
    if sw / sh > out_ratio:
        ch, cw = sh, sh * out_ratio
    else:
        cw, ch = sw, sw / out_ratio
    zoom = max(1.0, getattr(item, "zoom", 1.0))
    cw, ch = int(round(cw / zoom / 2) * 2), int(round(ch / zoom / 2) * 2)

    def pos(centre: float, size: int, full: int) -> int:
        return int(min(max(centre * full - size / 2, 0), full - size))

    speed = getattr(item, "speed", 1.0) or 1.0  # ``t`` is the ad's time: a source second lasts 1 / speed
    pts = [(max(0.0, c.at - item.src_in) / speed, pos(c.x, cw, sw), pos(c.y, ch, sh), c.cut) for c in item.crops]
    pts = pts or [(0.0, pos(0.5, cw, sw), pos(0.5, ch, sh), True)]

    def track(j: int) -> str:
        expr = str(pts[-1][j])
        for i in range(len(pts) - 2, -1, -1):  # glide within a shot, jump at the source's cuts
            t0, t1, a, b = pts[i][0], pts[i + 1][0], pts[i][j], pts[i + 1][j]
            seg = str(a) if pts[i + 1][3] or a == b or t1 <= t0 else f"({a}+{b - a}*(t-{t0:.3f})/{t1 - t0:.3f})"
            expr = f"if(lt(t,{t1:.3f}),{seg},{expr})"
        return expr

    x_expr, y_expr = track(1), track(2)
    return x_expr, y_expr, cw, ch


def filter_value(value: str) -> str:
    """``value`` escaped as an option value of a filter inside a ``-filter_complex`` graph.

    ffmpeg unescapes twice: the graph parser (``\\ ' [ ] , ;`` are special), then the filter's
    option parser (``\\ '`` and the ``:`` between options). So each of those is escaped with a
    backslash, in that order of nesting: any path or text then reaches the filter as written.
    """
    option = re.sub(r"([\\':])", r"\\\1", value)
    return re.sub(r"([\\'\[\],;])", r"\\\1", option)


def _beside(path: str | Path, folder: Path) -> str:
    """``path`` as ffmpeg run in ``folder`` reaches it: its bare name when it is in ``folder``."""
    p = Path(path)
    return p.name if p.parent.resolve() == folder.resolve() else str(p.resolve())


def _temp_beside(out: Path, tag: str, suffix: str) -> Path:
    """A fresh name next to ``out`` for a file on its way there: ``.<stem>.<tag>-<random><suffix>``,
    of plain characters only (ffmpeg reads no protocol, pattern or option in it), never the name
    another run uses (two renders into one folder each have their own)."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", out.stem)[:40] or "out"
    return out.with_name(f".{stem}.{tag}-{uuid.uuid4().hex[:12]}{suffix}")


def _write_text_beside(out: Path, tag: str, text: str) -> Path:
    """``text`` (its control characters dropped) in a new temporary file next to ``out``."""
    path = _temp_beside(out, tag, ".txt")
    with path.open("x", encoding="utf-8") as f:  # "x": created here, never someone else's
        f.write(plain_text(text))
    return path


def _ffmpeg_into(out: Path, cmd: Callable[[Path], list[str]], what: str, *, tag: str = "part",
                 cwd: Path | None = None, tail: int = 500, then: Callable[[Path], object] | None = None) -> Path:
    """Run ``cmd(tmp)``, an ffmpeg command writing a temporary file of its own beside ``out``
    (``then(tmp)`` may work on it further), and rename the result into place: ``out`` is always
    whole, and two runs into one folder never share a file. ``what`` names the work in errors."""
    tmp = _temp_beside(out, tag, out.suffix)
    try:
        proc = subprocess.run(cmd(tmp), cwd=cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RenderError(f"ffmpeg failed {what}: {proc.stderr.strip()[-tail:]}")
        if then is not None:
            then(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


# a fade through black, even on both sides: the outgoing picture down to black in the first half,
# the incoming one up from black in the second (xfade's own fadeblack drops the outgoing picture
# early); P runs from 1 to 0; black is Y 16, U V 128 (limited-range YUV)
_FADE_BLACK = ("custom:expr='if(gt(P,0.5),if(eq(PLANE,0),16+(A-16)*(2*P-1),128+(A-128)*(2*P-1)),"
               "if(eq(PLANE,0),16+(B-16)*(1-2*P),128+(B-128)*(1-2*P)))'")


def _xfade_name(kind: str) -> str:
    """ffmpeg's xfade transition for a timeline's kind: a crossfade (dissolve), a fade through
    black, or a slide."""
    return {"crossfade": "fade", "dissolve": "fade", "fade": _FADE_BLACK, "slide": "slideleft"}.get(kind, "fade")


def _ffmpeg_colour(rgb: str | None, alpha: float = 1.0) -> str:
    """``#rrggbb`` as an ffmpeg colour with an alpha (``0xRRGGBBAA``); a bad value is white."""
    h = (rgb or "").lstrip("#")
    h = h if re.fullmatch(r"[0-9a-fA-F]{6}", h) else "ffffff"
    return f"0x{h.lower()}{round(alpha * 255):02x}"


def _overlay_filters(tl: Timeline, files: list[str]) -> list[str]:
    """drawtext filters for ``tl.overlays`` (``files``: each box's text file, as ffmpeg reaches it):
    the text centred in its box, shown from its start to its end."""
    out = []
    for box, name in zip(tl.overlays, files, strict=True):
        size = max(8, round(box.size * tl.height))
        x0, y0 = box.x * tl.width, box.y * tl.height
        bw, bh = box.w * tl.width, box.h * tl.height
        back = (f":box=1:boxcolor={_ffmpeg_colour(box.background, 0.85)}:boxborderw={max(2, size // 4)}"
                if box.background else f":borderw={max(2, round(size * 0.06))}:bordercolor=0x000000c0")
        out.append(f"drawtext=fontfile={filter_value(FONT_FILE)}:textfile={filter_value(name)}:expansion=none:"
                   f"fontsize={size}:fontcolor={_ffmpeg_colour(box.color)}{back}:"
                   f"x={x0:.1f}+({bw:.1f}-tw)/2:y={y0:.1f}+({bh:.1f}-th)/2:"
                   f"enable='between(t,{box.start:.3f},{box.end:.3f})'")
    return out


def ffmpeg_command(tl: Timeline, out: str | Path, ass: str | Path | None = None,
                   sticker_file: str | Path | None = None, preset: str = "superfast", crf: int = 21,
                   overlay_files: list[str | Path] = ()) -> list[str]:
    """The ffmpeg command line that renders ``tl`` (run it with the output dir as working dir).

    ``ass`` and ``sticker_file`` (a UTF-8 file holding the sticker's text, drawn as written: no
    ``%{...}`` expansion) are paths as ``out`` is (both relative to the same folder, or absolute);
    their names are escaped for the filtergraph, so any name works. ``overlay_files``: the text
    of each of ``tl.overlays``, the same way."""
    folder = Path(out).parent
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-nostdin"]
    n = len(tl.items)
    for it in tl.items:
        length = it.duration + (it.transition_seconds if it.transition_out != "cut" else 0.0)
        args += ["-ss", f"{it.src_in:.3f}", "-t", f"{length * it.speed + 0.1:.3f}", "-i", it.source]
    voice_inputs = {}
    for it in tl.items:
        if it.voice:
            voice_inputs[it.index] = n + len(voice_inputs)
            args += ["-i", it.voice]
    music_input = None
    if tl.music:
        music_input = n + len(voice_inputs)
        args += ["-stream_loop", "-1", "-i", tl.music]
    f: list[str] = []
    for k, it in enumerate(tl.items):
        x, y, cw, ch = _crop_expr(tl, it)
        length = it.duration + (it.transition_seconds if it.transition_out != "cut" else 0.0)
        exact = f",trim=end_frame={max(1, round(length * tl.fps))}" if tl.frame_exact else ""
        read = length + (2 / tl.fps if tl.frame_exact else 0.0)  # exact: enough frames for the frame trim
        pts = "PTS-STARTPTS" if it.speed == 1.0 else f"(PTS-STARTPTS)/{it.speed:.6f}"  # slow / fast motion
        f.append(f"[{k}:v]trim=duration={read * it.speed:.3f},setpts={pts},fps={tl.fps}{exact},"
                 f"crop=w={cw}:h={ch}:x='{x}':y='{y}',scale={tl.width}:{tl.height}:flags=bilinear,setsar=1,"
                 f"format=yuv420p,settb=AVTB[v{k}]")
    last = "v0"
    for k in range(1, n):
        prev = tl.items[k - 1]
        if prev.transition_out == "cut" or prev.transition_seconds <= 0:
            f.append(f"[{last}][v{k}]concat=n=2:v=1:a=0[j{k}]")
        else:
            f.append(f"[{last}][v{k}]xfade=transition={_xfade_name(prev.transition_out)}:"
                     f"duration={prev.transition_seconds:.3f}:offset={tl.items[k].start:.3f}[j{k}]")
        last = f"j{k}"
    video = last
    post = []
    if ass:
        post.append(f"subtitles=filename={filter_value(_beside(ass, folder))}:"
                    f"fontsdir={filter_value(str(Path(FONT_FILE).parent))}")
    if sticker_file and tl.sticker.strip():
        size = round(min(tl.width, tl.height) * 0.06)
        post.append(f"drawtext=fontfile={filter_value(FONT_FILE)}:textfile={filter_value(_beside(sticker_file, folder))}:"
                    f"expansion=none:fontsize={size}:fontcolor=white:"
                    f"box=1:boxcolor=0xE0302Ecc:boxborderw={size // 2}:line_spacing={size // 4}:x=(w-tw)/2:y=h*0.3:"
                    f"enable='gte(t,{tl.sticker_from:.2f})'")
    if tl.overlays and len(overlay_files) == len(tl.overlays):
        post += _overlay_filters(tl, [_beside(p, folder) for p in overlay_files])
    post.append(f"trim=duration={tl.duration:.3f},setpts=PTS-STARTPTS")
    f.append(f"[{video}]{','.join(post)}[vout]")

    # audio: speech (original words and / or voice-over), music ducked under it, loudness normalised
    speech = []
    for k, it in enumerate(tl.items):
        delay = int(round(it.start * 1000))
        if tl.audio in ("original", "both") and it.speech_end is not None and it.speech_end > it.src_in \
                and it.speed == 1.0:  # a slowed picture plays without its own sound
            heard = min(it.speech_end - it.src_in, it.duration)
            gain = 1.0 if tl.audio == "original" else 0.25
            f.append(f"[{k}:a]atrim=duration={heard:.3f},asetpts=PTS-STARTPTS,aresample=48000,"
                     f"afade=t=in:d=0.03,afade=t=out:st={max(0.0, heard - 0.08):.3f}:d=0.08,volume={gain},"
                     f"adelay={delay}:all=1[s{k}]")
            speech.append(f"[s{k}]")
        if it.voice and tl.audio in ("voiceover", "both"):
            vd = int(round((it.start + 0.12) * 1000))
            f.append(f"[{voice_inputs[it.index]}:a]aresample=48000,atrim=duration={max(0.1, it.duration - 0.15):.3f},"
                     f"adelay={vd}:all=1[o{k}]")
            speech.append(f"[o{k}]")
    if speech:
        f.append(f"{''.join(speech)}amix=inputs={len(speech)}:normalize=0:dropout_transition=0,"
                 f"apad=whole_dur={tl.duration:.3f},atrim=duration={tl.duration:.3f}[speech]")
    else:
        f.append(f"anullsrc=r=48000:cl=mono,atrim=duration={tl.duration:.3f}[speech]")
    if music_input is not None:
        f.append(f"[{music_input}:a]aresample=48000,atrim=duration={tl.duration:.3f},volume={tl.music_gain:g},"
                 f"afade=t=in:d={0.5 if tl.music_duck else 0.05},"
                 f"afade=t=out:st={max(0.0, tl.duration - 1.2):.3f}:d=1.2[bed]")
        if tl.music_duck:
            f.append("[speech]asplit=2[sp][key]")
            f.append("[bed][key]sidechaincompress=threshold=0.03:ratio=8:attack=20:release=350[ducked]")
            f.append("[sp][ducked]amix=inputs=2:normalize=0[mix]")
        else:  # the beat stays audible under the voice (a template cut on it)
            f.append("[speech][bed]amix=inputs=2:normalize=0[mix]")
        mix = "mix"
    else:
        mix = "speech"
    f.append(f"[{mix}]loudnorm=I={LOUDNESS}:TP=-1.5:LRA=11,aresample=48000,"
             f"atrim=duration={tl.duration:.3f}[aout]")
    args += ["-filter_complex", ";".join(f), "-map", "[vout]", "-map", "[aout]",
             "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p", "-r", str(tl.fps),
             "-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart",
             "-t", f"{tl.duration:.3f}", str(Path(out).name)]
    return args


def _wrap(text: str, width: int) -> str:
    """Lines of at most ``width`` characters (words kept whole; Chinese may break anywhere)."""
    if " " not in text.strip():
        return "\n".join(text[i:i + width] for i in range(0, len(text), width))
    lines, line = [], ""
    for w in text.split():
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join([*lines, line])


def loudness(path: str | Path) -> float:
    """Integrated loudness (LUFS, EBU R128) of a file's audio."""
    proc = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-i", str(path), "-vn", "-af", "ebur128",
                           "-f", "null", "-"], capture_output=True, text=True)
    found = re.findall(r"I:\s+(-?[\d.]+) LUFS", proc.stderr)
    if proc.returncode != 0 or not found:
        raise RenderError(f"could not measure the loudness of {path}: {proc.stderr.strip()[-300:]}")
    return float(found[-1])


def _fix_loudness(path: Path, target: float = LOUDNESS, tolerance: float = 1.0) -> float:
    """loudnorm's one pass falls short on short ads: measure, then correct the gain (video copied)."""
    got = loudness(path)
    if abs(got - target) <= tolerance:
        return got
    _ffmpeg_into(path, lambda tmp: [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-nostdin", "-i", str(path), "-c:v", "copy",
        "-af", f"volume={target - got:.2f}dB,alimiter=limit=0.84:level=false", "-c:a", "aac", "-b:a", "160k",
        "-movflags", "+faststart", str(tmp)], "correcting the loudness", tag="gain", tail=300)
    return loudness(path)


def render(tl: Timeline, out: str | Path, ass: str | Path | None = None, threads: int | None = None,
           preset: str = "superfast") -> Path:
    """Render ``tl`` to ``out``: written to a temporary name of its own in the same folder, then
    renamed into place, so two renders into one folder never share a file and ``out`` is always whole."""
    out = Path(out)
    if shutil.which("ffmpeg") is None:
        raise RenderError("ffmpeg is not installed (apt-get install ffmpeg)")
    sticker_file = None
    if tl.sticker.strip():
        sticker_file = _write_text_beside(out, "sticker", _wrap(tl.sticker, 12 if tl.language == "zh" else 22))
    boxes = [_write_text_beside(out, f"text{k}", box.text) for k, box in enumerate(tl.overlays)]

    def command(tmp: Path) -> list[str]:
        cmd = ffmpeg_command(tl, tmp, ass, sticker_file, preset=preset, overlay_files=boxes)
        if threads:
            at = cmd.index("-filter_complex")
            cmd[at:at] = ["-filter_complex_threads", str(threads)]
        return cmd

    try:
        _ffmpeg_into(out, command, f"rendering {out.name}", cwd=out.parent, tail=800, then=_fix_loudness)
    finally:
        for f in [sticker_file, *boxes]:
            if f:
                f.unlink(missing_ok=True)
    return out


def cover(source: str, at: float, tl: Timeline, out: str | Path, title: str = "", crop_x: float = 0.5,
          crop_y: float = 0.5, zoom: float = 1.0) -> Path:
    """``cover.jpg``: the source frame at ``at``, framed like the ad (``zoom``: its item's), with the title on it."""
    from tools.production.timeline import Crop, Item

    out = Path(out)
    item = Item(0, source, at, 0.0, 1.0, [Crop(at, crop_x, crop_y)], zoom=zoom)
    x, y, cw, ch = _crop_expr(tl, item)
    vf = f"crop={cw}:{ch}:{x}:{y},scale={tl.width}:{tl.height}:flags=bicubic"
    title_file = None
    if title.strip():
        title_file = _write_text_beside(out, "title", title)
        size = round(min(tl.width, tl.height) * 0.08)
        vf += (f",drawtext=fontfile={filter_value(FONT_FILE)}:textfile={filter_value(title_file.name)}:expansion=none:"
               f"fontsize={size}:fontcolor=white:box=1:boxcolor=0x000000aa:boxborderw={size // 2}:x=(w-tw)/2:y=h*0.72")
    try:
        _ffmpeg_into(out, lambda tmp: [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-nostdin", "-ss", f"{at:.3f}", "-i", source,
            "-frames:v", "1", "-vf", vf, "-q:v", "3", "-update", "1", tmp.name], f"making {out.name}", cwd=out.parent)
    finally:
        if title_file:
            title_file.unlink(missing_ok=True)
    return out


def frame_strip(video: str | Path, out: str | Path, frames: int = 8, height: int = 480) -> Path:
    """One row of ``frames`` evenly spaced frames of ``video`` (a contact sheet for a quick look)."""
    out = Path(out)
    from tools.core.media import container_duration

    duration = container_duration(video)
    fps = frames / max(duration, 0.1)
    return _ffmpeg_into(out, lambda tmp: [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-nostdin", "-i", str(Path(video).resolve()), "-vf",
        f"fps={fps:.5f},scale=-2:{height},tile={frames}x1:padding=6:color=white", "-frames:v", "1", "-update", "1",
        tmp.name], f"making {out.name}", cwd=out.parent, tail=300)

