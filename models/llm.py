"""The one LLM interface: a LangChain chat model over a transport.

    >>> llm = get_chat_model(Settings())                    # doctest: +SKIP
    >>> llm.invoke("Name one colour.").content             # doctest: +SKIP
    >>> llm.structured("Give a person", Person)            # doctest: +SKIP  (a validated Person)
    >>> llm.bind_tools([get_weather]).invoke("Paris?")     # doctest: +SKIP  (AIMessage.tool_calls)

Backends (``Settings.llm_base_url``): unset = the GGUF in-process via xllamacpp;
set = any OpenAI-compatible server (vLLM in production). Tool calls default to
grammar-constrained JSON (``llm_tool_mode="json"``), which small local models follow
reliably and which any server with ``response_format: json_schema`` supports;
``"native"`` passes tools to the server's own parser instead.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from prompts import render
from tools.core.errors import LLMOutputError

from .transports import LLMError, OpenAITransport, Transport, XLlamaTransport

__all__ = ["ReelChatModel", "LLMError", "LLMOutputError", "get_chat_model"]


# ----------------------------------------------------------------- message conversion


def _tool_names_by_id(messages: Sequence[BaseMessage]) -> dict[str, str]:
    return {tc["id"]: tc["name"] for m in messages if isinstance(m, AIMessage) for tc in m.tool_calls if tc.get("id")}


def _to_openai(messages: Sequence[BaseMessage], tool_mode: str) -> list[dict[str, Any]]:
    """LangChain messages -> OpenAI chat messages; in json mode tool turns become plain text."""
    names = _tool_names_by_id(messages)
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, SystemMessage):
            out.append({"role": "system", "content": m.text})
        elif isinstance(m, HumanMessage):
            out.append({"role": "user", "content": m.text})
        elif isinstance(m, AIMessage):
            if m.tool_calls and tool_mode == "json":
                calls = [{"name": tc["name"], "arguments": tc["args"]} for tc in m.tool_calls]
                out.append({"role": "assistant", "content": json.dumps({"tool_calls": calls}, ensure_ascii=False)})
            elif m.tool_calls:
                out.append({"role": "assistant", "content": m.text or None, "tool_calls": [
                    {"id": tc["id"], "type": "function",
                     "function": {"name": tc["name"], "arguments": json.dumps(tc["args"], ensure_ascii=False)}}
                    for tc in m.tool_calls]})
            else:
                out.append({"role": "assistant", "content": m.text})
        elif isinstance(m, ToolMessage):
            if tool_mode == "json":
                name = m.name or names.get(m.tool_call_id, "tool")
                out.append({"role": "user", "content": f"Result of tool `{name}`:\n{m.text}"})
            else:
                out.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.text})
        else:
            raise TypeError(f"unsupported message type {type(m).__name__}")
    return out


def _tool_call_schema(tools: list[dict[str, Any]], choice: Any) -> dict[str, Any]:
    """JSON schema of a reply that either calls the given tools or answers in text."""
    if isinstance(choice, dict):  # {"type": "function", "function": {"name": ...}}
        choice = choice.get("function", {}).get("name", "required")
    chosen = [t for t in tools if t["function"]["name"] == choice] or tools
    call_items = [{
        "type": "object",
        "properties": {"name": {"const": t["function"]["name"]},
                       "arguments": t["function"].get("parameters") or {"type": "object"}},
        "required": ["name", "arguments"],
    } for t in chosen]
    calls = {"type": "object", "required": ["tool_calls"], "properties": {
        "tool_calls": {"type": "array", "minItems": 1, "maxItems": 4,
                       "items": call_items[0] if len(call_items) == 1 else {"anyOf": call_items}}}}
    if choice in ("required", "any") or choice in {t["function"]["name"] for t in tools}:
        return calls
    answer = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    return {"anyOf": [calls, answer]}


def _type_of(prop: dict[str, Any]) -> str:
    """A JSON-schema property as a short type: ``string``, ``list of string``, ``"9:16" | "1:1"``."""
    if "enum" in prop:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in prop["enum"])
    if "const" in prop:
        return json.dumps(prop["const"], ensure_ascii=False)
    if "anyOf" in prop:
        kinds = [_type_of(p) for p in prop["anyOf"] if p.get("type") != "null"]
        return " | ".join(kinds) or "null"
    if prop.get("type") == "array":
        return f"list of {_type_of(prop.get('items') or {})}"
    return str(prop.get("type", "any"))


def _param_lines(schema: dict[str, Any]) -> list[str]:
    """One line per argument, ``name (type, required): description``: the tool's schema as a model
    reads it cheaply (the reply grammar enforces the full schema)."""
    required = set(schema.get("required") or [])
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        flag = ", required" if name in required else ""
        desc = str(prop.get("description") or "").strip()
        out.append(f"{name} ({_type_of(prop)}{flag})" + (f": {desc}" if desc else ""))
    return out


def _response_format(schema: dict[str, Any], name: str = "reply") -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


def _message_from(choice: dict[str, Any], usage: dict[str, Any] | None, meta: dict[str, Any]) -> AIMessage:
    msg = choice.get("message", {})
    tool_calls = [{
        "name": tc["function"]["name"],
        "args": json.loads(tc["function"].get("arguments") or "{}"),
        "id": tc.get("id") or f"call_{uuid.uuid4().hex[:12]}",
        "type": "tool_call",
    } for tc in msg.get("tool_calls") or []]
    usage_md = None
    if usage:
        usage_md = {"input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0),
                    "total_tokens": usage.get("total_tokens", 0)}
    return AIMessage(content=msg.get("content") or "", tool_calls=tool_calls, usage_metadata=usage_md,
                     response_metadata={**meta, "finish_reason": choice.get("finish_reason")})


def _json_tool_reply(message: AIMessage) -> AIMessage:
    """Turn a json-mode reply ({"tool_calls": [...]} or {"answer": ...}) into a normal AIMessage."""
    try:
        data = json.loads(message.text)
    except ValueError as exc:
        raise LLMOutputError(f"tool-call reply is not JSON ({exc}): {message.text[:200]!r}") from exc
    if isinstance(data, dict) and data.get("tool_calls"):
        calls = [{"name": c["name"], "args": c.get("arguments") or {}, "id": f"call_{uuid.uuid4().hex[:12]}",
                  "type": "tool_call"} for c in data["tool_calls"]]
        return AIMessage(content="", tool_calls=calls, usage_metadata=message.usage_metadata,
                         response_metadata=message.response_metadata)
    return AIMessage(content=str(data.get("answer", "")) if isinstance(data, dict) else message.text,
                     usage_metadata=message.usage_metadata, response_metadata=message.response_metadata)


class _AnswerStream:
    """Reads a json-mode reply as it streams and gives back the text of its ``"answer"`` string
    as soon as each character is certain (escapes decoded); a tool-call reply gives nothing."""

    _START = re.compile(r'\s*\{\s*"answer"\s*:\s*"')

    def __init__(self) -> None:
        self.buf = ""
        self.pos = -1  # where the answer's characters start in buf; -1 undecided, -2 not an answer
        self.text = ""
        self.done = False

    def feed(self, piece: str) -> str:
        self.buf += piece
        if self.pos == -1:
            m = self._START.match(self.buf)
            if m:
                self.pos = m.end()
            elif not '{"answer":"'.startswith(re.sub(r"\s+", "", self.buf)):
                self.pos = -2
            if self.pos < 0:
                return ""
        if self.pos < 0 or self.done:
            return ""
        out = []
        i = self.pos
        while i < len(self.buf):
            c = self.buf[i]
            if c == '"':
                self.done = True
                break
            if c != "\\":
                out.append(c)
                i += 1
                continue
            if i + 1 >= len(self.buf):
                break
            e = self.buf[i + 1]
            if e == "u":
                if i + 6 > len(self.buf):
                    break
                try:
                    out.append(chr(int(self.buf[i + 2:i + 6], 16)))
                except ValueError:
                    out.append(self.buf[i:i + 6])
                i += 6
                continue
            out.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(e, e))
            i += 2
        self.pos = i
        got = "".join(out)
        self.text += got
        return got


# ----------------------------------------------------------------------- chat model


class ReelChatModel(BaseChatModel):
    """A LangChain chat model over a :class:`~models.transports.Transport`.

    Adds :meth:`structured` (JSON-schema output, validated, one retry) and
    json-mode tool calls to whatever the transport can do.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    transport: Any
    model_name: str
    temperature: float = 0.2
    max_tokens: int = 512
    grammar: bool = Field(False, description="whether the server takes a GBNF ``grammar`` with a request")
    seed: int | None = 42
    tool_mode: str = "json"
    streaming: bool = Field(False, description="stream every reply (tokens reach callbacks as generated)")

    @property
    def _llm_type(self) -> str:
        return "reelwright"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "transport": self.transport.description}

    # -- request building

    def _payload(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        tools = kwargs.pop("tools", None)
        tool_choice = kwargs.pop("tool_choice", None)
        response_format = kwargs.pop("response_format", None)
        payload: dict[str, Any] = {
            "model": self.model_name,
            "temperature": kwargs.pop("temperature", self.temperature),
            "max_tokens": kwargs.pop("max_tokens", self.max_tokens),
        }
        if self.seed is not None:
            payload["seed"] = self.seed
        if stop:
            payload["stop"] = stop
        wire = _to_openai(messages, self.tool_mode)
        if tools and tool_choice != "none":
            if self.tool_mode == "json":
                described = [{"name": t["function"]["name"], "description": t["function"].get("description", ""),
                              "params": _param_lines(t["function"].get("parameters") or {})} for t in tools]
                schema = _tool_call_schema(tools, tool_choice)
                guide = render("tools_json.j2", tools=described, required="anyOf" not in schema)
                if wire and wire[0]["role"] == "system":
                    wire[0] = {"role": "system", "content": wire[0]["content"] + "\n\n" + guide}
                else:
                    wire.insert(0, {"role": "system", "content": guide})
                payload["response_format"] = _response_format(schema, "tool_reply")
            else:
                payload["tools"] = tools
                if tool_choice is not None:
                    payload["tool_choice"] = "required" if tool_choice == "any" else tool_choice
        elif response_format is not None:
            payload["response_format"] = response_format
        payload["messages"] = wire
        payload.update(kwargs)
        return payload

    def _is_json_tool_call(self, payload: dict[str, Any]) -> bool:
        rf = payload.get("response_format") or {}
        return self.tool_mode == "json" and rf.get("json_schema", {}).get("name") == "tool_reply"

    # -- LangChain hooks

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        payload = self._payload(messages, stop, **kwargs)
        response = self.transport.complete(payload)
        meta = {"model_name": response.get("model", self.model_name)}
        if "timings" in response:
            meta["timings"] = response["timings"]
        message = _message_from(response["choices"][0], response.get("usage"), meta)
        if self._is_json_tool_call(payload):
            message = _json_tool_reply(message)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        payload = self._payload(messages, stop, **kwargs)
        if self._is_json_tool_call(payload):
            yield from self._stream_json_reply(payload, run_manager)
            return
        if payload.get("tools"):
            result = self._generate(messages, stop, run_manager, **kwargs)
            msg = result.generations[0].message
            yield ChatGenerationChunk(message=AIMessageChunk(
                content=msg.content, tool_call_chunks=[
                    {"name": tc["name"], "args": json.dumps(tc["args"]), "id": tc["id"], "index": i}
                    for i, tc in enumerate(msg.tool_calls)]))
            return
        for chunk in self.transport.stream(payload):
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content") or ""
                if text:
                    if run_manager:
                        run_manager.on_llm_new_token(text)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=text))
                if choice.get("finish_reason"):
                    yield ChatGenerationChunk(message=AIMessageChunk(
                        content="", response_metadata={"finish_reason": choice["finish_reason"]}))

    def _stream_json_reply(self, payload: dict[str, Any],
                           run_manager: CallbackManagerForLLMRun | None) -> Iterator[ChatGenerationChunk]:
        """A json-mode reply streamed: the text of an ``{"answer": ...}`` as it is generated; tool
        calls (which are not text) at the end, once the whole reply parsed."""
        answer = _AnswerStream()
        raw: list[str] = []
        finish = None
        for chunk in self.transport.stream(payload):
            for choice in chunk.get("choices") or []:
                piece = (choice.get("delta") or {}).get("content") or ""
                if piece:
                    raw.append(piece)
                    text = answer.feed(piece)
                    if text:
                        if run_manager:
                            run_manager.on_llm_new_token(text)
                        yield ChatGenerationChunk(message=AIMessageChunk(content=text))
                finish = choice.get("finish_reason") or finish
        message = _json_tool_reply(AIMessage(content="".join(raw)))
        rest = message.text[len(answer.text):] if message.text.startswith(answer.text) else ""
        yield ChatGenerationChunk(message=AIMessageChunk(
            content=rest, response_metadata={"finish_reason": finish},
            tool_call_chunks=[{"name": tc["name"], "args": json.dumps(tc["args"], ensure_ascii=False), "id": tc["id"],
                               "index": i} for i, tc in enumerate(message.tool_calls)]))

    def bind_tools(self, tools: Sequence[dict[str, Any] | type | Callable | BaseTool], *,
                   tool_choice: str | dict | None = None, **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    # -- structured output

    def structured(self, messages: LanguageModelInput, schema: type[BaseModel] | dict[str, Any], *,
                   retries: int = 1, **kwargs: Any) -> Any:
        """Reply constrained to ``schema``: a validated pydantic object, or a dict for a JSON schema.

        Invalid output (cut off by ``max_tokens``, or failing validators the grammar cannot
        express) is retried ``retries`` times with the error as feedback, then
        :class:`LLMOutputError` is raised.
        """
        is_model = isinstance(schema, type) and issubclass(schema, BaseModel)
        json_schema = schema.model_json_schema() if is_model else schema
        name = schema.__name__ if is_model else str(json_schema.get("title", "reply"))
        history = list(self._convert_input(messages).to_messages())
        error = ""
        for _ in range(retries + 1):
            reply = self.invoke(history, response_format=_response_format(json_schema, _safe_name(name)), **kwargs)
            try:
                return _validate(reply.text, schema, is_model)
            except (ValueError, ValidationError) as exc:
                error = str(exc)[:600]
                history = [*history, AIMessage(content=reply.text), HumanMessage(content=render("json_retry.j2", error=error))]
        raise LLMOutputError(f"the model did not produce valid {name} output after {retries + 1} tries: {error}")

    def with_structured_output(self, schema: Any, *, include_raw: bool = False, **kwargs: Any) -> Runnable:
        if include_raw:
            raise NotImplementedError("include_raw is not supported; call structured() directly")
        return RunnableLambda(lambda messages: self.structured(messages, schema, **kwargs))


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)[:64] or "reply"


