"""The studio: a browser app over the planner (``reelwright app``; ``python app.py`` for the environment's settings).

One page: a chat with the planner on the left, where every tool step shows as it runs (its
progress lines, then how long it took, or its error), and the ad on the right (the video, its
cover, downloads of the MP4, subtitles, editor's timeline and plan, the narration with the fact
phrases behind each line and the guard's warnings, and the stream's structure with the ad's
clips marked), with the plan's versions to go back to. Inputs: upload a live stream and its
fact sheets (checked by content: :func:`agent.attachments.check_attachment`), type a fact sheet
in a small form, or pick an analysed video and sheets from the library.

Sessions stay apart: each browser tab gets its own :class:`agent.Agent` and working folder
(``home/studio/<session id>``), runs one request at a time, and the heavy requests of all
sessions share ``concurrency`` slots (the others wait in line). The app serves only the files
under its work root. Serving beyond this machine (a host other than 127.0.0.1 / localhost)
needs a login (``--auth USER:PASSWORD``).

Nothing heavy happens at import: Gradio, the agent and the models load in :func:`build_app`,
the LLM in the background when a session starts (``agent.warm()``).
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.core.errors import ReelwrightError, UsageError

if TYPE_CHECKING:
    from agent.attachments import Attachment
    from models.settings import Settings

__all__ = ["build_app", "main", "check_bind", "parse_auth", "sheet_from_form", "result_view", "ResultView",
           "narration_markdown", "chosen_marks", "Studio", "Session", "DEFAULT_MAX_UPLOAD"]

DEFAULT_MAX_UPLOAD = 4 * 2**30
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DOWNLOADS = ("ad", "srt", "ass", "otio")  # the rendered files offered for download, in this order
_TOOL = "⚙"
_EXAMPLES = ["make a 15s ad", "make it 10 seconds", "use the second storyline", "make it square",
             "undo", "turn the music off"]


# ------------------------------------------------------------------ serving: host, login


def parse_auth(text: str) -> tuple[str, str]:
    """``"user:password"`` as the pair Gradio logs in with (the password may hold ``:``).

    Raises:
        UsageError: no user or no password."""
    user, sep, password = str(text).partition(":")
    if not sep or not user.strip() or not password:
        raise UsageError("--auth: write USER:PASSWORD (both non-empty)")
    return user.strip(), password


def check_bind(host: str, auth: str | None) -> tuple[str, str] | None:
    """The login for serving on ``host``: None on this machine only (127.0.0.1, localhost, ::1) without
    ``auth``; anywhere else ``auth`` is required.

    Raises:
        UsageError: another host without ``auth``, or a malformed ``auth``."""
    creds = parse_auth(auth) if auth is not None else None
    if creds is None and host.strip().lower() not in LOCAL_HOSTS:
        raise UsageError(f"--host {host}: serving beyond this machine needs a login: add --auth USER:PASSWORD "
                         "(or use --host 127.0.0.1)")
    return creds


# ------------------------------------------------------------------ the fact-sheet form


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "_", text.strip().lower(), flags=re.UNICODE).strip("_")[:40] or "product"


def sheet_from_form(product: str, lines: str, aliases: str = "") -> dict:
    """A fact sheet from the studio's form: one fact per line as ``field: phrase`` (several phrases
    of one field: ``field: a; b``); a line without a field goes to ``features``.

        >>> sheet_from_form("Aurora", "price: $24.90 per bag\\norigin: Colombia; Ethiopia\\nFairtrade")
        {'product': 'Aurora', 'facts': {'price': ['$24.90 per bag'], 'origin': ['Colombia', 'Ethiopia'], 'features': ['Fairtrade']}}

    Raises:
        UsageError: no product name or no fact."""
    name = " ".join(str(product or "").split())
    if not name:
        raise UsageError("the fact sheet needs the product's name")
    facts: dict[str, list[str]] = {}
    for raw in str(lines or "").splitlines():
        line = raw.strip().lstrip("-•*").strip()
        if not line:
            continue
        key, sep, rest = line.replace("：", ":").partition(":")
        if not sep or not key.strip() or not rest.strip() or len(key) > 40 or key.strip()[:1].isdigit():
            key, rest = "features", line
        phrases = [p.strip() for p in rest.split(";") if p.strip()]
        bucket = facts.setdefault(key.strip(), [])
        bucket += [p for p in phrases if p not in bucket]
    if not facts:
        raise UsageError(f"the fact sheet of {name} has no facts: write one per line, e.g. 'price: $24.90 per bag'")
    sheet: dict[str, Any] = {"product": name, "facts": facts}
    names = [a.strip() for a in str(aliases or "").replace("\n", ",").split(",") if a.strip()]
    if names:
        sheet["aliases"] = names
    return sheet


# ------------------------------------------------------------------ the result panel


@dataclass
class ResultView:
    """What the result panel shows of one plan version (paths absolute; None: nothing to show)."""

    summary: str = "No ad yet: attach a live stream and its fact sheet, then ask for an ad."
    video: Path | None = None
    cover: Path | None = None
    downloads: list[Path] = field(default_factory=list)
    narration: str = ""
    plot: Path | None = None
    marks: list[tuple[float, float, str]] = field(default_factory=list)


def _mmss(t: float) -> str:
    return f"{int(t // 60)}:{t % 60:04.1f}"


def _md(text: str) -> str:
    """``text`` safe inside Markdown (no markup, no HTML)."""
    return re.sub(r"([\\`*_{}\[\]<>#|~])", r"\\\1", html.escape(str(text), quote=False))


def chosen_marks(plan: dict) -> list[tuple[float, float, str]]:
    """The stream spans the ad's chosen storyline uses: ``(start, end, "1")`` per slot with a clip."""
    try:
        slots = plan["variants"][plan["chosen"]]["slots"]
    except (KeyError, IndexError, TypeError):
        return []
    out = []
    for s in slots:
        c = s.get("clip") or {}
        if "start" in c and "end" in c:
            out.append((float(c["start"]), float(c["end"]), str(s.get("index", len(out) + 1))))
    return out


