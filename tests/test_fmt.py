"""How amounts, counts and changes are shown."""

import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from puhui import fmt


@pytest.mark.parametrize(
    "value,expected",
    [
        (Decimal("123456789.00"), "12,345.68"),
        (Decimal("-50.00"), "-0.01"),
        (Decimal("49.99"), "0.00"),
        (1234567.0, "123.46"),
        (np.float64(123456.785), "12.35"),
        (np.int64(10000), "1.00"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_wan(value, expected):
    assert fmt.wan(value) == expected


def test_yi_money_count_pct():
    assert fmt.yi(Decimal("432100000000")) == "4,321.00 亿元"
    assert fmt.money(Decimal("99999999.99")) == "10,000.00 万元"
    assert fmt.money(Decimal("100000000")) == "1.00 亿元"
    assert fmt.count(np.int64(4012)) == "4,012"
    assert fmt.count(12, signed=True) == "+12"
    assert fmt.count(pd.NA) == "—" and fmt.pct(None) == "—"
    assert fmt.pct(304 / 365) == "83.3%"
    assert fmt.month_label("2026-03") == "2026年3月"


def test_change_colours(monkeypatch):
    assert fmt.change_color(1) == fmt.RED
    assert fmt.change_color(-1) == fmt.GREEN
    assert fmt.change_color(0) == fmt.GREY
    monkeypatch.setenv("PUHUI_UP_IS_RED", "0")
    assert fmt.change_color(1) == fmt.GREEN


def test_markdown_escape_leaves_names_as_typed():
    hostile = "![p](http://127.0.0.1/b.png)<img src=x onerror=alert(1)>**粗体**_斜_`码`[点我](javascript:alert(1)) $x$ :red[红] # 1. - a&amp;"
    escaped = fmt.md(hostile)
    # Every character Markdown, HTML, LaTeX or a Streamlit directive reads is preceded by a backslash …
    bare = re.sub(r"\\.", "", escaped)  # drop each escaped pair
    assert not re.search(r"[\\`*_{}\[\]()#+\-.!|<>$~:&]", bare), bare
    # … and removing the backslashes gives the text back.
    assert re.sub(r"\\(.)", r"\1", escaped) == hostile
    assert fmt.md("城关支行") == "城关支行" and fmt.md(None) == ""
    assert "\n" not in fmt.md("第一行\n# 第二行")
