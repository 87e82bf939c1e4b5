"""check_attachment: a video or a fact sheet, told apart by content, refused with one line naming the file."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from agent.attachments import Attachment, check_attachment, parse_size
from tools.core.errors import UploadError, UsageError

SHEET = {"product": "Aurora Espresso Blend", "facts": {"price": ["$18 for 500 g"], "origin": ["Colombia"]}}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 1 s video with sound (tiny, made here)."""
    out = tmp_path_factory.mktemp("media") / "clip.mp4"
    subprocess.run([shutil.which("ffmpeg") or "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=160x120:r=10:d=1", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(out)], check=True)
    return out


def test_upload_error_is_a_usage_error():
    assert issubclass(UploadError, UsageError)


def test_a_fact_sheet_is_facts(tmp_path):
    p = tmp_path / "sheet.json"
    p.write_text(json.dumps(SHEET), encoding="utf-8")
    got = check_attachment(p)
    assert got == Attachment(p.resolve(), "facts", got.detail)
    assert "Aurora Espresso Blend" in got.detail and "2 phrases" in got.detail


def test_a_fact_sheet_without_json_suffix_is_facts(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("\ufeff  " + json.dumps([SHEET, {**SHEET, "product": "Second"}]), encoding="utf-8")
    got = check_attachment(p)
    assert got.kind == "facts" and "Second" in got.detail


def test_a_video_is_video(clip):
    got = check_attachment(clip)
    assert got.kind == "video" and got.path == clip.resolve()
    assert "160x120" in got.detail and "with audio" in got.detail


def test_a_video_called_json_is_video(clip, tmp_path):
    p = tmp_path / "facts.json"
    shutil.copy(clip, p)
    assert check_attachment(p).kind == "video"


def test_a_text_file_called_mp4_is_refused(tmp_path):
    p = tmp_path / "live.mp4"
    p.write_text("this is a shopping list, not a video\n" * 20)
    with pytest.raises(UploadError) as err:
        check_attachment(p)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("live.mp4:") and "neither a video nor a fact sheet" in msg


def test_broken_json_is_refused(tmp_path):
    p = tmp_path / "facts.json"
    p.write_text('{"product": "Aurora", "facts": {"price": ["$18"', encoding="utf-8")
    with pytest.raises(UploadError) as err:
        check_attachment(p)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("facts.json:") and "not JSON" in msg


def test_json_of_another_shape_is_refused(tmp_path):
    p = tmp_path / "facts.json"
    p.write_text(json.dumps({"name": "Aurora", "facts": {}}), encoding="utf-8")
    with pytest.raises(UploadError, match=r"facts\.json: not a usable fact sheet: .*name"):
        check_attachment(p)


def test_oversize_is_refused_before_reading(tmp_path, clip):
    with pytest.raises(UploadError, match=r"clip\.mp4: .* larger than the 100 bytes"):
        check_attachment(clip, max_bytes=100)


def test_empty_missing_and_folder_are_refused(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(UploadError, match="empty"):
        check_attachment(tmp_path / "empty.mp4")
    with pytest.raises(UploadError, match="cannot be read"):
        check_attachment(tmp_path / "missing.mp4")
    with pytest.raises(UploadError, match="folder"):
        check_attachment(tmp_path)


def test_audio_only_is_refused(tmp_path):
    p = tmp_path / "talk.m4a"
    subprocess.run([shutil.which("ffmpeg") or "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=300:duration=1", "-c:a", "aac", str(p)], check=True)
    with pytest.raises(UploadError, match="no video stream"):
        check_attachment(p)


@pytest.mark.parametrize(("text", "value"), [("4G", 4 * 2**30), ("500M", 500 * 2**20), ("750k", 750 * 2**10),
                                             ("1.5GB", int(1.5 * 2**30)), ("1024", 1024), ("2GiB", 2 * 2**30)])
def test_parse_size(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize("text", ["", "lots", "-1M", "0"])
def test_parse_size_refuses(text):
    with pytest.raises(UsageError):
        parse_size(text)
