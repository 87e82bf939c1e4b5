"""How chat requests reach a model: in-process llama.cpp, or any OpenAI-compatible server.

A transport takes an OpenAI chat-completions request (a dict) and returns the
OpenAI-shaped response (a dict), or streams its chunks. Everything above it
(tool calls, JSON-schema output, LangChain) is written once, in ``models.llm``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from tools.core.errors import LLMConnectionError, LLMError

__all__ = ["LLMError", "LLMConnectionError", "Transport", "XLlamaTransport", "OpenAITransport", "embedded_server"]


class Transport(Protocol):
    """Anything that answers OpenAI chat-completions requests."""

    description: str

    def complete(self, payload: dict[str, Any]) -> dict[str, Any]: ...

    def stream(self, payload: dict[str, Any]) -> Iterator[dict[str, Any]]: ...


@lru_cache(maxsize=2)
def embedded_server(model_path: str, n_ctx: int, threads: int, parallel: int, port: int = 0):
    """Load a GGUF into an ``xllamacpp.Server`` once per process and configuration.

    With ``port`` > 0 the same server also answers HTTP on 127.0.0.1:``port``
    (OpenAI-compatible ``/v1/chat/completions``).
    """
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model_path
    params.n_ctx = n_ctx
    params.n_parallel = parallel
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.use_jinja = True
    params.verbosity = -1
    params.warmup = False
    if port:
        params.port = port
        params.hostnames = ["127.0.0.1"]
    try:
        return xllamacpp.Server(params)
    except Exception as exc:  # the C++ side only says "failed to load model"
        raise LLMError(f"llama.cpp could not load {model_path}: {exc}") from exc


class XLlamaTransport:
    """The GGUF run in-process by llama.cpp (``xllamacpp``), loaded on first request.

    Requests from several threads are decoded in parallel, up to ``parallel`` at once.
    """

    def __init__(self, model_path: Path, *, n_ctx: int = 8192, threads: int = 2, parallel: int = 1):
        self.model_path = Path(model_path)
        self.n_ctx, self.threads, self.parallel = n_ctx, threads, parallel
        self.description = f"llama.cpp in-process: {self.model_path.name}, {threads} threads, ctx {n_ctx}"

    @property
    def server(self):
        return embedded_server(str(self.model_path), self.n_ctx, self.threads, self.parallel)

    def complete(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = {**payload, "stream": False}
        try:
            result = self.server.handle_chat_completions(body)
        except (ValueError, RuntimeError) as exc:
            raise LLMError(f"llama.cpp rejected the request: {exc}") from exc
        if "error" in result:
            raise LLMError(f"llama.cpp error: {result['error']}")
        return result

    def stream(self, payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
        body = {**payload, "stream": True}
        chunks: queue.Queue = queue.Queue()
        done = object()

        def run() -> None:
            try:
                self.server.handle_chat_completions(body, chunks.put)
            except Exception as exc:  # handed to the consumer thread below
                chunks.put(exc)
            finally:
                chunks.put(done)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        while (item := chunks.get()) is not done:
            if isinstance(item, Exception):
                raise LLMError(f"llama.cpp rejected the request: {item}") from item
            if isinstance(item, dict) and "error" in item:
                raise LLMError(f"llama.cpp error: {item['error']}")
            yield item
        worker.join()


class OpenAITransport:
    """Any OpenAI-compatible endpoint: vLLM, a llama.cpp server, OpenAI itself."""

    def __init__(self, base_url: str, *, api_key: str | None = None, timeout: float = 600.0):
        import openai

        self.base_url = base_url
        self.description = f"OpenAI-compatible server at {base_url}"
        self._openai = openai
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed",
                                     timeout=timeout, max_retries=1)

    def _create(self, payload: dict[str, Any], stream: bool):
        known = {k: v for k, v in payload.items() if k not in ("extra_body", "grammar")}
        extra = dict(payload.get("extra_body") or {})
        if "grammar" in payload:  # llama.cpp's own field: the OpenAI client only passes it in the body
            extra["grammar"] = payload["grammar"]
        try:
            return self._client.chat.completions.create(**known, stream=stream, extra_body=extra or None)
        except self._openai.APIConnectionError as exc:
            raise LLMConnectionError(f"cannot reach the LLM server at {self.base_url}: {exc}") from exc
        except self._openai.APIStatusError as exc:
            raise LLMError(f"the LLM server at {self.base_url} answered {exc.status_code}: {exc.message}") from exc

    def complete(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._create(payload, stream=False).model_dump(exclude_none=True)

    def stream(self, payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for chunk in self._create(payload, stream=True):
            yield chunk.model_dump(exclude_none=True)
