"""benchmarks.realtimeqa on a two-question week written here (no dataset needed): the real store, the real
embedding model, extractive mode; and its per-question comparison of two pipelines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import answerable, realtimeqa

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
    labels = tmp_path / "labels.jsonl"
    _write(labels, [{"id": "20310306_0", "label": "yes", "why": "the harbour's opening"}])
    result = realtimeqa.main(["--data", str(data), "--pipelines", "extractive", "--stores", str(tmp_path / "stores"),
                              "--out", str(out), "--answerable", str(labels)])
    summary = result["extractive"]
    assert summary["questions"] == 2
    rows = json.loads(out.with_name("rtqa-rows.json").read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in rows}
    assert by_id["20310306_0"]["open"] and by_id["20310306_0"]["reachable"]
    # "Four villages" answers the gold "4": the scorer reads number words as digits
    assert by_id["20310306_1"]["open"], by_id["20310306_1"]["answer"]
    assert summary["open_acc"] == 1.0
    assert (tmp_path / "stores" / "20310306").is_dir()  # kept for the next run
    # scored on the reader's labels: the labelled question is answerable and answered; the other is unlabelled
    assert summary["answerable"]["yes"] == {"questions": 1, "open": 1, "shown": 1, "abstained": 0}
    assert summary["answerable"]["none"]["questions"] == 1
    assert summary["answerable"]["answerable_share"] == 0.5 and summary["answerable"]["open_on_answerable"] == 1.0

    # the labelling sheet, from the same kept store: each question with the sentences that hold its gold
    sheet_path = tmp_path / "sheet.json"
    answerable.main(["--data", str(data), "--stores", str(tmp_path / "stores"), "--out", str(sheet_path)])
    sheet = {r["id"]: r for r in json.loads(sheet_path.read_text(encoding="utf-8"))}
    assert [s["sentence"] for s in sheet["20310306_0"]["sentences"]] == [
        "The island of Veloria opened its new deep-water harbour on Tuesday."]
    assert sheet["20310306_0"]["sentences"][0]["headline"] == "Veloria opens its new harbour"
    assert "Four villages were evacuated" in sheet["20310306_1"]["sentences"][0]["sentence"]


def test_rows_are_scored_on_each_label_and_a_dataset_without_labels_gets_none() -> None:
    rows = [{"id": "a", "open": True, "shown": True, "abstained": False},
            {"id": "b", "open": False, "shown": True, "abstained": False},
            {"id": "c", "open": True, "shown": True, "abstained": False},  # right by a chance match
            {"id": "d", "open": False, "shown": False, "abstained": True}]
    scored = answerable.by_label(rows, {"a": "yes", "b": "yes", "c": "no"})
    assert scored["yes"] == {"questions": 2, "open": 1, "shown": 2, "abstained": 0}
    assert scored["none"] == {"questions": 1, "open": 0, "shown": 0, "abstained": 1}
    assert scored["open_on_answerable"] == 0.5 and scored["open_by_chance"] == 1
    assert scored["answerable_share"] == 0.5 and scored["answerable_or_partial_share"] == 0.5
    assert answerable.by_label(rows, {"z": "yes"}) == {}


def test_the_bundled_labels_cover_the_dev_weeks_and_a_wrong_label_is_refused(tmp_path: Path) -> None:
    labels = answerable.load_labels()
    assert len(labels) == 122 and set(labels.values()) == {"yes", "partial", "no"}
    assert sum(v == "yes" for v in labels.values()) == 51
    assert {i.split("_")[0] for i in labels} <= {"20230901", "20230908", "20230915", "20230922", "20230929",
                                                   "20231006", "20231013", "20231020", "20231027"}
    bad = tmp_path / "bad.jsonl"
    _write(bad, [{"id": "x", "label": "maybe"}])
    with pytest.raises(ValueError, match="'maybe'"):
        answerable.load_labels(bad)
    assert answerable.load_labels(tmp_path / "absent.jsonl") == {}


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
