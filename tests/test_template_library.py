"""The template library (names, paths, bad files) and the extraction's pieces on made-up signals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli import main
from evals.music import music_bed
from tools.core.errors import ReelwrightError, TemplateError
from tools.template import audio as audio_mod
from tools.template import overlays as ov
from tools.template import visual
from tools.template.library import BUILTIN_DIR, list_templates, load_template, save_template
from tools.template.model import Audio, Slot, Source, Template


def _template(name: str = "mine") -> Template:
    return Template(name=name, source=Source(path="x.mp4", duration=4.0, width=360, height=640, aspect="9:16", fps=25),
                    slots=[Slot(index=0, start=0.0, duration=2.0, scale="close-up", motion="static",
                                transition_in="cut"),
                           Slot(index=1, start=2.0, duration=2.0, scale="wide", motion="pan",
                                transition_in="dissolve", transition_seconds=0.5)],
                    audio=Audio(music=False, voice="none"))


def test_save_load_list_and_the_user_shadows_a_builtin(tmp_settings):
    path = save_template(_template(), tmp_settings)
    assert path == tmp_settings.home / "library" / "templates" / "mine.json"
    assert load_template("mine", tmp_settings) == _template()
    assert load_template(str(path), tmp_settings).name == "mine"  # a path works too
    names = {i.name: i for i in list_templates(tmp_settings)}
    assert not names["mine"].builtin and names["mine"].slots == 2 and names["mine"].aspect == "9:16"
    builtins = sorted(p.stem for p in BUILTIN_DIR.glob("*.json"))
    assert len(builtins) >= 3 and all(names[b].builtin for b in builtins)
    save_template(_template(builtins[0]), tmp_settings)
    assert load_template(builtins[0], tmp_settings).slots[1].motion == "pan"  # the user's, not the built-in


def test_builtins_are_valid_templates_made_from_the_generated_references(tmp_settings):
    for p in BUILTIN_DIR.glob("*.json"):
        t = load_template(str(p), tmp_settings)
        assert t.name == p.stem and t.description and len(t.slots) >= 3
        assert abs(t.duration - t.source.duration) < 0.05


def test_unknown_name_lists_the_templates_there_are(tmp_settings):
    with pytest.raises(TemplateError, match=r"unknown template 'nope'; available: .*hook_first_15"):
        load_template("nope", tmp_settings)


@pytest.mark.parametrize("content, message", [("{not json", "not a template file"),
                                              ('{"name": "x"}', "not a template file"),
                                              ("\xff\xfe", "not a template file")])
def test_malformed_template_files_are_one_line_errors(tmp_path, tmp_settings, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="latin-1")
    with pytest.raises(TemplateError, match=message):
        load_template(str(bad), tmp_settings)
    with pytest.raises(TemplateError, match="no such template file"):
        load_template(str(tmp_path / "missing.json"), tmp_settings)


def test_bad_names_are_refused_before_any_work(tmp_settings):
    for name in ("../escape", "", "a b", "x" * 65):
        with pytest.raises(TemplateError, match="template name"):
            save_template(_template().model_copy(update={"name": name}), tmp_settings)


def test_cli_errors_are_one_line(tmp_path, capsys):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 10)
    for argv in (["template", "show", "nope"], ["template", "extract", str(tmp_path / "missing.mp4")],
                 ["template", "extract", str(text)], ["template", "extract", str(text), "--name", "../x"]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and "Traceback" not in err and len(err.splitlines()) <= 2, err
    assert text.read_text() == "not a video\n" * 10  # never touched


def test_cli_list_and_show(capsys):
    assert main(["template", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"hook_first_15", "closeup_30", "promo_countdown_15"} <= {r["name"] for r in rows}
    assert main(["template", "show", "hook_first_15"]) == 0
    out = capsys.readouterr().out
    assert "storyline:" in out and "bpm" in out
    assert main(["template", "show", "hook_first_15", "--json"]) == 0
    assert Template.model_validate_json(capsys.readouterr().out).name == "hook_first_15"


# ------------------------------------------------------------------ pieces on made-up signals


def test_music_tempo_beats_and_cuts_on_beat(tmp_path):
    for bpm in (96.0, 128.0):
        bed = music_bed(tmp_path / "bed.wav", seconds=12, bpm=bpm)
        got = audio_mod.read_beats(bed, [], 12.0)
        assert got.music and abs(got.tempo - bpm) / bpm < 0.02, got
        period = 60 / bpm
        assert all(min(abs(b - k * period) for k in range(40)) < 0.05 for b in got.beats)
    assert audio_mod.cuts_on_beat([1.0, 2.02, 2.7], [0.0, 0.5, 1.0, 1.5, 2.0, 2.5], 120.0) == pytest.approx(2 / 3,
                                                                                                           abs=1e-3)
    assert audio_mod.cuts_on_beat([1.0], [], None) is None


def test_silence_and_noise_are_not_music(tmp_path):
    import wave

    rng = np.random.default_rng(0)
    for name, x in (("silence", np.zeros(22050 * 8)), ("noise", rng.normal(0, 0.1, 22050 * 8))):
        p = tmp_path / f"{name}.wav"
        with wave.open(str(p), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(22050)
            w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
        assert not audio_mod.read_beats(p, [], 8.0).music


def test_speaking_rate_counts_words_or_characters():
    words = [("hello", 0.0, 0.4), ("there", 0.4, 0.8), ("friend", 0.8, 1.0), ("again", 3.0, 3.5)]
    assert audio_mod.speaking_rate(words, "en") == pytest.approx(4 / 1.5, rel=1e-3)
    assert audio_mod.speaking_rate([("买二送一", 0.0, 1.0)], "zh") == pytest.approx(4.0)
    assert audio_mod.speaking_rate([], "en") is None


def _texture(h: int = 144, w: int = 256, seed: int = 0) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.uniform(0, 255, (h * 2, w * 2)).astype(np.float32), (0, 0), 3).astype(np.uint8)


def _frames(imgs: list[np.ndarray], fps: float = 25.0) -> visual.Frames:
    return visual.Frames(np.arange(len(imgs)) / fps, imgs, fps)


def _camera(big: np.ndarray, n: int, kind: str) -> list[np.ndarray]:
    """A 256x144 window over ``big`` (512x288) moving as ``kind`` says, ``n`` frames."""
    import cv2

    out = []
    for k in range(n):
        u = k / n
        s = 1.0 + (0.3 * u if kind == "zoom" else 0.0)
        cx = 256 + (60 * u if kind == "pan" else 0.0)
        cy = 144 + (30 * u if kind == "tilt" else 0.0)
        out.append(cv2.warpAffine(big, np.float32([[s, 0, -s * cx + 128], [0, s, -s * cy + 72]]), (256, 144)))
    return out


@pytest.mark.parametrize("kind", ["static", "pan", "tilt", "zoom"])
def test_camera_motion_from_tracked_corners(kind):
    fr = _frames(_camera(_texture(), 50, kind))
    got, rates = visual.camera_motion(fr, 0.0, 1.9)
    assert got == kind, rates


def test_boundaries_are_refined_to_the_frame_and_named():
    a, b = _texture(seed=1)[:144, :256], _texture(seed=2)[:144, :256]
    cut = _frames([a] * 30 + [b] * 30)
    c = visual.refine_boundary(cut, 1.3, "cut")  # the detector's time is late: reference frames only
    assert c.kind == "cut" and c.t == pytest.approx(1.2)
    mix = [a] * 30 + [((1 - (k + 0.5) / 20) * a + (k + 0.5) / 20 * b).astype(np.uint8) for k in range(20)] + [b] * 30
    d = visual.refine_boundary(_frames(mix), 2.0, "dissolve")
    assert d.kind == "dissolve" and abs(d.t - 1.6) <= 0.08 and abs(d.seconds - 0.8) <= 0.2
    fade = [a] * 30 + [(a * max(0.0, 1 - 2 * (k + 0.5) / 20) + b * max(0.0, 2 * (k + 0.5) / 20 - 1)).astype(np.uint8)
                       for k in range(20)] + [b] * 30
    f = visual.refine_boundary(_frames(fade), 1.6, "cut")
    assert f.kind == "fade" and abs(f.t - 1.6) <= 0.08
    push = [a] * 30 + [np.concatenate([a[:, d:], b[:, :d]], axis=1) for d in range(25, 256, 25)] + [b] * 30
    s = visual.refine_boundary(_frames(push), 1.4, "dissolve")
    assert s.kind == "slide" and abs(s.seconds - 0.4) <= 0.12


def test_roles_from_the_text():
    assert ov.role_of("$39", 0.05, 12, 15) == "price"
    assert ov.role_of("到手价¥99", 0.05, 12, 15) == "price"
    assert ov.role_of("ORDER NOW", 0.04, 13, 15) == "call_to_action"
    assert ov.role_of("立即下单", 0.04, 13, 15) == "call_to_action"
    assert ov.role_of("全场5折", 0.08, 3, 15) == "promotion"
    assert ov.role_of("50% OFF", 0.08, 3, 15) == "promotion"
    assert ov.role_of("LUMEN LAMP", 0.06, 0.0, 15) == "title"
    assert ov.role_of("LUMEN LAMP", 0.02, 0.0, 15) == "other"
    assert ov.sample_times([(0.0, 2.0), (2.0, 12.0)]) == pytest.approx([1.0, 2 + 10 / 6, 7.0, 12 - 10 / 6])


def test_reelwright_error_is_the_base():
    assert issubclass(TemplateError, ReelwrightError)
