"""Clip retrieval speed: our Faiss index vs numpy brute force at 10k, 100k and 1M vectors, one run.

    .venv/bin/python bench/retrieval.py [--sizes 10000 100000 1000000] [--queries 300]

Synthetic unit vectors in 384 dimensions (e5-small's), drawn around 2,000 topic
centres so the data has the clustered shape real clip vectors have. Below 50,000
vectors the index is exact (one matrix product); from there on IVF (4 sqrt(n) lists,
64 probed).
Recall@10 is measured against the exact answer. Goal (issue 5): p99 <= 10 ms at 1M.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

from indexes.vectors import VectorIndex


def data(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2000, dim)).astype(np.float32)
    x = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def pct(times: list[float]) -> tuple[float, float]:
    return float(np.percentile(times, 50) * 1000), float(np.percentile(times, 99) * 1000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    import faiss

    print(f"faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads, dim 384, k=10")
    print(f"{'vectors':>9s} {'index':>6s} {'build s':>8s} {'p50 ms':>7s} {'p99 ms':>7s} "
          f"{'numpy p50':>9s} {'numpy p99':>9s} {'speed-up p99':>12s} {'recall@10':>9s}")
    for n in args.sizes:
        x = data(n)
        rng = np.random.default_rng(1)
        q = x[rng.integers(0, n, args.queries)] + 0.3 * rng.standard_normal((args.queries, 384)).astype(np.float32)
        ids = [f"c{i}" for i in range(n)]
        with tempfile.TemporaryDirectory() as folder:
            idx = VectorIndex(folder, "bench", 384)
            t0 = time.perf_counter()
            idx.add(ids, x)
            idx.search(q[0], 10)  # builds (and for IVF trains) the index
            build = time.perf_counter() - t0
            ours, exact_hits, our_hits = [], [], []
            for v in q:
                t = time.perf_counter()
                got = idx.search(v, 10)
                ours.append(time.perf_counter() - t)
                our_hits.append({c for c, _ in got})
            brute = []
            for v in q:
                t = time.perf_counter()
                sims = x @ (v / np.linalg.norm(v))
                top = np.argpartition(-sims, 10)[:10]
                brute.append(time.perf_counter() - t)
                exact_hits.append({ids[i] for i in top})
        recall = np.mean([len(a & b) / 10 for a, b in zip(our_hits, exact_hits, strict=True)])
        (p50, p99), (b50, b99) = pct(ours), pct(brute)
        kind = "IVF" if n >= idx.ivf_from else "exact"
        print(f"{n:9d} {kind:>6s} {build:8.1f} {p50:7.2f} {p99:7.2f} {b50:9.2f} {b99:9.2f} {b99 / p99:11.1f}x "
              f"{recall:9.3f}")


if __name__ == "__main__":
    main()