def narration_markdown(plan: dict) -> str:
    """The ad's lines as Markdown: per slot its clip, the line, the fact phrases behind it and any
    warning of the fact guard."""
    try:
        slots = {int(s["index"]): s for s in plan["variants"][plan["chosen"]]["slots"]}
    except (KeyError, IndexError, TypeError, ValueError):
        slots = {}
    lines = plan.get("narration")
    if lines is None:
        first = (plan.get("rendered") or [{}])[0]
        lines = first.get("narration")
    out = []
    if not lines:
        if plan.get("audio") == "original":
            out.append("*This ad uses the presenter's own speech: no voice-over lines.*")
        else:
            out.append("*No narration written yet.*")
        for k, s in sorted(slots.items()):
            c = s.get("clip") or {}
            where = f"{_mmss(c['start'])}-{_mmss(c['end'])}" if "start" in c else "no clip"
            out.append(f"- **{k}** · {_md(', '.join(s.get('tags', [])[:2]))} · {where}")
        return "\n".join(out)
    warnings = 0
    for n in lines:
        k = int(n.get("slot", len(out) + 1))
        s = slots.get(k, {})
        c = s.get("clip") or {}
        where = f" · {_mmss(c['start'])}-{_mmss(c['end'])}" if "start" in c else ""
        tags = f" · {_md(', '.join(s.get('tags', [])[:2]))}" if s.get("tags") else ""
        out.append(f"**{k}.** {_md(n.get('text', ''))}  \n<small>slot {k}{tags}{where}</small>")
        facts = [f for f in n.get("facts") or [] if str(f).strip()]
        out.append("  \n" + ("facts: " + "; ".join(f"“{_md(f)}”" for f in facts) if facts
                             else "facts: *none: a line without a fact behind it*"))
        for flag in n.get("flags") or []:
            warnings += 1
            out.append(f"  \n⚠ guard: {_md(flag)}")
        out.append("\n")
    bare = sum(1 for n in lines if not [f for f in n.get("facts") or [] if str(f).strip()])
    if warnings:
        head = (f"⚠ **{warnings} guard warning{'s' if warnings > 1 else ''}** (the guard rewrote the line or "
                "dropped the claim)\n\n")
    elif bare:
        head = f"{len(lines) - bare} of {len(lines)} lines rest on a fact phrase; the guard found nothing to fix\n\n"
    else:
        head = "✓ every line rests on a fact phrase of the sheet\n\n"
    return head + "\n".join(out).rstrip()


def _summary(plan: dict, number: int | None, summary: str | None, changes: list[str] | None) -> str:
    spec = plan.get("spec") or {}
    product = (plan.get("segment") or {}).get("product") or "the stream"
    head = f"### Version {number}: " if number else "### "
    text = summary or f"{spec.get('duration', '?')} s {spec.get('aspect', '?')} ad of {product}"
    out = [head + _md(text)]
    if changes:
        out.append("Changed: " + "; ".join(_md(c) for c in changes))
    notes = [f"storyline **{_md(v['storyline'])}**" for v in (plan.get("variants") or [])[plan.get("chosen", 0):][:1]
             if isinstance(v, dict) and "storyline" in v]
    notes.append(f"audio: {_md(plan.get('audio', '?'))}")
    out.append(" · ".join(notes))
    return "\n\n".join(out)


def _rendered_files(plan: dict, folder: Path) -> dict[str, Path]:
    rendered = plan.get("rendered") or []
    names = rendered[0].get("files", {}) if rendered and isinstance(rendered[0], dict) else {}
    out = {}
    for kind, name in names.items():
        p = Path(name)
        p = p if p.is_absolute() else folder / p
        if p.is_file():
            out[kind] = p
    return out


