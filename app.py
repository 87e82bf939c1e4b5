"""The web shell: a Gradio chat over the LLM (the ad tools join it with the ad pipeline).

Run ``python app.py`` or ``reelwright app``; nothing heavy happens at import.
"""

from __future__ import annotations

__all__ = ["build_app", "main"]


def build_app(settings=None):
    """Build the Gradio Blocks app (the model loads on the first message)."""
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


def main() -> None:
    build_app().launch(server_name="127.0.0.1")


if __name__ == "__main__":
    main()
