"""How numbers look to the users: 万元 / 亿元 with separators, percentages, signed changes.

Values arrive in yuan (Decimal from DuckDB, or float for drawing); text goes out. Colours
follow the Chinese report convention (red up, green down) unless ``up_is_red`` is off.
"""

from __future__ import annotations

import numbers
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from . import settings

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
RED = "#d62728"
GREEN = "#2ca02c"
GREY = "#7f7f7f"

# What Markdown (CommonMark), Streamlit's directives (:red[…], :material/…:), LaTeX ($…$)
# and inline HTML would read: each gets a backslash, so the text shows as typed.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:&])")


def md(value) -> str:
    """Data (a name, a file name, anything from an upload) as literal text inside Markdown.

    ``![p](http://x/b.png)**粗体**支行`` → shown exactly so, never an image or bold text;
    a line break becomes a space (a name cannot start a heading or a list).
    """
    text = "" if value is None else str(value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\r", " ").replace("\n", " "))


def _missing(value) -> bool:
    """None, NaN, pandas NA/NaT: a value that is not there."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # sequences: not a scalar, not missing
        return False


def _dec(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, numbers.Integral):
        return Decimal(int(value))
    if isinstance(value, numbers.Real):  # float and numpy floats (repr of np.float64 is not a number)
        return Decimal(repr(float(value)))
    return Decimal(str(value))


def to_wan(value_yuan) -> Decimal | None:
    """Yuan → 万元, exact, rounded half-up to two decimals (None stays None)."""
    if _missing(value_yuan):
        return None
    return _no_negative_zero((_dec(value_yuan) / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _no_negative_zero(amount: Decimal) -> Decimal:
    # A small fall rounds to -0.00: a banker reads that as a fall that is not there.
    return abs(amount) if amount == 0 else amount


def wan(value_yuan, unit: bool = False, signed: bool = False) -> str:
    """Yuan shown in 万元 with two decimals and separators: ``12,345.68``."""
    amount = to_wan(value_yuan)
    if amount is None:
        return "—"
    text = f"{amount:+,.2f}" if signed else f"{amount:,.2f}"
    return f"{text} 万元" if unit else text


def yi(value_yuan, unit: bool = True, signed: bool = False) -> str:
    """Yuan shown in 亿元 with two decimals: ``43.21 亿元`` (for line totals)."""
    if _missing(value_yuan):
        return "—"
    amount = _no_negative_zero((_dec(value_yuan) / YI).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    text = f"{amount:+,.2f}" if signed else f"{amount:,.2f}"
    return f"{text} 亿元" if unit else text


def money(value_yuan, signed: bool = False) -> str:
    """亿元 for amounts of at least 1 亿, else 万元; with the unit."""
    if _missing(value_yuan):
        return "—"
    if abs(_dec(value_yuan)) >= YI:
        return yi(value_yuan, signed=signed)
    return wan(value_yuan, unit=True, signed=signed)


def count(value, signed: bool = False) -> str:
    """A count with separators: ``4,012`` (signed: ``+12``)."""
    if _missing(value):
        return "—"
    return f"{int(value):+,d}" if signed else f"{int(value):,d}"


def pct(ratio, digits: int = 1, signed: bool = False) -> str:
    """A ratio as a percentage: 0.8329 → ``83.3%``."""
    if _missing(ratio):
        return "—"
    value = float(ratio) * 100
    return f"{value:+.{digits}f}%" if signed else f"{value:.{digits}f}%"


def pp(change, digits: int = 2) -> str:
    """A change of a rate in percentage points (百分点), always signed: 0.0006 → ``+0.06 个百分点``.

    A rate that moves from 0.19% to 0.25% rose by 0.06 percentage points, not by 0.06%.
    """
    if _missing(change):
        return "—"
    points = round(float(change) * 100, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{points:+.{digits}f} 个百分点"


def amount(value_yuan, line: bool, unit: bool = True, signed: bool = False) -> str:
    """An amount in the house unit of its scope: 亿元 for the whole line's totals, 万元 for a sub-branch or manager."""
    if line:
        return yi(value_yuan, unit=unit, signed=signed)
    return wan(value_yuan, unit=unit, signed=signed)


def change_color(delta) -> str:
    """Colour for a change: red up and green down by default (switchable)."""
    if _missing(delta) or float(delta) == 0:
        return GREY
    up = float(delta) > 0
    up_is_red = settings.get("up_is_red")
    return (RED if up else GREEN) if up_is_red else (GREEN if up else RED)


def month_label(month: str) -> str:
    """``2026-10`` → ``2026年10月``."""
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"
