"""The judge panel and the Test set tab's handlers (app/ui/views.py TestSetViews, HTML from app/ui/render.py) over the real Chronicle on the seed store,
without a browser: what a thumb saves, what Save refuses, a run with its progress and comparison, bad lines listed,
and untrusted text escaped in the rendered HTML."""

from __future__ import annotations

import json
from pathlib import Path

from app.config import Settings
from app.eval.history import CaseRow
from app.eval.runner import QuestionResult
from app.store.testcases import CaseFileProblem, TestCase
from app.ui.render import render_cases, render_rows
from app.ui.views import TestSetViews, Views


def _views(seed_settings: Settings, tmp_path: Path) -> TestSetViews:
    settings = seed_settings.model_copy(update={"testset": tmp_path / "mine.jsonl", "runs_dir": tmp_path / "runs"})
    return TestSetViews(Views(settings))


def _ask(tsv: TestSetViews, question: str, answers: dict | None = None, chat: list | None = None) -> tuple:
    *_, last = tsv.respond(question, chat or [], [], "extractive", "", answers)
    return last[1], last[-1]  # chat, answers


def test_thumbs_save_cases_and_save_refuses_an_empty_wrong(seed_settings: Settings, tmp_path: Path) -> None:
    tsv = _views(seed_settings, tmp_path)
    chat, answers = _ask(tsv, "What did Turkey say?")
    assert list(answers) == [1] and answers[1][0].question == "What did Turkey say?"

    panel, head, verdict, must, status, picked = tsv.judge(answers, 1, True, "", "ana")
    assert verdict == "right" and picked == 1 and "Saved test case" in status and "Turkey" in head
    case = json.loads(tsv.path.read_text(encoding="utf-8"))
    assert case["saved_by"] == "ana" and case["verdict"] == "right" and case["cited"]

    _, _, verdict, _, status, _ = tsv.judge(answers, 1, False, "", None)
    assert verdict == "wrong" and "must say" in status and "Save" in status
    assert tsv.save(answers, 1, "wrong", "", "", None).startswith("Not saved: say what the answer must say")
    status = tsv.save(answers, 1, "decline", "", "Bo", None)
    assert "Updated test case" in status
    lines = tsv.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["answerable"] is False and json.loads(lines[0])["saved_by"] == "Bo"

    assert "not an answer" in tsv.judge(answers, 0, True, "", None)[4]  # the user's own message
    assert tsv.save(answers, None, "right", "", "", None).startswith("Judge an answer first")
    chat, answers = _ask(tsv, "", answers, chat)  # an empty question is refused: not a case
    assert "Not saved" in tsv.judge(answers, 3, True, "", None)[4]


def test_run_from_the_tab_reports_progress_compares_and_lists_bad_lines(seed_settings: Settings,
                                                                      tmp_path: Path) -> None:
    tsv = _views(seed_settings, tmp_path)
    info, cases = tsv.cases()
    assert "0 saved cases" in info and "No saved cases yet" in cases
    _, answers = _ask(tsv, "How many people were killed?")
    tsv.judge(answers, 1, True, "", None)
    _, answers = _ask(tsv, "What did China say?")
    tsv.save(answers, 1, "wrong", "China called for restraint", "", None)
    with tsv.path.open("a", encoding="utf-8") as f:
        f.write("{broken by hand\n")

    ticks: list[tuple] = []
    results, report, files, info, cases = tsv.run(["extractive", "llm-not-a-mode"],
                                                  lambda value, **kw: ticks.append((value, kw.get("desc"))))
    assert ticks[0][0] == (0, 2) and ticks[-1][0] == (2, 2)
    assert "1 pass" in results and "1 fail" in results and "no earlier run" in results
    assert "line 3" in results and "broken by hand" in results  # the bad line, by number
    assert "2 saved cases" in info and "bad line" in info
    assert 'sandbox=""' in report and "srcdoc=" in report and "<script" not in report
    assert sorted(Path(f).name for f in files) == ["report-extractive.html", "results-extractive.json"]
    assert tsv.path.read_text(encoding="utf-8").splitlines()[2] == "{broken by hand"  # untouched
    results, *_ = tsv.run(["extractive"], None)
    assert "compared with the run of" in results and "still failing" in results
    assert results.index("What did China say?") < results.index("How many people were killed?")  # failure first
    assert len(list((tmp_path / "runs").glob("*/results-extractive.json"))) == 2
    assert tsv.run([], None)[0].startswith("<p class='chr-none'>Choose at least one")


def test_rendering_escapes_untrusted_text_and_marks_stale_cases() -> None:
    hostile = '<script>alert(1)</script><img src=x onerror="x()">'
    result = QuestionResult(id="c1", type="entity", question=hostile, answerable=True, mode="extractive",
                            answer=hostile, failures=["missing facts: x"], required_facts=[[hostile]],
                            missing_facts=[[hostile]], judged_answer=hostile, verdict="right")
    page = render_rows([CaseRow(result, "pass", "newly failing")])
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert "newly failing" in page and "before: pass" in page and "chr-ts-missing" in page
    stale = QuestionResult(id="c2", type="entity", question="q", answerable=False, mode="extractive",
                           stale=["abc123"])
    page = render_rows([CaseRow(stale, "pass", "stale")])
    assert "stale" in page and "abc123" in page and "not asked" in page
    case = TestCase(id="c3", question=hostile, answerable=True, type="entity", depends_on=["gone"])
    page = render_cases([case], [CaseFileProblem(4, "invalid JSON", hostile)], "mine.jsonl", {"other"})
    assert "<script" not in page and "line 4" in page and "chr-ts-stale" in page
