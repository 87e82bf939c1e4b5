"""Clips: scenes split between sentences, never inside one; tags, product and screen text attached."""

from __future__ import annotations

from tools.analysis.clips import build_clips
from tools.core.schema import Analysis, Scene, Segment, Sentence, Shot, Video


def test_long_scenes_split_between_sentences_and_clips_carry_their_context():
    video = Video(id="f" * 64, path="x.mp4", size_bytes=1, duration=40.0)
    sentences = [Sentence(index=i, start=i * 4.0, end=i * 4.0 + 3.5, text=f"s{i}",
                          tags={"product_trial": 0.8} if i == 1 else {"chit_chat": 0.6}) for i in range(10)]
    shots = [Shot(index=0, start=0.0, end=20.0), Shot(index=1, start=20.0, end=40.0)]
    a = Analysis(video=video, language="en", sentences=sentences, shots=shots,
                 scenes=[Scene(index=0, start=0.0, end=40.0, shots=[0, 1])],
                 segments=[Segment(index=0, start=0.0, end=40.0, product="Aurora")])
    clips = build_clips(a, max_len=15.0, screen=[{"t": 5.0, "text": "$24.90"}])
    assert [(c.start, c.end) for c in clips] == [(0.0, 11.75), (11.75, 23.75), (23.75, 35.75), (35.75, 40.0)]
    for c in clips:  # no sentence is cut by a clip boundary
        assert all(not (s.start < c.start < s.end) for s in sentences)
    assert clips[0].text == "s0 s1 s2" and clips[0].tags["product_trial"] == 0.8
    assert clips[0].screen_text == "$24.90" and all(c.product == "Aurora" for c in clips)
    assert clips[1].shots == [0, 1] and clips[0].id.startswith("f" * 12)
