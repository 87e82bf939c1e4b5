"""``reelwright app``: open the studio (``app.py``'s Gradio app) with this command's settings."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["app_cmd"]


def app_cmd(ctx: typer.Context,
            host: Annotated[str, typer.Option(help="Address to serve on (0.0.0.0: every interface).")] = "127.0.0.1",
            port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 7860) -> None:
    """Open the studio (a chat with the LLM, in the browser) at http://HOST:PORT until Ctrl-C."""
    from app import main as studio

    studio(ctx.obj.settings(), host=host, port=port)
