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
from tools.core.media import VideoOpenError
from tools.core.schema import Clip

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
    target = [f for f in files if f.name.startswith("text.")][0]
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


def test_replacing_a_part_removes_its_old_array_files_and_verify_finds_damage(catalog, synthetic):
    vid = catalog.add_video(synthetic["colour_cuts"]).id
    for seed in (1, 2, 3):
        catalog.put_part(vid, "embed", "1", {"seed": seed}, arrays={"v": np.full(8, seed, np.float32)})
    files = list(catalog.blob_dir.rglob("*.npy"))
    assert len(files) == 1  # the replaced parts' files are gone
    assert np.array_equal(catalog.get_array(vid, "embed", "1", "v"), np.full(8, 3, np.float32))
    assert catalog.verify() == []
    files[0].write_bytes(files[0].read_bytes()[:-1] + b"\0")
    problems = catalog.verify()
    assert len(problems) == 1 and "damaged" in problems[0]
    files[0].unlink()
    assert "missing" in catalog.verify()[0]


_SAME_PART_WRITER = """
import sys, time
import numpy as np
from indexes.catalog import Catalog
db, video, seed, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
bad = 0
with Catalog(db) as cat:
    vid = cat.add_video(video).id
    time.sleep(max(0.0, start - time.time()))  # both loops start together
    for i in range(150):  # both store the same part again and again, each its own bytes
        value = seed * 1000 + i
        cat.put_part(vid, "embed", "1", {"value": value}, arrays={"v": np.full((64, 64), value, np.float32)})
        try:
            cat.get_array(vid, "embed", "1", "v")  # raises when the stored hash is not of these bytes
        except Exception:
            bad += 1
print(bad)
"""


def test_two_processes_storing_one_part_never_mix_hash_and_bytes(tmp_path, synthetic):
    """With one fixed file name per array, 36-57 of 150 reads a process found damaged (measured)."""
    db = tmp_path / "cat.sqlite"
    start = time.time() + 3.0
    procs = [subprocess.Popen([sys.executable, "-c", _SAME_PART_WRITER, str(db), str(synthetic["colour_cuts"]),
                               str(seed), str(start)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for seed in (1, 2)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]  # both opened the new catalog (no "database is locked")
    assert [o.strip() for o in outs] == ["0", "0"]
    with Catalog(db) as cat:
        assert cat.verify() == []
        vid = cat.videos()[0].id
        part = cat.get_part(vid, "embed", "1")
        assert np.all(cat.get_array(vid, "embed", "1", "v") == part.data["value"])  # the part's own bytes
        assert len(list(cat.blob_dir.rglob("*.npy"))) == 1


def test_the_video_lock_makes_a_second_holder_wait(catalog, tmp_path):
    code = ("import sys, time\nfrom indexes.catalog import Catalog\n"
            "with Catalog(sys.argv[1]) as cat, cat.video_lock('abc'):\n"
            "    print('locked', flush=True)\n    time.sleep(1.5)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(catalog.path)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    t0 = time.monotonic()
    with catalog.video_lock("abc"):
        waited = time.monotonic() - t0
    proc.wait(timeout=30)
    assert waited >= 0.5  # it waited for the other process to let go
    with catalog.video_lock("other"):  # another video's lock is free
        pass
