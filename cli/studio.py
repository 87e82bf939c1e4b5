"""``reelwright app``: open the studio (``app.py``'s Gradio app) with this command's settings."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["app_cmd"]


def app_cmd(ctx: typer.Context,
            host: Annotated[str, typer.Option(help="Address to serve on (0.0.0.0: every interface; anything but "
                                                   "127.0.0.1 / localhost needs --auth).")] = "127.0.0.1",
            port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 7860,
            auth: Annotated[str | None, typer.Option(help="USER:PASSWORD the browser must log in with "
                                                          "(required off this machine).")] = None,
            max_upload: Annotated[str, typer.Option(help="Largest file a user may upload, e.g. 4G, 500M.")] = "4G",
            concurrency: Annotated[int, typer.Option(min=1, max=16, help="How many sessions' requests run at "
                                                                         "once (the others wait in line).")] = 1,
            ) -> None:
    """Open the studio at http://HOST:PORT until Ctrl-C: chat with the planner, upload a live stream and its
    fact sheets, watch the ad, download it, go back to earlier versions."""
    from agent.attachments import parse_size
    from app import check_bind
    from app import main as studio

    size = parse_size(max_upload)
    check_bind(host, auth)  # before anything loads: a one-line refusal
    studio(ctx.obj.settings(), host=host, port=port, auth=auth, max_upload=size, concurrency=concurrency)
