"""Prefill and decode speed, and time to first token, of both GGUF models on this machine.

    .venv/bin/python bench/llm.py [--threads 2] [--parallel 1 2]

Prints one table measured in one run; numbers go to README's Performance section.
"""

from __future__ import annotations

import argparse
import platform
import threading
import time

from langchain_core.messages import HumanMessage

from models.llm import get_chat_model
from models.settings import Settings
from models.transports import embedded_server

MODELS = ["qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct"]
PROMPT = ("You write short e-commerce ad narration. Product facts: a hydrating face serum with hyaluronic acid, "
          "light texture, absorbs fast, suits all skin types, 289 yuan for a 50 ml bottle with a gift box. " * 6
          + "Write a 60-word narration for a 15-second ad.")


def measure(name: str, settings: Settings, max_tokens: int) -> dict[str, float]:
    llm = get_chat_model(settings, model=name, max_tokens=max_tokens, temperature=0.0)
    llm.invoke("warm up", max_tokens=4)
    start = time.perf_counter()
    first = None
    for chunk in llm.stream([HumanMessage(PROMPT + f" (run {time.time()})")], cache_prompt=False):
        if chunk.text and first is None:
            first = time.perf_counter() - start
    msg = llm.invoke([HumanMessage(PROMPT + f" (timing run {time.time()})")], cache_prompt=False)
    t = msg.response_metadata["timings"]
    return {"prefill_tok_s": t["prompt_per_second"], "prompt_tokens": t["prompt_n"],
            "decode_tok_s": t["predicted_per_second"], "ttft_s": first or float("nan")}


def parallel_decode(name: str, settings: Settings, n: int, max_tokens: int) -> float:
    """Aggregate decode tokens/s with ``n`` requests in flight at once."""
    llm = get_chat_model(settings, model=name, max_tokens=max_tokens, temperature=0.7)
    produced: list[int] = []

    def one(i: int) -> None:
        msg = llm.invoke([HumanMessage(f"Write a short ad line number {i} for a face serum.")], seed=i)
        produced.append(msg.usage_metadata["output_tokens"])

    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sum(produced) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--parallel", type=int, nargs="*", default=[1, 2, 4])
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {args.threads} threads, "
          f"python {platform.python_version()}")
    print(f"{'model':32} {'prompt tok':>10} {'prefill tok/s':>14} {'decode tok/s':>13} {'TTFT s':>7}")
    for name in MODELS:
        settings = Settings(llm_threads=args.threads, llm_base_url=None, llm_parallel=max(args.parallel))
        r = measure(name, settings, args.max_tokens)
        print(f"{name:32} {r['prompt_tokens']:>10} {r['prefill_tok_s']:>14.1f} {r['decode_tok_s']:>13.1f} "
              f"{r['ttft_s']:>7.2f}")
        base = None
        for n in args.parallel:
            rate = parallel_decode(name, settings, n, args.max_tokens)
            base = base or rate
            print(f"  {n} sequences in parallel: {rate:6.1f} tok/s aggregate ({rate / base:.2f}x of 1)")
        embedded_server.cache_clear()


if __name__ == "__main__":
    main()
