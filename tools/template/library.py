"""The template library: templates by name, the user's and the built-in ones.

The user's templates live in ``$REELWRIGHT_HOME/library/templates/NAME.json`` (``template extract``
saves there); the built-ins ship in ``tools/data/templates/NAME.json`` (made by extracting
generated references: ``python -m evals.build_templates``). A user template with a
built-in's name shadows it. Wherever a name is accepted, a path to a template file is too.

    >>> t = load_template("hook_first_15", settings)          # doctest: +SKIP
    >>> [i.name for i in list_templates(settings)]            # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from models.settings import Settings
from tools.core.errors import TemplateError
from tools.core.files import write_atomic
from tools.template.model import Template

__all__ = ["TemplateInfo", "BUILTIN_DIR", "user_dir", "check_name", "save_template", "load_template",
           "list_templates"]

BUILTIN_DIR = Path(__file__).resolve().parents[1] / "data" / "templates"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")


@dataclass(frozen=True)
class TemplateInfo:
    """One template of the library, as ``template list`` shows it."""

    name: str
    path: Path
    builtin: bool
    duration: float
    slots: int
    aspect: str
    description: str


def user_dir(settings: Settings) -> Path:
    return Path(settings.home) / "library" / "templates"  # the workspace's library (tools.api.context)


def check_name(name: str) -> str:
    """``name`` if it can name a template file (letters, digits, ``_`` and ``-``, up to 64)."""
    if not _NAME.match(name or ""):
        raise TemplateError(f"template name {name!r}: use letters, digits, '_' or '-' (up to 64), "
                            "starting with a letter or digit")
    return name


def save_template(t: Template, settings: Settings) -> Path:
    """Write ``t`` to the user's library as ``NAME.json`` (whole, replacing a template of that name)."""
    path = user_dir(settings) / f"{check_name(t.name)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, t.model_dump_json(indent=1).encode(), mode=0o644)


def _read(path: Path) -> Template:
    try:
        return Template.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": str(exc)}
        where = ".".join(str(x) for x in first.get("loc", ())) or "file"
        raise TemplateError(f"{path}: not a template file ({where}: {first.get('msg', 'invalid')})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot be read as a template ({exc.__class__.__name__})") from None


def _files(settings: Settings) -> dict[str, tuple[Path, bool]]:
    """name -> (file, built-in) with the user's shadowing the built-ins."""
    found: dict[str, tuple[Path, bool]] = {}
    for folder, builtin in ((BUILTIN_DIR, True), (user_dir(settings), False)):
        if folder.is_dir():
            for p in sorted(folder.glob("*.json")):
                found[p.stem] = (p, builtin)
    return found


def load_template(name_or_path: str, settings: Settings) -> Template:
    """A template by name (the user's library first, then the built-ins) or by file path.

    Raises:
        TemplateError: no template of that name (the message lists the names there are), or
            the file is not a template.
    """
    key = str(name_or_path).strip()
    files = _files(settings)
    if key in files:
        return _read(files[key][0])
    p = Path(key).expanduser()
    if p.suffix.lower() == ".json" or p.exists() or "/" in key:
        if not p.is_file():
            raise TemplateError(f"{p}: no such template file")
        return _read(p)
    names = ", ".join(sorted(files)) or "none yet (reelwright template extract REF.mp4)"
    raise TemplateError(f"unknown template {key!r}; available: {names}")


def list_templates(settings: Settings) -> list[TemplateInfo]:
    """Every template of the library (built-ins and the user's), by name; unreadable files are skipped."""
    out = []
    for name, (path, builtin) in sorted(_files(settings).items()):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            t = Template.model_validate(data)
        except (OSError, ValueError):
            continue
        out.append(TemplateInfo(name, path, builtin, round(t.duration, 2), len(t.slots), t.source.aspect,
                                t.description))
    return out
