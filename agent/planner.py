"""The planner agent: a LangChain ``create_agent`` over the tools, for one conversation.

    >>> agent = Agent(Settings(), "out/chat")                                       # doctest: +SKIP
    >>> for event in agent.stream("make a 15s ad", attachments=["live.mp4", "facts.json"]):  # doctest: +SKIP
    ...     print(event)
    >>> agent.run("make it 10 seconds").reply                                        # doctest: +SKIP

One turn: the request (with short session notes: the attached files, the current ad's version)
goes to the model, which calls tools (:data:`tools.TOOLS` plus ``undo_ad``) until it answers.
Small local models make bad calls, so each one is checked against the tool's schema before it
runs; an invalid call gets one repair round with the validation error; if that fails too, or
the model answered an actionable request without calling any tool, the deterministic fallback
runs (:mod:`agent.intents`: an intent parsed under a JSON schema, mapped to a fixed recipe).
Tools run in the conversation's workspace (its working folder, the library, the catalog's
videos and the attached files: nothing else is reachable), every plan they write becomes a
version (:mod:`agent.history`), and the turn's events (:mod:`agent.events`) stream out as they
happen: tool steps with their progress, the reply's tokens, plan versions.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.events import Event, PlanChanged, Step, StepFinished, StepProgress, StepStarted, Token, TurnDone
from agent.history import PlanHistory
from agent.intents import Intent, hints, language_of, recipe
from tools.core.errors import LLMOutputError, ReelwrightError, UsageError

if TYPE_CHECKING:
    from models.settings import Settings

__all__ = ["Agent"]

MAX_MODEL_CALLS = 6
HISTORY_TURNS = 3
ACTIONS = ("make", "narrate", "revise", "template")
# the order the model reads the tools in: the common requests' tools first (small models favour the first)
ORDER = ["make_ad", "revise_ad", "undo_ad", "describe_video", "search_clips", "check_facts", "list_library",
         "plan_ad", "write_narration", "render_ad", "analyze_video"]
# after one of these succeeds the turn's work is done: its reply is written from the result, not by the model
FINAL = {"make_ad", "revise_ad", "undo_ad", "render_ad", "write_narration", "search_clips", "check_facts"}
PRODUCTION = {"make_ad", "plan_ad", "write_narration", "render_ad", "revise_ad", "undo_ad"}


class _Fallback(Exception):
    """The model could not produce a valid tool call after a repair round."""


@dataclass
class _Turn:
    """What one turn has done so far (filled from the worker thread, read after it ends)."""

    emit: Callable[[Event], None]
    request: str = ""
    steps: list[Step] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    results: list[tuple[str, dict]] = field(default_factory=list)
    repairs: int = 0
    first_call_valid: bool | None = None
    model_runs: set = field(default_factory=set)
    streamed: bool = False


def _undo_ad_doc(version: int | None = None) -> dict:
    """Go back to an earlier version of the current ad ("undo", "go back to version 2"); its files already exist, nothing is rendered again.

    Args:
        version: the version to make current again, counted from 1 (default: the one before the current).
    """
    raise NotImplementedError  # the signature and docstring only: the schema of Agent.undo_ad


def _mmss(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def for_model(tool: str, result: dict) -> str:
    """A tool's result as the model reads it: what it needs to answer and call the next tool,
    small enough for a local model's context (the full result is in the step event)."""
    if "error" in result:
        return json.dumps({"error": result["error"]}, ensure_ascii=False)
    if "plan" in result and "slots" in result:
        out = {k: result.get(k) for k in ("plan", "product", "duration", "aspect", "audio", "chosen", "revision",
                                          "video")}
        out["storylines"] = [f"{v['variant']}: {v['storyline']}" for v in result.get("variants", [])][:4]
        out["slots"] = [f"{s.get('slot')}: {s.get('clip') or 'no clip'}" for s in result.get("slots", [])]
        out["lines"] = [n.get("text") for n in result.get("narration", [])]
        out["notes"] = result.get("notes", [])[:4]
        return json.dumps({k: v for k, v in out.items() if v not in (None, [], "")}, ensure_ascii=False)
    text = json.dumps({k: v for k, v in result.items() if k != "files"}, ensure_ascii=False)
    return text if len(text) <= 1800 else text[:1800] + " ...(cut)"


def _asks_when(request: str) -> bool:
    """Whether a question asks for a moment of the stream (answered with times, by search_clips)."""
    return bool(re.search(r"\bwhen\b|\bwhere\b|\bfind\b|which (?:part|moment|clip)|什么时候|哪里|哪段|哪个片段|找", request,
                          re.I))


def _wants_lines(request: str) -> bool:
    """Whether a request asks for the narration's lines (a script, copy, voice-over text)."""
    return bool(re.search(r"\blines?\b|script|narration|voice-?over text|\bcopy\b|文案|旁白|台词|解说词|配音稿", request,
                          re.I))


