"""The chat model's logic (tool calls, JSON output, streaming) over a scripted transport."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from models.llm import LLMOutputError, ReelChatModel, get_chat_model
from models.settings import Settings
from tests.scripted import ScriptedTransport, reply


class Pitch(BaseModel):
    product: str = Field(max_length=30)
    price: int = Field(ge=0)


@tool
def get_price(product: str) -> str:
    """Look up the current price of a product.

    Args:
        product: the product name as the seller wrote it.
    """
    return f"{product}: 289 yuan"


def make(replies, **kw) -> tuple[ReelChatModel, ScriptedTransport]:
    transport = ScriptedTransport(replies)
    return get_chat_model(Settings(**kw), transport=transport, model="scripted-model"), transport


def test_invoke_sends_messages_and_sampling():
    llm, t = make(["Hello there"])
    msg = llm.invoke([SystemMessage("be brief"), HumanMessage("hi")], max_tokens=7)
    assert msg.content == "Hello there"
    assert msg.usage_metadata["output_tokens"] == 5
    req = t.requests[0]
    assert req["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    assert req["max_tokens"] == 7 and req["model"] == "scripted-model"
    assert "response_format" not in req and "tools" not in req


def test_stream_yields_pieces_in_order():
    llm, _ = make(["one two three four"])
    pieces = [c.text for c in llm.stream("count")]
    assert len([p for p in pieces if p]) > 3
    assert "".join(pieces) == "one two three four"


def test_structured_returns_validated_model_and_sends_schema():
    llm, t = make([json.dumps({"product": "serum", "price": 289})])
    out = llm.structured("describe", Pitch)
    assert out == Pitch(product="serum", price=289)
    rf = t.requests[0]["response_format"]
    assert rf["type"] == "json_schema"
    assert rf["json_schema"]["schema"]["properties"]["product"]["maxLength"] == 30


def test_structured_retries_once_with_feedback():
    llm, t = make(['{"product": "serum", "price": -5}', '{"product": "serum", "price": 5}'])
    assert llm.structured("describe", Pitch).price == 5
    retry_msgs = t.requests[1]["messages"]
    assert retry_msgs[-2]["role"] == "assistant" and "-5" in retry_msgs[-2]["content"]
    assert "could not be used" in retry_msgs[-1]["content"] and "price" in retry_msgs[-1]["content"]


def test_structured_gives_up_after_retry():
    llm, t = make(['{"product": "serum"', '{"price": 1}'])
    with pytest.raises(LLMOutputError, match="Pitch"):
        llm.structured("describe", Pitch)
    assert len(t.requests) == 2


def test_structured_with_plain_json_schema():
    schema = {"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}}, "required": ["n"]}
    llm, _ = make(['{"n": 9}', '{"n": 2}'])
    assert llm.structured("n?", schema) == {"n": 2}


def test_json_mode_tool_call_is_parsed_and_constrained():
    llm, t = make([json.dumps({"tool_calls": [{"name": "get_price", "arguments": {"product": "serum"}}]})])
    msg = llm.bind_tools([get_price]).invoke("how much is the serum?")
    assert msg.tool_calls and msg.tool_calls[0]["name"] == "get_price"
    assert msg.tool_calls[0]["args"] == {"product": "serum"}
    req = t.requests[0]
    assert "tools" not in req  # json mode: tools live in the prompt and the grammar
    assert "get_price" in req["messages"][0]["content"]
    schema = req["response_format"]["json_schema"]["schema"]
    call_branch = schema["anyOf"][0]["properties"]["tool_calls"]["items"]
    assert call_branch["properties"]["name"] == {"const": "get_price"}
    assert schema["anyOf"][1]["required"] == ["answer"]


def test_json_mode_required_tool_choice_has_no_answer_branch():
    llm, t = make([json.dumps({"tool_calls": [{"name": "get_price", "arguments": {"product": "x"}}]})])
    llm.bind_tools([get_price], tool_choice="required").invoke("price?")
    schema = t.requests[0]["response_format"]["json_schema"]["schema"]
    assert "anyOf" not in schema and schema["required"] == ["tool_calls"]


def test_json_mode_answer_and_tool_history():
    llm, t = make([json.dumps({"answer": "It costs 289 yuan."})])
    history = [HumanMessage("price?"),
               AIMessage("", tool_calls=[{"name": "get_price", "args": {"product": "serum"}, "id": "c1"}]),
               ToolMessage("serum: 289 yuan", tool_call_id="c1")]
    msg = llm.bind_tools([get_price]).invoke(history)
    assert msg.content == "It costs 289 yuan." and not msg.tool_calls
    wire = t.requests[0]["messages"]
    assert json.loads(wire[2]["content"]) == {"tool_calls": [{"name": "get_price", "arguments": {"product": "serum"}}]}
    assert wire[3]["role"] == "user" and "get_price" in wire[3]["content"] and "289" in wire[3]["content"]


def test_native_mode_passes_tools_to_the_server():
    llm, t = make([reply(tool_calls=[{"name": "get_price", "arguments": {"product": "serum"}}])],
                  llm_tool_mode="native")
    msg = llm.bind_tools([get_price], tool_choice="any").invoke("price?")
    assert msg.tool_calls[0]["args"] == {"product": "serum"}
    req = t.requests[0]
    assert req["tools"][0]["function"]["name"] == "get_price" and req["tool_choice"] == "required"
    assert "response_format" not in req


def test_invalid_tool_reply_is_a_named_error():
    llm, _ = make(["not json at all"])
    with pytest.raises(LLMOutputError, match="not JSON"):
        llm.bind_tools([get_price]).invoke("price?")


def test_langchain_agent_round_trip_runs_the_tool():
    from langchain.agents import create_agent

    calls = []

    @tool
    def stock(product: str) -> str:
        """Units in stock for a product.

        Args:
            product: product name.
        """
        calls.append(product)
        return "12 units"

    llm, t = make([json.dumps({"tool_calls": [{"name": "stock", "arguments": {"product": "serum"}}]}),
                   json.dumps({"answer": "There are 12 serums left."})])
    agent = create_agent(llm, tools=[stock])
    result = agent.invoke({"messages": [HumanMessage("how many serums are left?")]})
    assert calls == ["serum"]
    assert result["messages"][-1].content == "There are 12 serums left."
    assert "12 units" in t.requests[1]["messages"][-1]["content"]
