"""Quiet by default: native writes to fd 2 around model calls are dropped unless verbose; ours never are."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings

import pytest

from tools.core import quiet
from tools.core.quiet import cli_quiet, native_quiet, verbosity


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(quiet.VERBOSE_ENV, raising=False)


def test_native_writes_are_dropped_inside_and_kept_outside(capfd):
    os.write(2, b"before\n")
    with native_quiet():
        os.write(2, b"native noise\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "before" in err and "after" in err
    assert "noise" not in err


def test_verbose_shows_them(capfd):
    with verbosity(True), native_quiet():
        os.write(2, b"native noise\n")
    assert "native noise" in capfd.readouterr().err


def test_the_environment_turns_verbose_on(capfd, monkeypatch):
    monkeypatch.setenv(quiet.VERBOSE_ENV, "1")
    with native_quiet():
        os.write(2, b"native noise\n")
    assert "native noise" in capfd.readouterr().err


def test_a_failure_inside_shows_what_was_written(capfd):
    with pytest.raises(RuntimeError, match="graph failed"), native_quiet():
        os.write(2, b"E0000 why it failed\n")
        raise RuntimeError("graph failed")
    assert "why it failed" in capfd.readouterr().err


def test_nested_blocks_restore_once(capfd):
    with native_quiet():
        with native_quiet():
            os.write(2, b"inner noise\n")
        os.write(2, b"outer noise\n")
    os.write(2, b"visible\n")
    err = capfd.readouterr().err
    assert "noise" not in err and "visible" in err


def test_cli_quiet_drops_third_party_logs_and_warnings_then_restores(caplog):
    lib = logging.getLogger("somelib")
    with cli_quiet(verbose=False), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # what pytest would set; cli_quiet's filters come on top
        with cli_quiet(verbose=False):
            warnings.warn_explicit("old api", DeprecationWarning, "lib.py", 1, module="somelib")
            lib.warning("Building prefix dict...")
            lib.error("a real error")
    assert not caught
    assert [r.getMessage() for r in caplog.records] == ["a real error"]
    assert logging.root.manager.disable == logging.NOTSET
    lib.warning("after")
    assert caplog.records[-1].getMessage() == "after"


def test_cli_quiet_verbose_leaves_everything(caplog):
    with cli_quiet(verbose=True):
        assert quiet.is_verbose()
        logging.getLogger("somelib").warning("shown")
    assert not quiet.is_verbose()
    assert [r.getMessage() for r in caplog.records] == ["shown"]


def _stderr_of(code: str, verbose: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != quiet.VERBOSE_ENV}
    if verbose:
        env[quiet.VERBOSE_ENV] = "1"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stderr


def test_jieba_says_nothing_unless_verbose():
    code = "from tools.core.text import tokens; print(tokens('这支口红含玻尿酸', terms=True))"
    assert _stderr_of(code, verbose=False) == ""
    assert "prefix dict" in _stderr_of(code, verbose=True)


@pytest.mark.slow
def test_mediapipe_says_nothing_unless_verbose():
    """The real models on real frames of a video with people (the warnings come from graph threads)."""
    code = """
import cv2
from tools.analysis.body import available, look
assert available()
cap = cv2.VideoCapture("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
for i in range(60):
    ok, frame = cap.read()
    if i % 10 == 0:
        look(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
"""
    if not os.path.exists("/usr/share/doc/opencv-doc/examples/data/vtest.avi"):
        pytest.skip("opencv-doc's vtest.avi is not installed")
    assert _stderr_of(code, verbose=False) == ""
    assert "inference_feedback_manager" in _stderr_of(code, verbose=True)
