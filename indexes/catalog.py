"""The catalog: everything learned about each video, in SQLite, keyed by content hash.

Each analysis part is stored under (video hash, analyzer, version): a rerun skips
finished parts and a new analyzer version recomputes only its own part. Large
arrays (embeddings, maps) live in ``.npy`` files beside the database, each written
atomically under a name of its own and committed with its SHA-256 in the part's
transaction. :meth:`Catalog.video_lock` is the per-video lock the analysis runner holds.

Writes are transactions (WAL journal, ``synchronous=FULL``): a process killed at any
moment leaves a catalog that opens, holding only whole parts. Source videos are
only read (hashing, probing), never modified or moved.

    >>> with Catalog.open(Settings()) as cat:                              # doctest: +SKIP
    ...     video = cat.add_video("live.mp4")
    ...     if not cat.has_part(video.id, "shots", "2"):
    ...         cat.put_part(video.id, "shots", "2", shots, arrays={"hist": h})
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from tools.core.errors import CatalogError
from tools.core.files import content_hash, write_atomic
from tools.core.schema import Clip, Video

__all__ = ["Catalog", "CatalogError", "PartRecord"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS videos (
    id TEXT PRIMARY KEY, data TEXT NOT NULL, added REAL NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, video_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
    video_id TEXT NOT NULL, analyzer TEXT NOT NULL, version TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '', data TEXT NOT NULL, created REAL NOT NULL, seconds REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (video_id, analyzer, version));
CREATE TABLE IF NOT EXISTS arrays (
    video_id TEXT NOT NULL, analyzer TEXT NOT NULL, version TEXT NOT NULL, name TEXT NOT NULL,
    path TEXT NOT NULL, sha256 TEXT NOT NULL, shape TEXT NOT NULL, dtype TEXT NOT NULL,
    PRIMARY KEY (video_id, analyzer, version, name));
CREATE TABLE IF NOT EXISTS clips (
    id TEXT PRIMARY KEY, video_id TEXT NOT NULL, start REAL NOT NULL, "end" REAL NOT NULL,
    product TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS clips_by_video ON clips (video_id, start);
CREATE TABLE IF NOT EXISTS clip_tags (
    clip_id TEXT NOT NULL, tag TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (clip_id, tag));
CREATE INDEX IF NOT EXISTS clip_tags_by_tag ON clip_tags (tag, score);
"""
_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class PartRecord:
    video_id: str
    analyzer: str
    version: str
    model: str
    data: Any
    created: float
    seconds: float
    arrays: tuple[str, ...]


def _dumps(data: Any) -> str:
    if isinstance(data, BaseModel):
        return data.model_dump_json()
    if isinstance(data, list | tuple) and data and isinstance(data[0], BaseModel):
        return "[" + ",".join(d.model_dump_json() for d in data) + "]"
    return json.dumps(data, ensure_ascii=False)


