"""benchmarks.realtimeqa on a two-question week written here (no dataset needed): the real store, the real
embedding model, extractive mode; and its per-question comparison of two pipelines."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import realtimeqa

ARTICLES = [
    {"url": "https://example.org/2031/03/04/harbour", "title": "Veloria opens its new harbour",
     "publish_date": "2031/03/04",
     "text": "The island of Veloria opened its new deep-water harbour on Tuesday. The harbour cost 40 million euros, "
             "the port authority said. Fishermen welcomed the longer quay."},
    {"url": "https://example.org/2031/03/05/storm", "title": "Storm Odile reaches the coast",
     "publish_date": "2031/03/05",
     "text": "Storm Odile reached the coast of Marennia on Wednesday. Four villages were evacuated before it made "
             "landfall, officials said. Power was cut to 3,000 homes."},
]
QUESTIONS = [
    {"question_id": "20310306_0", "question_date": "2031/03/06", "question_sentence":
     "Which island opened a new deep-water harbour this week?",
     "choices": ["Corsica", "Veloria", "Malta", "Crete"], "answer": ["1"]},
    {"question_id": "20310306_1", "question_date": "2031/03/06", "question_sentence":
     "How many villages were evacuated before Storm Odile made landfall?",
     "choices": ["2", "3", "4", "5"], "answer": ["2"]},
]


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_extractive_run_on_a_small_week_scores_each_question(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _write(data / "20310306_gcs.jsonl", [{"question_id": q["question_id"], "search_result": [a]}
                                         for q, a in zip(QUESTIONS, ARTICLES, strict=True)])
    _write(data / "20310306_qa.jsonl", QUESTIONS)
    out = tmp_path / "rtqa.json"
    result = realtimeqa.main(["--data", str(data), "--pipelines", "extractive", "--stores", str(tmp_path / "stores"),
                              "--out", str(out)])
    summary = result["extractive"]
    assert summary["questions"] == 2
    rows = json.loads(out.with_name("rtqa-rows.json").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in rows}
    assert by_id["20310306_0"]["open"] and by_id["20310306_0"]["reachable"]
    # "Four villages" answers the gold "4": the scorer reads number words as digits
    assert by_id["20310306_1"]["open"], by_id["20310306_1"]["answer"]
    assert summary["open_acc"] == 1.0
    assert (tmp_path / "stores" / "20310306").is_dir()  # kept for the next run


def test_compare_sorts_questions_by_which_pipeline_got_them_right() -> None:
    rows = [
        {"week": "w", "id": "1", "pipeline": "extractive", "open": True},
        {"week": "w", "id": "1", "pipeline": "llm", "open": True},
        {"week": "w", "id": "2", "pipeline": "extractive", "open": True},
        {"week": "w", "id": "2", "pipeline": "llm", "open": False},
        {"week": "w", "id": "3", "pipeline": "extractive", "open": False},
        {"week": "w", "id": "3", "pipeline": "llm", "open": True},
        {"week": "w", "id": "4", "pipeline": "extractive", "open": False},
        {"week": "w", "id": "4", "pipeline": "llm", "open": False},
        {"week": "w", "id": "5", "pipeline": "llm", "open": True},  # no extractive row: not compared
    ]
    out = realtimeqa.compare(rows, "extractive", "llm")
    assert out["counts"] == {"both": 1, "only_extractive": 1, "only_llm": 1, "neither": 1}
    assert out["only_llm"] == ["3"] and out["only_extractive"] == ["2"]


def test_a_citation_number_is_not_an_answer() -> None:
    assert realtimeqa.without_citations("According to source [5], she served 10 years [1, 2].").count("5") == 0
    assert "5 years" in realtimeqa.without_citations("She served 5 years [2].")


def test_the_prefill_rate_is_new_tokens_over_the_time_to_the_models_first_token() -> None:
    rows = [{"retrieve_ms": 200.0, "model_first_token_ms": 3200.0, "prefill_tokens": 300.0, "first_token_ms": 4000.0},
            {"retrieve_ms": 100.0, "model_first_token_ms": 2100.0, "prefill_tokens": 100.0, "first_token_ms": 2500.0},
            {"retrieve_ms": 100.0, "model_first_token_ms": 600.0, "prefill_tokens": 0.0, "first_token_ms": 700.0}]
    assert realtimeqa.prefill_rates(rows) == [100.0, 50.0]  # a fully cached prompt has no rate
    assert realtimeqa._model_stats(rows)["prefill_tokens_per_s_p50"] == 75.0
