"""Two `reelwright analyze` processes on one video: both succeed, each step is computed once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_two_processes_on_one_video_compute_each_step_once(tmp_path, real_settings):
    from evals.fixtures import real_videos
    from indexes.catalog import Catalog
    from tools.analysis.pipeline import STEPS

    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(real_settings.models_dir)
    video = real_videos()["megamind"]  # 11 s, speech and cuts: every step runs
    cmd = [sys.executable, "-m", "cli", "--home", str(home), "analyze", str(video), "--json"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=900) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    reports = [json.loads(o[0]) for o in outs]
    for step in STEPS:
        statuses = sorted(next(s["status"] for s in r["steps"] if s["step"] == step) for r in reports)
        assert statuses == ["cached", "done"], (step, statuses)  # computed by one, loaded by the other
    assert reports[0]["segments"] == reports[1]["segments"] and reports[0]["shots"] == reports[1]["shots"]
    with Catalog(home / "catalog.sqlite") as cat:
        assert cat.verify() == []
        (vid,) = [v.id for v in cat.videos()]
        assert sorted({p.analyzer for p in cat.parts(vid)}) == sorted(STEPS)
