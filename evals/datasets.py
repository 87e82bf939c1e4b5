"""Where the evaluation data lives, and how its records are read.

The E-SyncVidStory development split sits in ``shared/data/esyncvidstory/`` beside the
repository (``REELWRIGHT_ESYNC_DIR`` overrides). Records: ``{"id", "product", "facts",
"clips": [{"index", "total", "chars": [lo, hi], "labels", "narration"}]}``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from tools.core.errors import DataError

__all__ = ["read_jsonl", "DataError", "esync_dir", "esync_dev", "read_records"]

_REPO = Path(__file__).resolve().parent.parent


def esync_dir() -> Path:
    env = os.environ.get("REELWRIGHT_ESYNC_DIR")
    return Path(env) if env else _REPO.parent / "shared" / "data" / "esyncvidstory"


def esync_dev() -> Path:
    """The development split, or DataError saying where it was looked for."""
    path = esync_dir() / "dev.jsonl"
    if not path.exists():
        raise DataError(f"E-SyncVidStory dev split not found at {path} (set REELWRIGHT_ESYNC_DIR)")
    return path


def read_jsonl(path: str | Path, what: str = "") -> Iterator[tuple[int, object]]:
    """(line number, parsed object) for each non-blank line of a JSONL file; a file that cannot be
    read, is not UTF-8 or has a line that is not JSON is a :class:`DataError` naming the line
    (``what`` names the file's kind in the message, e.g. "the guard cases")."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{p}: cannot read{' ' + what if what else ''} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise DataError(f"{p}: not UTF-8 text") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except ValueError as exc:
            raise DataError(f"{p}:{n}: not JSON ({exc})") from None


def read_records(path: str | Path, limit: int | None = None) -> list[dict]:
    """Read a JSONL file of ads of the dev file's shape, checking each record's shape."""
    p = Path(path)
    out = []
    for n, rec in read_jsonl(p):
        problem = _shape_problem(rec)
        if problem:
            raise DataError(f"{p}:{n}: {problem}")
        out.append(rec)
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise DataError(f"{p}: no records")
    return out


def _shape_problem(rec: object) -> str | None:
    if not isinstance(rec, dict):
        return "a record must be a JSON object"
    if not isinstance(rec.get("product"), str) or not isinstance(rec.get("facts"), dict):
        return 'a record needs "product" (text) and "facts" (object of lists)'
    clips = rec.get("clips")
    if not isinstance(clips, list) or not clips:
        return 'a record needs a non-empty "clips" list'
    for c in clips:
        if not isinstance(c, dict) or not isinstance(c.get("labels"), list) or "chars" not in c:
            return 'each clip needs "labels" (list) and "chars" ([min, max])'
        lo_hi = c["chars"]
        if not (isinstance(lo_hi, list) and len(lo_hi) == 2 and all(isinstance(x, int) for x in lo_hi)):
            return f'clip {c.get("index")}: "chars" must be [min, max] integers'
    return None
