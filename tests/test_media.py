"""The media layer on real packaged media, generated sources and the bad-input corpus."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from evals.fixtures import librivox_clips, real_videos
from tools.core.media import (
    EmptyMedia,
    MediaError,
    NoAudioStream,
    NoVideoStream,
    VideoOpenError,
    audio,
    audio_chunks,
    cut,
    frames,
    probe,
)

# What each corpus file must give: probe / frames / audio -> "ok" or the named error.
EXPECTED = {
    "zero_byte.mp4": (EmptyMedia, EmptyMedia, EmptyMedia),
    "text_named.mp4": (VideoOpenError, VideoOpenError, VideoOpenError),
    "truncated.mp4": (VideoOpenError, VideoOpenError, VideoOpenError),
    "truncated_faststart.mp4": ("ok", "ok", "ok"),
    "audio_only.m4a": ("ok", NoVideoStream, "ok"),
    "video_no_audio.mp4": ("ok", "ok", NoAudioStream),
    "single_frame.mp4": ("ok", "ok", NoAudioStream),
    "rotated_phone.mp4": ("ok", "ok", NoAudioStream),
    "vfr.mp4": ("ok", "ok", NoAudioStream),
    "uhd_4k.mp4": ("ok", "ok", NoAudioStream),
    "my clip ünïcode 直播 片段.mp4": ("ok", "ok", "ok"),
    "megamind_bugy.avi": ("ok", "ok", NoAudioStream),
    "folder.mp4": (VideoOpenError, VideoOpenError, VideoOpenError),
}


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"


def test_bad_input_corpus(bad_corpus, capsys):
    """Every corpus file: a valid result or the named error, never another exception; bytes unchanged."""
    assert set(bad_corpus) == set(EXPECTED), "corpus and expectations disagree"
    report = []
    for name, path in bad_corpus.items():
        before = _digest(path)
        outcomes = []
        for op, expected in zip((probe, lambda p: list(frames(p, fps=2, size=128)), audio), EXPECTED[name], strict=True):
            try:
                result = op(path)
                got = "ok"
                if isinstance(result, list):
                    assert result, f"{name}: frames() returned nothing"
            except MediaError as exc:
                got = type(exc)
                assert str(path.name) in str(exc) or name == "folder.mp4", f"message must name the file: {exc}"
            assert got == expected, f"{name}: expected {expected}, got {got}"
            outcomes.append(got if got == "ok" else got.__name__)
        assert _digest(path) == before, f"{name} was modified"
        report.append(f"{name:34} probe={outcomes[0]:15} frames={outcomes[1]:15} audio={outcomes[2]}")
    with capsys.disabled():
        print("\nbad-input corpus:\n  " + "\n  ".join(report))


def test_rotated_phone_video_comes_out_upright(bad_corpus):
    path = bad_corpus["rotated_phone.mp4"]
    info = probe(path)
    assert (info.video.width, info.video.height, info.video.rotation) == (360, 640, 90)
    f = next(frames(path, fps=1, size=None))
    assert f.image.shape == (640, 360, 3)
    f = next(frames(path, fps=1, size=180))
    assert f.image.shape == (320, 180, 3)


def test_variable_frame_rate_is_detected(bad_corpus, synthetic):
    assert probe(bad_corpus["vfr.mp4"]).video.vfr
    assert not probe(synthetic["testsrc"]).video.vfr
    # every decoded frame keeps its real timestamp: 20 frames at 10 fps, then 60 at 30 fps
    ts = [f.t for f in frames(bad_corpus["vfr.mp4"], fps=None, size=64)]
    gaps = np.diff(ts)
    assert np.isclose(gaps[:10], 0.1, atol=0.01).all() and np.isclose(gaps[-10:], 1 / 30, atol=0.01).all()


def test_4k_is_downscaled_while_streaming(bad_corpus):
    f = next(frames(bad_corpus["uhd_4k.mp4"], fps=2, size=384))
    assert f.image.shape == (384, 682, 3) and f.image.dtype == np.uint8


def test_probe_real_videos():
    vids = real_videos()
    mm = probe(vids["megamind"])
    assert mm.video.width == 720 and mm.video.height == 528 and mm.has_audio
    assert abs(mm.duration - 11.26) < 0.05 and abs(mm.video.fps - 23.976) < 0.01
    assert probe(vids["vtest"]).video.codec == "msmpeg4"
    assert probe(vids["bikes"]).video.width == 640


def test_frames_sampling_rate_and_range():
    path = real_videos()["megamind"]
    got = list(frames(path, fps=2, size=240))
    assert 21 <= len(got) <= 24
    ts = np.array([f.t for f in got])
    assert np.all(np.diff(ts) > 0.4) and np.all(np.diff(ts) < 0.6)
    assert got[0].image.shape[0] == 240
    part = list(frames(path, fps=None, size=None, start=3.0, end=4.0))
    assert abs(part[0].t - 3.0) < 0.05 and part[-1].t <= 4.0 + 1e-6
    assert 23 <= len(part) <= 25  # 23.976 fps


def test_frames_after_seek_match_frames_without_seek(synthetic):
    path = synthetic["colour_cuts"]
    full = {round(f.t, 2): f.image for f in frames(path, fps=None, size=None)}
    seeked = list(frames(path, fps=None, size=None, start=4.5, end=5.0))
    for f in seeked:
        assert np.array_equal(f.image, full[round(f.t, 2)])
    assert seeked[0].image[..., 1].mean() > 100 and seeked[0].image[..., 0].mean() < 50  # green segment


def test_audio_is_mono_16k_and_chunks_add_up():
    clip = librivox_clips()[0]
    whole = audio(clip.path)
    assert whole.dtype == np.float32 and whole.ndim == 1
    assert abs(len(whole) / 16000 - 7.1) < 0.05
    chunks = list(audio_chunks(clip.path, chunk_seconds=2.0))
    assert [round(t, 2) for t, _ in chunks] == [0.0, 2.0, 4.0, 6.0]
    assert np.array_equal(np.concatenate([c for _, c in chunks]), whole)
    part = audio(clip.path, start=1.0, end=3.5)
    assert abs(len(part) / 16000 - 2.5) < 0.01
    assert np.allclose(part, whole[16000:16000 + len(part)], atol=1e-6)


def test_audio_resamples_48k_stereo(synthetic):
    pcm = audio(synthetic["testsrc"], sr=16000)
    assert abs(len(pcm) / 16000 - 6.0) < 0.1
    spectrum = np.abs(np.fft.rfft(pcm[:16000]))
    assert abs(np.argmax(spectrum) - 660) <= 2  # the 660 Hz tone survives resampling


def test_cut_is_precise_and_leaves_input_alone(synthetic, tmp_path):
    src = synthetic["colour_cuts"]
    before = _digest(src)
    out = cut(src, 1.5, 4.5, tmp_path / "cut.mp4")
    info = probe(out)
    assert abs(info.duration - 3.0) < 0.1 and info.has_audio
    imgs = [f for f in frames(out, fps=None, size=None)]
    assert imgs[0].image[..., 0].mean() > 150  # starts in the red part
    assert imgs[len(imgs) // 2].image[..., 2].mean() > 150  # blue in the middle
    assert _digest(src) == before
    with pytest.raises(MediaError, match="refusing to overwrite"):
        cut(src, 0, 1, src)
    with pytest.raises(ValueError, match="past the end"):
        cut(src, 30, 31, tmp_path / "late.mp4")
    assert not list(tmp_path.glob(".*"))  # no temp file left behind
