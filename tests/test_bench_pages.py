"""bench/bench_pages.py runs end to end in its smallest mode, so the page benchmark cannot rot.

One page on a tiny demo bank: AppTest in a fresh process with a pyinstrument profile, Chromium
against a real server (load, second visit, month and sub-branch change) and the server's memory. The figures themselves are not judged here (speed is the benchmark's business,
never a timed test); only that each was measured and written.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.browser


def test_bench_pages_measures_a_page_in_its_smallest_mode(tmp_path):
    out = tmp_path / "pages.json"
    answer = subprocess.run(
        [
            sys.executable,
            "bench/bench_pages.py",
            "--small-only",
            "--small-customers",
            "300",
            "--small-months",
            "2",
            # --no-apptest: the profiled AppTest run (--profile) is the same worker with pyinstrument attached.
            "--pages",
            "app.py",
            "--browser",
            "small",
            "--warm-runs",
            "1",
            "--no-apptest",
            "--profile",
            "--timeout",
            "180",
            "--builds",
            str(tmp_path / "builds"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert answer.returncode == 0, answer.stdout[-3000:] + answer.stderr[-3000:]
    report = json.loads(out.read_text())

    build = report["builds"]["small"]
    assert build["params"]["customers"] == 300 and build["facts"]["latest_customers"] > 0

    profiled = report["profile"]["pages"]["app.py"]
    assert profiled["exceptions"] == []
    assert profiled["first_s"] > 0 and profiled["warm_median_s"] > 0 and profiled["cleared_s"] > 0

    browser = report["browser"]
    assert browser["errors"] == []
    visits = browser["visits"]["app.py"]
    assert set(visits) == {"first", "second", "month", "branch"}
    for step, figures in visits.items():
        assert figures["runs"] >= 1, step
        assert 0 < figures["settled_s"] <= figures["idle_s"] + 0.05, (step, figures)
        assert figures["ws_bytes"] > 0 and figures["exceptions"] == [], (step, figures)
    # The first load fetches the app's JavaScript over HTTP; later steps only talk on the websocket.
    assert visits["first"]["http_bytes"] > 100_000
    assert visits["second"]["http_bytes"] < visits["first"]["http_bytes"]
    assert visits["first"]["bytes_by_kind"].get("delta:plotly_chart", 0) > 0
    assert visits["first"]["bytes_by_kind"].get("delta:dataframe", 0) > 0
    assert any(name.startswith("plotly_chart:overview_") for name, _ in visits["first"]["largest_messages"])
    assert any(name.startswith("dataframe:[") for name, _ in visits["first"]["largest_messages"])
    assert browser["server_peak_rss_mb"] > 50

    first = profiled["profile"]["first"]
    assert first["total_s"] > 0
    assert "DuckDB (query + fetch)" in first["categories"]
    assert any(name.startswith("puhui/ui.py") for name, _ in first["functions"])
    assert {q["query"] for q in profiled["queries"]} >= {"overview", "branch_ranking"}

    assert "| 经营总览 |" in answer.stdout and "Server peak memory" in answer.stdout
