"""The catalog: keyed parts, atomic arrays, clip queries, and survival of a SIGKILL mid-write."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from indexes.catalog import Catalog, CatalogError
from tools.media import VideoOpenError
from tools.schema import Clip

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def catalog(tmp_path):
    with Catalog(tmp_path / "catalog.sqlite") as cat:
        yield cat


def test_video_identity_is_the_content_hash(catalog, synthetic, tmp_path):
    src = synthetic["colour_cuts"]
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    v = catalog.add_video(src)
    assert v.id == before and v.has_audio and abs(v.duration - 8.0) < 0.1
    assert catalog.add_video(src) == v  # known: no second hash
    copy = tmp_path / "same bytes, other name.mp4"
    copy.write_bytes(src.read_bytes())
    assert catalog.add_video(copy).id == v.id
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before  # never modified


def test_bad_media_is_refused_with_a_named_error(catalog, bad_corpus):
    with pytest.raises(VideoOpenError):
        catalog.add_video(bad_corpus["text_named.mp4"])
    assert catalog.videos() == []


def test_parts_are_keyed_by_analyzer_and_version(catalog, synthetic):
    vid = catalog.add_video(synthetic["colour_cuts"]).id
    assert not catalog.has_part(vid, "shots", "1")
    catalog.put_part(vid, "shots", "1", [{"start": 0, "end": 2}], model="histogram", seconds=0.5)
    catalog.put_part(vid, "asr", "1+whisper-base", {"text": "hello"})
    assert catalog.has_part(vid, "shots", "1") and not catalog.has_part(vid, "shots", "2")
    catalog.put_part(vid, "shots", "2", [{"start": 0, "end": 2}, {"start": 2, "end": 4}])
    assert len(catalog.get_part(vid, "shots", "1").data) == 1  # the old version stays
    assert len(catalog.get_part(vid, "shots").data) == 2  # newest by default
    assert catalog.get_part(vid, "asr", "1+whisper-base").data == {"text": "hello"}
    assert {(p.analyzer, p.version) for p in catalog.parts(vid)} == {("shots", "1"), ("shots", "2"),
                                                                     ("asr", "1+whisper-base")}
    with pytest.raises(CatalogError, match="unknown video"):
        catalog.put_part("f" * 64, "shots", "1", [])


def test_arrays_live_beside_the_db_and_are_hash_checked(catalog, synthetic):
    vid = catalog.add_video(synthetic["colour_cuts"]).id
    emb = np.random.default_rng(0).normal(size=(50, 384)).astype(np.float32)
    catalog.put_part(vid, "embed", "1", {"n": 50}, arrays={"text": emb, "ids": np.arange(50)})
    rec = catalog.get_part(vid, "embed", "1")
    assert rec.arrays == ("ids", "text")
    assert np.array_equal(catalog.get_array(vid, "embed", "1", "text"), emb)
    files = list(catalog.blob_dir.rglob("*.npy"))
    assert len(files) == 2 and not list(catalog.blob_dir.rglob("*.tmp"))
    target = [f for f in files if f.name == "text.npy"][0]
    raw = bytearray(target.read_bytes())
    raw[-1] ^= 0xFF
    target.write_bytes(bytes(raw))
    with pytest.raises(CatalogError, match="damaged"):
        catalog.get_array(vid, "embed", "1", "text")


def test_clip_queries(catalog, synthetic):
    vid = catalog.add_video(synthetic["colour_cuts"]).id
    clips = [Clip(id=f"c{i}", video_id=vid, start=i * 2.0, end=i * 2.0 + 2, product="serum" if i < 2 else "cream",
                  tags={"price": 0.9} if i == 1 else {"product_trial": 0.7, "price": 0.2}) for i in range(4)]
    catalog.put_clips(vid, clips)
    assert [c.id for c in catalog.list_clips(vid)] == ["c0", "c1", "c2", "c3"]
    assert [c.id for c in catalog.list_clips(tag="price", min_score=0.5)] == ["c1"]
    assert [c.id for c in catalog.list_clips(vid, start=3.0, end=5.0)] == ["c1", "c2"]
    assert [c.id for c in catalog.list_clips(product="cream", tag="product_trial")] == ["c2", "c3"]
    catalog.put_clips(vid, clips[:1])  # replaced, not appended
    assert catalog.clip_count() == 1 and catalog.list_clips(tag="price", min_score=0.5) == []


WRITER = textwrap.dedent("""
    import sys, numpy as np
    from indexes.catalog import Catalog
    cat = Catalog(sys.argv[1])
    vid = cat.add_video(sys.argv[2]).id
    for i in range(int(sys.argv[3])):
        name = f"step{i:03d}"
        if cat.has_part(vid, name, "1"):
            continue
        rng = np.random.default_rng(i)
        cat.put_part(vid, name, "1", {"i": i, "items": list(range(i % 50))},
                     arrays={"vec": rng.normal(size=(400, 256)).astype(np.float32)})
        print("wrote", i, flush=True)
    print("done", flush=True)
""")


def _run_writer(db, video, n, kill_at=None):
    """Run the writer; with ``kill_at``, SIGKILL it a moment after it reports that many new parts."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(video), str(n)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    if kill_at is None:
        out = proc.communicate(timeout=300)[0]
        assert proc.returncode == 0 and "done" in out
        return False
    seen = 0
    for line in proc.stdout:
        seen += line.startswith("wrote")
        if seen >= kill_at:
            time.sleep(0.003 * kill_at)  # land somewhere inside the next write
            break
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return killed


def test_sigkill_mid_write_leaves_a_catalog_that_opens_and_a_rerun_completes(tmp_path, synthetic):
    video, n = synthetic["colour_cuts"], 60
    reference = tmp_path / "ref.sqlite"
    _run_writer(reference, video, n)
    victim = tmp_path / "victim.sqlite"
    kills = 0
    for kill_at in (7, 3, 11):  # kill while it writes, several times
        kills += _run_writer(victim, video, n, kill_at=kill_at)
        with Catalog(victim) as cat:
            assert cat.integrity_ok()
            vid = cat.videos()[0].id
            for p in cat.parts(vid):  # whatever is there is whole
                i = p.data["i"]
                expected = np.random.default_rng(i).normal(size=(400, 256)).astype(np.float32)
                assert np.array_equal(cat.get_array(vid, p.analyzer, "1", "vec"), expected)
    assert kills == 3
    with Catalog(victim) as cat:
        assert 0 < len(cat.parts(cat.videos()[0].id)) < n  # the kills really interrupted the job
    _run_writer(victim, video, n)
    with Catalog(reference) as ref, Catalog(victim) as got:
        vid = ref.videos()[0].id
        assert len(got.parts(vid)) == n
        for p in ref.parts(vid):
            q = got.get_part(vid, p.analyzer, "1")
            assert q.data == p.data
            assert np.array_equal(got.get_array(vid, p.analyzer, "1", "vec"), ref.get_array(vid, p.analyzer, "1", "vec"))