class Catalog:
    """A SQLite catalog file plus a folder of array files beside it."""

    def __init__(self, path: str | os.PathLike, timeout: float = 60.0):
        self.path = Path(path)
        self.blob_dir = self.path.with_suffix(".blobs")
        deadline = time.monotonic() + timeout
        pause = 0.02
        while True:
            try:
                self._connect(timeout)
                return
            except sqlite3.OperationalError as exc:
                # two processes opening a new catalog at once: switching to WAL and creating the
                # schema can answer "locked" without waiting for the busy timeout; try again
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise CatalogError(f"{self.path}: not a usable catalog ({exc})") from exc
                self._db.close()
                time.sleep(pause)
                pause = min(0.5, pause * 2)
            except sqlite3.DatabaseError as exc:
                raise CatalogError(f"{self.path}: not a usable catalog ({exc})") from exc

    def _connect(self, timeout: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._tx():
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self._db.execute(stmt)
            self._db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    @classmethod
    def open(cls, settings) -> Catalog:
        """The catalog under ``settings.home`` (``catalog.sqlite``)."""
        return cls(Path(settings.home) / "catalog.sqlite")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _tx(self):
        db = self._db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, exc, tb):
                db.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()

    def integrity_ok(self) -> bool:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def verify(self) -> list[str]:
        """Problems found: SQLite's integrity check, then every array file against its SHA-256
        (missing or damaged files). An empty list: the catalog is whole."""
        problems = [] if self.integrity_ok() else [f"{self.path}: SQLite integrity check failed"]
        for vid, analyzer, version, name, rel, sha in self._db.execute(
                "SELECT video_id, analyzer, version, name, path, sha256 FROM arrays ORDER BY path"):
            try:
                raw = (self.blob_dir / rel).read_bytes()
            except OSError:
                problems.append(f"{rel}: missing (array {name} of {analyzer}@{version}, video {vid[:12]})")
                continue
            if hashlib.sha256(raw).hexdigest() != sha:
                problems.append(f"{rel}: damaged, SHA-256 mismatch (array {name} of {analyzer}@{version})")
        return problems

    # ------------------------------------------------------------------ videos

    def add_video(self, path: str | os.PathLike) -> Video:
        """Register a video (hash + probe); returns the existing entry when already known.

        Raises the media layer's named errors for files that are not media.
        """
        from tools.core.media import probe

        p = Path(path).resolve()
        known = self.find_video(p)
        if known is not None:
            return known
        info = probe(p)  # before anything else: a missing or bad file fails fast with a named error
        st = p.stat()
        vid = content_hash(p)
        existing = self.get_video(vid)
        video = existing or Video(
            id=vid, path=str(p), size_bytes=st.st_size, duration=info.duration, format=info.format,
            width=info.video.width if info.video else 0, height=info.video.height if info.video else 0,
            fps=info.video.fps if info.video else 0.0, vfr=info.video.vfr if info.video else False,
            rotation=info.video.rotation if info.video else 0, has_video=info.has_video, has_audio=info.has_audio)
        if existing is not None and existing.path != str(p) and not Path(existing.path).exists():
            video = existing.model_copy(update={"path": str(p)})  # the file moved: follow it
        with self._tx():
            self._db.execute("INSERT OR REPLACE INTO videos (id, data, added) VALUES (?, ?, ?)",
                             (vid, video.model_dump_json(), time.time()))
            self._db.execute("INSERT OR REPLACE INTO files (path, size, mtime_ns, video_id) VALUES (?, ?, ?, ?)",
                             (str(p), st.st_size, st.st_mtime_ns, vid))
        return video

    def find_video(self, path: str | os.PathLike) -> Video | None:
        """The video at ``path`` if its size and mtime are unchanged since it was hashed."""
        p = Path(path).resolve()
        row = self._db.execute("SELECT size, mtime_ns, video_id FROM files WHERE path = ?", (str(p),)).fetchone()
        if row is None or not p.exists():
            return None
        st = p.stat()
        if (st.st_size, st.st_mtime_ns) != (row[0], row[1]):
            return None
        return self.get_video(row[2])

    def get_video(self, video_id: str) -> Video | None:
        row = self._db.execute("SELECT data FROM videos WHERE id = ?", (video_id,)).fetchone()
        return Video.model_validate_json(row[0]) if row else None

    def videos(self) -> list[Video]:
        return [Video.model_validate_json(r[0]) for r in self._db.execute("SELECT data FROM videos ORDER BY added")]

    # ------------------------------------------------------------------- parts

    def has_part(self, video_id: str, analyzer: str, version: str) -> bool:
        row = self._db.execute("SELECT 1 FROM parts WHERE video_id=? AND analyzer=? AND version=?",
                               (video_id, analyzer, version)).fetchone()
        return row is not None

    def put_part(self, video_id: str, analyzer: str, version: str, data: Any, *,
                 arrays: dict[str, np.ndarray] | None = None, model: str = "", seconds: float = 0.0) -> None:
        """Store one analysis part (replacing the same version) with its arrays, atomically.

        Each array goes to a file of its own, under a name no other write uses, and its
        path and SHA-256 are committed in the same transaction as the part: two processes
        storing the same part never write one file, and the catalog never records one
        process's hash for another's bytes. The files of a replaced part are removed after
        the commit.
        """
        if self.get_video(video_id) is None:
            raise CatalogError(f"unknown video {video_id[:12]}: add_video() it first")
        refs = [self._write_array(video_id, analyzer, version, name, arr) for name, arr in (arrays or {}).items()]
        payload = _dumps(data)
        try:
            with self._tx():
                old = [r[0] for r in self._db.execute(
                    "SELECT path FROM arrays WHERE video_id=? AND analyzer=? AND version=?",
                    (video_id, analyzer, version))]
                self._db.execute("DELETE FROM arrays WHERE video_id=? AND analyzer=? AND version=?",
                                 (video_id, analyzer, version))
                self._db.execute(
                    "INSERT OR REPLACE INTO parts (video_id, analyzer, version, model, data, created, seconds) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (video_id, analyzer, version, model, payload, time.time(), seconds))
                self._db.executemany(
                    "INSERT INTO arrays (video_id, analyzer, version, name, path, sha256, shape, dtype) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(video_id, analyzer, version, *r) for r in refs])
        except BaseException:
            for r in refs:  # never committed: nobody refers to these files
                (self.blob_dir / r[1]).unlink(missing_ok=True)
            raise
        for rel in set(old) - {r[1] for r in refs}:
            (self.blob_dir / rel).unlink(missing_ok=True)

    @contextmanager
    def video_lock(self, video_id: str) -> Iterator[None]:
        """Hold the per-video lock (across processes) while analysing ``video_id``.

        A second holder waits; when it gets the lock, the first one's parts are stored.
        """
        path = self.path.with_suffix(".locks") / f"{video_id}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+b") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def get_part(self, video_id: str, analyzer: str, version: str | None = None) -> PartRecord | None:
        """The stored part (``version`` None: the newest of any version)."""
        sql = "SELECT version, model, data, created, seconds FROM parts WHERE video_id=? AND analyzer=?"
        args: tuple = (video_id, analyzer)
        if version is not None:
            sql += " AND version=?"
            args += (version,)
        row = self._db.execute(sql + " ORDER BY created DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        names = tuple(r[0] for r in self._db.execute(
            "SELECT name FROM arrays WHERE video_id=? AND analyzer=? AND version=? ORDER BY name",
            (video_id, analyzer, row[0])))
        return PartRecord(video_id, analyzer, row[0], row[1], json.loads(row[2]), row[3], row[4], names)

    def parts(self, video_id: str) -> list[PartRecord]:
        rows = self._db.execute("SELECT analyzer, version FROM parts WHERE video_id=? ORDER BY created",
                                (video_id,)).fetchall()
        return [p for a, v in rows if (p := self.get_part(video_id, a, v)) is not None]

    def delete_part(self, video_id: str, analyzer: str, version: str) -> None:
        with self._tx():
            self._db.execute("DELETE FROM parts WHERE video_id=? AND analyzer=? AND version=?",
                             (video_id, analyzer, version))
            self._db.execute("DELETE FROM arrays WHERE video_id=? AND analyzer=? AND version=?",
                             (video_id, analyzer, version))

    # ------------------------------------------------------------------ arrays

    def _array_path(self, video_id: str, analyzer: str, version: str, name: str) -> Path:
        safe = lambda s: "".join(c if c.isalnum() or c in "-_.+" else "_" for c in s)  # noqa: E731
        unique = uuid.uuid4().hex[:16]  # never shared with another write, in this process or another
        return self.blob_dir / video_id[:2] / video_id / f"{safe(analyzer)}@{safe(version)}" / f"{safe(name)}.{unique}.npy"

    def _write_array(self, video_id: str, analyzer: str, version: str, name: str,
                     arr: np.ndarray) -> tuple[str, str, str, str, str]:
        target = self._array_path(video_id, analyzer, version, name)
        buf = io.BytesIO()
        arr = np.asarray(arr)
        np.save(buf, arr, allow_pickle=False)
        raw = buf.getvalue()
        write_atomic(target, raw)
        return (name, str(target.relative_to(self.blob_dir)), hashlib.sha256(raw).hexdigest(),
                json.dumps(list(arr.shape)), str(arr.dtype))

    def get_array(self, video_id: str, analyzer: str, version: str, name: str) -> np.ndarray:
        """Load one stored array, checking its SHA-256 (a damaged file raises CatalogError).

        A file removed under the reader because another process replaced the part just
        then is followed to the part's new file.
        """
        sql = "SELECT path, sha256 FROM arrays WHERE video_id=? AND analyzer=? AND version=? AND name=?"
        seen: set[str] = set()
        while True:
            row = self._db.execute(sql, (video_id, analyzer, version, name)).fetchone()
            if row is None:
                raise CatalogError(f"no array {name!r} in part {analyzer}@{version} of video {video_id[:12]}")
            path = self.blob_dir / row[0]
            try:
                raw = path.read_bytes()
                break
            except OSError as exc:
                if row[0] in seen:
                    raise CatalogError(f"array file {path} is missing ({exc.strerror}): rerun the analysis") from None
                seen.add(row[0])
        if hashlib.sha256(raw).hexdigest() != row[1]:
            raise CatalogError(f"array file {path} is damaged (SHA-256 mismatch): rerun the analysis")
        return np.load(io.BytesIO(raw), allow_pickle=False)

    # ------------------------------------------------------------------- clips

    def put_clips(self, video_id: str, clips: Sequence[Clip]) -> None:
        """Replace the clips of ``video_id`` in one transaction."""
        with self._tx():
            self._db.execute("DELETE FROM clip_tags WHERE clip_id IN (SELECT id FROM clips WHERE video_id=?)",
                             (video_id,))
            self._db.execute("DELETE FROM clips WHERE video_id=?", (video_id,))
            self._db.executemany(
                'INSERT INTO clips (id, video_id, start, "end", product, data) VALUES (?, ?, ?, ?, ?, ?)',
                [(c.id, video_id, c.start, c.end, c.product, c.model_dump_json()) for c in clips])
            self._db.executemany("INSERT INTO clip_tags (clip_id, tag, score) VALUES (?, ?, ?)",
                                 [(c.id, t, s) for c in clips for t, s in c.tags.items()])

    def list_clips(self, video_id: str | None = None, *, tag: str | None = None, min_score: float = 0.0,
                   start: float | None = None, end: float | None = None, product: str | None = None) -> list[Clip]:
        """Clips filtered by video, tag (with a minimum score), time range (overlap) and product."""
        sql = "SELECT DISTINCT c.data, c.video_id, c.start FROM clips c"
        where: list[str] = []
        args: list[Any] = []
        if tag is not None:
            sql += " JOIN clip_tags t ON t.clip_id = c.id"
            where += ["t.tag = ?", "t.score >= ?"]
            args += [tag, min_score]
        for cond, value in (("c.video_id = ?", video_id), ("c.product = ?", product),
                            ('c."end" > ?', start), ("c.start < ?", end)):
            if value is not None:
                where.append(cond)
                args.append(value)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY c.video_id, c.start", args).fetchall()
        return [Clip.model_validate_json(r[0]) for r in rows]

    def clip_count(self, video_ids: Iterable[str] | None = None) -> int:
        if video_ids is None:
            return self._db.execute("SELECT COUNT(*) FROM clips").fetchone()[0]
        ids = list(video_ids)
        marks = ",".join("?" * len(ids))
        return self._db.execute(f"SELECT COUNT(*) FROM clips WHERE video_id IN ({marks})", ids).fetchone()[0]