def result_view(plan_path: str | Path, folder: str | Path | None = None, *, number: int | None = None,
                summary: str | None = None, changes: list[str] | None = None,
                plot: Callable[[dict, list[tuple[float, float, str]]], Path | None] | None = None,
                plan_file: str | Path | None = None) -> ResultView:
    """The result panel of the plan in ``plan_path`` (a plan.json or a version's snapshot of one).

    Args:
        folder: where the plan's rendered files are (default: ``plan_path``'s folder).
        number, summary, changes: the version's number, one-line summary and what changed.
        plot: draws the stream's structure with the chosen clips marked (None: no plot).
        plan_file: the plan.json to offer for download (default: ``folder/plan.json`` if it exists,
            else ``plan_path``)."""
    plan_path = Path(plan_path)
    folder = Path(folder) if folder is not None else plan_path.parent
    try:
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return ResultView(summary=f"The plan {plan_path.name} cannot be read ({exc}).")
    files = _rendered_files(plan, folder)
    downloads = [files[k] for k in DOWNLOADS if k in files]
    plan_dl = Path(plan_file) if plan_file is not None else (folder / "plan.json" if (folder / "plan.json").is_file()
                                                             else plan_path)
    downloads.append(plan_dl)
    marks = chosen_marks(plan)
    picture = None
    if plot is not None:
        try:
            picture = plot(plan, marks)
        except ReelwrightError:
            picture = None
    return ResultView(summary=_summary(plan, number, summary, changes), video=files.get("ad"), cover=files.get("cover"),
                      downloads=downloads, narration=narration_markdown(plan), plot=picture, marks=marks)


def structure_plot(settings: Settings, plan: dict, marks: list[tuple[float, float, str]], out_dir: Path) -> Path | None:
    """The stream's structure (segments, tags, highlights) with ``marks``, cached in ``out_dir`` by the
    stream and the marks (None: the stream is not in the catalog any more)."""
    source = plan.get("source")
    if not source:
        return None
    key = hashlib.sha1(json.dumps([source, marks]).encode()).hexdigest()[:12]
    out = out_dir / f"structure_{key}.png"
    if out.is_file():
        return out
    from indexes.catalog import Catalog
    from tools.analysis.pipeline import load_analysis
    from tools.analysis.plot import plot_structure

    with Catalog.open(settings) as cat:
        video = cat.find_video(Path(source))
        analysis = load_analysis(cat, video) if video is not None else None
        if analysis is None:
            return None
        part = cat.get_part(video.id, "highlights")
        highlights = [h["score"] for h in part.data] if part is not None else None
    title = f"{Path(source).name}: the ad's clips are marked 1, 2, ..."
    return plot_structure(analysis, out, title=title, highlights=highlights, marks=marks)


# ------------------------------------------------------------------ the chat transcript


