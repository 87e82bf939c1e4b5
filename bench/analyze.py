"""Structure analysis speed and memory: the demo stream and a 60-minute stream, in one run.

    .venv/bin/python bench/analyze.py [--minutes 60] [--also-hours 3]

Each stream is analysed from scratch (empty catalog) in its own process, so peak
memory (RSS) is the stream's own. Per step: seconds and the fraction of the stream's
duration (x real time). "decode" is the thumbnail decode pass alone, which the shot
step includes. Shot detection, on-screen text (OCR) and concepts run in a second thread
while ASR runs, so the steps' times overlap: "beyond ASR" is the wall time the other
steps add.
Goals (issue 4): total <= 0.3x real time; everything but ASR <= 25 % of ASR's time;
peak memory <= 4 GB for 3 hours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(path: str, facts: list[str]) -> None:
    from indexes.catalog import Catalog
    from models.settings import Settings
    from tools.analysis.pipeline import Progress, analyze
    from tools.core.media import probe, thumbs
    from tools.core.schema import load_facts

    settings = Settings()
    sheets = [load_facts(f) for f in facts]
    times: dict[str, float] = {}

    class Timer(Progress):
        def finish(self, step: str, status: str, seconds: float) -> None:
            times[step] = seconds

    start = time.perf_counter()
    with Catalog.open(settings) as cat:
        report = analyze(path, settings, cat, facts=sheets, progress=Timer())
    total = time.perf_counter() - start
    t0 = time.perf_counter()
    n = sum(1 for _ in thumbs(path))
    times["decode"] = time.perf_counter() - t0
    a = report.analysis
    print(json.dumps({"duration": probe(path).duration, "steps": times, "total": total, "frames": n,
                      "sentences": len(a.sentences), "shots": len(a.shots), "scenes": len(a.scenes),
                      "segments": len(a.segments),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_one(path: Path, facts: list[Path]) -> dict:
    from models.settings import Settings

    with tempfile.TemporaryDirectory(prefix="rw-bench-") as home:
        (Path(home) / "models").symlink_to(Settings().models_dir)
        env = {**os.environ, "REELWRIGHT_HOME": home}
        proc = subprocess.run([sys.executable, __file__, "--child", str(path), *map(str, facts)],
                              capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"analysis of {path} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(name: str, r: dict) -> None:
    d = r["duration"]
    s = r["steps"]
    print(f"\n{name}: {d / 60:.1f} min; {r['sentences']} sentences, {r['shots']} shots, {r['scenes']} scenes, "
          f"{r['segments']} segments")
    for step in ("asr", "shots", "decode", "ocr", "concepts", "scenes", "segments", "tags", "highlights", "clips"):
        if step in s:
            label = "  (decode, inside shots)" if step == "decode" else f"  {step}"
            print(f"{label:26s} {s[step]:8.1f} s  {s[step] / d:6.3f}x real time")
    other = sum(s.get(k, 0) for k in ("shots", "ocr", "concepts", "scenes", "segments", "tags", "highlights", "clips"))
    print(f"  {'total (wall)':24s} {r['total']:8.1f} s  {r['total'] / d:6.3f}x real time   (goal <= 0.3x)")
    if s.get("asr"):
        beyond = r["total"] - s["asr"]
        print(f"  everything but ASR: {other:.1f} s of work ({other / s['asr'] * 100:.0f}% of ASR time), "
              f"{beyond:.1f} s beyond ASR's wall time ({beyond / s['asr'] * 100:.0f}%; goal <= 25%)")
    print(f"  peak RSS {r['peak_rss_mb']:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=60.0, help="length of the long stream")
    ap.add_argument("--also-hours", type=float, default=0.0, help="also a stream of this many hours")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return
    from evals.demo_stream import build_demo_stream, long_stream

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
          "CPU only; ASR whisper-base int8, beam 1, 2 threads")
    demo = build_demo_stream()
    report("demo stream", run_one(demo.video, demo.facts))
    report(f"{args.minutes:.0f}-minute stream", run_one(long_stream(args.minutes), demo.facts))
    if args.also_hours:
        report(f"{args.also_hours:.0f}-hour stream", run_one(long_stream(args.also_hours * 60), demo.facts))


if __name__ == "__main__":
    main()
