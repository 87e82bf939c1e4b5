"""The real 0.5B model, in-process and behind the OpenAI-compatible HTTP API: same tests, both backends."""

from __future__ import annotations

import json
import re
from typing import Literal

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

pytestmark = pytest.mark.slow


class Product(BaseModel):
    name: str = Field(max_length=30)
    category: Literal["beauty", "food", "electronics", "fashion", "home"]
    price_yuan: int


def test_short_generation(small_llm):
    msg = small_llm.invoke([SystemMessage("Answer with one word."), HumanMessage("What colour is the sky on a clear day?")])
    assert "blue" in msg.text.lower()
    assert 0 < msg.usage_metadata["output_tokens"] <= 128


def test_streaming_matches_tokens(small_llm):
    pieces = [c.text for c in small_llm.stream("Count from 1 to 5, separated by commas.")]
    text = "".join(pieces)
    assert len([p for p in pieces if p]) >= 5
    assert re.search(r"1\D+2\D+3\D+4\D+5", text)


def test_json_schema_output_is_valid(small_llm):
    out = small_llm.structured(
        "A hydrating face serum (skincare, a beauty product) sold for 289 yuan. Fill in the product record.", Product)
    assert isinstance(out, Product)
    assert out.category == "beauty" and out.price_yuan == 289
    assert len(out.name) <= 30


def test_tool_call_round_trip_through_a_langchain_agent(small_llm):
    from langchain.agents import create_agent

    asked: list[str] = []

    @tool
    def get_price(product: str) -> str:
        """Look up the current price of a product in yuan.

        Args:
            product: the product name.
        """
        asked.append(product)
        return "The price of the serum is 289 yuan."

    agent = create_agent(small_llm, tools=[get_price],
                         system_prompt="Use the tools to answer. Answer in one short sentence.")
    result = agent.invoke({"messages": [HumanMessage("What is the price of the serum? Use get_price.")]})
    assert asked and "serum" in asked[0].lower()
    assert "289" in result["messages"][-1].text


def test_cli_chat_with_json_schema(tmp_path, capsys, real_settings):
    from cli import main

    schema = {"type": "object", "required": ["colors"],
              "properties": {"colors": {"type": "array", "minItems": 3, "maxItems": 3,
                                        "items": {"type": "string", "maxLength": 12}}}}
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))
    code = main(["llm", "chat", "--model", "qwen2.5-coder-0.5b-instruct", "--json-schema", str(path),
                 "List three lipstick colours."])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    import jsonschema

    jsonschema.validate(data, schema)


def test_line_grammar_keeps_facts_verbatim(small_llm):
    """Both backends take a GBNF grammar (the HTTP one through the request body)."""
    from tools.narration.linegrammar import line_grammar

    g = line_grammar(["温和不刺激", "控油祛痘"], (16, 30))
    msgs = [SystemMessage("你是电商短视频带货文案写手。"),
            HumanMessage("商品：茶树洁面乳\n卖点：温和不刺激；控油祛痘；3瓶99元\n写一句20字左右的口播文案，写上价格：")]
    text = g.trim(small_llm.invoke(msgs, grammar=g.gbnf, max_tokens=80).text)
    assert text.index("温和不刺激") < text.index("控油祛痘")
    assert not re.search(r"[0-9%]", text) and text[-1] in "。！"