class Transcript:
    """The chat as Gradio's Chatbot shows it (a list of message dicts), built from the turn's events."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self._steps: dict[tuple[int, str], list[dict]] = {}  # the running steps
        self._reply: dict | None = None
        self._turn = 0
        self._ids = 0

    def user(self, text: str, attached: list[str] = ()) -> None:
        self._turn += 1
        self._steps, self._reply = {}, None
        note = ("\n\nattached: " + ", ".join(attached)) if attached else ""
        self.messages.append({"role": "user", "content": text + note})

    def note(self, title: str, text: str = "", status: str = "done") -> dict:
        msg = {"role": "assistant", "content": text or title, "metadata": {"title": title, "status": status}}
        self.messages.append(msg)
        return msg

    def say(self, text: str) -> None:
        self.messages.append({"role": "assistant", "content": text})

    def apply(self, ev: Any) -> None:
        """Add one event of :mod:`agent.events` to the transcript."""
        from agent.events import PlanChanged, StepFinished, StepProgress, StepStarted, Token, TurnDone

        if isinstance(ev, StepStarted):
            args = ", ".join(f"{k}={_short(v)}" for k, v in ev.args.items() if v not in (None, "", [], {}))
            self._ids += 1
            msg = {"role": "assistant", "content": f"{ev.tool}({_md(args)})",
                   "metadata": {"title": f"{_TOOL} step {ev.step}: {ev.tool}", "status": "pending",
                                "id": f"step{self._ids}", "log": "running"}}
            self._steps.setdefault((ev.step, ev.tool), []).append(msg)  # calls made at once may share a number
            self._reply = None  # text after a step starts a new bubble
            self.messages.append(msg)
        elif isinstance(ev, StepProgress):
            running = self._steps.get((ev.step, ev.tool))
            if running:
                msg = running[-1]
                msg["metadata"]["log"] = ev.message[:120]
                lines = msg["content"].split("\n")
                msg["content"] = "\n".join([*lines[:1], *lines[1:][-24:], f"- {_md(ev.message)}"])
        elif isinstance(ev, StepFinished):
            running = self._steps.get((ev.step, ev.tool))
            msg = running.pop(0) if running else self.note(f"{_TOOL} step {ev.step}: {ev.tool}")
            meta = msg["metadata"]
            meta.update(status="done", duration=round(float(ev.seconds), 1))
            if ev.ok:
                meta["log"] = "done"
            else:
                meta["title"] = f"✗ step {ev.step}: {ev.tool} failed"
                meta["log"] = "failed"
                msg["content"] += f"\n\n**error:** {_md(ev.error or 'the tool failed')}"
        elif isinstance(ev, Token):
            if self._reply is None:
                self._reply = {"role": "assistant", "content": ""}
                self.messages.append(self._reply)
            self._reply["content"] += ev.text
        elif isinstance(ev, PlanChanged):
            body = _md(ev.summary) + "".join(f"\n- {_md(c)}" for c in ev.changes)
            self.note(f"▶ version {ev.number}", body)
            self._reply = None
        elif isinstance(ev, TurnDone):
            if ev.fallback:  # the model's own answer was set aside for the fixed recipe: drop its text
                first = self._first_of_turn()
                steps = [k for k in range(first, len(self.messages)) if "metadata" in self.messages[k]]
                if steps:
                    self.messages[first:steps[0]] = [m for m in self.messages[first:steps[0]] if "metadata" in m]
            streamed = "".join(m["content"] for m in self.messages[self._first_of_turn():]
                               if m["role"] == "assistant" and "metadata" not in m)
            if ev.reply.strip() and ev.reply.strip() not in streamed:
                if self._reply is not None and not self._reply["content"].strip():
                    self._reply["content"] = ev.reply
                else:
                    self.say(ev.reply)
            for m in (m for running in self._steps.values() for m in running):  # never closed
                m["metadata"].update(status="done", log="not finished")
            self._steps = {}
            self._reply = None

    def _first_of_turn(self) -> int:
        for k in range(len(self.messages) - 1, -1, -1):
            if self.messages[k]["role"] == "user":
                return k + 1
        return 0

    def snapshot(self) -> list[dict]:
        return copy.deepcopy(self.messages)


def _short(v: Any, most: int = 60) -> str:
    text = Path(v).name if isinstance(v, str) and os.sep in v else json.dumps(v, ensure_ascii=False) \
        if not isinstance(v, str) else v
    if isinstance(v, list):
        text = "[" + ", ".join(Path(x).name if isinstance(x, str) and os.sep in x else str(x) for x in v) + "]"
    return text if len(text) <= most else text[: most - 1] + "…"


# ------------------------------------------------------------------ sessions


_END = object()


class Session:
    """One browser tab: its agent, working folder, attachments, transcript and one-request lock."""

    def __init__(self, studio: Studio, sid: str):
        self.studio = studio
        self.id = sid
        self.workdir = studio.workroot / sid
        (self.workdir / "uploads").mkdir(parents=True, exist_ok=True)
        self.views = self.workdir / "_studio"  # the panel's pictures
        self.lock = threading.Lock()
        self.transcript = Transcript()
        self.attachments: dict[Path, Attachment] = {}  # in the order attached
        self.sent: set[Path] = set()  # given to the agent already
        self.agent = None
        self.error: str | None = None
        self.changed = threading.Condition()
        self.tick = 0  # bumped by every event applied
        self.plan_tick = 0  # bumped by every new plan version
        self.running = False  # a request is being answered
        try:
            self.agent = studio.agent_factory(studio.settings, self.workdir)
            warm = getattr(self.agent, "warm", None)
            if warm is not None:
                warm()
        except ReelwrightError as exc:
            self.error = str(exc)

    # -- attachments

    def attach(self, att: Attachment) -> Attachment:
        """Keep ``att`` for the next request (a new video replaces an earlier one not yet sent)."""
        if att.kind == "video":
            for p, a in list(self.attachments.items()):
                if a.kind == "video" and p not in self.sent:
                    del self.attachments[p]
        self.attachments[att.path] = att
        return att

    def store(self, src: Path) -> Path:
        """``src`` (an upload) linked or copied into ``uploads/`` under its own name."""
        folder = self.workdir / "uploads"
        name = re.sub(r"[^\w.\-]+", "_", src.name).lstrip(".") or "upload"
        dest = folder / name
        k = 1
        while dest.exists() and not _same_file(dest, src):
            k += 1
            dest = folder / f"{Path(name).stem}-{k}{Path(name).suffix}"
        if not dest.exists():
            try:
                os.link(src, dest)
            except OSError:
                shutil.copyfile(src, dest)
        return dest

    def pending(self) -> list[Path]:
        return [p for p in self.attachments if p not in self.sent]

    def attached_markdown(self, problems: list[str] = ()) -> str:
        rows = []
        for p, a in self.attachments.items():
            icon = "video" if a.kind == "video" else "facts"
            state = "" if p in self.sent else " · *new: goes with your next message*"
            rows.append(f"- {icon}: **{_md(p.name)}**: {_md(a.detail)}{state}")
        rows += [f"- ✗ {_md(m)}" for m in problems]
        return "\n".join(rows) if rows else "*Nothing attached yet.*"

    # -- a turn

    def run(self, message: str) -> None:
        """Run one request in a thread of its own; the caller holds :attr:`lock` (released at the end)."""
        attachments = self.pending()
        with self.changed:
            self.running = True
            self.transcript.user(message, [p.name for p in attachments])
            self.sent.update(attachments)
            self._bump(locked=True)
        threading.Thread(target=self._turn, args=(message, attachments), daemon=True,
                         name=f"studio-{self.id}").start()

    def _turn(self, message: str, attachments: list[Path]) -> None:
        from agent.events import PlanChanged, TurnDone

        heavy = self.studio.heavy
        waiting = None
        try:
            if not heavy.acquire(blocking=False):
                with self.changed:
                    waiting = self.transcript.note("… waiting for another session's request to finish",
                                                   status="pending")
                    self._bump(locked=True)
                heavy.acquire()
            try:
                if waiting is not None:
                    with self.changed:
                        self.transcript.messages.remove(waiting)
                        self._bump(locked=True)
                done = False
                for ev in self.agent.stream(message, attachments=attachments):
                    with self.changed:
                        self.transcript.apply(ev)
                        if isinstance(ev, PlanChanged):
                            self.plan_tick += 1
                        done = done or isinstance(ev, TurnDone)
                        self._bump(locked=True)
                if not done:
                    with self.changed:
                        self.transcript.say("(the planner stopped without an answer)")
                        self._bump(locked=True)
            finally:
                heavy.release()
        except ReelwrightError as exc:
            with self.changed:
                self.transcript.say(f"✗ {_md(exc)}")
                self._bump(locked=True)
        except Exception as exc:  # our bug: say so in the chat, keep the server up
            import traceback

            traceback.print_exc()
            with self.changed:
                self.transcript.say(f"✗ internal error: {_md(type(exc).__name__)}: {_md(exc)}")
                self._bump(locked=True)
        finally:
            with self.changed:
                self.running = False
                self._bump(locked=True)
                self._keep_transcript()
            self.lock.release()

    def _keep_transcript(self) -> None:
        """The chat so far as ``_studio/chat.json`` in the working folder (what the user saw)."""
        try:
            self.views.mkdir(parents=True, exist_ok=True)
            (self.views / "chat.json").write_text(json.dumps(self.transcript.messages, ensure_ascii=False, indent=1),
                                                  encoding="utf-8")
        except OSError:
            pass

    def _bump(self, locked: bool = False) -> None:
        if locked:
            self.tick += 1
            self.changed.notify_all()
        else:
            with self.changed:
                self.tick += 1
                self.changed.notify_all()

    # -- the panel

    def view(self) -> ResultView:
        history = getattr(self.agent, "history", None)
        current = getattr(history, "current", None)
        if current is None:
            return ResultView()
        source = Path(getattr(current, "source", current.plan))
        settings = self.studio.settings
        views = self.views

        def plot(plan: dict, marks: list) -> Path | None:
            views.mkdir(parents=True, exist_ok=True)
            try:
                return structure_plot(settings, plan, marks, views)
            except ReelwrightError:
                return None
            except Exception:  # our bug, but a missing picture must not stop the panel
                import traceback

                traceback.print_exc()
                return None

        return result_view(current.plan, source.parent, number=current.number, summary=current.summary,
                           changes=list(current.changes), plot=plot,
                           plan_file=source if source.name == "plan.json" and source.is_file() else None)

    def versions(self) -> tuple[list[tuple[str, int]], int | None]:
        history = getattr(self.agent, "history", None)
        versions = list(getattr(history, "versions", []) or [])
        current = getattr(history, "current", None)
        choices = [(f"v{v.number} · {v.summary}", v.number) for v in reversed(versions)]
        return choices, (current.number if current is not None else None)


def library_choices_of(listing: dict, workroot: Path, workdir: Path) -> tuple[list, list]:
    """The library's analysed videos and fact sheets as dropdown choices ``(label, path)``, without the
    files other studio sessions uploaded (the catalog is shared; the sessions are not)."""
    if "error" in listing:
        return [], []

    def visible(path: str) -> bool:
        p = Path(path)
        return not p.is_relative_to(workroot) or p.is_relative_to(workdir)

    videos = [(f"{Path(v['path']).name} · {v['duration']:.0f} s · {', '.join(v['products']) or 'no product'}",
               v["path"]) for v in listing.get("videos", []) if v.get("analysed") and visible(v["path"])]
    sheets = [(f"{f['product']} · {Path(f['path']).name}", f["path"]) for f in listing.get("fact_sheets", [])
              if visible(f["path"])]
    return videos, sheets


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b) or (a.stat().st_size == b.stat().st_size and _digest(a) == _digest(b))
    except OSError:
        return False


def _digest(p: Path) -> str:
    h = hashlib.sha256()
    with p.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _default_agent(settings: Settings, workdir: Path):
    from agent import Agent

    return Agent(settings, workdir)


class Studio:
    """The sessions of one app: settings, work root, upload cap and the shared heavy slots."""

    def __init__(self, settings: Settings, workroot: Path, *, max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
                 concurrency: int = 1, agent_factory: Callable[[Settings, Path], Any] | None = None):
        self.settings = settings
        self.workroot = Path(workroot).expanduser().resolve()
        self.workroot.mkdir(parents=True, exist_ok=True)
        self.max_upload_bytes = int(max_upload_bytes)
        self.concurrency = max(1, int(concurrency))
        self.heavy = threading.BoundedSemaphore(self.concurrency)
        self.agent_factory = agent_factory or _default_agent
        self.sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self) -> Session:
        sid = uuid.uuid4().hex[:16]
        s = Session(self, sid)
        with self._lock:
            self.sessions[sid] = s
        return s

    def get(self, sid: str | None) -> Session:
        with self._lock:
            s = self.sessions.get(sid or "")
        if s is None:
            raise UsageError("this page's session has ended (the server restarted?): reload the page")
        return s

    def close(self, sid: str | None) -> None:
        """Forget a session (its tab closed); its working folder stays."""
        with self._lock:
            self.sessions.pop(sid or "", None)


def default_workroot(settings: Settings) -> Path:
    return Path(settings.home).expanduser().resolve() / "studio"


# ------------------------------------------------------------------ the app


_CSS = """
#ad-video video { max-height: 520px; }
#narration { font-size: 0.95em; }
.rw-small { font-size: 0.85em; color: var(--body-text-color-subdued); }
"""


def build_app(settings: Settings | None = None, *, max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
              workroot: str | Path | None = None, concurrency: int = 1,
              agent_factory: Callable[[Settings, Path], Any] | None = None):
    """The studio as a Gradio Blocks app (not launched; :func:`main` serves it).

    Args:
        settings: home, models and LLM (default: the environment's).
        max_upload_bytes: the largest file a user may attach.
        workroot: where the sessions' working folders go (default ``home/studio``); the only folder
            the app serves files from.
        concurrency: how many sessions' requests run at once (the rest wait in line).
        agent_factory: ``(settings, workdir) -> agent`` (default :class:`agent.Agent`)."""
    from models.settings import Settings

    settings = settings or Settings()
    root = Path(workroot) if workroot is not None else default_workroot(settings)
    studio = Studio(settings, root, max_upload_bytes=max_upload_bytes, concurrency=concurrency,
                    agent_factory=agent_factory)
    # Gradio's upload cache inside the work root: uploads and served copies stay under it
    os.environ.setdefault("GRADIO_TEMP_DIR", str(studio.workroot / "_gradio"))
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from agent.attachments import check_attachment

    def panel(s: Session) -> list:
        v = s.view()
        choices, current = s.versions()
        plot = gr.Image(value=str(v.plot) if v.plot else None, visible=v.plot is not None)
        return [v.summary, str(v.video) if v.video else None, str(v.cover) if v.cover else None,
                [str(p) for p in v.downloads] or None, v.narration or "", plot,
                gr.Dropdown(choices=choices, value=current, interactive=bool(choices))]

    def no_panel() -> list:
        return [gr.skip()] * 7

    def library_choices(s: Session) -> tuple[list, list]:
        from tools.api import list_library, using_settings

        with using_settings(settings, s.workdir):
            got = list_library()
        return library_choices_of(got, studio.workroot, s.workdir)

    # -- handlers

    def start():
        s = studio.open()
        if s.error:
            s.transcript.say(f"✗ the planner cannot start: {_md(s.error)}")
        try:
            videos, sheets = library_choices(s)
        except ReelwrightError:
            videos, sheets = [], []
        return [s.id, s.transcript.snapshot(), s.attached_markdown(),
                gr.Dropdown(choices=videos, value=None), gr.Dropdown(choices=sheets, value=[]), *panel(s)]

    def attach_files(files, sid):
        s = studio.get(sid)
        problems = []
        for f in files or []:
            src = Path(f if isinstance(f, str) else getattr(f, "name", f))
            try:
                att = check_attachment(src, studio.max_upload_bytes)
                dest = s.store(att.path)
                s.attach(type(att)(dest, att.kind, att.detail))
            except ReelwrightError as exc:
                problems.append(str(exc))
                gr.Warning(str(exc))
        return s.attached_markdown(problems), None

    def attach_form(product, lines, aliases, sid):
        s = studio.get(sid)
        try:
            sheet = sheet_from_form(product, lines, aliases)
            path = s.workdir / "uploads" / f"facts_{_slug(sheet['product'])}.json"
            path.write_text(json.dumps(sheet, ensure_ascii=False, indent=1), encoding="utf-8")
            att = check_attachment(path, studio.max_upload_bytes)
        except ReelwrightError as exc:
            gr.Warning(str(exc))
            return s.attached_markdown([str(exc)]), gr.skip(), gr.skip()
        s.sent.discard(att.path)  # rewritten: the agent should read it again
        s.attach(att)
        return s.attached_markdown(), "", ""

    def attach_library(video, sheets, sid):
        s = studio.get(sid)
        problems = []
        for p in [*([video] if video else []), *(sheets or [])]:
            try:
                s.attach(check_attachment(p, studio.max_upload_bytes))
            except ReelwrightError as exc:
                problems.append(str(exc))
        return s.attached_markdown(problems)

    def refresh_library(sid):
        s = studio.get(sid)
        videos, sheets = library_choices(s)
        return gr.Dropdown(choices=videos, value=None), gr.Dropdown(choices=sheets, value=[])

    def clear_attachments(sid):
        s = studio.get(sid)
        s.attachments.clear()
        return s.attached_markdown()

    def respond(message, sid) -> Iterator[list]:
        s = studio.get(sid)
        message = (message or "").strip()
        if not message:
            yield [gr.skip(), gr.skip(), gr.skip(), gr.skip(), *no_panel()]
            return
        if s.agent is None:
            s.transcript.say(f"✗ the planner cannot start: {_md(s.error or 'unknown error')}")
            yield [s.transcript.snapshot(), "", gr.skip(), gr.skip(), *no_panel()]
            return
        if not s.lock.acquire(blocking=False):
            gr.Warning("Still working on your previous request: wait for it to finish.")
            yield [gr.skip(), gr.skip(), gr.skip(), gr.skip(), *no_panel()]
            return
        s.run(message)  # releases the lock when the turn ends
        busy = gr.Button("Working…", interactive=False)
        ready = gr.Button("Send", interactive=True)
        seen, plans = -1, s.plan_tick
        yield [s.transcript.snapshot(), "", s.attached_markdown(), busy, *no_panel()]
        while True:
            with s.changed:
                s.changed.wait_for(lambda last=seen: s.tick != last, timeout=1.0)
                seen, running, plan_tick = s.tick, s.running, s.plan_tick
                messages = s.transcript.snapshot()
            if plan_tick != plans:
                plans = plan_tick
                yield [messages, gr.skip(), gr.skip(), gr.skip(), *panel(s)]
            else:
                yield [messages, gr.skip(), gr.skip(), gr.skip(), *no_panel()]
            if not running:
                break
            time.sleep(0.1)  # let tokens gather: one update per tenth of a second at most
        yield [s.transcript.snapshot(), gr.skip(), gr.skip(), ready, *panel(s)]

    def go_to(number, sid, undo: bool = False):
        s = studio.get(sid)
        if s.agent is None:
            return [gr.skip(), *no_panel()]
        if not s.lock.acquire(blocking=False):
            gr.Warning("Still working on your previous request: wait for it to finish.")
            return [gr.skip(), *no_panel()]
        try:
            if undo:
                ev = s.agent.undo()
                if ev is None:
                    gr.Info("Nothing to undo: this is the first version of the ad.")
                    return [gr.skip(), *no_panel()]
            else:
                if number in (None, ""):
                    gr.Info("Pick a version first.")
                    return [gr.skip(), *no_panel()]
                ev = s.agent.go_to(int(number))
            with s.changed:
                s.transcript.note(f"↩ back to version {ev.number}", _md(ev.summary))
                s._bump(locked=True)
        except ReelwrightError as exc:
            gr.Warning(str(exc))
            return [gr.skip(), *no_panel()]
        finally:
            s.lock.release()
        return [s.transcript.snapshot(), *panel(s)]

    # -- layout

    with gr.Blocks(title="reelwright studio", analytics_enabled=False) as demo:
        sid = gr.State(None, delete_callback=studio.close)
        gr.Markdown("## reelwright studio\n<span class='rw-small'>Cut a short ad from a live stream: attach the "
                    "stream and its fact sheet, then ask. Every line of the voice-over is checked against the "
                    "facts.</span>")
        with gr.Row(equal_height=False):
            with gr.Column(scale=5):
                chat = gr.Chatbot(elem_id="chat", label="Planner", height=560, buttons=["copy"],
                                  feedback_options=None, placeholder="Attach a live stream and its fact sheet, "
                                  "then ask e.g. **make a 15s ad**.")
                with gr.Row():
                    msg = gr.Textbox(elem_id="chat-input", show_label=False, scale=6, lines=1, max_lines=4,
                                     placeholder="make a 15s ad", submit_btn=False)
                    send = gr.Button("Send", elem_id="send", variant="primary", scale=1, min_width=80)
                gr.Examples(_EXAMPLES, inputs=msg, label="Try")
                attached = gr.Markdown("*Nothing attached yet.*", elem_id="attached")
                with gr.Tabs():
                    with gr.Tab("Upload"):
                        uploads = gr.File(elem_id="uploads", file_count="multiple",
                                          label="The live stream (video) and its fact sheets (JSON)")
                    with gr.Tab("Type a fact sheet"):
                        f_product = gr.Textbox(label="Product", elem_id="form-product")
                        f_aliases = gr.Textbox(label="Other names (comma-separated, optional)")
                        f_lines = gr.Textbox(label="Facts: one per line, 'field: phrase' (phrases of one field: "
                                             "'a; b')", lines=5, elem_id="form-facts",
                                             placeholder="price: $24.90 per 500 g bag\norigin: Colombia; Ethiopia")
                        f_add = gr.Button("Attach this fact sheet", elem_id="form-add")
                    with gr.Tab("From the library"):
                        lib_video = gr.Dropdown(label="An analysed video", choices=[], elem_id="lib-video")
                        lib_sheets = gr.Dropdown(label="Fact sheets", choices=[], multiselect=True,
                                                 elem_id="lib-sheets")
                        with gr.Row():
                            lib_use = gr.Button("Attach", elem_id="lib-use")
                            lib_refresh = gr.Button("Refresh the list")
                clear = gr.Button("Clear the attachments", size="sm")
            with gr.Column(scale=6):
                summary = gr.Markdown(ResultView().summary, elem_id="ad-summary")
                with gr.Row():
                    video = gr.Video(elem_id="ad-video", label="The ad", interactive=False, scale=3,
                                     buttons=["download"])
                    cover = gr.Image(elem_id="ad-cover", label="Cover", interactive=False, type="filepath",
                                     scale=2, buttons=["download"])
                downloads = gr.File(elem_id="downloads", label="Downloads (MP4, subtitles, editor's timeline, "
                                    "plan)", file_count="multiple", interactive=False)
                with gr.Row():
                    versions = gr.Dropdown(label="Versions", choices=[], elem_id="versions", interactive=False,
                                           scale=4)
                    goto = gr.Button("Go to version", elem_id="goto", scale=1)
                    undo = gr.Button("Undo", elem_id="undo", scale=1)
                with gr.Accordion("Narration: the facts behind each line", open=True):
                    narration = gr.Markdown("", elem_id="narration")
        with gr.Accordion("The stream's structure: segments, speech tags, highlights; the ad's clips in yellow",
                          open=True):
            plot = gr.Image(elem_id="structure", show_label=False, interactive=False, type="filepath",
                            buttons=["fullscreen", "download"], visible=False)

        results = [summary, video, cover, downloads, narration, plot, versions]
        demo.load(start, outputs=[sid, chat, attached, lib_video, lib_sheets, *results])
        uploads.upload(attach_files, [uploads, sid], [attached, uploads])
        f_add.click(attach_form, [f_product, f_lines, f_aliases, sid], [attached, f_product, f_lines])
        lib_use.click(attach_library, [lib_video, lib_sheets, sid], attached)
        lib_refresh.click(refresh_library, sid, [lib_video, lib_sheets])
        clear.click(clear_attachments, sid, attached)
        turn = {"fn": respond, "inputs": [msg, sid], "outputs": [chat, msg, attached, send, *results],
                "concurrency_limit": studio.concurrency, "concurrency_id": "turn", "show_progress": "hidden"}
        msg.submit(**turn)
        send.click(**turn)
        goto.click(lambda n, i: go_to(n, i), [versions, sid], [chat, *results])
        undo.click(lambda i: go_to(None, i, undo=True), sid, [chat, *results])

    demo.queue(default_concurrency_limit=4)
    demo.reelwright_studio = studio
    return demo


def main(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None,
         max_upload: int = DEFAULT_MAX_UPLOAD, concurrency: int = 1, workroot: str | Path | None = None) -> None:
    """Serve the studio at http://HOST:PORT until Ctrl-C.

    Raises:
        UsageError: a host beyond this machine without ``auth`` (``"user:password"``)."""
    creds = check_bind(host, auth)
    demo = build_app(settings, max_upload_bytes=max_upload, workroot=workroot, concurrency=concurrency)
    studio: Studio = demo.reelwright_studio
    demo.launch(server_name=host, server_port=port, auth=creds, allowed_paths=[str(studio.workroot)],
                max_file_size=max_upload, show_error=True, footer_links=[], ssr_mode=False, mcp_server=False,
                run_history=False, css=_CSS, theme=None)


if __name__ == "__main__":
    main()
