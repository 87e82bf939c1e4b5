"""What a user attaches (``reelwright ask --attach``, the studio's uploads): a video or a fact sheet,
told apart by what the file holds, never by its name.

    >>> check_attachment("live.mp4")                     # doctest: +SKIP
    Attachment(path=PosixPath('/data/live.mp4'), kind='video', detail='video 244.0 s, 1280x720 h264, with audio')

The checks, in order: the size cap (nothing larger is read at all); a file that starts like JSON
(``{`` or ``[`` after optional whitespace and a UTF-8 byte-order mark) must be a fact sheet of the
documented shape (:func:`tools.core.schema.load_facts`); anything else must be media with a video
stream of a positive duration whose first frame decodes (:func:`tools.core.media.probe`). A file
that fails is refused with an :class:`~tools.core.errors.UploadError`: one line naming the file and
the problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tools.core.errors import ReelwrightError, UploadError

__all__ = ["Attachment", "check_attachment", "MAX_ATTACHMENT_BYTES", "parse_size"]

MAX_ATTACHMENT_BYTES = 4 * 2**30
_SNIFF = 4096  # bytes read to tell JSON text from media


@dataclass(frozen=True)
class Attachment:
    """A checked attachment: its resolved path, what it is, and a one-line description."""

    path: Path
    kind: Literal["video", "facts"]
    detail: str


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def parse_size(text: str | int) -> int:
    """A size as people write it: ``"4G"``, ``"500M"``, ``"750k"``, ``"1048576"`` (bytes; powers of 1024).

    Raises:
        UsageError: not a positive size."""
    from tools.core.errors import UsageError

    s = str(text).strip().upper().removesuffix("B").removesuffix("I")
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    factor = units.get(s[-1:], 1)
    number = s[:-1] if s[-1:] in units else s
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise UsageError(f"{text!r}: not a size (write e.g. 4G, 500M or a number of bytes)") from None
    if value <= 0:
        raise UsageError(f"{text!r}: a size must be positive")
    return value


def _looks_like_json(head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return text[:1] in (b"{", b"[")


def _facts(p: Path) -> Attachment:
    from tools.core.schema import load_facts

    try:
        got = load_facts(p)
    except ReelwrightError as exc:  # FactsError: already names the file
        msg = " ".join(str(exc).split())
        msg = msg.removeprefix(f"{p}: ")
        raise UploadError(f"{p.name}: not a usable fact sheet: {msg}") from None
    sheets = got if isinstance(got, list) else [got]
    names = ", ".join(s.product for s in sheets[:3]) + (f" and {len(sheets) - 3} more" if len(sheets) > 3 else "")
    phrases = sum(len(s.phrases()) for s in sheets)
    return Attachment(p, "facts", f"fact sheet{'s' if len(sheets) > 1 else ''}: {names} ({phrases} phrases)")


def _video(p: Path) -> Attachment:
    from tools.core.media import probe

    try:
        info = probe(p)
    except ReelwrightError as exc:  # MediaError: not media, damaged, empty
        msg = " ".join(str(exc).split())
        raise UploadError(f"{p.name}: neither a video nor a fact sheet ({msg.removeprefix(f'{p}: ')})") from None
    if info.video is None:
        raise UploadError(f"{p.name}: has no video stream (audio only?): attach the live stream's video")
    if not info.duration > 0:
        raise UploadError(f"{p.name}: the video has no duration (a single picture?): attach a video")
    v = info.video
    audio = "with audio" if info.audio is not None else "no audio"
    return Attachment(p, "video", f"video {info.duration:.1f} s, {v.width}x{v.height} {v.codec}, {audio}")


def check_attachment(path: str | Path, max_bytes: int = MAX_ATTACHMENT_BYTES) -> Attachment:
    """``path`` checked by its content: a fact sheet (JSON of the documented shape) or a video.

    Raises:
        UploadError: missing, a folder, larger than ``max_bytes``, empty, a broken fact sheet, or
            neither JSON nor a video with a positive duration."""
    p = Path(path).expanduser()
    try:
        p = p.resolve()
        st = p.stat()
    except (OSError, RuntimeError, ValueError) as exc:
        raise UploadError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    if p.is_dir():
        raise UploadError(f"{p.name}: is a folder; attach a video or a fact sheet")
    if st.st_size > max_bytes:
        raise UploadError(f"{p.name}: {_size(st.st_size)} is larger than the {_size(max_bytes)} an attachment "
                          "may have")
    if st.st_size == 0:
        raise UploadError(f"{p.name}: the file is empty (0 bytes)")
    try:
        with p.open("rb") as f:
            head = f.read(_SNIFF)
    except OSError as exc:
        raise UploadError(f"{p.name}: cannot be read ({exc.strerror or exc})") from None
    return _facts(p) if _looks_like_json(head) else _video(p)
