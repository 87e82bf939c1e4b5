"""Speech recognition: faster-whisper over long audio, streamed in windows, split into sentences.

The audio is read in 30-second chunks and transcribed in windows of about ten
minutes, each ending at the quietest moment near its end, so a three-hour stream
never sits in memory as one array and no word is cut at a window edge. Silero VAD
(bundled with faster-whisper) skips silence; every word carries its time.

The language is detected on the first window (or forced) and then kept for the
whole stream. Product names from the fact sheets go in as hotwords: names are the
words recognition gets wrong most.

    >>> tr = transcribe("live.mp4", Settings(), hotwords=["Aurora Espresso Blend"])   # doctest: +SKIP
    >>> tr.language, len(tr.sentences)                                               # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from models.settings import Settings
from tools.core.media import audio_chunks
from tools.core.schema import Sentence, Word
from tools.core.text import letters as _letters

__all__ = ["Transcript", "AsrOptions", "transcribe", "transcribe_array", "detect_language", "split_sentences",
           "correct_names", "VERSION", "wer"]

VERSION = "1"
SR = 16000
_END = re.compile(r"[.!?。！？…]+[\"'”’）)]*$")
_SOFT = re.compile(r"[,;:，；：、]$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ZH_PROMPT = "以下是普通话直播的句子，使用简体中文和标点符号。"


@dataclass(frozen=True)
class AsrOptions:
    model: str = "whisper-base"
    language: str | None = None  # None: detect on the first window
    beam_size: int = 1  # greedy: the beam search costs time for no WER gained on our tests
    window: float = 600.0  # seconds per transcription window
    vad: bool = True
    hotwords: tuple[str, ...] = ()  # product names: misheard spellings are corrected after decoding
    decoder_hotwords: bool = False  # also bias the decoder (measured: it dropped a 40 s passage)
    threads: int = 2


@dataclass
class Transcript:
    language: str
    sentences: list[Sentence] = field(default_factory=list)
    language_probability: float = 0.0
    speech_seconds: float = 0.0  # audio duration read

    @property
    def words(self) -> list[Word]:
        return [w for s in self.sentences for w in s.words]

    @property
    def text(self) -> str:
        return _join([s.text for s in self.sentences], self.language)


def _join(parts: Sequence[str], language: str) -> str:
    if language == "zh" or (parts and _CJK.search("".join(parts))):
        return "".join(p.strip() for p in parts)
    return " ".join(p.strip() for p in parts if p.strip())


def _windows(chunks: Iterable[tuple[float, np.ndarray]], window: float) -> Iterator[tuple[float, np.ndarray]]:
    """Regroup (start, samples) chunks into windows of about ``window`` s, each cut at a quiet point."""
    buf: list[np.ndarray] = []
    buf_start: float | None = None
    n = 0
    target = int(window * SR)
    for start, chunk in chunks:
        if buf_start is None:
            buf_start = start
        buf.append(chunk)
        n += len(chunk)
        if n >= target:
            data = np.concatenate(buf)
            cut = _quiet_point(data, search=min(30 * SR, len(data) // 4))
            yield buf_start, data[:cut]
            rest = data[cut:]
            buf, n, buf_start = [rest], len(rest), buf_start + cut / SR
    if n:
        yield buf_start or 0.0, np.concatenate(buf)


def _quiet_point(data: np.ndarray, search: int, frame: int = 480) -> int:
    """Index of the quietest 30 ms frame within the last ``search`` samples."""
    if search < frame * 2:
        return len(data)
    tail = data[len(data) - search:]
    k = len(tail) // frame
    energy = (tail[: k * frame].reshape(k, frame) ** 2).mean(axis=1)
    return len(data) - search + int(np.argmin(energy)) * frame + frame // 2


def _words(segments: Iterable, offset: float) -> list[Word]:
    out = []
    for seg in segments:
        for w in seg.words or []:
            text = w.word
            if not text.strip():
                continue
            out.append(Word(start=round(max(0.0, w.start + offset), 3), end=round(max(0.0, w.end + offset), 3),
                            text=text, probability=round(float(w.probability), 4)))
    return out


def split_sentences(words: Sequence[Word], language: str = "", max_seconds: float = 15.0,
                    max_units: int = 40, pause: float = 0.8) -> list[Sentence]:
    """Group words into sentences: at sentence-ending punctuation, at pauses when punctuation is
    missing, and at a length limit (a comma or the longest pause in the sentence is preferred).

    ``max_units`` counts words for spaced languages and characters for Chinese.
    """
    out: list[Sentence] = []
    cur: list[Word] = []
    zh = language == "zh"

    def units(ws: Sequence[Word]) -> int:
        text = "".join(w.text for w in ws)
        return len(_CJK.findall(text)) + len(re.findall(r"[A-Za-z0-9]+", text)) if zh else len(ws)

    def flush(ws: list[Word]) -> None:
        if not ws:
            return
        text = _join([w.text for w in ws], language) if zh else "".join(w.text for w in ws).strip()
        out.append(Sentence(index=len(out), start=ws[0].start, end=max(ws[-1].end, ws[0].start), text=text,
                            words=list(ws), language=language))

    for i, w in enumerate(words):
        if cur and w.start - cur[-1].end >= pause and not _SOFT.search(cur[-1].text.strip()):
            flush(cur)
            cur = []
        cur.append(w)
        ends = bool(_END.search(w.text.strip()))
        nxt = words[i + 1] if i + 1 < len(words) else None
        if ends and not (nxt is not None and _is_decimal(w.text, nxt.text)):
            flush(cur)
            cur = []
        elif cur[-1].end - cur[0].start >= max_seconds or units(cur) >= max_units:
            k = _best_break(cur)
            flush(cur[:k])
            cur = cur[k:]
    flush(cur)
    return out


def _is_decimal(word: str, nxt: str) -> bool:
    """'3.' followed by '5' is a number, not a sentence end."""
    return bool(re.search(r"\d\.$", word.strip())) and bool(re.match(r"\d", nxt.strip()))


def _best_break(ws: list[Word]) -> int:
    """Where to break an over-long run of words: after the last comma, else at the longest pause."""
    half = max(1, len(ws) // 3)
    for k in range(len(ws) - 1, half - 1, -1):
        if _SOFT.search(ws[k - 1].text.strip()):
            return k
    gaps = [ws[k].start - ws[k - 1].end for k in range(half, len(ws))]
    return half + int(np.argmax(gaps)) if gaps else len(ws)


def detect_language(model, samples: np.ndarray) -> tuple[str | None, float]:
    """Language of the speech in ``samples`` (up to 3 x 30 s of it, after VAD); None without speech."""
    try:
        lang, prob, _ = model.detect_language(samples, vad_filter=True, language_detection_segments=3)
    except (ValueError, IndexError, RuntimeError):  # no speech at all in the window
        return None, 0.0
    return lang, float(prob)


def transcribe_array(model, samples: np.ndarray, offset: float, opts: AsrOptions,
                     language: str | None) -> list[Word]:
    """One window through faster-whisper; word times shifted by ``offset``."""
    prompt = _ZH_PROMPT if language == "zh" else None
    hot = (" ".join(opts.hotwords) or None) if opts.decoder_hotwords else None
    segments, _ = model.transcribe(
        samples, language=language, beam_size=opts.beam_size, vad_filter=opts.vad, word_timestamps=True,
        condition_on_previous_text=False, initial_prompt=prompt, hotwords=hot,
        vad_parameters={"min_silence_duration_ms": 500}, without_timestamps=False)
    return _words(segments, offset)


def transcribe(path: str | os.PathLike, settings: Settings, options: AsrOptions | None = None,
               progress: Callable[[float], None] | None = None) -> Transcript:
    """Transcribe the speech of a media file into sentences with word times.

    Args:
        path: any media file with an audio stream.
        settings: where the models are.
        options: model, language, beam size, hotwords ...
        progress: called with the seconds of audio done so far.

    Raises:
        NoAudioStream: the file has no audio (callers go on without speech).
        ModelError: the ASR model is missing or damaged.
    """
    from models.loaders import whisper_model

    opts = options or AsrOptions()
    model = whisper_model(settings, opts.model, threads=opts.threads)
    language = opts.language
    if opts.model.endswith(".en") or opts.model.endswith("-en"):
        language = "en"
    words: list[Word] = []
    prob = 1.0 if language else 0.0
    done = 0.0
    for start, samples in _windows(audio_chunks(path, sr=SR, chunk_seconds=30.0), opts.window):
        if len(samples) < SR // 10:
            continue
        if language is None:  # the first window with speech decides, for the whole stream
            language, prob = detect_language(model, samples)
        words += transcribe_array(model, samples, start, opts, language)
        done = start + len(samples) / SR
        if progress is not None:
            progress(done)
    language = language or ""
    if opts.hotwords:
        words = correct_names(words, opts.hotwords)
    return Transcript(language=language, sentences=split_sentences(words, language), language_probability=prob,
                      speech_seconds=done)



def correct_names(words: list[Word], names: Iterable[str], min_ratio: float = 0.8) -> list[Word]:
    """Respell near-misses of product names ("Deep Fill" -> "Deep Field"), keeping word times.

    A run of consecutive words is replaced by a name when its letters match the name's
    letters with a similarity of at least ``min_ratio`` and about the same length.
    Words that already spell any of the names are left alone. Chinese names are
    matched character by character the same way.
    """
    from difflib import SequenceMatcher

    targets = sorted({n.strip() for n in names if len(_letters(n)) >= 4}, key=lambda n: -len(_letters(n)))
    keys = {_letters(n) for n in targets}
    out = list(words)
    letters = [_letters(w.text) for w in out]
    protected = [False] * len(out)
    for i in range(len(out)):  # exact spellings of any name (any case, any spacing) stay as they are
        got = ""
        for j in range(i, min(len(out), i + 12)):
            got += letters[j]
            if got in keys:
                protected[i:j + 1] = [True] * (j + 1 - i)
            if len(got) > max((len(k) for k in keys), default=0):
                break
    i = 0
    while i < len(out):
        best = None  # (score, k, name): the longest good match starting here, over every name
        for name in targets:
            key = _letters(name)
            got = ""
            for k in range(1, 13):
                if i + k > len(out) or protected[i + k - 1]:
                    break
                got += _letters(out[i + k - 1].text)
                if len(got) > 1.3 * len(key) + 1:
                    break
                if len(got) < 0.7 * len(key) - 1:
                    continue
                ratio = SequenceMatcher(None, got, key).ratio()
                score = ratio * min(len(got), len(key))
                if ratio >= min_ratio and (best is None or score > best[0]):
                    best = (score, k, name)
        if best is None:
            i += 1
            continue
        _, k, name = best
        span = out[i:i + k]
        lead = " " if span[0].text.startswith(" ") else ""
        tail = re.search(r"[^\w]*$", span[-1].text).group(0)
        out[i:i + k] = [Word(start=span[0].start, end=span[-1].end, text=f"{lead}{name}{tail}",
                             probability=min(w.probability for w in span))]
        protected[i:i + k] = [True]
        i += 1
    return _proper_case(out, [n for n in targets if n != n.lower()])


def _proper_case(words: list[Word], names: list[str]) -> list[Word]:
    """A proper name heard in another case ("Deep Field Space Poster set") written as the seller
    writes it, word by word (the words and their times stay as they are); the longest name that
    fits a run of words decides it ("Aurora Espresso Blend" over "Aurora espresso")."""
    out = list(words)
    taken = [False] * len(out)
    for name in sorted(names, key=lambda n: -len(n.split())):
        parts = name.split()
        n = len(parts)
        for i in range(len(out) - n + 1):
            span = out[i:i + n]
            if any(taken[i:i + n]) or [_letters(w.text) for w in span] != [_letters(p) for p in parts]:
                continue
            taken[i:i + n] = [True] * n
            for k, (w, p) in enumerate(zip(span, parts, strict=True)):
                m = re.match(r"^(\s*)(.*?)([^\w]*)$", w.text, re.S)
                if m and m.group(2).lower() == p.lower() and m.group(2) != p:
                    out[i + k] = w.model_copy(update={"text": f"{m.group(1)}{p}{m.group(3)}"})
    return out


_ABBREV = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint", "ok": "okay"}


def _norm_words(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    if _CJK.search(text):
        return list(re.sub(r"[^\w]", "", text))
    return [_ABBREV.get(w, w) for w in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate (character error rate for Chinese): edit distance / reference length."""
    ref, hyp = _norm_words(reference), _norm_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)
