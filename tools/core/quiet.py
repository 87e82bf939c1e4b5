"""Quiet by default: third-party log noise stays out of the user's terminal.

Two kinds of noise reach a terminal:

- Native libraries (mediapipe's absl logging, TensorFlow Lite, onnxruntime) write straight
  to file descriptor 2, where Python's ``logging`` and ``warnings`` cannot reach.
  :func:`native_quiet` wraps the calls that make them talk (mediapipe graph creation and
  inference, the onnxruntime session behind the OCR): fd 2 is pointed at a temporary file
  for the call and restored after. What they wrote is dropped, unless the wrapped call
  raised: then it is written out, since it may explain the failure. Only these native calls
  are wrapped, never our own messages.
- Python libraries log and warn (jieba's "Building prefix dict...", deprecation warnings).
  :func:`cli_quiet` (the CLI's setting for one command) turns Python warnings of third
  parties off and drops log records below ERROR.

``--verbose`` (the CLI's global option) or ``REELWRIGHT_VERBOSE=1`` shows all of it. The
CLI's choice is held for the command (:func:`verbosity`); outside the CLI the environment
decides.

    >>> with native_quiet():                                           # doctest: +SKIP
    ...     solution = mp.solutions.hands.Hands()
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

__all__ = ["VERBOSE_ENV", "is_verbose", "verbosity", "native_quiet", "cli_quiet", "jieba_log_level",
           "quiet_onnxruntime"]

VERBOSE_ENV = "REELWRIGHT_VERBOSE"
# read by glog / TensorFlow when they first load (mediapipe 0.10.21 logs through absl, which
# reads neither: that is why fd 2 is redirected around its calls)
_NATIVE_ENV = {"GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "3"}
# warnings raised from our own packages stay visible
_OURS = r"(agent|app|cli|evals|indexes|models|tools)(\.|$)"

_verbose: bool | None = None  # the CLI's --verbose for the running command; None: the environment decides
_lock = threading.Lock()  # fd 2 is one per process: nested / concurrent blocks share one redirect
_depth = 0
_saved_fd: int | None = None
_capture: IO[bytes] | None = None
_failed = False


def is_verbose() -> bool:
    """Whether third-party log output should be shown (``--verbose`` or ``REELWRIGHT_VERBOSE=1``)."""
    if _verbose is not None:
        return _verbose
    return os.environ.get(VERBOSE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@contextmanager
def verbosity(verbose: bool) -> Iterator[None]:
    """Hold ``verbose`` as the setting inside the block (every thread sees it), restore after."""
    global _verbose
    before, _verbose = _verbose, verbose
    try:
        yield
    finally:
        _verbose = before


def _set_native_env() -> None:
    for key, value in _NATIVE_ENV.items():
        os.environ.setdefault(key, value)


def _flush_stderr() -> None:
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):  # no stderr, or a closed one
        pass


def _enter() -> bool:
    """Point fd 2 at a temporary file (the first of nested blocks does); False if fd 2 cannot be moved."""
    global _depth, _saved_fd, _capture, _failed
    with _lock:
        if _depth == 0:
            _flush_stderr()  # what Python wrote before the block still reaches the terminal
            capture = tempfile.TemporaryFile()
            try:
                saved = os.dup(2)
            except OSError:  # no fd 2 at all: nothing to quieten
                capture.close()
                return False
            os.dup2(capture.fileno(), 2)
            _saved_fd, _capture, _failed = saved, capture, False
        _depth += 1
        return True


def _leave(failed: bool) -> None:
    """Restore fd 2 (the last of nested blocks does); replay the captured text if a block failed."""
    global _depth, _saved_fd, _capture, _failed
    with _lock:
        _depth -= 1
        _failed = _failed or failed
        if _depth > 0 or _saved_fd is None or _capture is None:
            return
        saved, capture, replay = _saved_fd, _capture, _failed
        _saved_fd, _capture, _failed = None, None, False
        os.dup2(saved, 2)
        os.close(saved)
        try:
            if replay:
                capture.seek(0)
                noise = capture.read()
                if noise:
                    os.write(2, noise)
        finally:
            capture.close()


@contextmanager
def native_quiet() -> Iterator[None]:
    """Drop what native code writes to fd 2 inside the block (shown when verbose, or if the block raises).

    Wrap only third-party native calls (model construction, inference): while the block runs,
    anything any thread writes to fd 2 is captured, Python's ``sys.stderr`` included.
    """
    if is_verbose():
        yield
        return
    _set_native_env()
    if not _enter():
        yield
        return
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        _leave(failed)


@contextmanager
def cli_quiet(verbose: bool) -> Iterator[None]:
    """One CLI command's noise setting: unless ``verbose``, third-party warnings off and log records
    below ERROR dropped; everything is restored after the block (tests run many commands in one process)."""
    with verbosity(verbose):
        if verbose:
            yield
            return
        env_before = {key: os.environ.get(key) for key in _NATIVE_ENV}
        disabled_before = logging.root.manager.disable
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore")
            warnings.filterwarnings("default", module=_OURS)
            _set_native_env()
            logging.disable(logging.WARNING)
            try:
                yield
            finally:
                logging.disable(disabled_before)
                for key, value in env_before.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value


def jieba_log_level() -> int:
    """The level for ``jieba.setLogLevel``: its "Building prefix dict..." lines only when verbose."""
    return logging.DEBUG if is_verbose() else logging.WARNING


def quiet_onnxruntime() -> None:
    """onnxruntime's own logger: errors only, unless verbose (call before creating a session)."""
    import onnxruntime

    onnxruntime.set_default_logger_severity(2 if is_verbose() else 3)  # 2 is its default: warnings
