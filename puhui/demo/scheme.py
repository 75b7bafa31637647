"""The demo bank's 考核方案 (evaluation scheme): the line's weights for the end month's year.

They are the setting ``evaluation_weights`` as shipped, written as an analyst would upload them, so that the
upload page's coverage shows the table and the evaluation page reads its weights from a stored scheme.
"""

from __future__ import annotations

from .. import queries, settings
from .context import Builder


def insert_scheme(builder: Builder, ingest_id: int) -> None:
    """One row per indicator with a weight, for the whole line (no sub-branch), the end month's year."""
    weights = queries.evaluation_weights(settings.SETTINGS["evaluation_weights"].default)
    year = int(builder.month_names[-1][:4])
    values = ", ".join(f"('{label}', {weight})" for label, weight in weights.items() if weight > 0)
    exprs = {
        "year": str(year),
        "indicator": "indicator",
        "weight": "weight::decimal(18, 2)",
        "branch": "null",
        "ingest_id": str(int(ingest_id)),
    }
    sql = f"select {', '.join(f'{v} as {k}' for k, v in exprs.items())} from (values {values}) as t(indicator, weight)"
    builder.insert("scheme", exprs, sql)
