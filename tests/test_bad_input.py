"""Bad input cannot break a render (issue 22, point 7).

Stickers, titles and subtitles with ffmpeg / ASS syntax in them render as written; a fact sheet
with an unknown key or of unbounded size is a one-line error; eval cache paths stay inside
``--out``; text for the TTS engines may start with ``-``; two renders into one folder never
share a temporary file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from tools.core.errors import FactsError
from tools.core.schema import MAX_FACTS_FILE_BYTES, MAX_PHRASE_CHARS, MAX_PHRASES, ProductFacts, load_facts
from tools.production.timeline import Crop, Cue, Item, Timeline, write_ass, write_srt

ROOT = Path(__file__).resolve().parent.parent

HOSTILE = [
    "50% off {today} only!",
    r"C:\new\Nothing\here \h \{x\}",
    "{\\b1}bold?{\\fs80} not",
    "say \"hi\" and 'bye': 10:30",
    "emoji 😀🔥 and 中文：满300减50",
    "%{pts} %{eif:n:d} %%",
    "two\nlines",
    "trailing backslash \\",
    "}{ stray { brace",
]


# ------------------------------------------------------------------ helpers


def _libass_reads(text: str) -> tuple[str, int]:
    """The characters libass draws for an ASS event's Text field (WrapStyle 0) and how many
    override blocks it executes: ``{...}`` up to the next ``}`` is a block; ``\\N`` a line break,
    ``\\n`` a space, ``\\h`` a hard space, ``\\{`` / ``\\}`` literal braces; anything else as is
    (ass_render.c: parse_events / ass_get_next_char). Zero-width word joiners are invisible."""
    out, blocks, i = [], 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "{" and "}" in text[i:]:
            i = text.index("}", i) + 1
            blocks += 1
            continue
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "Nnh{}":
            out.append({"N": "\n", "n": " ", "h": "\xa0"}.get(text[i + 1], text[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out).replace("\u2060", ""), blocks


def _dialogues(ass: str) -> list[tuple[str, str]]:
    """(style, Text field) of each Dialogue line."""
    rows = []
    for line in ass.splitlines():
        if line.startswith("Dialogue:"):
            fields = line[len("Dialogue:"):].split(",", 9)
            rows.append((fields[3], fields[9]))
    return rows


def _make_source(path: Path, seconds: float = 2.0, colour: str = "black") -> Path:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c={colour}:s=320x240:r=25:d={seconds}", "-f", "lavfi", "-i",
                    f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return _make_source(tmp_path_factory.mktemp("src") / "live.mp4")


def _timeline(src: Path, sticker: str = "", cues: list[Cue] | None = None, title: str = "") -> Timeline:
    item = Item(1, str(src), 0.0, 0.0, 1.5, [Crop(0.0, 0.5, 0.5)], ["price"], speech_end=1.5)
    return Timeline(360, 640, 25, 1.5, [item], cues or [], source_size=(320, 240), source_duration=2.0,
                    sticker=sticker, sticker_from=0.0, title=title)


def _frame(video: Path, at: float | None, size: tuple[int, int]) -> np.ndarray:
    """The frame at ``at`` seconds (None: the first, e.g. of an image) as RGB."""
    seek = [] if at is None else ["-ss", f"{at}"]
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", *seek, "-i", str(video),
                          "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True,
                         check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(size[1], size[0], 3)


def _drawtext_options(graph: str) -> list[dict[str, str]]:
    """The options of each drawtext filter of a filtergraph (values unescaped at both levels)."""
    found = []
    for m in re.finditer(r"drawtext=((?:\\.|'[^']*'|[^,;\[\]])*)", graph):
        level1 = re.sub(r"\\(.)", r"\1", m.group(1).replace("'", ""))  # graph level (no quotes are used)
        opts = {}
        for part in re.split(r"(?<!\\):", level1):
            key, _, value = part.partition("=")
            opts[key] = re.sub(r"\\(.)", r"\1", value)
        found.append(opts)
    return found


# ------------------------------------------------------------------ 1. text renders as written


@pytest.mark.parametrize("text", HOSTILE)
def test_ass_text_reads_back_as_written(tmp_path, text):
    ass = write_ass([Cue(0.0, 1.0, text)], tmp_path / "ad.ass", 360, 640, title=text, title_until=1.0).read_text(
        encoding="utf-8")
    (title_style, title), (sub_style, sub) = _dialogues(ass)
    assert (title_style, sub_style) == ("Title", "Sub")
    assert _libass_reads(sub) == (text, 0)
    assert _libass_reads(title) == (text, 1)  # the title's own fade, nothing from the text


def test_libass_draws_escaped_text_on_one_line_at_full_width(tmp_path):
    """The ASS file as libass draws it: a literal ``\\N`` stays on one line, ``{\\fs5}`` is text."""

    def ink(text: str) -> tuple[int, int]:
        ass = write_ass([Cue(0.0, 2.0, text)], tmp_path / "t.ass", 640, 360)
        raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                              "color=black:s=640x360:d=1", "-vf", f"subtitles=filename={ass.name}", "-frames:v", "1",
                              "-f", "rawvideo", "-pix_fmt", "gray", "-"], cwd=tmp_path, capture_output=True,
                             check=True).stdout
        ys, xs = np.nonzero(np.frombuffer(raw, np.uint8).reshape(360, 640) > 128)
        return int(xs.max() - xs.min()), int(ys.max() - ys.min())

    plain_w, plain_h = ink("ab")
    w, h = ink(r"a\Nb")
    assert h < 1.5 * plain_h and w > 1.5 * plain_w  # one line, four characters
    w, h = ink(r"a{\fs5}b")
    assert h < 1.5 * plain_h and w > 3 * plain_w  # the tag is drawn, not executed


def test_srt_keeps_one_block_per_cue(tmp_path):
    cues = [Cue(0.0, 1.0, "first\n\nstill first\r\n"), Cue(1.0, 2.0, "  "), Cue(2.0, 3.0, "{\\an8}50% <b>off</b>")]
    blocks = write_srt(cues, tmp_path / "ad.srt").read_text(encoding="utf-8").strip().split("\n\n")
    parsed = [b.split("\n") for b in blocks]
    assert [p[0] for p in parsed] == ["1", "2"]  # the blank cue is left out, numbering stays whole
    assert parsed[0][2:] == ["first", "still first"]
    assert parsed[1][2:] == ["{\\an8}50% <b>off</b>"]


def test_a_render_with_hostile_sticker_title_and_subtitles(source, tmp_path, monkeypatch):
    import tools.production.render as render_mod

    sticker = "50% off {today}: \"$9.90\" \\ 'now' 😀 %{pts}"
    cues = [Cue(0.0, 0.7, HOSTILE[1]), Cue(0.7, 1.5, HOSTILE[2])]
    tl = _timeline(source, sticker, cues, title=HOSTILE[0])
    ass = write_ass(tl.cues, tmp_path / "it's: [a], b;.ass", tl.width, tl.height, title=tl.title, title_until=1.5)
    seen: dict[str, object] = {}
    real_run = subprocess.run

    def spy(cmd, *args, **kwargs):
        if "-filter_complex" in cmd:
            graph = cmd[cmd.index("-filter_complex") + 1]
            seen["drawtext"] = opts = _drawtext_options(graph)
            seen["sticker"] = (Path(kwargs.get("cwd") or ".") / opts[0]["textfile"]).read_text(encoding="utf-8")
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(render_mod.subprocess, "run", spy)
    out = render_mod.render(tl, tmp_path / "ad.mp4", ass)
    assert out.exists() and out.stat().st_size > 1000
    (opts,) = seen["drawtext"]
    assert opts["expansion"] == "none"
    assert " ".join(seen["sticker"].split()) == " ".join(sticker.split())  # wrapped, every character kept
    frame = _frame(out, 0.8, (tl.width, tl.height)).astype(int)
    band = frame[int(0.25 * tl.height):int(0.5 * tl.height)]
    red = (band[..., 0] > 150) & (band[..., 1] < 110) & (band[..., 2] < 110)
    white = (band > 200).all(axis=-1)
    assert red.sum() > 2000 and white.sum() > 100  # the sticker's box, with letters on it
    for style, text in _dialogues(ass.read_text(encoding="utf-8")):
        assert _libass_reads(text)[0] in (HOSTILE[0], HOSTILE[1], HOSTILE[2]), style


def test_cover_title_with_hostile_text(source, tmp_path):
    from tools.production.render import cover

    tl = _timeline(source)
    out = cover(str(source), 0.5, tl, tmp_path / "cover.jpg", title="100% {real}: \\ 'yes' \"no\" 😀")
    frame = _frame(out, None, (tl.width, tl.height))
    assert (frame[int(0.7 * tl.height):] > 200).all(axis=-1).sum() > 100  # the title's letters
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cover.jpg"]  # no temporary left behind


# ------------------------------------------------------------------ 2. fact sheets


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_an_unknown_key_is_named_with_what_was_expected(tmp_path):
    path = _write(tmp_path / "facts.json", {"product": "Aurora", "fatcs": {"price": ["$24.90"]}})
    with pytest.raises(FactsError) as info:
        load_facts(path)
    text = _one_line(info)
    assert "facts.json" in text and '"fatcs"' in text and 'did you mean "facts"' in text
    assert '"product"' in text and '"facts"' in text
    listed = _write(tmp_path / "two.json", [{"product": "A", "facts": {}}, {"product": "B", "colour": "red"}])
    with pytest.raises(FactsError, match=r'sheet 2: unknown key "colour"'):
        load_facts(listed)


@pytest.mark.parametrize("facts, message", [
    ({"price": ["x" * (MAX_PHRASE_CHARS + 1)]}, f"at most {MAX_PHRASE_CHARS} characters"),
    ({f"f{i}": [f"phrase {i}"] for i in range(MAX_PHRASES + 1)}, f"at most {MAX_PHRASES} phrases"),
    ({"price": [f"phrase {i}" for i in range(MAX_PHRASES + 1)]}, f"at most {MAX_PHRASES} phrases"),
])
def test_fact_sheet_sizes_are_bounded(tmp_path, facts, message):
    with pytest.raises(FactsError, match=message) as info:
        load_facts(_write(tmp_path / "facts.json", {"product": "Aurora", "facts": facts}))
    assert "facts.json" in _one_line(info)
    with pytest.raises(ValueError, match=message):  # the model itself, not only the file reader
        ProductFacts(product="Aurora", facts=facts)


def test_a_fact_sheet_file_is_bounded(tmp_path):
    path = tmp_path / "facts.json"
    path.write_bytes(b" " * (MAX_FACTS_FILE_BYTES + 1))
    with pytest.raises(FactsError, match="larger than") as info:
        load_facts(path)
    _one_line(info)
    empty = tmp_path / "empty.json"
    empty.write_text("\n")
    with pytest.raises(FactsError, match="no fact sheet"):
        load_facts(empty)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FactsError, match="not JSON") as info:
        load_facts(deep)
    _one_line(info)


def test_the_shipped_sheets_and_the_benchmark_records_still_load(tmp_path):
    demo = json.loads((ROOT / "evals" / "data" / "demo_stream.json").read_text(encoding="utf-8"))
    for k, product in enumerate(demo["products"], 1):  # what `python -m evals.build --copy-demo` writes
        assert load_facts(_write(tmp_path / f"facts_{k}.json", product)).product == product["product"]
    sheets = json.loads((ROOT / "evals" / "data" / "guard_sheets.json").read_text(encoding="utf-8"))
    for name, sheet in sheets.items():
        if isinstance(sheet, dict):
            assert load_facts(_write(tmp_path / "sheet.json", sheet)).product, name
    from evals.datasets import esync_dir

    dev = esync_dir() / "dev.jsonl"
    if not dev.exists():
        pytest.skip(f"no E-SyncVidStory dev split at {dev}")
    records = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    for rec in records:
        assert ProductFacts.model_validate(rec).facts == rec["facts"]
    assert len(load_facts(dev)) == len(records)  # the whole split is a valid fact-sheet file too


def test_the_cli_prints_a_bad_sheet_as_one_red_line(tmp_path, capsys):
    from cli import main

    bad = _write(tmp_path / "bad.json", {"product": "Aurora", "fatcs": {"price": ["$24.90"]}})
    assert main(["make", "--stream", str(tmp_path / "x.mp4"), "--facts", str(bad), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error:") and '"fatcs"' in err


# ------------------------------------------------------------------ 3. eval cache paths


@pytest.mark.parametrize("record_id", ["../../../../../../etc/x", "/abs/x", "a/../../b", "..", ".hidden",
                                       "..\\..\\x", "id\x00nul", "x" * 300, 12345])
def test_eval_cache_paths_stay_inside_out(tmp_path, record_id):
    from evals.narration import _cache_path

    out = tmp_path / "out"
    for model in ("qwen2.5-coder-0.5b-instruct", "..", "../../m", "/abs"):
        path = _cache_path(out, model, {"id": record_id, "product": "x"}, "given", narrator="0123456789ab")
        assert path.resolve().is_relative_to((out / "cache").resolve()), (model, path)
        assert path.parent.parent.parent == out / "cache" and len(path.name) < 200
    plain = _cache_path(out, "m", {"id": "46f76d54583d2362c5ab03ffd741e3c6"}, "given", narrator="n")
    assert plain.name == "46f76d54583d2362c5ab03ffd741e3c6-given.json"  # plain ids keep their readable name
    a, b = (_cache_path(out, "m", {"id": i}, "given", narrator="n") for i in ("a/b", "a_b"))
    assert a != b  # sanitising never merges two ids


# ------------------------------------------------------------------ 4. TTS text starting with "-"


@pytest.mark.parametrize("voice", ["espeak-ng", "flite", "piper-joe"])
@pytest.mark.parametrize("text", ["-5 dollars off", "--help me", "-h"])
def test_speech_may_start_with_a_dash(tmp_path, voice, text):
    from tools.production.voice import available_voices, synthesize

    if voice not in available_voices():
        pytest.skip(f"{voice} is not installed")
    speech = synthesize(text, voice, reproducible=True)
    wav = speech.write_wav(tmp_path / "line.wav")
    assert wav.stat().st_size > 44 and speech.duration > 0.3
    assert float(np.sqrt(np.mean(speech.samples ** 2))) > 0.01  # speech, not silence


# ------------------------------------------------------------------ 5. no shared temporary names


def test_two_renders_into_one_folder_use_their_own_temporary_files(source, tmp_path, monkeypatch):
    import tools.production.render as render_mod

    names: list[list[str]] = []

    def fake_run(cmd, *args, cwd=None, **kwargs):  # ffmpeg's outputs and text files, no encoding
        graph = cmd[cmd.index("-filter_complex") + 1]
        used = [cmd[-1], *(o["textfile"] for o in _drawtext_options(graph))]
        names.append(used)
        (Path(cwd) / cmd[-1]).write_bytes(b"video")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(render_mod.subprocess, "run", fake_run)
    monkeypatch.setattr(render_mod, "_fix_loudness", lambda path: -14.0)
    tl = _timeline(source, sticker="50% off")
    for _ in range(2):
        render_mod.render(tl, tmp_path / "ad.mp4")
    first, second = names
    assert not set(first) & set(second) and "ad.mp4" not in first + second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ad.mp4"]


def test_concurrent_renders_into_one_folder_both_finish_whole(source, tmp_path):
    from tools.core.media import probe
    from tools.production.render import render

    tl = _timeline(source, sticker="50% off", cues=[Cue(0.0, 1.5, "hello")])
    ass = write_ass(tl.cues, tmp_path / "ad.ass", tl.width, tl.height)
    errors: list[BaseException] = []

    def one() -> None:
        try:
            render(tl, tmp_path / "ad.mp4", ass, threads=1)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert probe(tmp_path / "ad.mp4").duration == pytest.approx(1.5, abs=0.1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ad.ass", "ad.mp4"]


def test_text_outputs_are_written_through_unique_temporary_files(tmp_path, monkeypatch):
    from tools.production.make import _write_plan
    from tools.production.voice import Speech

    moves: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src, dst):
        moves.append((Path(src).name, Path(dst).name))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    speech = Speech(np.zeros(1600, np.float32), 16000, "test")
    for _ in range(2):
        write_ass([Cue(0, 1, "a")], tmp_path / "ad.ass", 360, 640)
        write_srt([Cue(0, 1, "a")], tmp_path / "ad.srt")
        speech.write_wav(tmp_path / "slot01.wav")
        _write_plan({"chosen": 0}, tmp_path)
    finals = {"ad.ass", "ad.srt", "slot01.wav", "plan.json"}
    assert {dst for _, dst in moves} == finals and len(moves) == 8
    temps = [src for src, _ in moves]
    assert len(set(temps)) == len(temps) and not set(temps) & finals
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(finals)
