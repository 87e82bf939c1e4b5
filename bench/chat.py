"""How soon the studio shows something: time to the first streamed reply token and to the first
shown tool step, for a question and for a make request, through the real agent.

    .venv/bin/python bench/chat.py [--model qwen2.5-coder-1.5b-instruct] [--skip-make]

The agent is warmed first as the studio does when a browser session opens (model loaded,
system prompt and tool descriptions read once: printed as "warm-up"); then each request is
timed from the moment it is sent. One run, one table; the goal (first token <= 3 s) is printed
as a ratio, not asserted. The make request analyses the demo stream unless the catalog of the
settings' home already has it (printed in its row's step time).
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from agent import Agent
from agent.events import StepFinished, StepStarted, Token, TurnDone
from evals.demo_stream import build_demo_stream
from models.settings import Settings

GOAL_FIRST_TOKEN = 3.0


def timed(agent: Agent, request: str, attachments: list[Path] = ()) -> dict:
    start = time.perf_counter()
    first_token = first_step = None
    steps: list[str] = []
    done = None
    for event in agent.stream(request, attachments):
        now = time.perf_counter() - start
        if isinstance(event, Token) and first_token is None:
            first_token = now
        elif isinstance(event, StepStarted) and first_step is None:
            first_step = now
        elif isinstance(event, StepFinished):
            steps.append(f"{event.tool} {'ok' if event.ok else 'error'} {event.seconds:.1f}s")
        elif isinstance(event, TurnDone):
            done = event
    return {"first_token": first_token, "first_step": first_step, "total": time.perf_counter() - start,
            "steps": steps, "fallback": done.fallback if done else None, "reply": (done.reply if done else "")[:90]}


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="planner LLM (default: the settings' model)")
    ap.add_argument("--skip-make", action="store_true", help="time the question only")
    args = ap.parse_args()
    settings = Settings(llm_base_url=None) if args.model else Settings()
    work = Path(tempfile.mkdtemp(prefix="reelwright-bench-chat-"))
    agent = Agent(settings, work, model=args.model)
    t0 = time.perf_counter()
    agent.warm()
    agent._warming.join()
    warm = time.perf_counter() - t0
    rows = [("question", timed(agent, "What can you do for me?"))]
    rows.append(("question (zh)", timed(agent, "你能帮我做什么？")))
    if not args.skip_make:
        demo = build_demo_stream()
        rows.append(("make 15 s ad", timed(agent, "make a 15s ad", [demo.video, demo.facts[0]])))
    print(f"# bench/chat.py on {platform.node()} ({platform.processor() or platform.machine()}), "
          f"model {args.model or settings.llm_model}; warm-up (load + system prompt) {warm:.1f} s")
    print(f"{'request':16} {'first token':>12} {'first step':>11} {'total':>9}  fallback  steps")
    for name, r in rows:
        print(f"{name:16} {_s(r['first_token']):>12} {_s(r['first_step']):>11} {_s(r['total']):>9}  "
              f"{str(r['fallback']):8}  {'; '.join(r['steps'])}")
    q = rows[0][1]["first_token"]
    if q is not None:
        print(f"first token of a question / goal ({GOAL_FIRST_TOKEN:g} s): {q / GOAL_FIRST_TOKEN:.2f}")


if __name__ == "__main__":
    main()
