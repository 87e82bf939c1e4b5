"""Templates: extraction time as a ratio of the reference's duration, and its accuracy against the truth.

    .venv/bin/python bench/template.py [--styles hook_first_15 ...] [--json]

Each generated reference (evals/template_refs.py) is extracted twice in a fresh temporary
catalog: cold (speech, shots and the template's own analysis computed; the models already
loaded by a warm-up on another file) and warm (read back from the catalog). The ratio is
wall seconds / seconds of video; 0.5 means twice as fast as real time. ``cpu_s`` is the
process's CPU time (all its threads): on a busy machine wall time measures the other jobs,
CPU time does not (on an idle 2-core machine the wall time is between cpu_s / 2 and
cpu_s). The accuracy columns are :func:`evals.template_refs.score` against each reference's exact structure.

``--measures real`` also times the unscripted packaged clips (the first clip loads the
models, so its ratio includes that). Each measure is one function taking the references and
returning rows; to add one (the compare timing), write it and list it in ``MEASURES``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from evals.template_refs import STYLES, Reference, build_reference, score


def _settings(home: Path):
    from models.settings import Settings

    (home / "models").symlink_to(Settings().models_dir)  # the provisioned models, a fresh catalog
    return Settings(home=home)


def extraction(refs: list[Reference]) -> list[dict]:
    """Cold and warm extraction time per reference, and the per-field accuracy."""
    from evals.fixtures import real_videos
    from indexes.catalog import Catalog
    from tools.template.extract import extract_template

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-template-") as tmp:
        settings = _settings(Path(tmp))
        with Catalog.open(settings) as cat:
            extract_template(real_videos()["carphone"], settings, cat)  # warm-up: models loaded once
            for ref in refs:
                t0, c0 = time.perf_counter(), time.process_time()
                got = extract_template(ref.video, settings, cat)
                cold, cpu = time.perf_counter() - t0, time.process_time() - c0
                t0 = time.perf_counter()
                extract_template(ref.video, settings, cat)
                warm = time.perf_counter() - t0
                s = score(got, ref.truth)
                seconds = ref.truth.source.duration
                rows.append({"measure": "extract", "style": ref.style, "seconds": seconds,
                             "cold_s": round(cold, 2), "ratio": round(cold / seconds, 3),
                             "cpu_s": round(cpu, 2), "cpu_ratio": round(cpu / seconds, 3), "warm_s": round(warm, 3), "cuts_2f": s["cuts_found"], "scale": round(s["scale"], 3),
                             "motion": round(s["motion"], 3), "transition": round(s["transition_in"], 3),
                             "labels": round(s["labels"], 3), "storyline_edit": s["storyline_edit"],
                             "overlay_iou_min": min((o["iou"] for o in s["overlays"]), default=None),
                             "roles": sum(o["role"] for o in s["overlays"]), "overlays": len(s["overlays"]),
                             "tempo_error": s["audio"]["tempo_error"], "music": s["audio"]["music"],
                             "voice": s["audio"]["voice"], "rate_error": s["audio"]["speaking_rate_error"]})
    return rows


def real_clips(refs: list[Reference]) -> list[dict]:
    """Cold extraction of the unscripted packaged clips (no truth: it must not fail; time and what it read)."""
    from evals.fixtures import real_videos
    from indexes.catalog import Catalog
    from tools.template.extract import extract_template

    del refs
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-template-") as tmp:
        settings = _settings(Path(tmp))
        with Catalog.open(settings) as cat:
            for name in ("megamind", "bikes", "bigbuckbunny", "tree"):
                path = real_videos()[name]
                t0 = time.perf_counter()
                t = extract_template(path, settings, cat)
                cold = time.perf_counter() - t0
                rows.append({"measure": "real", "clip": name, "seconds": round(t.source.duration, 2),
                             "cold_s": round(cold, 2), "ratio": round(cold / max(t.source.duration, 1e-3), 3),
                             "slots": len(t.slots), "music": t.audio.music, "voice": t.audio.voice,
                             "overlays": len(t.overlays)})
    return rows


def comparing(refs: list[Reference]) -> list[dict]:
    """``template compare REF OUT`` per reference, OUT the reference re-encoded smaller (3/4 size, CRF 32):
    the wall time of both cold extractions and of the comparison, and the nine figures (a near copy: the
    ceiling extraction noise leaves)."""
    import subprocess

    from indexes.catalog import Catalog
    from tools.template.compare import compare_templates
    from tools.template.extract import extract_template

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-template-") as tmp:
        settings = _settings(Path(tmp))
        with Catalog.open(settings) as cat:
            for ref in refs:
                copy = Path(tmp) / f"{ref.style}_copy.mp4"
                subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(ref.video), "-vf", "scale=iw*3/4:-2",
                                "-c:v", "libx264", "-crf", "32", "-c:a", "aac", str(copy)], check=True)
                t0 = time.perf_counter()
                a = extract_template(ref.video, settings, cat)
                b = extract_template(copy, settings, cat)
                compare_templates(b, b)  # scipy imported once, not timed
                t1 = time.perf_counter()
                got = compare_templates(a, b)
                t2 = time.perf_counter()
                seconds = 2 * ref.truth.source.duration
                rows.append({"measure": "compare", "style": ref.style, "seconds": seconds,
                             "total_s": round(t2 - t0, 2), "ratio": round((t2 - t0) / seconds, 3),
                             "compare_ms": round((t2 - t1) * 1000, 2), **got})
    return rows


MEASURES: dict[str, Callable[[list[Reference]], list[dict]]] = {"extract": extraction, "real": real_clips,
                                                                 "compare": comparing}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--styles", nargs="*", default=list(STYLES))
    ap.add_argument("--measures", nargs="*", default=list(MEASURES))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    refs = [build_reference(s) for s in args.styles]
    rows = [r for m in args.measures for r in MEASURES[m](refs)]
    if args.json:
        print(json.dumps(rows))
        return
    print(f"cpus: {os.cpu_count()}  load: {os.getloadavg()[0]:.1f}")
    for r in rows:
        print("  ".join(f"{k}={v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
