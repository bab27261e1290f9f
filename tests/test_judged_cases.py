"""The fact-checker's loop through the facade, on the real store and the real packaged embedding model: answers
judged Right/Wrong become test cases (Chronicle.save_case), the set runs in-process and as `python -m app.eval`
with the same results, a removed article makes its cases stale, a later article that changes an answer shows as a
changed case, and a case that used to pass and now fails comes first in the comparison."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app import Chronicle
from app.answer.judged import case_id, key_facts, parse_must_say
from app.eval.history import compare_runs, find_previous, new_run_dir
from app.eval.report import write_run
from app.eval.runner import run_testset
from app.store.testcases import parse_case, read_testset
from tests.conftest import SEED, make_settings
from tests.helpers_net import chronicle_env, run_cli

CHINA = """on Wednesday 20 September, 2023

China urges restraint over Karabakh

China's foreign ministry said on Wednesday that it urged Azerbaijan and Armenia to exercise restraint and resolve
their differences through dialogue.
"""


def test_key_facts_and_must_say() -> None:
    facts = key_facts("Separatists said 25 people had been killed, including two civilians, and 80 injured from "
                      "Baku’s military action [1].", "How many people were killed?")
    assert facts[:2] == [["25"], ["80"]] and ["Baku", "Azerbaijan"] in facts  # a city standing for its country
    assert key_facts("Kremlin spokesman Dmitry Peskov said Russia urged talks with Armenia [1].",
                     "What did Moscow say?") == [["Dmitry Peskov", "Peskov"], ["Armenia"]]  # Kremlin = Moscow = Russia
    assert key_facts("Russia called for calm [1].", "What did Russia say?") == []  # the question's own name
    assert parse_must_say("25 people | 25 dead\n; Peskov ;\n") == [["25 people", "25 dead"], ["Peskov"]]
    assert case_id("What did Russia say?", None) == case_id("  what did RUSSIA say ", None)
    assert case_id("What did Russia say?", None) != case_id("What did Russia say?", __import__("datetime").date(2023,
                                                                                                         9, 20))


@pytest.fixture()
def chron(tmp_path: Path) -> Chronicle:
    settings = make_settings(tmp_path / "store", testset=tmp_path / "sets" / "mine.jsonl", runs_dir=tmp_path / "runs")
    chron = Chronicle(settings)
    assert chron.ingest([SEED]).added == 1
    return chron


def _run(chron: Chronicle, path: Path):
    cases, problems = read_testset(path)
    run = run_testset(chron, cases, "extractive", settings=chron.settings, embed=chron.embed,
                      embedding_model=chron.embedding_model, testset=str(path), progress=False)
    return run, problems


def test_judged_answers_become_cases_that_run_go_stale_and_change(chron: Chronicle, tmp_path: Path) -> None:
    path = chron.settings.testset
    russia = chron.ask("What did Russia say?", mode="extractive")
    saved = chron.save_case(russia, "right", saved_by="tester")
    assert saved.created and Path(saved.path) == path
    case = saved.case
    assert case["verdict"] == "right" and case["answerable"] and case["saved_by"] == "tester"
    assert case["depends_on"] == [chron.articles()[0].article_id] == case["article_ids"]
    assert case["evidence"] and all(e in SEED.read_text(encoding="utf-8") for e in case["evidence"])
    assert case["cited"][0]["start"] < case["cited"][0]["end"] and case["mode"] == "extractive"
    parse_case(case)  # the line is in the eval test-set format

    killed = chron.ask("How many people were killed?", mode="extractive")
    wrong = chron.save_case(killed, "wrong", must_say="more than 200 people | 200 dead", saved_by="tester")
    assert wrong.case["required_facts"] == [["more than 200 people", "200 dead"]] and wrong.case["evidence"] == []

    china = chron.ask("What did China say?", mode="extractive")
    assert china.abstained
    declines = chron.save_case(china, "right")  # Right on "the articles don't say": it must keep declining
    assert declines.case["answerable"] is False and declines.case["type"] == "unanswerable"

    turkey = chron.ask("And Turkey?", history=[("What did Russia say?", russia.text)], mode="extractive")
    follow = chron.save_case(turkey, "right", history=[("What did Russia say?", russia.text)])
    assert follow.case["type"] == "follow_up" and follow.case["history"][0][0] == "What did Russia say?"
    assert follow.case["standalone_question"] != "And Turkey?"

    with pytest.raises(ValueError, match="must say"):
        chron.save_case(killed, "wrong")  # nothing to check
    again = chron.save_case(russia, "right", must_say="stop fighting\nnegotiations")
    assert not again.created and again.case_id == saved.case_id
    assert again.case["created_at"] == case["created_at"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and sum(json.loads(line)["id"] == saved.case_id for line in lines) == 1

    first, problems = _run(chron, path)
    assert problems == []
    status = {r.id: r.status for r in first.results}
    assert status == {saved.case_id: "pass", wrong.case_id: "fail", declines.case_id: "pass",
                      follow.case_id: "pass"}, [(r.id, r.failures) for r in first.results]
    failed = next(r for r in first.results if r.id == wrong.case_id)
    assert "missing facts" in failed.failures[0] and failed.judged_answer == killed.text
    write_run(first, new_run_dir(chron.settings.runs_dir), compare=True)

    # A later article answers the China question: the declining case now fails, and shows what changed it.
    time.sleep(1.1)  # ingest times are whole seconds
    article = tmp_path / "china.txt"
    article.write_text(CHINA, encoding="utf-8")
    assert chron.ingest([article]).added == 1
    china_id = next(a.article_id for a in chron.articles() if "China" in a.title)
    second, _ = _run(chron, path)
    out = new_run_dir(chron.settings.runs_dir)
    json_path, html_path = write_run(second, out, find_previous(chron.settings.runs_dir, path, "extractive",
                                                                exclude=out / "results-extractive.json"), True)
    previous = find_previous(chron.settings.runs_dir, path, "extractive", exclude=json_path)
    assert previous is not None and previous.meta.timestamp == first.meta.timestamp
    rows = compare_runs(second, previous)
    assert rows[0].result.id == declines.case_id and rows[0].change == "newly failing"  # regressions on top
    assert rows[0].result.changed_by == [china_id]
    assert "newly failing" in html_path.read_text(encoding="utf-8")

    # Judged again (it now says what China said): the case is updated; then the article is removed: stale.
    china2 = chron.ask("What did China say?", mode="extractive")
    assert not china2.abstained and china2.citations[0].article_id == china_id
    updated = chron.save_case(china2, "right", must_say="restraint")
    assert not updated.created and updated.case["depends_on"] == [china_id]
    third, _ = _run(chron, path)
    assert {r.id: r.status for r in third.results}[declines.case_id] == "pass"
    chron.remove([china_id])
    fourth, _ = _run(chron, path)
    stale = next(r for r in fourth.results if r.id == declines.case_id)
    assert stale.status == "stale" and stale.stale == [china_id] and not stale.failures
    overall = fourth.summary["overall"]
    assert overall["stale"] == 1 and overall["n"] == 3 and overall["passed"] == 2  # stale is not a failure


def test_the_cli_runs_the_saved_set_with_the_same_results(chron: Chronicle, tmp_path: Path) -> None:
    path = chron.settings.testset
    for question, verdict, must in [("What did Russia say?", "right", ""),
                                    ("How many people were killed?", "wrong", "200 dead")]:
        chron.save_case(chron.ask(question, mode="extractive"), verdict, must_say=must)
    bad = '{"id": "hand-edit", "question": "What did Iran say?", '
    with path.open("a", encoding="utf-8") as f:
        f.write(bad + "\n")
    mine, problems = _run(chron, path)
    assert [p.line for p in problems] == [3]
    before = path.read_text(encoding="utf-8")

    env = chronicle_env(chron.settings.vectorstore_dir, CHRONICLE_RUNS_DIR=str(tmp_path / "cli-runs"))
    done = run_cli(["-m", "app.eval", "--set", str(path), "--mode", "extractive", "--no-progress"], env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"skipped {path}:3: invalid JSON" in done.stderr
    results = list((tmp_path / "cli-runs").glob("*/results-extractive.json"))
    assert len(results) == 1 and (results[0].parent / "report-extractive.html").exists()
    cli = json.loads(results[0].read_text(encoding="utf-8"))
    assert {r["id"]: r["passed"] for r in cli["results"]} == {r.id: r.passed for r in mine.results}
    assert sorted(r["id"] for r in cli["results"] if not r["passed"]) == [
        r.id for r in mine.results if "killed" in r.question]
    assert path.read_text(encoding="utf-8") == before  # the corrupt line is still there, untouched

    # A stricter judgement of the Russia answer makes that case fail: the next CLI run (as in CI) names it.
    russia = chron.save_case(chron.ask("What did Russia say?", mode="extractive"), "right", must_say="Lavrov")
    done = run_cli(["-m", "app.eval", "--set", str(path), "--mode", "extractive", "--no-progress"], env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"1 newly failing: {russia.case_id}" in " ".join(done.stdout.split())


@pytest.mark.llm
@pytest.mark.timeout(900)
def test_a_case_judged_in_extractive_mode_runs_in_llm_mode(chron: Chronicle) -> None:
    """The tab's LLM mode: the same case, answered by the packaged model, scored the same way."""
    turkey = chron.ask("What did Turkey say?", mode="extractive")
    chron.save_case(turkey, "right", must_say="territorial integrity")
    cases, _ = read_testset(chron.settings.testset)
    t0 = time.perf_counter()
    run = run_testset(chron, cases, "llm", settings=chron.settings, embed=chron.embed, progress=False)
    result = run.results[0]
    print(f"\nllm answer in {time.perf_counter() - t0:.1f} s: {result.answer!r}")
    assert result.error is None and result.mode == "llm" and result.answer_mode in ("llm", "extractive")
    assert result.judged_answer == turkey.text and result.verdict == "right"
    assert result.passed, (result.answer, result.failures)
