"""What the tools run with: the settings and the session's workspace, and the paths they may reach.

The settings are passed in, not read behind the caller's back: the CLI (``--home``), the
studio and a Python user wrap calls in :func:`using_settings`; without it the environment's
``REELWRIGHT_*`` settings apply.

    >>> with using_settings(Settings(home="/data/reelwright"), workdir="out/ask/1"):   # doctest: +SKIP
    ...     make_ad("live.mp4", facts=["lipstick.json"], brief="15s ad")

The workspace is where a session's tools may reach (:class:`Workspace`): its working folder
(read and written: every output goes there), the library (``home/library``: fact sheets,
templates; read), the videos already in the catalog (read) and any file or folder the
caller allows (``allow``: e.g. the files a user attached). Every path a tool is given is
resolved (``..`` and symlinks followed) before it is checked: ``/etc/passwd``, ``../../x`` or
a link pointing out of the workspace is refused with an :class:`~tools.core.errors.AccessError`.
A relative path is read from the working folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.core.errors import AccessError, ReelwrightError, UsageError

if TYPE_CHECKING:
    from models.settings import Settings

__all__ = ["Workspace", "using_settings", "current_settings", "current_workspace", "as_result", "readable",
           "in_workdir", "ad_folder", "plan_file", "say"]


@dataclass(frozen=True)
class Workspace:
    """Where one session's tools may reach, and who hears their progress.

    Args:
        settings: home, models and LLM.
        workdir: the session's working folder (read and written; outputs go only here).
        allow: more files or folders the tools may read (e.g. a user's attachments).
        progress: called with one line per step of a long tool (None: silent).
    """

    settings: Settings
    workdir: Path
    allow: tuple[Path, ...] = ()
    progress: Callable[[str], None] | None = None

    @property
    def library(self) -> Path:
        """``home/library``: fact sheets (``facts/``) and templates (``templates/``)."""
        return self.settings.home / "library"


_WORKSPACE: ContextVar[Workspace | None] = ContextVar("reelwright_workspace", default=None)


@contextmanager
def using_settings(settings: Settings, workdir: str | Path | None = None, *, allow: Sequence[str | Path] = (),
                   progress: Callable[[str], None] | None = None) -> Iterator[Settings]:
    """Run the tools called inside the ``with`` block with ``settings`` (home, models, LLM) in a
    workspace: ``workdir`` (default ``home/work``), the library, the catalog's videos and ``allow``."""
    folder = Path(workdir) if workdir is not None else settings.home / "work"
    token = _WORKSPACE.set(Workspace(settings, folder.expanduser().resolve(),
                                     tuple(Path(a).expanduser().resolve() for a in allow), progress))
    try:
        yield settings
    finally:
        _WORKSPACE.reset(token)


def current_workspace() -> Workspace:
    """The workspace set by :func:`using_settings`, else the environment's settings with ``home/work``."""
    got = _WORKSPACE.get()
    if got is not None:
        return got
    from models.settings import Settings

    settings = Settings()
    return Workspace(settings, (settings.home / "work").expanduser().resolve())


def current_settings() -> Settings:
    """The settings set by :func:`using_settings`, else the environment's."""
    return current_workspace().settings


def say(msg: str) -> None:
    """Tell the caller's progress callback (if any) what a tool is doing."""
    cb = current_workspace().progress
    if cb is not None:
        cb(msg)


def as_result(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with a :class:`ReelwrightError` returned as ``{"error": "<one line>"}``: something the
    planner can read and act on. Any other exception is our bug and propagates."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ReelwrightError as exc:
            return {"error": " ".join(str(exc).split()) or type(exc).__name__}

    return wrapper


# ------------------------------------------------------------------ paths


def _resolved(path: str | Path, ws: Workspace) -> Path:
    if not isinstance(path, str | Path) or not str(path).strip():
        raise UsageError(f"{path!r}: not a path")
    try:
        p = Path(path).expanduser()
        return (p if p.is_absolute() else ws.workdir / p).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a NUL byte, a symlink loop
        raise AccessError(f"{path}: not a usable path ({exc})") from None


def _inside(real: Path, root: Path) -> bool:
    return real == root or real.is_relative_to(root)


def readable(path: str | Path, catalog=None) -> Path:
    """``path`` resolved, if the workspace lets a tool read it: inside the working folder, the library or
    an allowed place, or a video of the catalog (``catalog`` given).

    Raises:
        AccessError: anywhere else (``/etc/passwd``, ``../..``, a symlink pointing out)."""
    ws = current_workspace()
    real = _resolved(path, ws)
    if any(_inside(real, root) for root in (ws.workdir, ws.library.resolve(), *ws.allow)):
        return real
    if catalog is not None and catalog.find_video(real) is not None:
        return real
    raise AccessError(f"{path}: refused: outside this session's working folder, the library and the "
                      f"catalog's videos")


def in_workdir(path: str | Path) -> Path:
    """``path`` resolved, if it is inside the working folder (where the tools write).

    Raises:
        AccessError: anywhere else."""
    ws = current_workspace()
    real = _resolved(path, ws)
    if not _inside(real, ws.workdir):
        raise AccessError(f"{path}: refused: the tools write only inside this session's working folder")
    return real


def ad_folder(name: str | None) -> Path:
    """A folder for a new ad inside the working folder: ``name``, or the next free ``ad1``, ``ad2``...

    Raises:
        UsageError: a name that is not one plain folder name."""
    ws = current_workspace()
    if name is not None:
        if not re.fullmatch(r"[\w][\w.-]{0,63}", name):
            raise UsageError(f"{name!r}: an ad's name is one folder name (letters, digits, '-', '_', '.')")
        return in_workdir(ws.workdir / name)
    k = 1
    while (ws.workdir / f"ad{k}").exists() or (ws.workdir / f"ad{k}").is_symlink():
        k += 1
    return in_workdir(ws.workdir / f"ad{k}")


def plan_file(plan_path: str | None) -> Path:
    """The ``plan.json`` a tool works on: ``plan_path`` (the file or its folder, inside the working
    folder), or the newest plan of the session.

    Raises:
        UsageError: no such plan (plan_ad or make_ad makes one)."""
    ws = current_workspace()
    if plan_path is None or not str(plan_path).strip():
        plans = sorted(ws.workdir.glob("*/plan.json"), key=lambda p: p.stat().st_mtime) if ws.workdir.is_dir() else []
        if not plans:
            raise UsageError("no ad in this session yet: call plan_ad or make_ad first")
        return plans[-1]
    real = in_workdir(plan_path)
    if real.is_dir():
        real = real / "plan.json"
    if not real.is_file():
        raise UsageError(f"{plan_path}: no plan there (plan_ad or make_ad writes one)")
    return real
