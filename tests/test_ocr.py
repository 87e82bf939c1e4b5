"""On-screen text: line kinds, and the bundled PP-OCR reading a rendered sticker (real model)."""

from __future__ import annotations

import numpy as np
import pytest

from tools.analysis.ocr import kind_of


def test_line_kinds():
    names = ["Aurora Espresso Blend"]
    assert kind_of("$24.90 / 1 kg", names) == "price"
    assert kind_of("到手价 89元", names) == "price"
    assert kind_of("BUY 2 GET A FREE CUP", names) == "promo"
    assert kind_of("买一送一", names) == "promo"
    assert kind_of("Aurora Espresso-Blend", names) == "product"
    assert kind_of("LIVE", names) == "text"


@pytest.mark.slow
def test_pp_ocr_reads_a_price_sticker(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    from evals.fixtures import FONT
    from tools.analysis.ocr import _engine

    img = Image.new("RGB", (960, 540), (40, 60, 90))
    draw = ImageDraw.Draw(img)
    draw.rectangle((340, 40, 920, 140), fill=(250, 220, 0))
    draw.text((360, 55), "$19.99 今晚特价", font=ImageFont.truetype(str(FONT), 56), fill=(0, 0, 0))
    result = _engine(2)(np.asarray(img)[:, :, ::-1].copy())
    text = " ".join(result.txts or ())
    assert "19.99" in text and "特价" in text
