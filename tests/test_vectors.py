"""The clip vector index: add, replace, remove, persist, filtered and IVF search."""

from __future__ import annotations

import numpy as np

from indexes.vectors import VectorIndex, clip_key


def _vecs(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def test_add_search_replace_remove_and_reload(tmp_path):
    idx = VectorIndex.open(tmp_path, "text", dim=8)
    v = _vecs(5)
    idx.add([f"c{i}" for i in range(5)], v)
    assert idx.search(v[3], k=1)[0][0] == "c3"
    assert [c for c, _ in idx.search(v[3], k=2, allowed=["c1", "c2"])] in (["c1", "c2"], ["c2", "c1"])
    idx.add(["c3"], -v[3])  # replaced, not duplicated
    assert len(idx) == 5 and idx.search(v[3], k=5)[-1][0] == "c3"
    idx.remove(["c0", "c0", "nope"])
    idx.save()
    again = VectorIndex.open(tmp_path, "text", dim=8)
    assert len(again) == 4 and "c0" not in {c for c, _ in again.search(v[0], k=4)}
    assert clip_key("c1") == clip_key("c1") > 0


def test_large_libraries_use_ivf_with_good_recall(tmp_path):
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((20, 16)).astype(np.float32)
    x = centres[rng.integers(0, 20, 3000)] + 0.2 * rng.standard_normal((3000, 16)).astype(np.float32)
    idx = VectorIndex(tmp_path, "big", 16, ivf_from=1000, nprobe=16)
    idx.add([f"c{i}" for i in range(3000)], x)
    hits = idx.search(x[42], k=5)
    import faiss

    assert type(faiss.downcast_index(idx._index.index)).__name__ == "IndexIVFFlat"
    assert "c42" in {c for c, _ in hits}


def _add_many(folder: str, prefix: str, n: int) -> None:
    for i in range(n):
        with VectorIndex.editing(folder, "text", dim=8) as idx:
            idx.add([f"{prefix}{i}"], _vecs(1, seed=i))


def test_two_processes_editing_at_once_lose_nothing(tmp_path):
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_add_many, args=(str(tmp_path), p, 25)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    idx = VectorIndex.open(tmp_path, "text", dim=8)
    assert len(idx) == 50 and {idx.ids[int(k)][0] for k in idx.keys} == {"a", "b"}