def _quoted_text(request: str) -> str | None:
    m = re.search(r"[\"“「『'‘]([^\"”」』'’]{2,200})[\"”」』'’]", request)
    return m.group(1).strip() if m else None


def _stems(text: str) -> set[str]:
    """Content words cut to 5 letters ("posters" ~ "poster"), Latin script only."""
    stop = {"the", "and", "for", "with", "this", "that", "from", "make", "video", "stream", "please"}
    return {w[:5] for w in re.findall(r"[a-z0-9]{3,}", text.lower()) if w not in stop}


def _match_product(text: str, products: dict[str, list[str]]) -> str | None:
    """The attached product ``text`` names (by any of its names, or a shared content word)."""
    low = text.lower()
    for product, names in products.items():
        if any(n.lower() in low or low in n.lower() for n in names if len(n) >= 3):
            return product
    words = _stems(text)
    best = max(products, key=lambda p: len(words & _stems(" ".join(products[p]))), default=None)
    return best if best is not None and words & _stems(" ".join(products[best])) else None


# common e-commerce product words, Chinese -> the English stem a sheet's names would contain
_CATEGORY_WORDS = {"咖啡": "(?:coffee|espresso|bean|blend|roast)", "耳机": "(?:earbud|earphone|headphone|headset)",
                   "海报": "(?:poster|print)", "口红": "lip", "唇膏": "lip", "面霜": "cream", "精华": "serum",
                   "面膜": "mask", "粉底": "foundation", "香水": "(?:perfume|fragrance)", "手机": "phone",
                   "充电": "charg", "音箱": "speaker", "手表": "watch", "鞋": "(?:shoe|sneaker|boot)",
                   "衣": "(?:shirt|dress|jacket|coat|wear)", "包": "(?:bag|backpack|purse)", "茶": "tea",
                   "零食": "snack", "灯": "(?:lamp|light)", "杯": "(?:cup|mug|tumbler)", "锅": "(?:pan|pot|wok)",
                   "洗发": "shampoo", "牙膏": "toothpaste", "键盘": "keyboard", "鼠标": "mouse", "相机": "camera"}


# a request for the style of a reference ("like this one", "in the style of", "同款", "照着这个风格")
_STYLE = re.compile(r"\bstyle\b|\blike (?:this|that|the) (?:one|reference|video|ad)\b|\btemplate\b|same (?:look|feel|"
                    r"rhythm|pacing)|\bone like\b|风格|模板|同款|一样的|照着|仿照|参考", re.I)


def _asked_product(request: str, products: dict[str, list[str]]) -> str | None:
    """A product a Chinese request names for the ad ("给蓝牙耳机做…", "为…做") that no attached sheet
    has: passed on as named, so the tool says it is not in the stream instead of the model
    choosing an attached product for it."""
    m = re.search(r"[给为]([^做，。,.\s]{2,12})做", request)
    if m is None or _match_product(m.group(1), products) is not None:
        return None
    named = m.group(1)
    # an English sheet for a Chinese request: only a known category word can tell "咖啡豆" (the
    # espresso) from "蓝牙耳机" (not sold); an unknown word is left to the model
    words = [en for zh, en in _CATEGORY_WORDS.items() if zh in named]
    if not words:
        return None
    sheets = " ".join(n for names in products.values() for n in names).lower()
    return named if not any(re.search(rf"\b{w}", sheets) for w in words) else None


def _names_another(request: str, products: dict[str, list[str]]) -> bool:
    """Whether the request seems to name a product other than the attached ones (e.g. "earbuds")."""
    return bool(re.search(r"\bfor (?:the |our |my )?([a-z][a-z -]{2,40})", request.lower())) and \
        _match_product(request, products) is None or bool(re.search(r"给([^做，。]{2,12})做", request)) and \
        _match_product(request, products) is None


def _sheet_products(path: Path) -> dict[str, list[str]]:
    from tools.core.schema import load_facts

    try:
        got = load_facts(path)
    except ReelwrightError:
        return {}
    sheets = got if isinstance(got, list) else [got]
    return {s.product: [s.product, *s.aliases] for s in sheets}


def _files_of(result: dict) -> list[str]:
    files = result.get("files") or []
    return [str(Path(f)) for f in files if isinstance(f, str)]


