"""How amounts, counts and changes are shown."""

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
