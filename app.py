"""The web shell: a Gradio chat over the LLM (the ad tools join it with the ad pipeline).

Run ``python app.py`` or ``reelwright app`` (which passes its ``--home`` / ``--llm-base-url``
settings); nothing heavy happens at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.settings import Settings

__all__ = ["build_app", "main"]


def build_app(settings: Settings | None = None):
    """Build the Gradio Blocks app with ``settings`` (default: the environment's); the model loads on
    the first message."""
    import gradio as gr
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    from models.llm import get_chat_model
    from models.settings import Settings

    settings = settings or Settings()
    state: dict = {}

    def respond(message: str, history: list[dict]):
        llm = state.get("llm") or state.setdefault("llm", get_chat_model(settings))
        turns = [SystemMessage("You are reelwright, an assistant that plans short e-commerce video ads.")]
        for turn in history:
            cls = HumanMessage if turn["role"] == "user" else AIMessage
            turns.append(cls(str(turn["content"])))
        turns.append(HumanMessage(message))
        reply = ""
        for chunk in llm.stream(turns):
            reply += chunk.text
            yield reply

    return gr.ChatInterface(respond, title="reelwright", description=f"LLM: {settings.llm_model}")


def main(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve the studio at http://HOST:PORT until Ctrl-C."""
    build_app(settings).launch(server_name=host, server_port=port)


if __name__ == "__main__":
    main()
