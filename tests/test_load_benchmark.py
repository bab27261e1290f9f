"""benchmarks.load end to end on the smallest run: a served app, two sessions over real HTTP, the result's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.timeout(600)
def test_load_benchmark_reports_waits_by_kind_errors_and_rss(tmp_path: Path) -> None:
    from benchmarks import load

    out = tmp_path / "load.json"
    result = load.main(["--sessions", "2", "--questions", "2", "--mode", "extractive", "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved["waits"] == result["waits"]
    waits = saved["waits"]["extractive"]
    assert waits["n"] == 4 and 0 < waits["p50_s"] <= waits["p95_s"] <= waits["max_s"]
    assert saved["errors"] == 0 and saved["server_rss_mb"] > 100
    rows = json.loads(out.with_name("load-rows.json").read_text())
    assert len(rows) == 4 and all(r["answer"] and not r["error"] for r in rows)
    assert {r["session"] for r in rows} == {0, 1}


def test_the_place_in_line_is_read_from_the_chat() -> None:
    from benchmarks.load import _place

    assert _place('"_Waiting for the model: 3rd in line (2 answers ahead), about 20 s._"') == 3
    assert _place('"_Waiting for the model: next in line, about 5 s._"') == 1
    assert _place('"_Waiting for the model: 12th in line (11 answers ahead), about 90 s._"') == 12


@pytest.mark.timeout(600)
def test_load_benchmark_shows_llm_answers_waiting_in_line_for_one_slow_endpoint(tmp_path: Path) -> None:
    from benchmarks import load
    from tests.helpers_openai import FakeOpenAI

    with FakeOpenAI() as model:
        model.delay_s = 2.0  # each answer holds the one endpoint for 2 s: three at once make two wait
        out = tmp_path / "load.json"
        result = load.main(["--sessions", "3", "--questions", "1", "--mode", "llm", "--llm-base-url", model.url,
                            "--llm-model", "fake", "--out", str(out)])
    llm = result["waits"]["llm"]
    assert result["errors"] == 0 and llm["n"] == 3 and result["model_endpoints"] == 1
    assert llm["place_shown"] >= 1 and llm["highest_place"] >= 1
    assert llm["max_s"] >= 2 * model.delay_s  # the last in line waited for the two before it
    rows = json.loads(out.with_name("load-rows.json").read_text())
    assert all(r["wait_s"] <= r["total_s"] for r in rows)
