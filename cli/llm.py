"""``reelwright llm chat|serve``: ask the LLM, or serve the embedded one over an OpenAI-compatible API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tools.core.errors import UsageError

__all__ = ["group"]

group = typer.Typer(help="Talk to the LLM (embedded llama.cpp or a remote OpenAI-compatible server).",
                    no_args_is_help=True)
out = Console()


def _load_schema(path: Path) -> dict:
    """A JSON schema file, checked; a file that cannot be used is a one-line :class:`UsageError`."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read JSON schema {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from None
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise UsageError(f"{path} is not a valid JSON schema: {exc.message}") from None
    return schema


@group.command("chat")
def llm_chat(ctx: typer.Context,
             prompt: Annotated[str, typer.Argument(help="What to ask.")],
             model: Annotated[str | None, typer.Option(help="Model name (default: REELWRIGHT_LLM_MODEL or "
                                                             "qwen2.5-coder-1.5b-instruct).")] = None,
             model_path: Annotated[Path | None, typer.Option(help="Explicit GGUF file to run.")] = None,
             system: Annotated[str | None, typer.Option(help="System prompt.")] = None,
             json_schema: Annotated[Path | None, typer.Option(help="Constrain the reply to this JSON schema "
                                                                   "file; prints validated JSON.")] = None,
             max_tokens: Annotated[int, typer.Option(min=1, help="Reply length limit in tokens.")] = 512,
             temperature: Annotated[float, typer.Option(min=0.0, max=2.0)] = 0.2,
             stream: Annotated[bool, typer.Option(help="Print tokens as they come.")] = True) -> None:
    """Ask the LLM one question (streamed), or get JSON that matches a schema."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from models.llm import get_chat_model

    schema = _load_schema(json_schema) if json_schema else None
    settings = ctx.obj.settings()
    llm = get_chat_model(settings, model=model, model_path=model_path, max_tokens=max_tokens,
                         temperature=temperature)
    messages = ([SystemMessage(system)] if system else []) + [HumanMessage(prompt)]
    if schema is not None:
        out.print_json(json.dumps(llm.structured(messages, schema), ensure_ascii=False))
    elif stream:
        for chunk in llm.stream(messages):
            sys.stdout.write(chunk.text)
            sys.stdout.flush()
        sys.stdout.write("\n")
    else:
        print(llm.invoke(messages).text)


@group.command("serve")
def llm_serve(ctx: typer.Context,
              model: Annotated[str | None, typer.Option(help="Model name from `reelwright models list`.")] = None,
              model_path: Annotated[Path | None, typer.Option(help="Explicit GGUF file.")] = None,
              port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
              parallel: Annotated[int, typer.Option(min=1, max=16, help="Sequences decoded at once.")] = 2) -> None:
    """Serve the embedded model as an OpenAI-compatible API on 127.0.0.1:PORT until Ctrl-C."""
    import signal

    from models.provision import resolve
    from models.transports import embedded_server

    settings = ctx.obj.settings()
    path = resolve(model or settings.llm_model, settings, path=model_path)
    server = embedded_server(str(path), settings.llm_ctx, settings.llm_threads, parallel, port)
    out.print(f"serving {path.name} at {server.listening_address}/v1 (Ctrl-C stops)", highlight=False)
    sys.stdout.flush()
    stop = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    signal.sigwait(stop)
