"""ASR: sentence splitting, name respelling, windowing (unit) and real whisper-base WER on LibriVox."""

from __future__ import annotations

import numpy as np
import pytest

from tools.analysis.asr import SR, AsrOptions, _windows, correct_names, split_sentences, transcribe, wer
from tools.core.schema import Word


def words(spec: str, start: float = 0.0, step: float = 0.4, gap_after: dict[int, float] | None = None) -> list[Word]:
    out, t = [], start
    for i, w in enumerate(spec.split("|")):
        out.append(Word(start=round(t, 3), end=round(t + step * 0.8, 3), text=w))
        t += step + (gap_after or {}).get(i, 0.0)
    return out


def test_english_sentences_split_at_punctuation_and_pauses():
    ws = words(" Hello| everyone.| This| is| 3.|5| percent| better?| no| stop| here| and| go| on", gap_after={10: 1.5})
    got = [s.text for s in split_sentences(ws, "en")]
    assert got == ["Hello everyone.", "This is 3.5 percent better?", "no stop here", "and go on"]
    assert all(s.words and s.start == s.words[0].start for s in split_sentences(ws, "en"))


def test_chinese_without_punctuation_splits_at_pauses_and_length():
    ws = words("|".join("这款精华液真的很好用") + "|" + "|".join("今天下单还送小样"), step=0.2, gap_after={9: 1.0})
    got = [s.text for s in split_sentences(ws, "zh")]
    assert got == ["这款精华液真的很好用", "今天下单还送小样"]
    long = words("|".join("一二三四五六七八九十") * 6, step=0.2)
    parts = split_sentences(long, "zh", max_units=25)
    assert all(len(s.text) <= 25 for s in parts) and "".join(s.text for s in parts) == "一二三四五六七八九十" * 6


def test_misheard_product_names_are_respelled_and_exact_ones_kept():
    names = ["Deep Field Space Poster Set", "Deep Field posters", "Aurora Espresso Blend", "Aurora espresso"]
    ws = words(" add| the| deep| fill| poster| set| before| the| Aurora| Espresso| Blend| sells| out.")
    fixed = correct_names(ws, names)
    text = "".join(w.text for w in fixed)
    assert text == " add the Deep Field Space Poster Set before the Aurora Espresso Blend sells out."
    merged = next(w for w in fixed if "Deep Field" in w.text)
    assert merged.start == ws[2].start and merged.end == ws[5].end  # times of the words it replaced
    assert correct_names(words(" the| weather| is| fine"), names) == words(" the| weather| is| fine")


def test_a_proper_name_heard_in_another_case_is_written_as_the_seller_writes_it():
    words = [Word(start=i, end=i + 0.5, text=t) for i, t in
             enumerate([" the", " Deep", " Field", " Space", " Poster", " set.", " The", " espresso", " blend"])]
    got = correct_names(words, ["Deep Field Space Poster Set", "the espresso blend"])
    assert "".join(w.text for w in got) == " the Deep Field Space Poster Set. The espresso blend"
    assert [(w.start, w.end) for w in got] == [(w.start, w.end) for w in words]  # same words, same times


def test_windows_cut_in_silence_and_keep_every_sample():
    rng = np.random.default_rng(0)
    speech = (rng.standard_normal(SR * 50) * 0.3).astype(np.float32)
    speech[SR * 37: SR * 38] = 0.0  # one quiet second inside the search zone of the first window
    chunks = [(i / SR, speech[i:i + SR * 10]) for i in range(0, len(speech), SR * 10)]
    got = list(_windows(chunks, window=40.0))
    assert sum(len(a) for _, a in got) == len(speech)
    first_start, first = got[0]
    assert first_start == 0.0 and 37.0 <= len(first) / SR <= 38.0
    assert got[1][0] == pytest.approx(len(first) / SR)


def test_wer_counts_edits_and_normalises_case_and_abbreviations():
    assert wer("mister john dashwood", "Mr. John Dashwood!") == 0.0
    assert wer("a b c d", "a x c") == pytest.approx(0.5)
    assert wer("这款精华", "这款精化") == pytest.approx(0.25)


@pytest.mark.slow
def test_whisper_base_word_error_rate_on_librivox(real_settings, capsys):
    from evals.fixtures import librivox_clips

    clips = librivox_clips()
    rates = []
    for clip in clips:
        tr = transcribe(clip.path, real_settings, AsrOptions(model="whisper-base"))
        assert tr.language == "en"
        assert tr.sentences and all(s.words for s in tr.sentences)
        assert all(a.end <= b.start + 1e-3 for a, b in zip(tr.words, tr.words[1:], strict=False))
        rates.append(wer(clip.transcript, tr.text))
    mean = sum(rates) / len(rates)
    with capsys.disabled():
        print(f"\nwhisper-base WER on {len(clips)} LibriVox clips: {mean:.3f} (per clip {[round(r, 3) for r in rates]})")
    assert mean <= 0.15
