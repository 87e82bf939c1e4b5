"""Narration throughput: slots per minute with 1 vs N ads narrated in parallel, in one run.

    .venv/bin/python bench/narration.py [--model qwen2.5-coder-1.5b-instruct] [--ads 4] [--parallel 1 2]
        [--candidates 2] [--narrator sentences|facts-v1]

llama.cpp decodes several sequences at once (one server, n_parallel slots); the harness
feeds it from a thread pool. Each setting narrates the same ads from scratch (no cache).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from evals.datasets import esync_dev, read_records
from evals.narration import run_narration_eval
from models.llm import get_chat_model
from models.loaders import text_embedder
from models.settings import Settings
from models.transports import embedded_server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    ap.add_argument("--ads", type=int, default=4)
    ap.add_argument("--parallel", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--candidates", type=int, default=2, help="lines sampled per slot (the harness's default)")
    ap.add_argument("--narrator", default="sentences", choices=["sentences", "facts-v1"])
    args = ap.parse_args()
    records = read_records(esync_dev(), limit=args.ads)
    slots = sum(len(r["clips"]) for r in records)
    print(f"{args.model}: {args.ads} ads, {slots} slots, {args.candidates} samples per slot, 2 CPU threads")
    base = None
    for n in args.parallel:
        embedded_server.cache_clear()
        settings = Settings(llm_parallel=n, llm_base_url=None)
        llm = get_chat_model(settings, model=args.model, temperature=0.2, max_tokens=120)
        llm.invoke("hi", max_tokens=2)  # load outside the timing
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            run_narration_eval(esync_dev(), Path(tmp), llm=llm, guard_embedder=text_embedder(settings),
                               limit=args.ads, parallel=n, candidates=args.candidates, narrator=args.narrator)
            rate = 60 * slots / (time.perf_counter() - start)
        base = base or rate
        print(f"  {n} in parallel: {rate:5.1f} slots/minute ({rate / base:.2f}x of 1)")


if __name__ == "__main__":
    main()