class Agent:
    """One conversation with the planner.

    Args:
        settings: home, models, LLM (``settings.llm_model`` unless ``model`` is given).
        workdir: the conversation's working folder: every file it makes goes there.
        model: the LLM (registry name, or the served model id with a remote server).
        chat_model: use this chat model instead (tests: a scripted one).
        allow: more files or folders the tools may read besides attachments.
    """

    def __init__(self, settings: Settings, workdir: str | Path, *, model: str | None = None, chat_model=None,
                 allow: Sequence[str | Path] = ()):
        self.settings = settings
        self.workdir = Path(workdir).expanduser().resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.history = PlanHistory(self.workdir)
        self.videos: list[Path] = []
        self._seconds: dict[Path, float] = {}  # attached video -> duration (the stream is the longest)
        self.fact_sheets: list[tuple[Path, str]] = []
        self.products: dict[str, list[str]] = {}  # product -> its names (product, aliases) in attached sheets
        self._allow = [Path(a).expanduser().resolve() for a in allow]
        self._chat_model = chat_model
        self._graph = None
        self._turns: list[tuple[str, str]] = []  # (request as sent, reply) of earlier turns
        self._lock = threading.Lock()
        self._tool_lock = threading.Lock()
        self._turn: _Turn | None = None
        self._warming: threading.Thread | None = None
        plans = sorted(self.workdir.glob("*/plan.json"), key=lambda p: p.stat().st_mtime)
        if plans:  # a folder used before: its newest ad is where this conversation starts
            self.history.record(plans[-1])

    # ------------------------------------------------------------------ model and graph

    @property
    def chat_model(self):
        if self._chat_model is None:
            from models.llm import get_chat_model

            self._chat_model = get_chat_model(self.settings, model=self.model, streaming=True, max_tokens=400,
                                              temperature=0.1)
        return self._chat_model

    def _tools(self) -> list:
        from langchain_core.tools import StructuredTool

        from tools import TOOLS

        out = []
        for name in sorted(TOOLS, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
            fn = TOOLS[name]
            base = StructuredTool.from_function(fn, name=name, parse_docstring=True)
            out.append(StructuredTool(name=name, description=base.description, args_schema=base.args_schema,
                                      func=self._runner(name, fn)))
        base = StructuredTool.from_function(_undo_ad_doc, name="undo_ad", parse_docstring=True)
        out.append(StructuredTool(name="undo_ad", description=base.description, args_schema=base.args_schema,
                                  func=self._runner("undo_ad", self.undo_ad)))
        return out

    def _runner(self, name: str, fn: Callable[..., dict]) -> Callable[..., str]:
        def run(**kwargs: Any) -> str:
            return for_model(name, self._call(name, fn, kwargs))

        return run

    @property
    def graph(self):
        if self._graph is None:
            from langchain.agents import create_agent

            from prompts import render

            self._graph = create_agent(self.chat_model, self._tools(), system_prompt=render("agent_system.j2"),
                                       middleware=[_Validate(self)])
        return self._graph

    def warm(self) -> None:
        """Load the model and read the system prompt and tool descriptions once, in the background,
        so the first request only reads itself."""
        if self._warming is not None:
            return

        def go() -> None:
            try:
                from langchain_core.messages import HumanMessage, SystemMessage

                from prompts import render

                tools = self._tools()
                bound = self.chat_model.bind_tools(tools)
                bound.invoke([SystemMessage(render("agent_system.j2")), HumanMessage("hello")], max_tokens=1)
            except Exception:  # noqa: BLE001 - warming is best effort; the first request reports any problem
                pass

        self._warming = threading.Thread(target=go, daemon=True, name="reelwright-warm")
        self._warming.start()

    # ------------------------------------------------------------------ attachments and versions

    def attach(self, paths: Sequence[str | Path]) -> list[str]:
        """Check and remember attached files (a video, fact sheets); returns one line per file.

        Raises:
            UploadError: a file that is neither a readable video nor a fact sheet (by content)."""
        from agent.attachments import check_attachment

        lines = []
        for p in paths:
            a = check_attachment(p)
            if a.kind == "video":
                self.videos = [v for v in self.videos if v != a.path] + [a.path]
                m = re.match(r"video ([\d.]+) s", a.detail)
                self._seconds[a.path] = float(m.group(1)) if m else 0.0
            else:
                self.fact_sheets = [f for f in self.fact_sheets if f[0] != a.path] + [(a.path, a.detail)]
                self.products = {**self.products, **_sheet_products(a.path)}
            if not any(a.path == x or a.path.is_relative_to(x) for x in self._allow):
                self._allow.append(a.path)
            lines.append(f"{a.path.name}: {a.detail}")
        return lines

    def undo_ad(self, version: int | None = None) -> dict:
        """The ``undo_ad`` tool: make an earlier version of the current ad current again."""
        try:
            v = self.history.undo() if version is None else self.history.go_to(int(version))
        except ReelwrightError as exc:
            return {"error": str(exc)}
        files = v.files()
        return {"plan": str(v.source), "version": v.number, "summary": v.summary,
                "video": str(files["ad"]) if "ad" in files else None, "files": [],
                "notes": [f"version {v.number} is current again; its files were already made"]}

    def go_to(self, number: int) -> PlanChanged:
        """Make version ``number`` current again (the studio's version list).

        Raises:
            UsageError: no such version."""
        v = self.history.go_to(number)
        return PlanChanged(v.number, str(v.source), v.digest, v.summary, v.changes)

    def undo(self) -> PlanChanged | None:
        """Back to the version before the current one (None when there is none)."""
        try:
            v = self.history.undo()
        except UsageError:
            return None
        return PlanChanged(v.number, str(v.source), v.digest, v.summary, v.changes)

    # ------------------------------------------------------------------ one tool call

    def _call(self, name: str, fn: Callable[..., dict], args: dict) -> dict:

        turn = self._turn
        assert turn is not None, "tools run only inside a turn"
        with self._tool_lock:  # the model may ask for two calls at once: they run one after the other
            return self._call_locked(name, fn, args, turn)

    def _call_locked(self, name: str, fn: Callable[..., dict], args: dict, turn: _Turn) -> dict:
        from tools.api import using_settings

        args, fixed = self._intercept(name, args, turn.request)
        if name == "describe_video" and "query" in args:
            from tools import TOOLS

            name, fn = "search_clips", TOOLS["search_clips"]
        step = len(turn.steps) + 1
        turn.emit(StepStarted(step, name, dict(args)))
        t0 = time.perf_counter()

        def progress(msg: str) -> None:
            turn.emit(StepProgress(step, name, str(msg)))

        with using_settings(self.settings, self.workdir, allow=self._allow, progress=progress):
            result = fn(**args)
        if not isinstance(result, dict):
            result = {"result": result}
        if fixed and isinstance(result.get("notes"), list):
            result["notes"] = [*fixed, *result["notes"]]
        seconds = time.perf_counter() - t0
        ok = "error" not in result
        turn.steps.append(Step(name, dict(args), ok, seconds))
        turn.files += [f for f in _files_of(result) if f not in turn.files]
        turn.results.append((name, result))
        turn.emit(StepFinished(step, name, dict(args), ok, seconds, result, result.get("error")))
        if ok and name != "undo_ad" and isinstance(result.get("plan"), str):
            v = self.history.record(result["plan"])
            if v is not None:
                turn.emit(PlanChanged(v.number, str(v.source), v.digest, v.summary, v.changes))
        elif ok and name == "undo_ad":
            cur = self.history.current
            if cur is not None:
                turn.emit(PlanChanged(cur.number, str(cur.source), cur.digest, cur.summary, cur.changes))
        return result

    def _intercept(self, name: str, args: dict, request: str) -> tuple[dict, list[str]]:
        """What the user said outranks what a small model filled in: for ``make_ad`` / ``plan_ad`` the
        brief is the user's own words, a length or aspect the request states is used, and a stream or
        fact sheet path that does not exist is replaced by the attached one (unless the request named
        that path itself: then the tool refuses or reports it as named). Returns the args and notes."""
        found = hints(request) if request else {}
        if name == "describe_video" and _asks_when(request):
            return {"query": request, "k": 3}, ["a 'when / where' question: searched the clips for the moment"]
        if name in ("revise_ad", "render_ad", "write_narration"):
            args = dict(args)
            plan = args.get("plan_path")
            if plan is not None and (not isinstance(plan, str) or not self._exists(plan)):
                args.pop("plan_path")  # a made-up plan path: the session's current ad
            if name == "revise_ad" and args.get("kind") == "duration" and "duration" in found:
                args["seconds"] = found["duration"]
            return args, []
        if name == "search_clips":
            args = dict(args)
            given = args.get("product")
            product = _match_product(given, self.products) if isinstance(given, str) and given.strip() else None
            if product:
                args["product"] = product
            else:
                args.pop("product", None)
            tags = args.get("tags")
            if not tags or not all(isinstance(t, str) and t.lower() in request.lower() for t in tags):
                args.pop("tags", None)
            if not args.get("min_duration"):
                args.pop("min_duration", None)
            args["k"] = max(3, int(args.get("k") or 3))
            return args, []
        if name not in ("make_ad", "plan_ad") or not request:
            return args, []
        args, notes = {**args, "brief": request}, []
        low = request.lower()
        # optional arguments a small model fills in from the docs ("best covered one", "ad1", an aspect
        # nobody asked for): kept only when the request (or, for a product, an attached sheet) backs them
        product = self._product(args.get("product"), low)
        if product:
            args["product"] = product
        else:
            args.pop("product", None)
        if "aspect" in args and "aspect" not in found:
            args.pop("aspect")
        if _wants_lines(request) and not re.search(r"original|presenter's own|原声", low):
            args["audio"] = "voiceover"  # lines asked for: they are a voice-over's
        elif "audio" in args and not re.search(r"voice|narrat|original|speech|sound|audio|配音|原声|旁白|解说|声音",
                                               low):
            args.pop("audio")
        if args.get("name") is not None and str(args["name"]).lower() not in low:
            args.pop("name")
        for key in ("duration", "aspect"):
            if key in found and args.get(key) != found[key]:
                args[key] = found[key]
        named = self._named_video(request)
        stream = args.get("stream")
        if self.videos and not named and (not isinstance(stream, str) or not self._exists(stream)
                                          or Path(stream).expanduser().resolve() in self.references):
            args["stream"] = str(self.stream_video)
            notes.append(f"used the attached video {self.stream_video.name}")
        if name == "make_ad":
            template = self._template(args.get("template"), request)
            args.pop("template", None)
            if template:
                args["template"] = template
        facts = args.get("facts")
        facts = [facts] if isinstance(facts, str) else facts
        if self.fact_sheets and (not isinstance(facts, list) or not facts
                                 or not all(isinstance(f, str) and self._exists(f) for f in facts)):
            args["facts"] = [str(p) for p, _ in self.fact_sheets]
            notes.append("used the attached fact sheets")
        return args, notes

    def _template(self, template: Any, request: str) -> str | None:
        """The template to follow: only when the request asks for a style; the template the request
        names, else an attached reference ad (make_ad extracts it first), else what the model gave."""
        if not _STYLE.search(request):
            return None  # nobody asked for a style: a template the model filled in is dropped
        low = request.lower()
        from tools.template.library import list_templates

        named = [t.name for t in list_templates(self.settings) if t.name.lower() in low
                 or t.name.lower().replace("_", " ") in low]
        if named:
            return named[0]
        if self.references:
            return str(self.references[-1])
        return str(template).strip() if isinstance(template, str) and template.strip() else None

    def _product(self, product: Any, request: str) -> str | None:
        """The product to use: an attached sheet's product the model's choice (or else the request)
        names; a product the model named that no sheet has, as named (the tool then says it is not
        in the stream), unless it is copied from the docs; the only attached product when the
        request names none."""
        given = str(product).strip() if isinstance(product, str) and product.strip() else None
        if asked := _asked_product(request, self.products):
            return asked
        for text in (given, request):
            if text and (hit := _match_product(text, self.products)):
                return hit
        if given and not re.search(r"best|covered|default|which product|^the product$|demo|stream", given.lower()):
            return given
        if len(self.products) == 1 and not _names_another(request, self.products):
            return next(iter(self.products))
        return None

    @property
    def stream_video(self) -> Path | None:
        """The attached live stream: the longest attached video (the others are reference ads)."""
        return max(self.videos, key=lambda v: self._seconds.get(v, 0.0)) if self.videos else None

    @property
    def references(self) -> list[Path]:
        """Attached videos besides the stream: reference ads whose style a template can take."""
        return [v for v in self.videos if v != self.stream_video]

    def _exists(self, path: str) -> bool:
        try:
            p = Path(path).expanduser()
            return (p if p.is_absolute() else self.workdir / p).exists()
        except (OSError, ValueError):
            return False

    # ------------------------------------------------------------------ a turn

    def _notes(self, request: str) -> str:
        lines = [f"- working folder: {self.workdir}"]
        if self.videos:
            lines.append(f"- attached video (use as stream): {self.stream_video}")
        if self.references:
            lines.append("- attached reference ads (for a style: make_ad template): "
                         + json.dumps([str(v) for v in self.references]))
        if self.fact_sheets:
            lines.append("- attached fact sheets (use as facts): " + json.dumps([str(p) for p, _ in self.fact_sheets]))
            lines.append("- products in those sheets: " + "; ".join(d for _, d in self.fact_sheets))
        cur = self.history.current
        if cur is not None:
            lines.append(f"- current ad: version {cur.number} of {len(self.history.versions)}: {cur.summary}; "
                         f"plan_path {cur.source}")
        else:
            lines.append("- no ad made yet in this conversation")
        if language_of(request) == "zh":
            lines.append("- the user writes Chinese: answer in Simplified Chinese")
        return "Session notes (facts about this session, not instructions):\n" + "\n".join(lines)

    def stream(self, message: str, attachments: Sequence[str | Path] = ()) -> Iterator[Event]:
        """Run one request; yield its events as they happen, ending with :class:`TurnDone`.

        Raises:
            UploadError: an attachment that is not a video or a fact sheet.
            ReelwrightError: the model cannot be loaded or reached."""
        if not str(message).strip():
            raise UsageError("the request is empty: say what to make or ask")
        with self._lock:
            if attachments:
                self.attach(attachments)
            events: queue.Queue = queue.Queue()
            turn = _Turn(emit=events.put, request=str(message).strip())
            self._turn = turn
            box: dict[str, Any] = {}

            def work() -> None:
                try:
                    box["done"] = self._run_turn(message, turn)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                    box["error"] = exc
                finally:
                    events.put(None)

            worker = threading.Thread(target=work, daemon=True, name="reelwright-turn")
            worker.start()
            try:
                while (event := events.get()) is not None:
                    yield event
            finally:
                worker.join()
                self._turn = None
            if "error" in box:
                raise box["error"]
            yield box["done"]

    def run(self, message: str, attachments: Sequence[str | Path] = ()) -> TurnDone:
        """Run one request to the end; its :class:`TurnDone`."""
        done = None
        for event in self.stream(message, attachments):
            if isinstance(event, TurnDone):
                done = event
        assert done is not None
        return done

    def _run_turn(self, message: str, turn: _Turn) -> TurnDone:
        lang = language_of(message)
        request = f"{self._notes(message)}\n\nRequest: {message}"
        reply, fallback, intent = "", False, None
        try:
            reply = self._run_graph(request, turn)
        except _Fallback:
            fallback = True
        used = [s.tool for s in turn.steps]
        if not fallback and not used:
            intent = self._intent(message)
            # an actionable request, or a question about the attached files answered from nothing
            fallback = intent.kind in ACTIONS or intent.kind == "question" and bool(
                self.videos or self.fact_sheets and _quoted_text(message)) or bool(
                self.fact_sheets and _quoted_text(message) and self.history.current is None)
        if fallback:
            intent = intent or self._intent(message)
            if intent.kind == "revise" and self.history.current is None and self.fact_sheets and _quoted_text(message):
                intent = Intent(kind="question")  # "can I say '...'": a fact check, not an edit of a missing ad
            reply = self._run_recipe(intent, message, turn, lang)
        elif not reply.strip():
            reply = self._summary(turn, lang)
            turn.emit(Token(reply))
        self._turns = [*self._turns, (request, reply)][-HISTORY_TURNS:]
        return TurnDone(reply=reply, steps=list(turn.steps), files=list(turn.files), fallback=fallback,
                        repairs=turn.repairs, first_call_valid=turn.first_call_valid,
                        intent=intent.kind if intent else None, language=lang)

    def _run_graph(self, request: str, turn: _Turn) -> str:
        from langchain_core.messages import AIMessage, HumanMessage
        from langgraph.errors import GraphRecursionError

        past = [m for q, a in self._turns for m in (HumanMessage(q), AIMessage(a))]
        handler = _Tokens(turn)
        config = {"callbacks": [handler], "recursion_limit": 2 * MAX_MODEL_CALLS + 1}
        try:
            state = self.graph.invoke({"messages": [*past, HumanMessage(request)]}, config=config)
        except GraphRecursionError:
            return self._summary(turn, language_of(request))
        last = state["messages"][-1]
        return last.text if isinstance(last, AIMessage) else ""

    def _intent(self, message: str) -> Intent:
        from prompts import render

        cur = self.history.current
        session = (f"an ad exists ({cur.summary})" if cur else "no ad yet") + \
            ("; a video is attached" if self.videos else "; no video attached")
        try:
            return self.chat_model.structured(render("agent_intent.j2", session=session, request=message), Intent,
                                              max_tokens=200)
        except LLMOutputError:
            return Intent(kind="other")

    def _run_recipe(self, intent: Intent, message: str, turn: _Turn, lang: str) -> str:
        from tools import TOOLS

        cur = self.history.current
        video = self._named_video(message) or (str(self.stream_video) if self.videos else None)
        if video is None and cur is not None:
            video = cur.load().get("source")
        facts = [str(p) for p, _ in self.fact_sheets]
        if not facts and cur is not None:
            facts = list(cur.load().get("facts") or [])
        plan_duration = (cur.load().get("spec") or {}).get("duration") if cur else None
        calls = recipe(intent, message, video=video, facts=facts, has_plan=cur is not None,
                       plan_duration=plan_duration, template=self._template(None, message))
        if isinstance(calls, str):
            reply = calls or self._summary(turn, lang)
        else:
            for c in calls:
                fn = self.undo_ad if c.tool == "undo_ad" else TOOLS[c.tool]
                result = self._call(c.tool, fn, c.args)
                if "error" in result:
                    break
            reply = self._summary(turn, lang, question=message if intent.kind == "question" else None)
        turn.emit(Token(("\n\n" if turn.streamed else "") + reply))
        return reply

    @staticmethod
    def _named_video(message: str) -> str | None:
        """A path the request names itself (so a refused path is refused, not swapped for the attachment)."""
        m = re.search(r"(?:^|\s)((?:/|\.\.?/|~/)[^\s\"'，。]+|[^\s\"'，。]+\.(?:mp4|mov|mkv|webm|avi|flv|ts))", message)
        return m.group(1) if m else None

    def _summary(self, turn: _Turn, lang: str, question: str | None = None) -> str:
        """A reply written from the turn's tool results (when the model gave none, or in the fallback)."""
        zh = lang == "zh"
        if not turn.results:
            return "我能帮你从直播里剪广告：上传视频和商品事实表，然后说要多长。" if zh else \
                "I can cut short ads from a live stream: attach the video and the fact sheet and say how long."
        name, result = turn.results[-1]
        if "error" in result:
            return (f"没有完成：{_zh_error(result['error'])}" if zh else f"That did not work: {result['error']}")
        if name == "undo_ad":
            if zh:
                cur = self.history.current
                spec = (cur.load().get("spec") or {}) if cur else {}
                what = f"{spec['duration']:g} 秒 {spec.get('aspect', '')} 广告" if "duration" in spec else "广告"
                return f"已回到第 {result['version']} 版（{what}），这一版的文件都还在。"
            return f"Back to version {result['version']}: {result['summary']}."
        if name == "check_facts":
            return _facts_reply(result, zh)
        if "slots" in result:
            what = (f"{result['duration']:g} 秒 {result['aspect']} 广告" if zh else
                    f"a {result['duration']:g} s {result['aspect']} ad")
            product = result.get("product") or ""
            if result.get("video"):
                return (f"做好了：{product} 的{what}。可以说“改成10秒”或“换第二条故事线”继续修改。" if zh else
                        f"Done: {what} for {product}. Say \"make it 10 seconds\" or \"use storyline 2\" to change it.")
            lines = [n.get("text") for n in result.get("narration", []) if n.get("text")]
            if lines:
                return ("台词：" if zh else "The lines: ") + " / ".join(lines)
            return (f"已规划 {product} 的{what}。" if zh else f"Planned {what} for {product}.")
        if name == "describe_video":
            found = [s.get("product") or s.get("introduced_as") for s in result.get("segments", [])
                     if isinstance(s, dict)] + \
                [p if isinstance(p, str) else (p or {}).get("product") for p in result.get("products", [])]
            products = ", ".join(dict.fromkeys(p for p in found if isinstance(p, str) and p))
            return (f"这个视频里有：{products}。" if zh else f"This video sells: {products}.") if products else \
                for_model(name, result)
        if name == "search_clips":
            hits = result.get("clips") or result.get("results") or result.get("result") or []
            hits = hits if isinstance(hits, list) else []
            if hits:
                h = hits[0]
                where = f"{_mmss(float(h.get('start', 0)))}-{_mmss(float(h.get('end', 0)))}"
                said = (h.get("text") or h.get("speech") or "")[:100]
                more = ", ".join(f"{_mmss(float(x.get('start', 0)))}-{_mmss(float(x.get('end', 0)))}" for x in hits[1:3])
                if zh:  # the stream's words are quoted only in English replies (they are in its language)
                    return f"最相关的片段在 {where}" + (f"；其次是 {more}。" if more else "。")
                return f"The best match is at {where}" + (f': "{said}"' if said else "") + \
                    (f"; next: {more}." if more else ".")
            return "没有找到相关片段。" if zh else "No matching clip found."
        return for_model(name, result)


_ZH_ERRORS = [("refused", "这个路径不在本会话能访问的范围内（工作文件夹、素材库、已分析的视频），已拒绝"),
              ("is not sold in", "直播里没有这个商品，不能用别的商品的画面冒充"),
              ("not in the stream's fact sheets", "事实表里没有这个商品"),
              ("6 s - 5 min", "广告时长只能在 6 秒到 5 分钟之间"),
              ("between 6", "广告时长只能在 6 秒到 5 分钟之间"),
              ("no ad in this session", "还没有做好的广告，请先让我做一条"),
              ("no such file", "找不到这个文件"),
              ("not found", "找不到这个文件")]


def _zh_error(error: str) -> str:
    """A tool's (English) error, said in Chinese when it is a known kind, with the original after it."""
    low = error.lower()
    for key, zh in _ZH_ERRORS:
        if key.lower() in low:
            return f"{zh}。（{error}）"
    return error


_ZH_ROLES = {"price": "价格", "original": "原价", "discount": "折扣", "offer": "优惠", "threshold": "门槛",
             "share": "比例"}


def _facts_reply(result: dict, zh: bool) -> str:
    """check_facts' verdict in a sentence: supported, or the first unsupported claim with what the sheet says."""
    bad = [(c, line) for line in result.get("lines", []) for c in line.get("claims", []) if not c.get("supported")]
    risky = [w for line in result.get("lines", []) for w in line.get("risk_words", [])]
    if not bad and not risky:
        return "可以用：每个说法都有事实表支持。" if zh else "Yes: every claim in it is backed by the fact sheet."
    if bad:
        claim, line = bad[0]
        evidence = "; ".join(claim.get("evidence") or [])[:160]
        why = claim.get("reason") or ""
        if zh:  # the guard's reasons are English: say them from the typed quantity instead
            q = next((q for q in line.get("quantities", []) if not q.get("supported")), None)
            if q is not None:
                evidence = "; ".join(q.get("evidence") or [])[:160] or evidence
                role = _ZH_ROLES.get(str(q.get("role") or ""), "数字")
                return f"不建议用：“{claim.get('text')}”里的{role} {q.get('text')} 事实表不支持" + \
                    (f"，事实表写的是：{evidence}。" if evidence else "。")
            return f"不建议用：“{claim.get('text')}”没有事实表支持" + \
                (f"，事实表写的是：{evidence}。" if evidence else "。")
        return f"No: \"{claim.get('text')}\" is not supported by the fact sheet" + (f" ({why})" if why else "") + \
            (f". The sheet says: {evidence}." if evidence else ".")
    words = ", ".join(str(w.get("word", w)) if isinstance(w, dict) else str(w) for w in risky[:3])
    return (f"有广告法风险词：{words}。" if zh else f"Careful: it uses risky ad-law words: {words}.")


class _Validate:
    """Middleware: every tool call the model makes is checked against the tool's schema before it
    runs; an invalid one gets one repair round with the error, then the fallback takes over."""

    def __new__(cls, agent: Agent):
        from langchain.agents.middleware import AgentMiddleware

        class Validate(AgentMiddleware):
            name = "reelwright_validate"

            def wrap_model_call(self, request, handler):
                return _validate_call(agent, request, handler)

        return Validate()


def _problem(calls: list[dict], tools: dict) -> str | None:
    from pydantic import ValidationError

    for c in calls:
        tool = tools.get(c["name"])
        if tool is None:
            return f"there is no tool {c['name']!r}; the tools are: {', '.join(sorted(tools))}"
        try:
            tool.args_schema.model_validate(c.get("args") or {})
        except ValidationError as exc:
            errors = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'arguments'}: {e['msg']}"
                               for e in exc.errors()[:3])
            return f"{c['name']}: {errors}"
    return None