def _validate(text: str, schema: type[BaseModel] | dict[str, Any], is_model: bool) -> Any:
    if is_model:
        return schema.model_validate_json(text)  # type: ignore[union-attr]
    import jsonschema

    data = json.loads(text)
    try:
        jsonschema.validate(data, schema)  # type: ignore[arg-type]
    except jsonschema.ValidationError as exc:
        raise ValueError(f"JSON does not match the schema: {exc.message}") from exc
    return data


def get_chat_model(settings, *, model: str | None = None, model_path: str | Path | None = None,
                   transport: Transport | None = None, **params: Any) -> ReelChatModel:
    """The chat model ``settings`` describe (nothing is loaded until the first request).

    Args:
        settings: a :class:`models.settings.Settings`.
        model: override ``settings.llm_model`` (registry name, or served id when remote).
        model_path: explicit GGUF file for the embedded backend.
        transport: use this transport instead (tests, custom servers).
        **params: ``temperature``, ``max_tokens``, ``seed`` for the chat model.
    """
    name = model or settings.llm_model
    if transport is None:
        if settings.llm_is_remote:
            transport = OpenAITransport(settings.llm_base_url, api_key=settings.llm_api_key,
                                        timeout=settings.llm_timeout)
        else:
            from .provision import resolve

            path = resolve(name, settings, path=model_path)
            transport = XLlamaTransport(path, n_ctx=settings.llm_ctx, threads=settings.llm_threads,
                                        parallel=settings.llm_parallel)
    grammar = settings.llm_grammar if settings.llm_grammar is not None else isinstance(transport, XLlamaTransport)
    return ReelChatModel(transport=transport, model_name=name, tool_mode=settings.llm_tool_mode, grammar=grammar,
                         **params)