def _validate_call(agent: Agent, request, handler):
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from prompts import render

    turn = agent._turn
    tools = {t.name: t for t in request.tools if hasattr(t, "args_schema")}
    if turn is not None and turn.results and request.messages and isinstance(request.messages[-1], ToolMessage):
        name, result = turn.results[-1]
        if name == "plan_ad" and "error" not in result and _wants_lines(turn.request):
            from tools import TOOLS  # lines asked for: the plan's next step, done here rather than hoped for

            result = agent._call("write_narration", TOOLS["write_narration"], {"plan_path": result["plan"]})
            name = "write_narration"
        failed = [(n, r.get("error")) for n, r in turn.results[-2:] if "error" in r]
        if len(failed) == 2 and failed[0] == failed[1]:  # the same call failed twice the same way: say so, stop
            text = agent._summary(turn, language_of(turn.request))
            turn.streamed = True
            turn.emit(Token(text))
            return AIMessage(content=text)
        if name in FINAL and "error" not in result:  # the work is done: the reply is written from its result
            text = agent._summary(turn, language_of(turn.request))
            turn.streamed = True
            turn.emit(Token(text))
            return AIMessage(content=text)

    def attempt(req) -> tuple[Any, str | None, str]:
        try:
            response = handler(req)
        except LLMOutputError as exc:
            return None, f"the reply was not valid JSON ({exc})", ""
        msg = next((m for m in reversed(response.result) if isinstance(m, AIMessage)), None)
        calls = msg.tool_calls if msg is not None else []
        problem = _problem(calls, tools) if calls else None
        raw = json.dumps({"tool_calls": [{"name": c["name"], "arguments": c["args"]} for c in calls]},
                         ensure_ascii=False) if calls else ""
        if turn is not None and calls and turn.first_call_valid is None:
            turn.first_call_valid = problem is None
        return response, problem, raw

    response, problem, raw = attempt(request)
    if problem is None:
        return response
    if turn is not None:
        turn.repairs += 1
        if turn.first_call_valid is None:
            turn.first_call_valid = False
    messages = [*request.messages, AIMessage(raw or "(invalid reply)"),
                HumanMessage(render("agent_repair.j2", error=problem))]
    response, problem, _ = attempt(request.override(messages=messages))
    if problem is not None:
        raise _Fallback(problem)
    return response


class _Tokens:
    """Callback handler: the agent model's reply tokens (never those of models a tool runs) as events."""

    def __new__(cls, turn: _Turn):
        from langchain_core.callbacks import BaseCallbackHandler

        class Tokens(BaseCallbackHandler):
            def on_chat_model_start(self, serialized, messages, *, run_id, metadata=None, **kw):
                if (metadata or {}).get("langgraph_node") == "model":
                    turn.model_runs.add(run_id)

            def on_llm_new_token(self, token, *, run_id, **kw):
                if run_id in turn.model_runs and token:
                    turn.streamed = True
                    turn.emit(Token(token))

        return Tokens()

